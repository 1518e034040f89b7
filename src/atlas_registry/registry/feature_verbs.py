"""The registry handle's verbs on the features: backfill and review, code pins, cards, imports.

Each feature is imported inside its verbs, so a command that does not use it
(a CLI ``list``) does not pay for loading it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from atlas_registry.catalog.evaluations import evaluations_of
from atlas_registry.catalog.model_files import files_of
from atlas_registry.catalog.pin_checks import (
    CheckPage,
    PinCheck,
    checks_of,
    every_latest_check,
    page_of_latest_checks,
)
from atlas_registry.catalog.refs import resolve_model_ref
from atlas_registry.catalog.tags import effective_tags
from atlas_registry.pins.locations import RepositoryLocations
from atlas_registry.pins.status import PinStatus, pin_statuses
from atlas_registry.records import ModelRecord
from atlas_registry.store.paging import MAX_PAGE, ListingPage

if TYPE_CHECKING:  # the backfill is imported when used: a CLI `list` should not load it
    from atlas_registry.backfill.runner import BackfillResult
    from atlas_registry.interop.card_import import CardImport
    from atlas_registry.interop.card_out import CardExport
    from atlas_registry.interop.mlflow_import import MlflowImport
    from atlas_registry.pins.changes import PinChange
    from atlas_registry.pins.suggestion import PinSuggestion
    from atlas_registry.review import queue

from atlas_registry.registry.catalog_verbs import CatalogVerbs


class FeatureVerbs(CatalogVerbs):
    """The backfill, the review queue, code pins, model cards and the MLflow import."""

    # ------------------------------------------------------------ backfill and review

    def count_pending_backfill(self) -> int:
        from atlas_registry.backfill.runner import count_pending

        return count_pending(self.database)

    def backfill(
        self, *, dry_run: bool = False, on_chunk: Callable[[int], None] | None = None
    ) -> BackfillResult:
        from atlas_registry.backfill.runner import backfill

        return backfill(
            self.database,
            dry_run=dry_run,
            policy=self.policy,
            validator=self.validator,
            on_chunk=on_chunk,
        )

    def write_migration_report(self, path: str | Path) -> Path:
        from atlas_registry.backfill.report import write_report

        return write_report(self.database, path)

    def list_reviews(
        self, status: str | None = "open", *, artifact_ids: Sequence[str] | None = None
    ) -> list[queue.ReviewItem]:
        """Review items of one status (None: any), of the artifacts ``artifact_ids`` if given."""
        from atlas_registry.review import queue

        return queue.list_reviews(self.database, status, artifact_ids)

    def review_page(
        self,
        status: str | None = "open",
        *,
        page_size: int = MAX_PAGE,
        page_token: str | None = None,
    ) -> ListingPage[queue.ReviewItem]:
        """One page of review items by artifact id, and the token of the next page."""
        from atlas_registry.review import queue

        return queue.review_page(self.database, status, page_size=page_size, page_token=page_token)

    def provenance(self, artifact_ref: str) -> queue.Provenance | None:
        """A backfilled model's legacy origin (hash, rules applied, excerpt), else None."""
        from atlas_registry.review import queue

        return queue.provenance(self.database, self.resolve(artifact_ref))

    def get_review(self, artifact_ref: str) -> queue.ReviewItem:
        with self.database.single_read() as conn:
            from atlas_registry.review import queue

            return queue.get_review(conn, resolve_model_ref(conn, artifact_ref))

    def resolve_review(
        self, artifact_id: str, assignments: list[str], *, actor: str, notes: str | None = None
    ) -> queue.ReviewItem:
        from atlas_registry.review import resolution

        return resolution.resolve(
            self.database,
            self.resolve(artifact_id),
            assignments,
            actor=actor,
            notes=notes,
            validator=self.validator,
            policy=self.policy,
        )

    # ------------------------------------------------------------ code pins

    def verify_pins(
        self,
        model_refs: Iterable[str] = (),
        *,
        promoted_only: bool = False,
        locations: RepositoryLocations | None = None,
        actor: str,
        on_checked: Callable[[int], None] | None = None,
    ) -> list[PinCheck]:
        """Check the pins of the named models (else every model, or every promoted one).

        Each outcome is appended to the pin-check record; see
        :mod:`atlas_registry.pins.verification` for what is checked.
        """
        from atlas_registry.pins import verification

        where = locations or RepositoryLocations.configured()
        refs = list(model_refs)
        if refs:
            ids = list(dict.fromkeys(self.resolve(ref) for ref in refs))
            with self.database.session() as session:
                pages: Iterable[list[verification.PinTarget]] = [
                    verification.targets_named(session, ids)
                ]
        else:
            pages = verification.targets_paged(self.database, promoted_only)
        return verification.verify_and_record(self.database, pages, where, actor, on_checked)

    def pin_checks(self, model_ref: str, limit: int = 20) -> list[PinCheck]:
        """A model's recorded pin checks, newest first."""
        model_id = self.resolve(model_ref)
        with self.database.session() as session:
            return checks_of(session, model_id, limit)

    def pin_statuses(self, models: Sequence[ModelRecord]) -> dict[str, PinStatus]:
        """The state of each model's pin (what its badge shows), keyed by model id.

        One read for a page of models: the newest check of each, compared with
        the pin the model holds now.
        """
        with self.database.session() as session:
            return pin_statuses(session, models)

    def pin_status(self, model_ref: str) -> PinStatus:
        """The state of one model's pin: verified, not checked, failed, unreachable ..."""
        model = self.get_model(model_ref)
        return self.pin_statuses([model])[model.id]

    def pin_changes(self, model_ref: str) -> list[PinChange]:
        """Every change of the model's code pin through the review queue, newest first."""
        from atlas_registry.pins.changes import changes_of

        model_id = self.resolve(model_ref)
        with self.database.session() as session:
            return changes_of(session, model_id)

    def pin_report(
        self, *, status: str | None = None, promoted_only: bool = False
    ) -> list[PinCheck]:
        """The newest check of every model whose current pin was checked, by model id."""
        return every_latest_check(self.database, status, promoted_only)

    def pin_report_page(
        self,
        *,
        status: str | None = None,
        promoted_only: bool = False,
        page_size: int = MAX_PAGE,
        page_token: str | None = None,
    ) -> CheckPage:
        """One page of :meth:`pin_report`, and the token of the next page."""
        return page_of_latest_checks(
            self.database, status, promoted_only, page_size=page_size, page_token=page_token
        )

    def suggest_pin(
        self,
        model_ref: str,
        repo_url: str | None = None,
        *,
        locations: RepositoryLocations | None = None,
        limit: int = 10,
        paths: list[str] | None = None,
    ) -> PinSuggestion:
        """Candidate commits for a model with no pin, or whose pin failed its check, put in its
        review item (nothing is pinned until a reviewer accepts one)."""
        from atlas_registry.pins.suggestion import suggest_pin

        return suggest_pin(
            self.database,
            self.resolve(model_ref),
            repo_url,
            locations or RepositoryLocations.configured(),
            limit=limit,
            paths=paths,
        )

    # ------------------------------------------------------------ model cards

    def model_card(self, model_ref: str) -> str:
        """The model as a Hugging Face model card (README.md text with YAML front matter)."""
        return self.export_card(model_ref).text

    def write_model_card(self, model_ref: str, folder: Path, *, force: bool = False) -> str:
        """:meth:`model_card` written to ``folder/README.md``; returns the card."""
        return self.export_card(model_ref, folder, force=force).text

    def export_card(
        self, model_ref: str, folder: Path | None = None, *, force: bool = False
    ) -> CardExport:
        """The model's card, written to ``folder/README.md`` when a folder is given.

        A README.md there is replaced only when it is a card this registry wrote
        of a version of the same line, unless ``force``; the file appears whole
        or not at all. ``notice`` says when the version is rejected or superseded.
        """
        from atlas_registry.interop.card_out import CardFacts, export_card

        model = self.get_model(model_ref)
        base = self.get_model(model.base_model_id) if model.base_model_id else None
        tags = effective_tags(self.database, [model.id])[model.id]
        files = [f.entry.to_dict() for f in files_of(self.database, model.id)]
        facts = CardFacts(
            model,
            self.history(model.id),
            self.lineage(model.id),
            base,
            evaluations_of(self.database, model.id),
            tags=tags,
            files=files,
        )

        def name_of(model_id: str) -> str | None:
            found = self.version_names([model_id]).get(model_id)
            return found.label if found else None

        return export_card(facts, folder, force=force, name_of=name_of)

    def import_card(
        self,
        path: str,
        *,
        revision: str | None = None,
        source_url: str | None = None,
        assignments: list[str] | None = None,
        line: str | None = None,
        result: int | None = None,
        dry_run: bool = False,
    ) -> CardImport:
        """Register the external model a model card describes, once; ``dry_run`` writes nothing.

        ``result`` picks the result of a card's ``model-index`` registered as the
        version's own metrics (default: the first); every other result is an
        evaluation of the same version. The same card, revision and source
        imported again registers nothing (see :class:`CardImport`).
        """
        from atlas_registry.interop.card_import import CardRequest, import_card

        request = CardRequest(revision, source_url, assignments or [], line, result)
        return import_card(self.database, path, request, validator=self.validator, dry_run=dry_run)

    def import_mlflow(
        self,
        tracking_uri: str,
        *,
        models: list[str] | None = None,
        assignments: list[str] | None = None,
        dry_run: bool = False,
    ) -> MlflowImport:
        """Register an MLflow registry's models as lines, in version order; see the report."""
        from atlas_registry.interop.mlflow_import import import_mlflow

        return import_mlflow(
            self.database,
            tracking_uri,
            names=models,
            assignments=assignments or [],
            policy=self.policy,
            validator=self.validator,
            dry_run=dry_run,
        )
