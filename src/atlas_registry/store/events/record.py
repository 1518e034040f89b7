"""The one function every writer calls to add to the event log, in its own transaction.

The event and the change it records commit or roll back together: a writer
calls :func:`record_event` (or :func:`record_events` for many) on the session
or connection of the transaction that makes the change, before it commits.

**Commit order is id order.** A follower reads ``id > last``; that is safe
only if no event can become visible with an id below one already seen. SQLite
serialises writers from ``BEGIN IMMEDIATE``, so its ids are handed out in
commit order. PostgreSQL hands out identity values before COMMIT: writer A
takes 7, writer B takes 8 and commits first, a follower reads 8, and 7 (when
A commits) is behind its cursor for ever. So on PostgreSQL the insert is
preceded by a transaction-level advisory lock, held to COMMIT or ROLLBACK:
writers that record events take their ids one after the other, each after
the previous one's COMMIT. A lock and not a one-row counter table: the lock
writes no row (no dead tuples to vacuum on every event), and it is the
mechanism the registry already uses for lines.

**Recorded now, written at COMMIT.** Inside a transaction the registry opened,
:func:`record_events` checks and stamps the events at once but holds their
insert back to just before COMMIT (:mod:`.pending`): the id lock is then the
last lock any transaction takes, so it cannot deadlock with a line lock taken
after an event was recorded, and it is held only for the insert and COMMIT.
Events recorded in a savepoint that rolls back are dropped with it.

With the insert a ``pg_notify`` on :data:`.pending.CHANNEL` is sent, which
PostgreSQL delivers at COMMIT (and never on rollback) to every listening
server process (:mod:`.wakeups`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from atlas_registry.store.db import utc_timestamp
from atlas_registry.store.events import pending
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession

MAX_PAYLOAD_BYTES = 4096
# A notes text in a payload is cut here: the log says what happened, the tables keep all of it.
NOTES_CHARS = 500


@dataclass(frozen=True)
class NewEvent:
    """One event to record. ``line_id``: the model's line root, if the writer knows it
    (else the database looks it up from ``model_id``)."""

    type: EventType
    actor: str | None
    model_id: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    line_id: str | None = None


def short(text: str | None) -> str | None:
    """``text`` cut to :data:`NOTES_CHARS` characters, for a payload."""
    return text if text is None or len(text) <= NOTES_CHARS else text[:NOTES_CHARS] + "…"


def record_event(
    session: SqlSession | Connection,
    type: EventType,
    *,
    actor: str | None,
    model_id: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """Append one event in the caller's transaction (see the module's docstring)."""
    record_events(session, [NewEvent(type, actor, model_id, payload or {})])


def record_events(session: SqlSession | Connection, events: Sequence[NewEvent]) -> None:
    """Append ``events`` in order to the caller's transaction, written at its COMMIT.

    A payload must be a JSON object of at most :data:`MAX_PAYLOAD_BYTES`: the
    log is for small facts, the tables keep the rest (a ``ValueError`` here, at
    the call and not at COMMIT, is a bug in the writer, not bad input). On a
    connection the registry did not open, the events are written at once.
    """
    if not events:
        return
    sql = session if isinstance(session, SqlSession) else SqlSession.of(session)
    now = utc_timestamp()
    rows = [_row(event, now) for event in events]
    if not pending.hold(sql, rows):
        pending.insert(sql, rows)


def write_now(session: SqlSession | Connection) -> None:
    """Write the events recorded so far in this transaction now, rather than at its COMMIT.

    The transaction then holds the id lock until it ends: for a caller that
    must see its own events in the log before committing (and tests of the lock).
    """
    pending.write(session if isinstance(session, SqlSession) else SqlSession.of(session))


def _row(event: NewEvent, now: str) -> dict[str, Any]:
    if not isinstance(event.type, EventType):
        raise ValueError(f"{event.type!r} is not an EventType")
    payload = json.dumps(dict(event.payload), ensure_ascii=False, separators=(",", ":"))
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"an event payload is over {MAX_PAYLOAD_BYTES} bytes ({event.type})")
    return {
        "event_type": event.type.value,
        "occurred_at": now,
        "actor": event.actor,
        "model_id": event.model_id,
        "line_id": event.line_id,
        "payload": payload,
    }
