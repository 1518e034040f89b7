"""The two databases as small overrides of one base: SQLite and PostgreSQL.

Each backend sets up its connections (pragmas, BEGIN mode, timeouts), opens a
plain-SQL unit of work on the driver, takes writers' locks and recognises a
lock timeout; :class:`~atlas_registry.store.db.Database` picks one by URL scheme.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    event,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, DisconnectionError

from atlas_registry.store.lost_connections import looks_alive
from atlas_registry.store.sql_session import SqlSession

LOCK_TIMEOUT_SECONDS = 30

# Marks a pooled connection's record between its opening and its first checkout.
_FRESH = "atlas_fresh"


SQLITE_CACHE_MB = 64


SQLITE_MMAP_MB = 256


# Ends a plain-SQL unit of work: True commits it, False rolls it back.
UnitEnd = Callable[[bool], object]


def _driver_ends(driver: Any) -> UnitEnd:
    """The end of a unit the driver opened: its own commit() or rollback()."""
    return lambda commit: driver.commit() if commit else driver.rollback()


class Backend:
    """Dialect hooks; the base holds nothing dialect-specific."""

    name = ""

    def engine_options(self, url: URL) -> dict[str, Any]:
        return {}

    def install_hooks(self, engine: Engine) -> None:
        """Attach per-connection set-up (pragmas, BEGIN mode)."""

    def reusable(self, driver: Any) -> bool:
        """Whether a connection a session gave back may serve the next, judged without a
        round trip: no transaction left open on it, and (PostgreSQL) still alive."""
        return not getattr(driver, "in_transaction", False)

    @contextmanager
    def unit(self, driver: Any, *, write: bool, pipelined: bool) -> Iterator[UnitEnd]:
        """A plain-SQL session's transaction on the driver connection.

        Yields what ends it well: ``end(True)`` commits, ``end(False)`` rolls back.
        """
        yield _driver_ends(driver)

    @contextmanager
    def autocommit(self, driver: Any) -> Iterator[None]:
        """Statements on ``driver`` commit one by one while this lasts (SQLite's always do)."""
        yield

    def lock(self, session: SqlSession, key: str) -> None:
        """Serialise writers that touch ``key`` until the transaction ends."""

    def lock_keyed_by(
        self, session: SqlSession, key_sql: str, source_sql: str, params: Sequence[Any]
    ) -> None:
        """:meth:`lock` on keys the database computes (``key_sql``) from rows of ``source_sql``."""

    def is_lock_timeout(self, error: DBAPIError) -> bool:
        return False


class SQLiteBackend(Backend):
    """SQLite: one writer at a time, taken at BEGIN so read-then-write cannot race."""

    name = "sqlite"

    def engine_options(self, url: URL) -> dict[str, Any]:
        return {"connect_args": {"timeout": LOCK_TIMEOUT_SECONDS, "check_same_thread": False}}

    def install_hooks(self, engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # The driver's own transaction handling skips BEGIN before DDL; take control of it.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {LOCK_TIMEOUT_SECONDS * 1000}")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                # Index pages of a million-model catalog do not fit SQLite's 2 MB default.
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_MB * 1024}")
                cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_MB * 1024 * 1024}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

    @contextmanager
    def unit(self, driver: Any, *, write: bool, pipelined: bool) -> Iterator[UnitEnd]:
        driver.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
        yield _driver_ends(driver)

    def is_lock_timeout(self, error: DBAPIError) -> bool:
        return "database is locked" in str(error.orig)


class PostgresBackend(Backend):
    """PostgreSQL: transaction-scoped advisory locks serialise writers per key."""

    name = "postgresql"

    def install_hooks(self, engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, record: Any) -> None:
            # Once per connection, not per transaction: every round trip counts on a
            # network. Sent in autocommit, the SET is one round trip; inside the
            # driver's implicit transaction it was three (BEGIN, SET, COMMIT).
            dbapi_connection.autocommit = True
            dbapi_connection.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'")
            dbapi_connection.autocommit = False
            record.info[_FRESH] = True

        @event.listens_for(engine, "checkout")
        def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            # A pooled connection the server ended while it sat idle (a restart, a
            # failover) is replaced as it is taken: the pool opens a new one in its
            # place, and the request is not answered with its death. SQLAlchemy's
            # pre-ping would ask the server (a SELECT 1 on every checkout, one round
            # trip per request or two); the socket already says so (see looks_alive).
            # A connection just opened is not looked at, as the pre-ping did not ping
            # one: the pool tries twice, and a second refusal is not a lost
            # connection but SQLAlchemy's own "This connection is closed" (a 500).
            if not record.info.pop(_FRESH, False) and not looks_alive(dbapi_connection):
                raise DisconnectionError("the server ended this pooled connection")

    def reusable(self, driver: Any) -> bool:
        return driver.info.transaction_status.name == "IDLE" and looks_alive(driver)

    @contextmanager
    def unit(self, driver: Any, *, write: bool, pipelined: bool) -> Iterator[UnitEnd]:
        """In a pipeline, BEGIN and COMMIT travel with the statements around them.

        psycopg, left to open the transaction, sends its BEGIN with a sync of its
        own and waits for it; its commit() waits for a sync of its own too, and
        the pipeline's end for a third. With the connection in autocommit and
        BEGIN and COMMIT sent as statements, the BEGIN goes out with the first
        statements and the COMMIT with the pipeline's closing sync: two round
        trips fewer per write. The transaction is the same one either way.
        """
        if not pipelined:  # COPY: psycopg opens the transaction with the first query
            yield _driver_ends(driver)
            return
        driver.autocommit = True
        try:
            with driver.pipeline():
                driver.execute("BEGIN", prepare=False)
                yield lambda commit: driver.execute(
                    "COMMIT" if commit else "ROLLBACK", prepare=False
                )
        except BaseException:
            # Out of the pipeline, which a failed statement aborted; a no-op when
            # the transaction already ended (a COMMIT that failed ends it).
            with contextlib.suppress(Exception):
                driver.rollback()
            raise
        finally:
            # Fails only on a broken connection, which the pool then discards.
            with contextlib.suppress(Exception):
                driver.autocommit = False

    @contextmanager
    def autocommit(self, driver: Any) -> Iterator[None]:
        driver.autocommit = True
        try:
            yield
        finally:
            # Fails only on a broken connection, which the pool discards when its
            # reset fails; the read's own error is the one to report.
            with contextlib.suppress(Exception):
                driver.autocommit = False

    def lock(self, session: SqlSession, key: str) -> None:
        session.run("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    def lock_keyed_by(
        self, session: SqlSession, key_sql: str, source_sql: str, params: Sequence[Any]
    ) -> None:
        session.run(
            f"SELECT pg_advisory_xact_lock(hashtextextended({key_sql}, 0)) FROM {source_sql}",
            params,
        )

    def is_lock_timeout(self, error: DBAPIError) -> bool:
        return getattr(error.orig, "sqlstate", None) == "55P03"


BACKENDS: dict[str, type[Backend]] = {"sqlite": SQLiteBackend, "postgresql": PostgresBackend}
