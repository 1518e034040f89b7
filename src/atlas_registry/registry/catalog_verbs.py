"""The registry handle's verbs on the catalog and the lifecycle: register, read, promote."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from atlas_registry.catalog import (
    line_listing,
    line_naming,
    lineage,
    model_listing,
    registrar,
    version_names,
)
from atlas_registry.catalog.leaderboards import LeaderboardEntry
from atlas_registry.catalog.line_listing import LineOverview, LinePage, LineSummary
from atlas_registry.catalog.metric_directions import RankedBy
from atlas_registry.catalog.model_listing import Page
from atlas_registry.catalog.prepare import check_registration
from atlas_registry.catalog.refs import require_line
from atlas_registry.catalog.version_names import VersionName
from atlas_registry.lifecycle import history, rollback, transitions
from atlas_registry.lifecycle.moves import PromotionEvent
from atlas_registry.lifecycle.transitions import LineEvent, TransitionResult
from atlas_registry.records import Lineage, ModelRecord, ModelRegistration
from atlas_registry.registry.base import Verbs
from atlas_registry.store.paging import MAX_PAGE, ListingPage


class CatalogVerbs(Verbs):
    """Registering, reading, naming and ranking models; moving them through the lifecycle."""

    # ------------------------------------------------------------ catalog

    def validate_metadata(self, metadata: Any) -> None:
        """Raise MetadataValidationError listing every violation, or return None."""
        self.validator.validate(metadata)

    def register_model(
        self, registration: ModelRegistration, *, dry_run: bool = False, actor: str | None = None
    ) -> ModelRecord:
        """Register one version; ``dry_run`` checks everything and writes nothing.

        ``actor``: who is known to send it (a token's name); it becomes the
        version's ``created_by``, and a different ``created_by`` in the
        registration is kept as ``claimed_by``. Without it the registration's
        ``created_by`` stands.
        """
        return registrar.register_model(
            self.database, registration, validator=self.validator, dry_run=dry_run, actor=actor
        )

    def validate_registration(self, document: Any) -> ModelRegistration:
        """A registration document checked whole (fields and metadata), without the database."""
        return check_registration(document, self.validator)

    def register_models(
        self, registrations: Iterable[ModelRegistration], *, actor: str | None = None
    ) -> list[str]:
        """Register many versions in one transaction; ``actor`` as in :meth:`register_model`."""
        return registrar.register_models(
            self.database, registrations, validator=self.validator, actor=actor
        )

    def get_model(self, model_ref: str) -> ModelRecord:
        return self._read(registrar.get_model, model_ref)

    def list_models(self, **filters: Any) -> list[ModelRecord]:
        """Models matching every filter, newest first; ``limit`` and ``offset`` page them.

        The filters are the fields of :class:`~atlas_registry.ModelFilters`, as keyword
        arguments; a name that is none is refused (ValidationError), naming the filters.
        """
        found = registrar.list_models(self.database, **self._resolved_filters(filters))
        if not found:
            self._require_line(filters.get("line"))
        return found

    def list_page(
        self, *, page_size: int = 50, page_token: str | None = None, **filters: Any
    ) -> Page:
        """One page of models matching every filter, newest first, and the next page's token.

        The filters are :meth:`list_models`'; the token pages on with the same ones.
        """
        page = model_listing.list_page(
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
        return self._read(lineage.lineage, model_ref)

    def lines(self, *, name: str | None = None) -> list[LineSummary]:
        """Every named model line, each with its latest and promoted version.

        With ``name``, that one line; NotFoundError (naming lines spelt alike) if none is.
        """
        found = line_listing.list_lines(self.database, name=name)
        if not found:
            self._require_line(name)
        return found

    def lines_page(
        self, *, page_size: int = MAX_PAGE, page_token: str | None = None, search: str | None = None
    ) -> LinePage:
        """One page of named lines in name order, and the token of the next page.

        With ``search``, the lines whose name or one of whose versions' titles
        holds it (ASCII letters in either case).
        """
        if search:
            return line_listing.page_of_lines_matching(
                self.database, search, page_size=page_size, page_token=page_token
            )
        return line_listing.page_of_lines(self.database, page_size=page_size, page_token=page_token)

    def lines_overview(
        self, *, page_size: int = 50, page_token: str | None = None, search: str | None = None
    ) -> ListingPage[LineOverview]:
        """:meth:`lines_page` with each line's newest and promoted version records:
        what a list of lines shows, one row per line."""
        found = self.lines_page(page_size=page_size, page_token=page_token, search=search)
        return ListingPage(
            line_listing.overviews(self.database, found.items), found.next_page_token
        )

    def unnamed_page(
        self, *, page_size: int = 50, page_token: str | None = None, search: str | None = None
    ) -> ListingPage[ModelRecord]:
        """The newest version of each line without a name, in id order (``search``: in
        its title): where a list of lines shows the models outside any named line."""
        return line_listing.page_of_unnamed(
            self.database, search, page_size=page_size, page_token=page_token
        )

    def name_line(self, model_ref: str, name: str, *, actor: str | None = None) -> LineSummary:
        """Name the (unnamed) line of a model, e.g. one registered before lines had names.

        ``actor``: who is known to name it (a token's name), recorded as the line's
        ``named_by``.
        """
        return line_naming.name_line(self.database, self.resolve(model_ref), name, actor)

    def leaderboard(
        self,
        benchmark_id: str,
        metric: str,
        *,
        limit: int = 10,
        direction: str | None = None,
        dataset: str | None = None,
        split: str | None = None,
    ) -> list[LeaderboardEntry]:
        """The best models of a benchmark by one metric, best first by the metric's direction.

        Each version is ranked by its newest evaluation on the benchmark (on
        ``dataset``, and its ``split``, when given); each entry says who evaluated.

        ``direction`` (``higher`` or ``lower``) answers only for a metric whose
        direction is unknown (see :meth:`metric_direction`); a known one is never
        reversed, and an unknown one is never guessed.
        """
        return registrar.leaderboard(
            self.database,
            benchmark_id,
            metric,
            limit=limit,
            direction=direction,
            directions=self.policy.directions,
            dataset=dataset,
            split=split,
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
            lambda model_id: transitions.promote(
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
            lambda model_id: transitions.reject(self.database, model_id, actor=actor, notes=notes),
            model_ref,
        )

    def supersede(self, model_ref: str, *, actor: str, notes: str | None) -> TransitionResult:
        return self._on_model(
            lambda model_id: transitions.supersede(
                self.database, model_id, actor=actor, notes=notes
            ),
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
        return rollback.rollback(
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
        return self._read(history.history, model_ref)

    def line_history(self, model_ref: str) -> list[LineEvent]:
        """Every transition of every version of the line ``model_ref`` is in (its name,
        or any of its versions), oldest first, each naming its version ``line@N``."""
        return self._read(history.line_history, model_ref)

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
        return bool(line_listing.list_lines(self.database, name=ref))

    def version_names(self, model_ids: Iterable[str]) -> dict[str, VersionName]:
        """How a person names each of these versions (``line@N``, else the id), by id."""
        return version_names.version_names(self.database, list(model_ids))

    def recent_events(
        self,
        limit: int = 50,
        *,
        before_id: int | None = None,
        actor: str | None = None,
        overrides_only: bool = False,
    ) -> list[PromotionEvent]:
        """Transitions across the registry, newest first; ``before_id`` pages back."""
        return history.recent_events(
            self.database, limit, before_id=before_id, actor=actor, overrides_only=overrides_only
        )

    def promoted_version(self, model_ref: str) -> ModelRecord | None:
        return self._read(history.promoted_version, model_ref)
