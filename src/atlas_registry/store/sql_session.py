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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

Params = Sequence[Any]
# From this many rows, PostgreSQL inserts go through COPY: one stream of rows
# instead of one statement per row.
COPY_FROM_ROWS = 200


@functools.lru_cache(maxsize=1024)
def _psycopg_marks(sql: str) -> str:
    """``?`` marks as psycopg's ``%s`` (a literal ``%`` doubled); our SQL holds no literal ``?``."""
    return sql.replace("%", "%%").replace("?", "%s")


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
    """Statements with ``?`` marks on one DBAPI connection, inside its open transaction."""

    def __init__(self, driver_connection: Any, dialect: str, driver_error: type[Exception]) -> None:
        self.dialect = dialect
        self._connection = driver_connection
        self._driver_error = driver_error

    @classmethod
    def of(cls, conn: Connection) -> SqlSession:
        """The session inside a SQLAlchemy connection's transaction (same connection, same unit)."""
        driver = conn.connection.driver_connection
        return cls(driver, conn.dialect.name, conn.dialect.loaded_dbapi.Error)

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
            raise wrapped(sql, exc, self._driver_error) from exc
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
        cursor = self._connection.cursor()
        try:
            cursor.executemany(self._sql(sql), rows)
        except self._driver_error as exc:
            raise wrapped(sql, exc, self._driver_error) from exc
        finally:
            cursor.close()

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows that all have the same keys (our own column names), in one go."""
        if not rows:
            return
        columns = list(rows[0])
        values = [tuple(map(row.__getitem__, columns)) for row in rows]
        if self.dialect == "postgresql" and len(values) >= COPY_FROM_ROWS and not self._pipelined:
            self._copy(table, columns, values)
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(len(columns))})"
        if len(values) == 1:
            self.run(sql, values[0])
        else:
            self.run_many(sql, values)

    @property
    def _pipelined(self) -> bool:
        """True inside a psycopg pipeline, where COPY cannot run."""
        info = getattr(self._connection, "info", None)
        return bool(info is not None and getattr(info, "pipeline_status", 0))

    def _copy(self, table: str, columns: list[str], values: list[tuple[Any, ...]]) -> None:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        cursor = self._connection.cursor()
        try:
            with cursor.copy(self._sql(sql)) as copy:
                for row in values:
                    copy.write_row(row)
        except self._driver_error as exc:
            raise wrapped(sql, exc, self._driver_error) from exc
        finally:
            cursor.close()

    def _run(self, sql: str, params: Params) -> Any:
        cursor = self._connection.cursor()
        try:
            cursor.execute(self._sql(sql), params)
        except self._driver_error as exc:
            cursor.close()
            raise wrapped(sql, exc, self._driver_error) from exc
        return cursor


def wrapped(sql: str | None, exc: Exception, driver_error: type[Exception]) -> DBAPIError:
    """The SQLAlchemy error class (IntegrityError, OperationalError, ...) for a driver error."""
    error = DBAPIError.instance(sql, None, exc, driver_error)
    assert isinstance(error, DBAPIError)  # a driver error is never a plain StatementError
    return error
