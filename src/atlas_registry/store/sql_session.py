"""Plain SQL on the driver's own connection, for the statements a write runs most.

A registration runs a handful of short statements; built through SQLAlchemy each
one cost more than SQLite took to run it (compilation, result wrapping, events:
measured at ~30 µs a statement, six or more per registration). The write path
therefore writes its SQL once, as text with ``?`` marks, and runs it on the
DBAPI connection under the same pool and transaction as everything else:
sqlite3 caches the prepared statement per text, and psycopg prepares a text on
the server after a few runs. SQLAlchemy Core stays for everything else.

Driver errors are raised as SQLAlchemy's :class:`~sqlalchemy.exc.DBAPIError`
subclasses, so :class:`~atlas_registry.store.db.Database` turns them into registry
errors exactly as it does for Core statements.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

Params = Sequence[Any]
# The server ended the session (SQLSTATE 57P01 to 57P03); class 08 is a lost connection.
LOST_SQLSTATES = ("57P01", "57P02", "57P03")
# From this many rows, PostgreSQL inserts go through COPY: one stream of rows
# instead of one statement per row.
COPY_FROM_ROWS = 200


@functools.lru_cache(maxsize=1024)
def _psycopg_marks(sql: str) -> str:
    """``?`` marks as psycopg's ``%s`` (a literal ``%`` doubled); our SQL holds no literal ``?``."""
    return sql.replace("%", "%%").replace("?", "%s")


@functools.lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """The INSERT of one row of ``columns``, written once per table and set of columns."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(len(columns))})"


@functools.lru_cache(maxsize=256)
def _values_of(columns: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A row's values in the order of ``columns``, picked in C (a registration inserts
    eight kinds of rows; a batch, tens of thousands of rows)."""
    pick = operator.itemgetter(*columns)
    if len(columns) == 1:
        return lambda row: (pick(row),)
    return pick  # several keys: itemgetter returns a tuple


# The most values one ``IN (...)`` list carries; longer lists go as several statements.
IN_LIST_CHUNK = 500
T = TypeVar("T")


