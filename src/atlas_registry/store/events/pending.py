"""Events a transaction has recorded, held back and written just before its COMMIT.

**Why at the end.** On PostgreSQL an event's insert is preceded by the event
id lock (:func:`take_id_lock`), held to COMMIT so that ids follow commit order
(:mod:`.record`). A lock taken in the middle of a unit of work that then takes
other locks (a line's, when a review resolution promotes the model it
completed; the next line of an MLflow import) can deadlock: A holds the id
lock and waits for a line lock, B holds that line lock and waits for the id
lock. Written here, at the very end of the transaction, the id lock is always
the last lock a transaction takes, and nothing that holds it ever waits for
another lock: the cycle cannot form.

:class:`~atlas_registry.store.db.Database` opens a buffer on the driver
connection of every transaction it begins (:func:`opened`), marks it at each
savepoint and drops what a rolled-back savepoint recorded (:func:`mark`,
:func:`drop_after`), and calls :func:`write` right before COMMIT. A rollback,
a dry run or an error drops the buffer with the transaction. A connection the
registry did not open (no buffer) has its events written at once, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from atlas_registry.store.sql_session import SqlSession, marks

CHANNEL = "atlas_registry_events"
# The advisory lock key of event ids (any constant no line key hashes to in practice).
ID_LOCK = "atlas_registry.event_ids"
COLUMNS = ("event_type", "occurred_at", "actor", "model_id", "line_id", "payload")
_LINE_OF = "(SELECT COALESCE(a.lineage_id, a.id) FROM artifacts a WHERE a.id = ?)"

# Open buffers by the id of their driver connection; each holds the connection
# itself, so an id reused by a new object after a buffer closed never matches.
_OPEN: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
_GUARD = threading.Lock()


@contextmanager
def opened(driver_connection: Any) -> Iterator[None]:
    """Hold the events recorded on ``driver_connection`` until :func:`write` or the end."""
    key = id(driver_connection)
    with _GUARD:
        _OPEN[key] = (driver_connection, [])
    try:
        yield
    finally:
        with _GUARD:
            _OPEN.pop(key, None)


def _rows_of(driver_connection: Any) -> list[dict[str, Any]] | None:
    found = _OPEN.get(id(driver_connection))
    return found[1] if found is not None and found[0] is driver_connection else None


def hold(session: SqlSession, rows: Sequence[dict[str, Any]]) -> bool:
    """Keep ``rows`` for the COMMIT of ``session``'s transaction; False if it has no buffer."""
    held = _rows_of(session.connection)
    if held is None:
        return False
    held.extend(rows)
    return True


def mark(driver_connection: Any) -> int:
    """How many events are held now: where a savepoint starts."""
    held = _rows_of(driver_connection)
    return len(held) if held is not None else 0


def drop_after(driver_connection: Any, at: int) -> None:
    """Forget the events recorded since :func:`mark` said ``at``: their savepoint rolled back."""
    held = _rows_of(driver_connection)
    if held is not None:
        del held[at:]


def write(session: SqlSession) -> None:
    """Write the held events of ``session``'s transaction, in the order they were recorded."""
    held = _rows_of(session.connection)
    if held:
        rows = list(held)
        held.clear()
        insert(session, rows)


def insert(session: SqlSession, rows: Sequence[dict[str, Any]]) -> None:
    """Take the id lock, insert ``rows`` in order and notify the listeners (at COMMIT).

    Consecutive rows whose line is known go in one multi-row insert (a batch
    of registrations); the others look their line up from the model.
    """
    if not rows:
        return
    take_id_lock(session)
    start = 0
    while start < len(rows):
        known = _line_known(rows[start])
        end = start
        while end < len(rows) and _line_known(rows[end]) == known:
            end += 1
        _insert_run(session, rows[start:end], known)
        start = end
    if session.dialect == "postgresql":
        session.run("SELECT pg_notify(?, '')", (CHANNEL,))


def _line_known(row: dict[str, Any]) -> bool:
    return row["line_id"] is not None or row["model_id"] is None


def _insert_run(session: SqlSession, rows: Sequence[dict[str, Any]], known: bool) -> None:
    if known:
        session.insert("registry_events", rows)
        return
    looked_up = [(*(r[c] for c in COLUMNS[:4]), r["model_id"], r["payload"]) for r in rows]
    session.run_many(
        f"INSERT INTO registry_events ({', '.join(COLUMNS)}) VALUES ({marks(4)}, {_LINE_OF}, ?)",
        looked_up,
    )


def take_id_lock(session: SqlSession) -> None:
    """On PostgreSQL, wait for every other event-writing transaction to end first."""
    if session.dialect == "postgresql":
        session.run("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (ID_LOCK,))
