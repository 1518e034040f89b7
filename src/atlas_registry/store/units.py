"""Transactions opened inside another: a unit of work's savepoints, a snapshot's one read.

A verb opens its own transactions, so two verbs called in a row see the
database at two moments, and their writes commit apart. Two callers need
several verbs to act as one, and open a unit that the verbs' transactions
join (:meth:`.db.Database.transaction`, ``session`` and ``single_read_session``
ask :func:`joined` first):

- a **unit of work** (:meth:`.db.Database.unit_of_work`) is one write
  transaction. Each transaction a verb opens inside it is a savepoint, kept
  with the unit or rolled back alone, as it would have been on its own.
- a **snapshot** (:meth:`.db.Database.snapshot`) is one read-only
  transaction, so that what a page or ``show`` puts side by side (a model,
  its pin's state, its newest check, its evaluations, tags and files) was
  true at one moment. A read inside takes no savepoint (a read leaves
  nothing to undo, and on PostgreSQL each savepoint is a round trip more);
  a write inside is refused before it sends anything, as the database
  would refuse it half-way (PostgreSQL's READ ONLY, SQLite's query_only).

A context variable holds the open unit, so each thread and each request has
its own.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from atlas_registry.errors import RegistryError
from atlas_registry.store.events import pending
from atlas_registry.store.sql_session import SqlSession

WRITE_IN_SNAPSHOT = (
    "a write inside a snapshot: Registry.snapshot() holds one read-only transaction; "
    "write outside it"
)


class Unit(NamedTuple):
    """The unit open here: the database it is on (a ``Database``), its connection, its kind."""

    database: Any
    connection: Connection
    read_only: bool


_UNIT: ContextVar[Unit | None] = ContextVar("atlas_unit", default=None)
_SAVEPOINTS = itertools.count(1)


def joined(database: Any) -> Unit | None:
    """The unit open here on ``database``, which a transaction opened now joins; or None."""
    unit = _UNIT.get()
    return unit if unit is not None and unit.database is database else None


@contextmanager
def entered(unit: Unit) -> Iterator[None]:
    """``unit`` is the one open here until the block ends."""
    token = _UNIT.set(unit)
    try:
        yield
    finally:
        _UNIT.reset(token)


@contextmanager
def inside(
    unit: Unit,
    *,
    write: bool,
    commit: bool,
    translate: Callable[[DBAPIError], RegistryError],
) -> Iterator[None]:
    """A transaction opened inside ``unit``: a savepoint of a unit of work, or a read of a
    snapshot (a write there is refused before it sends anything)."""
    if unit.read_only:
        if write:
            raise RuntimeError(WRITE_IN_SNAPSHOT)
        try:
            yield
        except DBAPIError as exc:  # as a transaction of its own would say it
            raise translate(exc) from exc
        return
    with _savepoint(unit.connection, commit, translate):
        yield


@contextmanager
def read_snapshot(
    database: Any, begin: Callable[[], AbstractContextManager[Connection]]
) -> Iterator[None]:
    """``database``'s snapshot: the reads inside join the read-only transaction ``begin`` opens.

    Inside a unit already open here (a unit of work, another snapshot) they
    join that one instead. It ends with COMMIT even when the block raised an
    error of its own (a model not found, a bad argument): psycopg forgets
    every statement it prepared on a connection when it sees a ROLLBACK, and
    the next reads on it would be planned afresh. A database error still
    rolls it back. SQLite is told ``query_only`` meanwhile, so that a write
    sent as a read is refused there too (PostgreSQL's BEGIN says READ ONLY).
    """
    if joined(database) is not None:
        yield
        return
    caught: Exception | None = None
    with begin() as conn, entered(Unit(database, conn, read_only=True)), _query_only(conn):
        try:
            yield
        except Exception as exc:
            if isinstance(exc, DBAPIError) or isinstance(exc.__cause__, DBAPIError):
                raise
            caught = exc
    if caught is not None:
        raise caught


@contextmanager
def _query_only(conn: Connection) -> Iterator[None]:
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql("PRAGMA query_only = ON")
    try:
        yield
    finally:
        with contextlib.suppress(DBAPIError):  # a broken connection is dropped by the pool
            conn.exec_driver_sql("PRAGMA query_only = OFF")


@contextmanager
def _savepoint(
    conn: Connection, commit: bool, translate: Callable[[DBAPIError], RegistryError]
) -> Iterator[None]:
    """A transaction inside the unit of work: kept with it, or rolled back alone."""
    session = SqlSession.of(conn)
    name = f"atlas_{next(_SAVEPOINTS)}"
    held = pending.mark(session.connection)  # events recorded inside go if it rolls back
    try:
        session.run(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            pending.drop_after(session.connection, held)
            with contextlib.suppress(DBAPIError):  # a lost connection fails the unit anyway
                session.run(f"ROLLBACK TO SAVEPOINT {name}")
            raise
        if not commit:
            pending.drop_after(session.connection, held)
        session.run(f"{'RELEASE' if commit else 'ROLLBACK TO'} SAVEPOINT {name}")
    except DBAPIError as exc:
        raise translate(exc) from exc
