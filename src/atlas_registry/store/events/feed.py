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
    where, params = ["id > ?"], list[Any]([after])
    if wanted:
        where.append(f"event_type IN ({marks(len(wanted))})")
        params += wanted
    with db.single_read_session() as session:
        if line is not None:
            where.append("line_id = ?")
            params.append(_line_root(session, line))
        rows = session.rows(
            "SELECT id, event_type, occurred_at, actor, model_id, line_id, payload "
            f"FROM registry_events WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
            [*params, limit],
        )
        if not rows and after > 0:
            _refuse_a_cursor_past_the_end(session, after)
    return [_event(row) for row in rows]


def _refuse_a_cursor_past_the_end(session: Any, after: int) -> None:
    """A cursor no event of this log ever had: a follower would wait for ever, silently.

    Every id a follower holds came from a committed event, and the log only
    grows, so an ``after`` beyond its newest id came from another database, a
    log rebuilt below migration 0026, or a backup restored behind the follower.
    """
    found = session.first("SELECT max(id) FROM registry_events")
    newest = int(found[0]) if found and found[0] is not None else 0
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
    where, params = ["1 = 1"], list[Any]()
    if before is not None:
        where.append("id < ?")
        params.append(before)
    if wanted:
        where.append(f"event_type IN ({marks(len(wanted))})")
        params += wanted
    if actor is not None:
        if not is_storable_text(actor):
            return []  # no event was written by a name no text may hold
        where.append("actor = ?")
        params.append(actor)
    if overrides_only:
        where.append(_OVERRIDE[db.dialect])
    with db.single_read_session() as session:
        if line is not None:
            where.append("line_id = ?")
            params.append(_line_root(session, line))
        rows = session.rows(
            "SELECT id, event_type, occurred_at, actor, model_id, line_id, payload "
            f"FROM registry_events WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
    return [_event(row) for row in rows]


# A promotion-state move whose payload says the gate was overridden (a JSON true).
_OVERRIDE = {
    "sqlite": "json_extract(payload, '$.override') = 1 AND event_type LIKE 'model.%'",
    "postgresql": "(payload::jsonb ->> 'override') = 'true' AND event_type LIKE 'model.%'",
}


def _event(row: tuple[Any, ...]) -> Event:
    id_, type_, occurred_at, actor, model_id, line_id, payload = row
    return Event(int(id_), type_, occurred_at, actor, model_id, line_id, json.loads(payload))


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
        found = session.first("SELECT max(id) FROM registry_events")
    return int(found[0]) if found and found[0] is not None else 0