def marks(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``count`` values."""
    return ", ".join(["?"] * count)


def chunked(values: Sequence[T], size: int = IN_LIST_CHUNK) -> list[list[T]]:
    """``values`` in lists of at most ``size``, for ``IN (...)`` lists."""
    return [list(values[start : start + size]) for start in range(0, len(values), size)]


class Pending:
    """The rows of a query sent with :meth:`SqlSession.later`, read on first use."""

    def __init__(self, source: list[tuple[Any, ...]] | Callable[[], list[tuple[Any, ...]]]) -> None:
        self._source = source

    def rows(self) -> list[tuple[Any, ...]]:
        if callable(self._source):
            self._source = self._source()
        return self._source


class SqlSession:
    """Statements with ``?`` marks on one DBAPI connection, inside its open transaction.

    ``on_lost``: called with the error when a statement finds the session lost
    (see :func:`session_lost`); the error then says so
    (``connection_invalidated``). Only a session that runs in no pipeline of
    its own is given one: inside a pipeline, the owner of the pipeline judges
    the connection once the pipeline ended.
    """

    def __init__(
        self,
        driver_connection: Any,
        dialect: str,
        driver_error: type[Exception],
        on_lost: Callable[[DBAPIError], object] | None = None,
    ) -> None:
        self.dialect = dialect
        self._connection = driver_connection
        self._driver_error = driver_error
        self._on_lost = on_lost

    @classmethod
    def of(cls, conn: Connection) -> SqlSession:
        """The session inside a SQLAlchemy connection's transaction (same connection, same unit).

        A statement that finds the session lost invalidates ``conn``, as
        SQLAlchemy does for its own statements: no ROLLBACK is tried on it and
        the pool never gets it back (its failed reset would log tracebacks).
        """
        driver = conn.connection.driver_connection
        return cls(driver, conn.dialect.name, conn.dialect.loaded_dbapi.Error, conn.invalidate)

    @property
    def connection(self) -> Any:
        """The driver connection the statements run on (what identifies the transaction)."""
        return self._connection

    def _sql(self, sql: str) -> str:
        return sql if self.dialect != "postgresql" else _psycopg_marks(sql)

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Every row a query returns (in a pipeline, this is where the round trip happens)."""
        return self._fetched(sql, self._run(sql, params))

    def later(self, sql: str, params: Params = ()) -> Pending:
        """Send a query now and read its rows when they are needed.

        In a pipeline, queries sent before the first read share that read's
        round trip; elsewhere the rows are read at once. Either way the query
        runs at this point of the transaction, after everything sent before it.
        """
        if not self._pipelined:
            return Pending(self.rows(sql, params))
        cursor = self._run(sql, params)
        return Pending(lambda: self._fetched(sql, cursor))

    def _fetched(self, sql: str, cursor: Any) -> list[tuple[Any, ...]]:
        try:
            return list(cursor.fetchall())
        except self._driver_error as exc:
            raise self.failed(sql, exc) from exc
        finally:
            cursor.close()

    def first(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def run(self, sql: str, params: Params = ()) -> None:
        """A statement whose result nobody reads: in a pipeline it costs no round trip.

        A statement whose outcome matters says so with RETURNING and :meth:`rows`.
        """
        self._run(sql, params).close()

    def run_many(self, sql: str, rows: Iterable[Params]) -> None:
        """One statement for many parameter rows (psycopg pipelines them in one round trip)."""
        rows = list(rows)
        if not rows:
            return
        cursor = self._cursor(sql)
        try:
            cursor.executemany(self._sql(sql), rows)
        except self._driver_error as exc:
            raise self.failed(sql, exc) from exc
        finally:
            cursor.close()

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows that all have the same keys (our own column names), in one go."""
        if not rows:
            return
        columns = tuple(rows[0])
        values = list(map(_values_of(columns), rows))
        if self.dialect == "postgresql" and len(values) >= COPY_FROM_ROWS and not self._pipelined:
            self._copy(table, list(columns), values)
            return
        sql = _insert_sql(table, columns)
        if len(values) == 1:
            self.run(sql, values[0])
        else:
            self.run_many(sql, values)

    def _cursor(self, sql: str) -> Any:
        """A cursor for ``sql``; a connection closed under the session is a driver error too."""
        try:
            return self._connection.cursor()
        except self._driver_error as exc:
            raise self.failed(sql, exc) from exc

    def failed(self, sql: str | None, exc: Exception) -> DBAPIError:
        """The SQLAlchemy error for a driver error; a lost session is invalidated and said so."""
        error = wrapped(sql, exc, self._driver_error)
        if self._on_lost is not None and session_lost(exc, self._connection):
            error.connection_invalidated = True
            self._on_lost(error)
        return error

    @property
    def _pipelined(self) -> bool:
        """True inside a psycopg pipeline, where COPY cannot run."""
        info = getattr(self._connection, "info", None)
        return bool(info is not None and getattr(info, "pipeline_status", 0))

    def _copy(self, table: str, columns: list[str], values: list[tuple[Any, ...]]) -> None:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        cursor = self._cursor(sql)
        try:
            with cursor.copy(self._sql(sql)) as copy:
                for row in values:
                    copy.write_row(row)
        except self._driver_error as exc:
            raise self.failed(sql, exc) from exc
        finally:
            cursor.close()

    def _run(self, sql: str, params: Params) -> Any:
        cursor = self._cursor(sql)
        try:
            cursor.execute(self._sql(sql), params)
        except self._driver_error as exc:
            cursor.close()
            raise self.failed(sql, exc) from exc
        return cursor


def wrapped(sql: str | None, exc: Exception, driver_error: type[Exception]) -> DBAPIError:
    """The SQLAlchemy error class (IntegrityError, OperationalError, ...) for a driver error."""
    error = DBAPIError.instance(sql, None, exc, driver_error)
    assert isinstance(error, DBAPIError)  # a driver error is never a plain StatementError
    return error


def session_lost(error: BaseException, driver_connection: Any) -> bool:
    """True when the session behind ``driver_connection`` is gone or unusable after ``error``.

    psycopg calls a connection broken only once it has read the socket's end.
    When the server's last words (``terminating connection``) came first, the
    connection still looks open, and an ``executemany`` (which psycopg runs as
    a pipeline) leaves it stuck in pipeline mode ("cannot exit pipeline mode
    while busy"), where every later statement, ROLLBACK included, fails. Such a
    connection is as lost as a closed one: it must be dropped, not rolled back
    and pooled again. The caller checks after any pipeline of its own ended.
    """
    if getattr(driver_connection, "closed", False) or getattr(driver_connection, "broken", False):
        return True
    pipeline: Any = getattr(getattr(driver_connection, "info", None), "pipeline_status", None)
    if pipeline:  # psycopg's PipelineStatus: ON or ABORTED
        return True  # out of every pipeline we opened, yet still in one: stuck
    return any(ends_session(found) for found in error_chain(error))


def error_chain(error: BaseException) -> list[BaseException]:
    """``error`` and what it wraps, was caused by or raised while handling."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [error]
    while pending:
        found = pending.pop()
        if any(found is known for known in seen):
            continue
        seen.append(found)
        orig = getattr(found, "orig", None)
        pending.extend(e for e in (orig, found.__cause__, found.__context__) if e is not None)
    return seen


def ends_session(error: BaseException) -> bool:
    """The server ended the session (57P0x) or the connection failed (class 08)."""
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and (state.startswith("08") or state in LOST_SQLSTATES)
