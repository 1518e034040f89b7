"""The pooled connection a plain-SQL session of :class:`.db.Database` runs on.

A request checks its caller's token and then runs its verb: two sessions,
each of which would take a connection from the pool and give it back. Inside
:func:`sharing` (:meth:`.db.Database.one_connection`) the second finds the
first's connection, just proven alive by the token's lookup, and takes it
again if it still looks alive and has no transaction open
(:meth:`.Backend.reusable`). No transaction spans two sessions: each still
commits or rolls back on its own, so the errors and their order are those of
two connections. A SQLAlchemy transaction opened inside gives the connection
back first (:func:`release_idle`), so that no request ever holds two. Only
requests that do not wait (a get, a registration) share one: an idle
connection held through a long poll would starve the pool.

A session's connection, shared or not, is a :class:`Checkout`, which can
trade it for a new one when the server turns out to have ended it: the first
statement of a read outside any transaction is sent once more on the new one
(:class:`FirstSentTwice`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from atlas_registry.store.lost_connections import forget_if_disconnected
from atlas_registry.store.sql_session import SqlSession, session_lost

if TYPE_CHECKING:
    from atlas_registry.store.db import Database


class Shared:
    """The pooled connection the plain-SQL sessions inside :func:`sharing` take in turn;
    ``busy`` while one of them runs on it."""

    __slots__ = ("busy", "db", "pooled")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pooled: PoolProxiedConnection | None = None
        self.busy = False

    def release(self) -> None:
        """Back to the pool (its reset rolls back whatever was left open)."""
        if self.pooled is not None:
            pooled, self.pooled = self.pooled, None
            pooled.close()


_SHARED: ContextVar[Shared | None] = ContextVar("atlas_shared", default=None)


@contextmanager
def sharing(db: Database, *, in_unit: bool) -> Iterator[None]:
    """``db``'s plain-SQL sessions opened inside take one pooled connection in turn.

    Inside another such block, or a unit of work (``in_unit``, whose
    connection they all join anyway), nothing more is done.
    """
    if _SHARED.get() is not None or in_unit:
        yield
        return
    shared = Shared(db)
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)
        shared.release()


def idle_shared(db: Database) -> Shared | None:
    """The connection this database's sessions share here, when none of them holds it."""
    shared = _SHARED.get()
    return shared if shared is not None and shared.db is db and not shared.busy else None


def release_idle(db: Database) -> None:
    """Give back the shared connection before ``db`` takes another (never two at once)."""
    shared = idle_shared(db)
    if shared is not None:
        shared.release()


def _reused(shared: Shared | None, reusable: Callable[[Any], bool]) -> PoolProxiedConnection | None:
    """The shared connection, if it is there, idle and still looks alive (else released)."""
    if shared is None or shared.pooled is None:
        return None
    if reusable(shared.pooled.driver_connection):
        return shared.pooled
    shared.release()
    return None


class Checkout:
    """The pooled connection a plain-SQL session runs on, and the way to trade it for a new
    one when the server turns out to have ended it."""

    __slots__ = ("db", "driver_error", "pooled", "shared")

    def __init__(self, db: Database, shared: Shared | None, pooled: PoolProxiedConnection) -> None:
        self.db, self.shared, self.pooled = db, shared, pooled
        self.driver_error: type[Exception] = db.engine.dialect.loaded_dbapi.Error
        if shared is not None:
            shared.pooled, shared.busy = pooled, True

    @classmethod
    def take(cls, db: Database, reusable: Callable[[Any], bool]) -> Checkout:
        """Inside :func:`sharing`, the connection the block shares (if ``reusable``);
        else one from the pool."""
        shared = idle_shared(db)
        pooled = _reused(shared, reusable)
        return cls(db, shared, pooled if pooled is not None else db._checked_out())

    @property
    def driver(self) -> Any:
        return self.pooled.driver_connection

    def renew(self, lost: DBAPIError) -> Any:
        """A new connection in place of the lost one (dropped, with the pool it came from)."""
        forget_if_disconnected(self.db.engine, self.pooled, lost)
        self.pooled.close()
        self.pooled = self.db._checked_out()
        if self.shared is not None:
            self.shared.pooled = self.pooled
        return self.pooled.driver_connection

    def give_back(self, kept: bool) -> None:
        """The session is over: a ``kept`` connection stays shared, any other goes back."""
        if self.shared is not None:
            self.shared.busy = False
            if not kept:  # after a failure, the pool's reset decides what it is worth
                self.shared.pooled = None
        if not kept:
            self.pooled.close()


class FirstSentTwice(SqlSession):
    """A session outside any transaction whose first statement, met by a session the
    server ended, is sent once more on a new connection.

    A pooled connection is looked at, not asked (a round trip), whether it
    is alive (:func:`.lost_connections.looks_alive`), so a session the
    server ends between that look and the first statement is met by that
    statement. It is a read outside any transaction, so sending it again
    changes nothing, and the caller is not answered with the death of a
    connection it never chose. A loss met later, or a second one, is
    reported as it was met.
    """

    def __init__(self, taken: Checkout, dialect: str) -> None:
        super().__init__(taken.driver, dialect, taken.driver_error)
        self._taken: Checkout | None = taken
        self._renewed: Any = None

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        taken, self._taken = self._taken, None
        try:
            return super()._run(sql, params)
        except DBAPIError as exc:
            lost = exc.orig
            if taken is None or lost is None or not session_lost(lost, self.connection):
                raise
            self._connection = self._renewed = taken.renew(exc)
            self._renewed.autocommit = True
            return super()._run(sql, params)

    def restore(self) -> None:
        """A new connection goes back to the pool as it came (the lost one is gone)."""
        if self._renewed is not None:
            with contextlib.suppress(Exception):  # broken: the pool's reset drops it
                self._renewed.autocommit = False
