"""Models, lines and their lifecycle over HTTP, answered with the library's records."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from atlas_registry import Lineage, ModelRecord, ModelRegistration
from atlas_registry.client import decode
from atlas_registry.client.calls import Calls, part
from atlas_registry.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from atlas_registry import (
        LeaderboardEntry,
        LineEvent,
        LineSummary,
        Page,
        PromotionEvent,
        TransitionResult,
    )


def registration_body(registration: ModelRegistration) -> dict[str, Any]:
    """A registration as the API reads it: its fields that are set."""
    body = {
        f.name: getattr(registration, f.name)
        for f in dataclasses.fields(registration)
        if getattr(registration, f.name) is not None
    }
    body["metadata"] = dict(registration.metadata)
    if registration.files is not None:
        body["files"] = list(registration.files)
    return body


class CatalogCalls(Calls):
    """Register, read, list, lineage, history; promote, reject, supersede, roll back."""

    # ------------------------------------------------------------ the registry itself

    def about(self) -> dict[str, Any]:
        about: dict[str, Any] = self.session.get("/api/v1/version")
        return about

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.session.get("/api/v1/schemas/model-metadata")
        return schema

    def benchmarks(self) -> list[dict[str, Any]]:
        return self._items("/api/v1/benchmarks")

    # ------------------------------------------------------------ registering

    def register_model(
        self, registration: ModelRegistration, *, dry_run: bool = False, actor: str | None = None
    ) -> ModelRecord:
        """Register one version; the server records the token's name as its author.

        ``actor`` is the token's name on a server, so it is not sent; a
        registration's ``created_by`` that differs is kept as its claim.
        """
        del actor
        body = registration_body(registration)
        params = {"dry_run": "true"} if dry_run else None
        if dry_run:
            answer = self.session.send("POST", "/api/v1/models", params=params, body=body)
            return decode.record(ModelRecord, answer.json())
        return decode.record(ModelRecord, self.session.post("/api/v1/models", body))

    def register_models(
        self, registrations: Iterable[ModelRegistration], *, actor: str | None = None
    ) -> list[str]:
        """Register many versions in one transaction: every id, or none written."""
        del actor
        items = [registration_body(r) for r in registrations]
        ids: list[str] = self.session.post("/api/v1/models/batch", {"items": items})["ids"]
        return ids

    def validate_metadata(self, metadata: Any) -> None:
        """Raise :class:`~atlas_registry.errors.MetadataValidationError` unless it is valid."""
        self._validate(metadata, "metadata")

    def validate_registration(self, document: Any) -> ModelRegistration:
        """A registration document checked whole by the server, without writing anything."""
        self._validate(document, "registration")
        return ModelRegistration.from_dict(document)

    def _validate(self, document: Any, what: str) -> None:
        from atlas_registry.errors import MetadataValidationError, Violation

        answer = self.session.post("/api/v1/validate", document)
        if not answer["valid"]:
            violations = [Violation(v["path"], v["message"]) for v in answer["violations"]]
            raise MetadataValidationError(f"the {what} is invalid", violations)

    # ------------------------------------------------------------ reading

    def get_model(self, model_ref: str) -> ModelRecord:
        return decode.record(ModelRecord, self.session.get(f"/api/v1/models/{part(model_ref)}"))

    def model_at(self, ref: str, at: str) -> ModelRecord:
        """The version ``NAME@ALIAS`` (or ``NAME@promoted``) named at ``at``."""
        found = self.session.get(f"/api/v1/models/{part(ref)}", {"at": at})
        return decode.record(ModelRecord, found)

    def resolve(self, ref: str) -> str:
        """The id of the model ``ref`` names."""
        return self.get_model(ref).id

    def list_page(
        self, *, page_size: int = 50, page_token: str | None = None, **filters: Any
    ) -> Page:
        params = {**filters, "page_size": page_size, "page_token": page_token}
        body = self.session.get("/api/v1/models", params)
        page: Page = decode.kind("Page")(
            decode.records(ModelRecord, body["items"]), body["next_page_token"]
        )
        return page

    def iter_models(self, *, page_size: int = 100, **filters: Any) -> Iterator[ModelRecord]:
        """Every model matching ``filters``, newest first, a page read only when reached."""
        token: str | None = None
        while True:
            page = self.list_page(page_size=page_size, page_token=token, **filters)
            yield from page.items
            token = page.next_page_token
            if token is None:
                return

    def list_models(self, **filters: Any) -> list[ModelRecord]:
        """Every model matching ``filters`` (every page read); :meth:`iter_models` pages lazily."""
        return list(self.iter_models(**filters))

    def lineage(self, model_ref: str) -> Lineage:
        return decode.record(Lineage, self.session.get(f"/api/v1/models/{part(model_ref)}/lineage"))

    def history(self, model_ref: str) -> list[PromotionEvent]:
        items = self._items(f"/api/v1/models/{part(model_ref)}/history")
        return decode.records(decode.kind("PromotionEvent"), items)

    def line_history(self, model_ref: str) -> list[LineEvent]:
        """Every transition of the line ``model_ref`` is in (its name, or a version), oldest first.

        The API reads a line's history by the line's name: a line registered
        without one is refused (:class:`~atlas_registry.errors.InputError`).
        """
        line = model_ref
        if "@" in model_ref or not self._is_line(model_ref):
            found = self.get_model(model_ref)
            if found.line_name is None:
                raise InputError(
                    f"the line of {found.id} has no name: the API reads a line's history by name"
                )
            line = found.line_name
        items = self._items(f"/api/v1/lines/{part(line)}/history")
        return [decode.line_event(item) for item in items]

    def history_of(self, ref: str) -> list[LineEvent]:
        """What ``history REF`` shows: a line's name means the whole line; any other
        reference (``NAME@N``, an id) that one version."""
        if "@" not in ref and self._is_line(ref):
            return self.line_history(ref)
        found = self.get_model(ref)
        name = decode.kind("VersionName")(
            found.id, found.title, found.line_name, found.version_number
        )
        event = decode.kind("LineEvent")
        return [event(each, name) for each in self.history(found.id)]

    def _is_line(self, ref: str) -> bool:
        """True when ``ref`` is a line's name with a registered version."""
        try:
            self.session.get(f"/api/v1/lines/{part(ref)}", {"page_size": 1})
        except NotFoundError:
            return False
        return True

    def promoted_version(self, model_ref: str) -> ModelRecord | None:
        try:
            found = self.session.get(f"/api/v1/models/{part(model_ref)}/promoted")
        except NotFoundError:
            self.get_model(model_ref)  # a missing model is still an error, as in the library
            return None
        return decode.record(ModelRecord, found)

    def recent_events(
        self,
        limit: int = 50,
        *,
        before_id: int | None = None,
        actor: str | None = None,
        overrides_only: bool = False,
    ) -> list[PromotionEvent]:
        """Transitions across the registry, newest first; ``before_id`` pages back."""
        params = {
            "page_size": limit,
            "before_id": before_id,
            "actor": actor,
            "overrides_only": "true" if overrides_only else None,
        }
        return decode.records(decode.kind("PromotionEvent"), self._items("/api/v1/events", params))

    def model_card(self, model_ref: str) -> str:
        return self.session.text(f"/api/v1/models/{part(model_ref)}/card")

    def lines(self, *, name: str | None = None) -> list[LineSummary]:
        """Named lines in name order (every page), or the one line ``name``."""
        summary = decode.kind("LineSummary")
        if name is not None:
            body = self.session.get(f"/api/v1/lines/{part(name)}", {"page_size": 1})
            return [decode.record(summary, body["line"])]
        found: list[LineSummary] = []
        token: str | None = None
        while True:
            body = self.session.get("/api/v1/lines", {"page_token": token})
            found += [decode.record(summary, item) for item in body["items"]]
            token = body["next_page_token"]
            if token is None:
                return found

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
        params = {
            "metric": metric,
            "limit": limit,
            "direction": direction,
            "dataset": dataset,
            "split": split,
        }
        items = self._items(f"/api/v1/leaderboards/{part(benchmark_id)}", params)
        return decode.records(decode.kind("LeaderboardEntry"), items)

    # ------------------------------------------------------------ lifecycle

    def _moved(self, path: str, body: dict[str, Any]) -> TransitionResult:
        sent = {key: value for key, value in body.items() if value is not None}
        result: TransitionResult = decode.record(
            decode.kind("TransitionResult"), self.session.post(path, sent)
        )
        return result

    def promote(
        self, model_ref: str, *, actor: str, notes: str | None = None, override: bool = False
    ) -> TransitionResult:
        """Promote through the gate; ``actor`` is the token's name on a server (not sent)."""
        del actor
        body = {"notes": notes, "override": override or None}
        return self._moved(f"/api/v1/models/{part(model_ref)}/promote", body)

    def reject(self, model_ref: str, *, actor: str, notes: str | None) -> TransitionResult:
        del actor
        return self._moved(f"/api/v1/models/{part(model_ref)}/reject", {"notes": notes})

    def supersede(self, model_ref: str, *, actor: str, notes: str | None) -> TransitionResult:
        del actor
        return self._moved(f"/api/v1/models/{part(model_ref)}/supersede", {"notes": notes})

    def rollback(
        self,
        line_ref: str,
        *,
        to_version: int | None = None,
        actor: str,
        notes: str | None,
        override: bool = False,
    ) -> TransitionResult:
        del actor
        body = {"to_version": to_version, "notes": notes, "override": override or None}
        return self._moved(f"/api/v1/lines/{part(line_ref)}/rollback", body)

    def name_line(self, model_ref: str, name: str, *, actor: str | None = None) -> LineSummary:
        del actor
        named = self.session.post(f"/api/v1/lines/{part(name)}", {"model": model_ref})
        summary: LineSummary = decode.record(decode.kind("LineSummary"), named)
        return summary
