"""Reading the event log after a cursor: what a follower asks for, in id order.

A follower keeps the id of the last event it saw and asks for the ones after
it; ids are commit order (:mod:`.record`), so it never misses one and never
sees one twice, whichever server process it asks and whenever.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from atlas_registry.documents import is_storable_text
from atlas_registry.errors import InputError, NotFoundError, ValidationError, Violation
from atlas_registry.store.db import Database
from atlas_registry.store.events.types import EVENT_TYPES
from atlas_registry.store.sql_session import marks

MAX_EVENTS = 1000
MAX_CURSOR = 2**63 - 1
# The columns an event is read from, in the order event_from_row takes them.
EVENT_COLUMNS = "id, event_type, occurred_at, actor, model_id, line_id, payload"
NEWEST_EVENT_ID_SQL = "SELECT coalesce(max(id), 0) FROM registry_events"


@dataclass(frozen=True)
class Event:
    """One change, as the log keeps it."""

    id: int
    type: str
    occurred_at: str
    actor: str | None
    model_id: str | None
    line_id: str | None
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict, which deep-copies each payload: a page of a thousand
        # events is served several times faster without it.
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.occurred_at,
            "actor": self.actor,
            "model_id": self.model_id,
            "line_id": self.line_id,
            "payload": self.payload,
        }


def check_types(types: Sequence[str]) -> list[str]:
    """``types`` without repeats, refused if one is not in the vocabulary (a typo would match
    nothing).

    The refusal names each unknown type and then every valid one, one violation per
    subject (``model``, ``line``...), so no list is cut by the cap on a message's length.
    """
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        wrong = [Violation("types", f"{t[:100]!r} is not an event type") for t in unknown]
        subjects = dict.fromkeys(t.split(".")[0] for t in EVENT_TYPES)
        of = {s: ", ".join(t for t in EVENT_TYPES if t.startswith(s + ".")) for s in subjects}
        valid = [Violation("types", f"valid: {named}") for named in of.values()]
        raise ValidationError(f"unknown event type {unknown[0][:100]!r}", wrong + valid)
    return list(dict.fromkeys(types))


def events_after(
    db: Database,
    after: int = 0,
    *,
    types: Sequence[str] = (),
    line: str | None = None,
    limit: int = 100,
) -> list[Event]:
    """Up to ``limit`` events with an id above ``after``, oldest first.

    ``types`` keeps only those types; ``line`` only the events of one line,
    named by its name or by its root id (an unknown one is a
    :class:`~atlas_registry.errors.NotFoundError`: a follower of a misspelt
    line would otherwise wait for ever).
    """
    if not 0 <= after <= MAX_CURSOR:
        raise InputError(f"after must be between 0 and {MAX_CURSOR}")
    if not 1 <= limit <= MAX_EVENTS:
        raise InputError(f"limit must be between 1 and {MAX_EVENTS}")
    wanted = check_types(types)
    with db.single_read_session() as session:
        where, params = _of_types_and_line(session, wanted, line)
        rows = session.rows(
            f"SELECT {EVENT_COLUMNS} FROM registry_events WHERE id > ? AND {where} "
            "ORDER BY id LIMIT ?",
            [after, *params, limit],
        )
        if not rows and after > 0:
            _refuse_a_cursor_past_the_end(session, after)
    return [event_from_row(row) for row in rows]


def _refuse_a_cursor_past_the_end(session: Any, after: int) -> None:
    """A cursor no event of this log ever had: a follower would wait for ever, silently.

    Every id a follower holds came from a committed event, and the log only
    grows, so an ``after`` beyond its newest id came from another database, a
    log rebuilt below migration 0026, or a backup restored behind the follower.
    """
    newest = newest_event_id(session)
    if after > newest:
        raise InputError(
            f"after={after} is past the newest event of this log ({newest}): a cursor from "
            "another database, or from before a restore; start again from an id it has"
        )


def events_before(
    db: Database,
    before: int | None = None,
    *,
    types: Sequence[str] = (),
    line: str | None = None,
    actor: str | None = None,
    overrides_only: bool = False,
    limit: int = 50,
) -> list[Event]:
    """Up to ``limit`` events with an id below ``before`` (the newest when None), newest first.

    The history a person pages back through; ``line`` as in :func:`events_after`,
    ``actor`` keeps one author's events and ``overrides_only`` the promotions
    that overrode the gate. A follower reads forward with :func:`events_after`.
    """
    if before is not None and not 0 <= before <= MAX_CURSOR:
        raise InputError(f"before must be between 0 and {MAX_CURSOR}")
    if not 1 <= limit <= MAX_EVENTS:
        raise InputError(f"limit must be between 1 and {MAX_EVENTS}")
    wanted = check_types(types)
    if actor is not None and not is_storable_text(actor):
        return []  # no event was written by a name no text may hold
    with db.single_read_session() as session:
        where, params = _of_types_and_line(session, wanted, line)
        if before is not None:
            where, params = f"{where} AND id < ?", [*params, before]
        if actor is not None:
            where, params = f"{where} AND actor = ?", [*params, actor]
        if overrides_only:
            where = f"{where} AND {_OVERRIDE[db.dialect]}"
        rows = session.rows(
            f"SELECT {EVENT_COLUMNS} FROM registry_events WHERE {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
    return [event_from_row(row) for row in rows]


# A promotion-state move whose payload says the gate was overridden (a JSON true).
_OVERRIDE = {
    "sqlite": "json_extract(payload, '$.override') = 1 AND event_type LIKE 'model.%'",
    "postgresql": "(payload::jsonb ->> 'override') = 'true' AND event_type LIKE 'model.%'",
}


def event_from_row(row: Sequence[Any]) -> Event:
    """An event from a row of :data:`EVENT_COLUMNS`, in that order."""
    id_, type_, occurred_at, actor, model_id, line_id, payload = row
    return Event(int(id_), type_, occurred_at, actor, model_id, line_id, json.loads(payload))


def _of_types_and_line(
    session: Any, types: Sequence[str], line: str | None
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its values) both reads share: these types, this line."""
    where, params = ["1 = 1"], list[Any]()
    if types:
        where.append(f"event_type IN ({marks(len(types))})")
        params += types
    if line is not None:
        where.append("line_id = ?")
        params.append(_line_root(session, line))
    return " AND ".join(where), params


def _line_root(session: Any, line: str) -> str:
    if not is_storable_text(line):
        raise NotFoundError("no line has that name: it holds a character no name may hold")
    found = session.first(
        "SELECT root_id FROM model_lines WHERE name = ? UNION ALL "
        "SELECT COALESCE(lineage_id, id) FROM artifacts WHERE id = ? AND lineage_id IS NULL",
        (line, line),
    )
    if found is None:
        raise NotFoundError(f"no line is named {line!r}")
    return str(found[0])


def last_event_id(db: Database) -> int:
    """The newest event's id (0 for an empty log): where a follower of only new events starts."""
    with db.single_read_session() as session:
        return newest_event_id(session)


def newest_event_id(session: Any) -> int:
    """The newest committed event's id in ``session``'s view (0 for an empty log)."""
    found = session.first(NEWEST_EVENT_ID_SQL)
    return int(found[0]) if found else 0
