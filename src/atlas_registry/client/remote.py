"""The registry over HTTP: the verbs of :class:`~atlas_registry.Registry`, called on a server.

Every verb the API serves is here with the library's name, arguments and
record; what only a process holding the database can do (migrate, back up,
run the backfill, verify pins against local mirrors, manage tokens) is listed
in :data:`LOCAL_ONLY` with the reason, and a test holds the two lists against
the library's. ``actor``/``by`` arguments are accepted for the same calls to
run against both; a server records the token's name instead, so they are not sent.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from atlas_registry import MAX_PAGE, ModelRecord
from atlas_registry.client import decode
from atlas_registry.client.calls import part
from atlas_registry.client.review_calls import every_item, listing_page
from atlas_registry.client.webhook_calls import WebhookCalls
from atlas_registry.errors import DatabaseNotFoundError, InputError

if TYPE_CHECKING:
    from atlas_registry import (
        AliasChange,
        AliasMove,
        DatasetRecord,
        DatasetUse,
        Evaluation,
        EvaluationInput,
        Event,
        FileAddition,
        FileCheck,
        FileEntry,
        LineAlias,
        ListingPage,
        Location,
        ModelFile,
        NamedAt,
        PinChange,
        PinCheck,
        TagChanges,
        TagEvent,
        Tags,
        TextEdit,
        TextEdits,
    )

# The longest a long poll waits on the server (its `wait` limit), and the slack past it.
LONG_POLL_SECONDS = 25
LONG_POLL_SLACK = 15.0
MAX_WAIT_SECONDS = 60  # the most a server holds a long poll (GET /api/v1/events?wait=)


class RemoteRegistry(WebhookCalls):
    """A registry server, with the verbs and records of the in-process :class:`Registry`."""

    # ------------------------------------------------------------ tags and edited text

    def tags_of(self, ref: str) -> Tags:
        """A version's tags (``NAME@N``, an id) or a line's (``NAME``)."""
        return decode.tags(self.session.get(self._tag_path(ref)))

    def _tag_path(self, ref: str) -> str:
        if "@" in ref or not self._is_line(ref):
            return f"/api/v1/models/{part(ref)}/tags"
        return f"/api/v1/lines/{part(ref)}/tags"

    def change_tags(
        self,
        ref: str,
        *,
        actor: str,
        set: Mapping[str, str] | None = None,
        remove: Iterable[str] = (),
    ) -> TagChanges:
        del actor
        body = {"set": dict(set or {}), "remove": list(remove)}
        return decode.tag_changes(self.session.post(self._tag_path(ref), body))

    def set_tags(self, ref: str, values: Mapping[str, str], *, actor: str) -> TagChanges:
        return self.change_tags(ref, actor=actor, set=values)

    def remove_tags(self, ref: str, keys: Iterable[str], *, actor: str) -> TagChanges:
        return self.change_tags(ref, actor=actor, remove=keys)

    def tag_history(self, ref: str) -> list[TagEvent]:
        items = self._items(self._tag_path(ref) + "/history")
        return decode.records(decode.kind("TagEvent"), items)

    def edit_text(self, model_ref: str, changes: Mapping[str, Any], *, actor: str) -> TextEdits:
        del actor
        found = self.session.post(f"/api/v1/models/{part(model_ref)}/text", dict(changes))
        edits: TextEdits = decode.record(decode.kind("TextEdits"), found)
        return edits

    def text_history(self, model_ref: str) -> list[TextEdit]:
        items = self._items(f"/api/v1/models/{part(model_ref)}/text/history")
        return decode.records(decode.kind("TextEdit"), items)

    # ------------------------------------------------------------ aliases

    def aliases(self, line: str) -> list[LineAlias]:
        items = self._items(f"/api/v1/lines/{part(line)}/aliases")
        return decode.records(decode.kind("LineAlias"), items)

    def alias_history(self, line: str, alias: str | None = None) -> list[AliasMove]:
        path = f"/api/v1/lines/{part(line)}/alias-moves"
        items = self._items(path, {"alias": alias})
        return decode.records(decode.kind("AliasMove"), items)

    def named_at(self, ref: str, at: str) -> NamedAt:
        line, _, alias = ref.partition("@")
        found = self.session.get(f"/api/v1/lines/{part(line)}/aliases/{part(alias)}", {"at": at})
        named: NamedAt = decode.record(decode.kind("NamedAt"), found)
        return named

    def set_alias(
        self,
        line: str,
        alias: str,
        *,
        to_version: int,
        actor: str,
        notes: str | None = None,
        override: bool = False,
    ) -> AliasChange:
        del actor
        body: dict[str, Any] = {"to_version": to_version}
        body |= {"notes": notes} if notes is not None else {}
        body |= {"override": True} if override else {}
        path = f"/api/v1/lines/{part(line)}/aliases/{part(alias)}"
        return decode.alias_change(self.session.post(path, body))

    def delete_alias(
        self, line: str, alias: str, *, actor: str, notes: str | None = None
    ) -> AliasChange:
        del actor
        body = {"notes": notes} if notes is not None else {}
        path = f"/api/v1/lines/{part(line)}/aliases/{part(alias)}/delete"
        return decode.alias_change(self.session.post(path, body))

    # ------------------------------------------------------------ files, pins

    def files(self, model_ref: str, *, replaced: bool = False) -> list[ModelFile]:
        params = {"replaced": "true"} if replaced else None
        items = self._items(f"/api/v1/models/{part(model_ref)}/files", params)
        return decode.records(decode.kind("ModelFile"), items)

    def add_file(
        self,
        model_ref: str,
        entry: FileEntry | Mapping[str, Any],
        *,
        actor: str,
        notes: str | None = None,
        replaces: int | None = None,
    ) -> FileAddition:
        del actor
        given = entry if isinstance(entry, Mapping) else entry.to_dict()
        body = {k: v for k, v in given.items() if v is not None}
        body |= {"notes": notes} if notes is not None else {}
        body |= {"replaces": replaces} if replaces is not None else {}
        added = self.session.post(f"/api/v1/models/{part(model_ref)}/files", body)
        return decode.file_addition(added)

    def file_checks(self, model_ref: str, limit: int = 100) -> list[FileCheck]:
        items = self._items(f"/api/v1/models/{part(model_ref)}/file-checks", {"limit": limit})
        return decode.records(decode.kind("FileCheck"), items)

    def locate(self, model_ref: str) -> Location:
        found = self.session.get(f"/api/v1/models/{part(model_ref)}/locate")
        location: Location = decode.record(decode.kind("Location"), found)
        return location

    def pin_checks(self, model_ref: str, limit: int = 20) -> list[PinCheck]:
        items = self._items(f"/api/v1/models/{part(model_ref)}/pin-checks", {"limit": limit})
        return decode.records(decode.kind("PinCheck"), items)

    def pin_changes(self, model_ref: str) -> list[PinChange]:
        items = self._items(f"/api/v1/models/{part(model_ref)}/pin-changes")
        return decode.records(decode.kind("PinChange"), items)

    # ------------------------------------------------------------ evaluations, datasets

    def add_evaluation(
        self,
        model_ref: str,
        evaluation: EvaluationInput | None = None,
        *,
        by: str,
        scopes: Collection[str] | None = None,
        **fields: Any,
    ) -> Evaluation:
        """Record an evaluation; ``by`` and ``scopes`` are the token's name and scopes on
        a server (not sent: the server records its caller's)."""
        del by, scopes
        given = dict(vars(evaluation)) if evaluation is not None else dict(fields)
        body = {k: v for k, v in given.items() if v is not None}
        found = self.session.post(f"/api/v1/models/{part(model_ref)}/evaluations", body)
        added: Evaluation = decode.record(decode.kind("Evaluation"), found)
        return added

    def evaluations(self, model_ref: str, *, limit: int = 1000) -> list[Evaluation]:
        size = max(1, min(limit, MAX_PAGE))
        pages = every_item(
            lambda token: self.evaluation_page(model_ref, page_size=size, page_token=token)
        )
        return list(islice(pages, limit))

    def evaluation_page(
        self, model_ref: str, *, page_size: int = 50, page_token: str | None = None
    ) -> ListingPage[Evaluation]:
        params: dict[str, Any] = {"page_size": page_size}
        params |= {"page_token": page_token} if page_token is not None else {}
        body = self.session.get(f"/api/v1/models/{part(model_ref)}/evaluations", params)
        page: ListingPage[Evaluation] = listing_page("Evaluation", body)
        return page

    def register_dataset(self, registration: Any, *, actor: str | None = None) -> DatasetRecord:
        del actor
        given = registration if isinstance(registration, Mapping) else vars(registration)
        body = {key: value for key, value in given.items() if value is not None}
        found = self.session.post("/api/v1/datasets", body)
        dataset: DatasetRecord = decode.record(decode.kind("DatasetRecord"), found)
        return dataset

    def dataset(self, dataset_id: str) -> DatasetRecord:
        found = self.session.get(f"/api/v1/datasets/{part(dataset_id)}", {"limit": 1})
        dataset: DatasetRecord = decode.record(decode.kind("DatasetRecord"), found)
        return dataset

    def dataset_use(self, dataset_id: str, *, limit: int = 100) -> DatasetUse:
        found = self.session.get(f"/api/v1/datasets/{part(dataset_id)}", {"limit": limit})
        records = decode.records
        use: DatasetUse = decode.kind("DatasetUse")(
            dataset=decode.record(decode.kind("DatasetRecord"), found),
            trained=records(ModelRecord, found["trained"]),
            evaluated=records(ModelRecord, found["evaluated"]),
            trained_more=found["trained_more"],
            evaluated_more=found["evaluated_more"],
        )
        return use

    # ------------------------------------------------------------ the event log

    def events_after(
        self,
        after: int = 0,
        *,
        types: Sequence[str] = (),
        line: str | None = None,
        limit: int = 100,
    ) -> list[Event]:
        """Up to ``limit`` events with an id above ``after``, oldest first."""
        return self._events(after, types, line, limit, wait=0)

    def wait_for_events(
        self,
        after: int = 0,
        *,
        timeout: float,
        types: Sequence[str] = (),
        line: str | None = None,
        limit: int = 100,
    ) -> list[Event]:
        """:meth:`events_after`, the server holding the request up to ``timeout`` seconds."""
        if not 0 <= timeout <= MAX_WAIT_SECONDS:
            raise InputError(f"a wait must be between 0 and {MAX_WAIT_SECONDS} seconds")
        return self._events(after, types, line, limit, wait=math.ceil(timeout))

    def _events(
        self, after: int, types: Sequence[str], line: str | None, limit: int, wait: int
    ) -> list[Event]:
        params = {
            "after": after,
            "types": ",".join(types) or None,
            "line": line,
            "limit": limit,
            "wait": wait or None,
        }
        answer = self.session.send(
            "GET", "/api/v1/events", params=params, timeout=wait + LONG_POLL_SLACK
        )
        return decode.records(decode.kind("Event"), answer.json()["items"])

    def follow(
        self,
        after: int = 0,
        *,
        types: Sequence[str] = (),
        line: str | None = None,
        stop: threading.Event | None = None,
        poll: int = LONG_POLL_SECONDS,
    ) -> Iterator[Event]:
        """Every event after ``after`` as it comes, for ever (or until ``stop`` is set).

        Long polls the log (``poll`` seconds at most each) from the last event
        yielded, so a dropped connection or a restarted server loses nothing
        and repeats nothing: the next poll starts after the last id this
        iterator gave out. ``stop`` is looked at between polls.
        """
        while stop is None or not stop.is_set():
            try:
                found = self.wait_for_events(after, timeout=poll, types=types, line=line)
            except DatabaseNotFoundError:  # still down after the session's retries: go on trying
                if stop is not None and stop.wait(1.0):
                    return
                continue
            for event in found:
                after = event.id
                yield event
