"""The registry handle: one database, its gate policy and its validator, opened once.

Every shell (the CLI today; any later one, such as an HTTP API) holds one
:class:`Registry` and calls its verbs; none of them touches the database, the
tables or SQLAlchemy.
Whether the database is at this code's migration head depends only on the
database, so it is checked once, when the handle is opened, not in every verb.
Schema work (migrate, status, down) and loading legacy rows happen on databases
that are *not* at head by definition, so they live on a second handle,
:class:`SchemaAdmin`, which does no such check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

from atlas_registry import (
    __version__,
    artifact_catalog,
    catalog_boards,
    catalog_queries,
    lifecycle,
    lines,
    migration_runner,
    schema_check,
    tokens,
)
from atlas_registry.catalog_boards import LeaderboardEntry
from atlas_registry.catalog_queries import Page
from atlas_registry.db import Database, resolve_url
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import InputError, NotFoundError
from atlas_registry.lifecycle import LineEvent, PromotionEvent, TransitionResult
from atlas_registry.lines import LineOverview, LinePage, LineSummary, VersionName
from atlas_registry.listing_pages import ListingPage
from atlas_registry.metric_directions import RankedBy
from atlas_registry.migration_runner import Migration, MigrationState
from atlas_registry.model_refs import require_line, resolve_model_ref
from atlas_registry.pins.checks import (
    CheckPage,
    PinCheck,
    checks_of,
    every_latest_check,
    page_of_latest_checks,
)
from atlas_registry.pins.locations import RepositoryLocations
from atlas_registry.pins.status import PinStatus, pin_statuses
from atlas_registry.promotion_policy import GatePolicy, load_policy
from atlas_registry.records import Lineage, ModelRecord, ModelRegistration
from atlas_registry.registration_checks import check_registration
from atlas_registry.validation import (
    MetadataValidator,
    default_validator,
    load_schema,
    released_versions,
)

if TYPE_CHECKING:  # the backfill is imported when used: a CLI `list` should not load it
    from atlas_registry.backfill import review
    from atlas_registry.backfill.legacy_fixture import LoadResult
    from atlas_registry.backfill.runner import BackfillResult
    from atlas_registry.interop.card_import import CardImport
    from atlas_registry.interop.card_out import CardExport
    from atlas_registry.interop.mlflow_import import MlflowImport
    from atlas_registry.pins.changes import PinChange
    from atlas_registry.pins.suggestion import PinSuggestion
    from atlas_registry.schema_upgrade import SchemaUpgrade

T = TypeVar("T")


class _Handle:
    """What both handles share: the database they hold, and closing it."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @property
    def url(self) -> str:
        """The database URL with any password hidden, fit for messages and logs."""
        return self.database.display_url

    def close(self) -> None:
        self.database.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Registry(_Handle):
    """The catalog, the lifecycle, the backfill and the review queue of one database."""

    def __init__(
        self, database: Database, policy: GatePolicy, validator: MetadataValidator
    ) -> None:
        super().__init__(database)
        self.policy = policy
        self.validator = validator

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        policy: GatePolicy | str | None = None,
        validator: MetadataValidator | None = None,
    ) -> Registry:
        """Open the database at ``url`` (else ``$ATLAS_REGISTRY_DB``, else the SQLite file).

        Refuses a database that is missing or not at this code's migration head
        (:class:`~atlas_registry.errors.SchemaOutOfDateError` names the fix).
        ``policy`` is a :class:`GatePolicy` or the path of a policy TOML file;
        by default ``$ATLAS_REGISTRY_POLICY`` or the packaged policy.
        """
        gate = policy if isinstance(policy, GatePolicy) else load_policy(policy)
        database = Database(resolve_url(url))
        try:
            migration_runner.ensure_current(database)
        except BaseException:
            database.dispose()
            raise
        return cls(database, gate, validator or default_validator())

    # ------------------------------------------------------------ catalog

    def validate_metadata(self, metadata: Any) -> None:
        """Raise MetadataValidationError listing every violation, or return None."""
        self.validator.validate(metadata)

    def resolve(self, ref: str) -> str:
        """The model id a reference names: an id, ``line``, ``line@3``, ``line@promoted``,
        ``line@latest``, a short id (the last 8 or more characters of an id, or the first 7
        of a short id) or a unique id prefix of 8 or more characters."""
        with self.database.single_read() as conn:
            return resolve_model_ref(conn, ref)

    def register_model(
        self, registration: ModelRegistration, *, dry_run: bool = False
    ) -> ModelRecord:
        """Register one version; ``dry_run`` checks everything and writes nothing."""
        return artifact_catalog.register_model(
            self.database, registration, validator=self.validator, dry_run=dry_run
        )

    def validate_registration(self, document: Any) -> ModelRegistration:
        """A registration document checked whole (fields and metadata), without the database."""
        return check_registration(document, self.validator)

    def register_models(self, registrations: Iterable[ModelRegistration]) -> list[str]:
        return artifact_catalog.register_models(
            self.database, registrations, validator=self.validator
        )

    def _read(self, verb: Callable[[Database, str], T], model_ref: str) -> T:
        return self._on_model(lambda model_id: verb(self.database, model_id), model_ref)

    def _on_model(self, verb: Callable[[str], T], model_ref: str) -> T:
        """``verb`` on the model ``model_ref`` names, with no lookup first when it is an exact id.

        Most calls name a model by its id; only when that finds nothing is the
        reference resolved (line name, ``NAME@N``, short id, id prefix) and the call
        repeated. A transition that finds no model has written nothing (it
        reads the model before any write), so repeating it is safe.
        """
        if not is_storable_text(model_ref):
            self.resolve(model_ref)  # names nothing: NotFoundError, on either database
        try:
            return verb(model_ref)
        except NotFoundError:
            resolved = self.resolve(model_ref)
            if resolved == model_ref:
                raise
        return verb(resolved)

    def get_model(self, model_ref: str) -> ModelRecord:
        return self._read(artifact_catalog.get_model, model_ref)

    def list_models(self, **filters: Any) -> list[ModelRecord]:
        """See :func:`atlas_registry.catalog_queries.list_models` for the filters."""
        found = artifact_catalog.list_models(self.database, **self._resolved_filters(filters))
        if not found:
            self._require_line(filters.get("line"))
        return found

    def list_page(
        self, *, page_size: int = 50, page_token: str | None = None, **filters: Any
    ) -> Page:
        """One page of models, newest first, and the token of the next page."""
        page = catalog_queries.list_page(
            self.database,
            page_size=page_size,
            page_token=page_token,
            **self._resolved_filters(filters),
        )
        if not page.items:
            self._require_line(filters.get("line"))
        return page

    def _resolved_filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        base = filters.get("base_model_id")
        return {**filters, "base_model_id": self.resolve(base)} if base else filters

    def _require_line(self, name: str | None) -> None:
        """A misspelt line is not an empty line: an empty list names it, and lines spelt alike.

        Asked only when nothing matched, so a list that finds models pays nothing.
        """
        if name:
            with self.database.single_read() as conn:
                require_line(conn, name)

    def lineage(self, model_ref: str) -> Lineage:
        return self._read(artifact_catalog.lineage, model_ref)

    def lines(self, *, name: str | None = None) -> list[LineSummary]:
        """Every named model line, each with its latest and promoted version.

        With ``name``, that one line; NotFoundError (naming lines spelt alike) if none is.
        """
        found = lines.list_lines(self.database, name=name)
        if not found:
            self._require_line(name)
        return found

    def lines_page(
        self, *, page_size: int = 1000, page_token: str | None = None, search: str | None = None
    ) -> LinePage:
        """One page of named lines in name order, and the token of the next page.

        With ``search``, the lines whose name or one of whose versions' titles
        holds it (ASCII letters in either case).
        """
        if search:
            return lines.page_of_lines_matching(
                self.database, search, page_size=page_size, page_token=page_token
            )
        return lines.page_of_lines(self.database, page_size=page_size, page_token=page_token)

    def lines_overview(
        self, *, page_size: int = 50, page_token: str | None = None, search: str | None = None
    ) -> ListingPage[LineOverview]:
        """:meth:`lines_page` with each line's newest and promoted version records:
        what a list of lines shows, one row per line."""
        found = self.lines_page(page_size=page_size, page_token=page_token, search=search)
        return ListingPage(lines.overviews(self.database, found.items), found.next_page_token)

    def unnamed_page(
        self, *, page_size: int = 50, page_token: str | None = None, search: str | None = None
    ) -> ListingPage[ModelRecord]:
        """The newest version of each line without a name, in id order (``search``: in
        its title): where a list of lines shows the models outside any named line."""
        return lines.page_of_unnamed(
            self.database, search, page_size=page_size, page_token=page_token
        )

    def name_line(self, model_ref: str, name: str) -> LineSummary:
        """Name the (unnamed) line of a model, e.g. one registered before lines had names."""
        return lines.name_line(self.database, self.resolve(model_ref), name)

    def leaderboard(
        self, benchmark_id: str, metric: str, *, limit: int = 10, direction: str | None = None
    ) -> list[LeaderboardEntry]:
        """The best models of a benchmark by one metric, best first by the metric's direction.

        ``direction`` (``higher`` or ``lower``) answers only for a metric whose
        direction is unknown (see :meth:`metric_direction`); a known one is never
        reversed, and an unknown one is never guessed.
        """
        return artifact_catalog.leaderboard(
            self.database,
            benchmark_id,
            metric,
            limit=limit,
            direction=direction,
            directions=self.policy.directions,
        )

    def metric_direction(self, metric: str) -> str:
        """``higher``, ``lower`` or ``unknown``: which way is better for ``metric``.

        From the metric vocabulary shipped with the schema, then the ``[metrics]``
        the policy declares; every ranking, highlight and trend asks here.
        """
        return self.policy.directions.name(metric)

    def ranked_by(self, metric: str, direction: str | None = None) -> RankedBy:
        """The direction a leaderboard of ``metric`` is ranked by, and where it came from.

        ``source`` is ``vocabulary`` or ``policy`` for a fact, ``request`` for
        the caller's ``direction`` answering an unknown one: every surface marks
        a chosen direction as chosen. Refused as :meth:`leaderboard` refuses.
        """
        return self.policy.directions.ranked_by(metric, direction)

    # ------------------------------------------------------------ lifecycle

    def promote(
        self, model_ref: str, *, actor: str, notes: str | None = None, override: bool = False
    ) -> TransitionResult:
        return self._on_model(
            lambda model_id: lifecycle.promote(
                self.database,
                model_id,
                actor=actor,
                notes=notes,
                override=override,
                policy=self.policy,
            ),
            model_ref,
        )

    def reject(self, model_ref: str, *, actor: str, notes: str | None) -> TransitionResult:
        return self._on_model(
            lambda model_id: lifecycle.reject(self.database, model_id, actor=actor, notes=notes),
            model_ref,
        )

    def supersede(self, model_ref: str, *, actor: str, notes: str | None) -> TransitionResult:
        return self._on_model(
            lambda model_id: lifecycle.supersede(self.database, model_id, actor=actor, notes=notes),
            model_ref,
        )

    def rollback(
        self,
        line_ref: str,
        *,
        to_version: int | None = None,
        actor: str,
        notes: str | None,
        override: bool = False,
    ) -> TransitionResult:
        """Re-promote an earlier version of a line (through the gate, or an override)."""
        return lifecycle.rollback(
            self.database,
            self.resolve(line_ref),
            to_version=to_version,
            actor=actor,
            notes=notes,
            override=override,
            policy=self.policy,
        )

    def history(self, model_ref: str) -> list[PromotionEvent]:
        """Every transition of one version, oldest first."""
        return self._read(lifecycle.history, model_ref)

    def line_history(self, model_ref: str) -> list[LineEvent]:
        """Every transition of every version of the line ``model_ref`` is in (its name,
        or any of its versions), oldest first, each naming its version ``line@N``."""
        return self._read(lifecycle.line_history, model_ref)

    def history_of(self, ref: str) -> list[LineEvent]:
        """What ``history REF`` shows: a line's name means the whole line (a rollback is
        seen whole); any other reference (``NAME@N``, an id) that one version."""
        if "@" not in ref and self._names_a_line(ref):
            return self.line_history(ref)
        model_id = self.resolve(ref)
        name = self.version_names([model_id])[model_id]
        return [LineEvent(event, name) for event in self.history(model_id)]

    def _names_a_line(self, ref: str) -> bool:
        """True when ``ref`` is a line's name (no artifact id can be one: lines.refuse_id_names)."""
        return bool(lines.list_lines(self.database, name=ref))

    def version_names(self, model_ids: Iterable[str]) -> dict[str, VersionName]:
        """How a person names each of these versions (``line@N``, else the id), by id."""
        return lines.version_names(self.database, list(model_ids))

    def recent_events(
        self,
        limit: int = 50,
        *,
        before_id: int | None = None,
        actor: str | None = None,
        overrides_only: bool = False,
    ) -> list[PromotionEvent]:
        """Transitions across the registry, newest first; ``before_id`` pages back."""
        return lifecycle.recent_events(
            self.database, limit, before_id=before_id, actor=actor, overrides_only=overrides_only
        )

    def promoted_version(self, model_ref: str) -> ModelRecord | None:
        return self._read(lifecycle.promoted_version, model_ref)

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
    ) -> list[review.ReviewItem]:
        """Review items of one status (None: any), of the artifacts ``artifact_ids`` if given."""
        from atlas_registry.backfill import review

        return review.list_reviews(self.database, status, artifact_ids)

    def review_page(
        self, status: str | None = "open", *, page_size: int = 1000, page_token: str | None = None
    ) -> ListingPage[review.ReviewItem]:
        """One page of review items by artifact id, and the token of the next page."""
        from atlas_registry.backfill import review

        return review.review_page(self.database, status, page_size=page_size, page_token=page_token)

    def provenance(self, artifact_ref: str) -> review.Provenance | None:
        """A backfilled model's legacy origin (hash, rules applied, excerpt), else None."""
        from atlas_registry.backfill import review

        return review.provenance(self.database, self.resolve(artifact_ref))

    def get_review(self, artifact_ref: str) -> review.ReviewItem:
        with self.database.single_read() as conn:
            from atlas_registry.backfill import review

            return review.get_review(conn, resolve_model_ref(conn, artifact_ref))

    def resolve_review(
        self, artifact_id: str, assignments: list[str], *, actor: str, notes: str | None = None
    ) -> review.ReviewItem:
        from atlas_registry.backfill import resolution

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
        page_size: int = 1000,
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
        facts = CardFacts(model, self.history(model.id), self.lineage(model.id), base)

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

        ``result`` picks one result of a card whose ``model-index`` reports
        several; the same card, revision, source and result imported again
        registers nothing (see :class:`CardImport`).
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

    # ------------------------------------------------------------ the registry itself

    def check_schema(
        self, proposed: Any = None, *, on_page: Callable[[int], None] | None = None
    ) -> schema_check.SchemaCheck:
        """Every stored model's metadata against ``proposed`` (a schema), or the one in force."""
        validator = self.validator if proposed is None else schema_check.validator_for(proposed)
        return schema_check.check_stored(self.database, validator, on_page)

    def upgrade_schema(
        self, to: str, *, on_page: Callable[[int], None] | None = None
    ) -> SchemaUpgrade:
        """Re-stamp stored models that satisfy released version ``to``; hold the rest for review."""
        from atlas_registry.schema_upgrade import upgrade_stored

        released = released_versions()
        if to not in released:
            raise InputError(
                f"{to!r} is not a released schema version (released: {', '.join(released)})"
            )
        return upgrade_stored(self.database, MetadataValidator(load_schema(to)), on_page)

    def count_models(self) -> int:
        return schema_check.count_models(self.database)

    def benchmarks(self) -> list[dict[str, Any]]:
        """Every benchmark with a registered model: its metrics, their directions, the gate."""
        return catalog_boards.benchmarks(self.database, self.policy)

    def schema(self) -> dict[str, Any]:
        """The model metadata JSON Schema in force."""
        return dict(self.validator.schema)

    def check_ready(self) -> None:
        """Raise unless the database answers and is at this version's migration head."""
        migration_runner.ensure_current(self.database)

    def about(self) -> dict[str, Any]:
        """The version, the schema's id and the migration head this registry runs."""
        return {
            "version": __version__,
            "schema_id": self.validator.schema.get("$id"),
            "schema_version": self.validator.version,
            "migration_head": migration_runner.head(self.database.dialect),
        }

    # ------------------------------------------------------------ API tokens

    def create_token(
        self, name: str, scopes: list[str], *, expires_days: int | None = None
    ) -> tokens.NewToken:
        """A new bearer token; its text is in the result and nowhere else."""
        return tokens.create_token(self.database, name, scopes, expires_days)

    def list_tokens(self) -> list[tokens.ApiToken]:
        return tokens.list_tokens(self.database)

    def revoke_token(self, name: str) -> tokens.ApiToken:
        return tokens.revoke_token(self.database, name)

    def verify_token(self, presented: str) -> tokens.ApiToken:
        return tokens.verify_token(self.database, presented)

    def has_tokens(self) -> bool:
        return tokens.any_token(self.database)


class SchemaAdmin(_Handle):
    """Schema work on a database that need not be at head: migrate, status, down, legacy load."""

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = False) -> SchemaAdmin:
        """Open the database at ``url``; only ``create=True`` (``migrate``) may make a new one."""
        return cls(Database(resolve_url(url), must_exist=not create))

    def migrate(self, to: int | None = None) -> list[Migration]:
        return migration_runner.migrate(self.database, to=to)

    def downgrade(self, to: int) -> list[Migration]:
        return migration_runner.downgrade(self.database, to=to)

    def status(self) -> list[MigrationState]:
        return migration_runner.status(self.database)

    def baseline(self, *, add_columns: bool = False) -> Migration:
        """Adopt the platform's existing ``artifacts`` table as migration 0001."""
        from atlas_registry.catalog_baseline import baseline

        return baseline(self.database, add_columns=add_columns)

    def load_legacy(self, path: str | None = None) -> LoadResult:
        from atlas_registry.backfill.legacy_fixture import load_legacy

        return load_legacy(self.database, path)
