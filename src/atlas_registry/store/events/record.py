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
mechanism the registry already uses for lines. The cost is that recording
serialises the tail of writing transactions, from the event to COMMIT; so
writers record their events last, just before they commit.

In the same transaction a ``pg_notify`` on :data:`CHANNEL` is sent, which
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
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession, marks

CHANNEL = "atlas_registry_events"
# The advisory lock key of event ids (any constant no line key hashes to in practice).
ID_LOCK = "atlas_registry.event_ids"
MAX_PAYLOAD_BYTES = 4096
# A notes text in a payload is cut here: the log says what happened, the tables keep all of it.
NOTES_CHARS = 500
_COLUMNS = ("event_type", "occurred_at", "actor", "model_id", "line_id", "payload")
_LINE_OF = "(SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = ?)"


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
    """Append ``events`` in order, in the caller's transaction, in one statement per kind.

    Events whose writer gave their line go in one multi-row insert (a batch of
    registrations); the others look their line up from the model in the insert.
    A payload must be a JSON object of at most :data:`MAX_PAYLOAD_BYTES`: the
    log is for small facts, the tables keep the rest (a ``ValueError`` here is
    a bug in the writer, not bad input).
    """
    if not events:
        return
    sql = session if isinstance(session, SqlSession) else SqlSession.of(session)
    now = utc_timestamp()
    rows = [_row(event, now) for event in events]
    _take_id_lock(sql)
    if all(event.line_id is not None or event.model_id is None for event in events):
        sql.insert("registry_events", rows)
    else:
        looked_up = [(*(r[c] for c in _COLUMNS[:4]), r["model_id"], r["payload"]) for r in rows]
        sql.run_many(
            f"INSERT INTO registry_events ({', '.join(_COLUMNS)}) "
            f"VALUES ({marks(4)}, {_LINE_OF}, ?)",
            looked_up,
        )
    if sql.dialect == "postgresql":
        sql.run("SELECT pg_notify(?, '')", (CHANNEL,))


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


def _take_id_lock(sql: SqlSession) -> None:
    """On PostgreSQL, wait for every other event-writing transaction to end first."""
    if sql.dialect == "postgresql":
        sql.run("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (ID_LOCK,))
