"""The floors every write figure is divided by: the database doing the same work bare.

A write's floor is **the replay of its own SQL on the bare driver**: the
statements and parameters one registration (or one batch, or a whole
backfill) sent, captured on its driver connection, what it sent through
SQLAlchemy's Core on that connection included (:func:`capturing`), then sent
again on a raw ``sqlite3`` / ``psycopg`` connection with the registry's own
settings (:func:`bare_connection`), in the same order, with the same waits
for results (in a psycopg pipeline, a result read is a round trip: the replay
reads it at the same point), into a twin database that holds what the
registry's database held (a statistics refresh the write sent on its
autocommit connection is replayed outside any transaction, as it ran). No
registry code runs in a replay: what it costs is what the database and the
driver cost for that write, and what a write costs above it is the
registry's own work (checks, rows, glue).

The floor of a batch is what the database does with the same rows at its
fastest: on SQLite an ``executemany`` of every table's rows in one
transaction (:func:`sqlite_rows_floor`), on PostgreSQL a ``COPY`` of them
(:func:`copy_rows_floor`); the rows are those the batch wrote, captured too.
The pool's liveness check on PostgreSQL (``SELECT 1`` when a connection is
taken) is sent by every write, so it is captured and replayed as well.

:func:`commit_floor` (three INSERTs and a COMMIT) is no write's floor; it is
the fixed yardstick of CI's regression check (see its docstring).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from atlas_registry.store.backends import LOCK_TIMEOUT_SECONDS, SQLITE_CACHE_MB, SQLITE_MMAP_MB
from atlas_registry.store.db import Database
from bench.timing import summary

# One operation on the driver connection: (what, cursor number, SQL, parameters, options).
Op = tuple[str, int, str, Any, dict[str, Any]]


class _Recorder:
    """The operations a write sends, in order (one list per transaction taken)."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self._cursors = 0

    def add(self, what: str, cursor: int = 0, sql: str = "", params: Any = None, **kw: Any) -> None:
        self.ops.append((what, cursor, sql, params, kw))

    def new_cursor(self) -> int:
        self._cursors += 1
        return self._cursors


class _Copy:
    def __init__(self, copy: Any, rows: list[Any]) -> None:
        self._copy, self._rows = copy, rows

    def write_row(self, row: Any) -> None:
        self._rows.append(tuple(row))
        self._copy.write_row(row)


class _Cursor:
    """A driver cursor that records what it sends; ``kind`` "outside" for a statement sent
    on the autocommit engine's connection, which the replay runs outside any transaction."""

    def __init__(
        self, cursor: Any, number: int, recorder: _Recorder, kind: str = "execute"
    ) -> None:
        self._cursor, self._number, self._recorder = cursor, number, recorder
        self._kind = kind

    def execute(self, sql: str, params: Any = None, **kw: Any) -> _Cursor:
        self._recorder.add(self._kind, self._number, sql, _frozen(params), **kw)
        self._cursor.execute(sql, *(() if params is None else (params,)), **kw)
        return self

    def executemany(self, sql: str, rows: Any, **kw: Any) -> None:
        rows = [_frozen(r) for r in rows]
        self._recorder.add("executemany", self._number, sql, rows, **kw)
        self._cursor.executemany(sql, rows, **kw)

    def fetchall(self) -> Any:
        self._recorder.add("fetch", self._number)
        return self._cursor.fetchall()

    def fetchone(self) -> Any:
        self._recorder.add("fetch", self._number)
        return self._cursor.fetchone()

    def fetchmany(self, size: int | None = None) -> Any:
        self._recorder.add("fetch", self._number)
        return self._cursor.fetchmany(*(() if size is None else (size,)))

    def close(self) -> None:
        self._recorder.add("close", self._number)
        self._cursor.close()

    @contextmanager
    def copy(self, sql: str) -> Iterator[_Copy]:
        rows: list[Any] = []
        with self._cursor.copy(sql) as copy:
            yield _Copy(copy, rows)
        self._recorder.add("copy", self._number, sql, rows)

    def __enter__(self) -> _Cursor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _Connection:
    """A driver connection that records what is sent through it."""

    def __init__(self, driver: Any, recorder: _Recorder) -> None:
        object.__setattr__(self, "_driver", driver)
        object.__setattr__(self, "_recorder", recorder)

    def cursor(self) -> _Cursor:
        return _Cursor(self._driver.cursor(), self._recorder.new_cursor(), self._recorder)

    def execute(self, sql: str, params: Any = None, **kw: Any) -> Any:
        number = self._recorder.new_cursor()
        self._recorder.add("execute", number, sql, _frozen(params), **kw)
        cursor = self._driver.execute(sql, *(() if params is None else (params,)), **kw)
        return _Cursor(cursor, number, self._recorder)

    def commit(self) -> None:
        self._recorder.add("commit")
        self._driver.commit()

    def rollback(self) -> None:
        self._recorder.add("rollback")
        self._driver.rollback()

    @contextmanager
    def pipeline(self) -> Iterator[Any]:
        self._recorder.add("pipeline")
        with self._driver.pipeline() as pipeline:
            yield pipeline
        self._recorder.add("end_pipeline")

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "autocommit":
            self._recorder.add("autocommit", params=value)
        setattr(self._driver, name, value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)


def _frozen(params: Any) -> Any:
    """Parameters as sent, copied (the caller may reuse its list); named ones as a dict."""
    if params is None:
        return None
    return dict(params) if isinstance(params, Mapping) else tuple(params)


class Capture:
    """What :func:`capturing` saw: one list of operations per write (see :meth:`mark`)."""

    def __init__(self) -> None:
        self.recorder = _Recorder()
        self.writes: list[list[Op]] = []

    def mark(self) -> list[Op]:
        """End the current write: its operations, from the previous mark to now."""
        ops, self.recorder.ops = self.recorder.ops, []
        self.writes.append(ops)
        return ops


@contextmanager
def capturing(db: Database) -> Iterator[Capture]:
    """Record what every write on ``db`` sends to the driver while this lasts.

    The recorder sits on the driver connections ``db`` takes from its pool
    (and on the pool's liveness check), so the registry's code runs unchanged;
    its own cost is not timed (a captured write is never a measured one).
    """
    capture = Capture()
    engine, dialect = db.engine, db.engine.dialect
    # The statistics refresh between a backfill's chunks (``Database.refresh_statistics``)
    # runs on the engine's autocommit twin, outside the write's transactions.
    autocommit_engine = db._autocommit
    taken, pinged = engine.raw_connection, dialect.do_ping
    taken_outside = autocommit_engine.raw_connection

    def wrapped(pooled: Any, *, outside: bool) -> Any:
        return _Pooled(pooled, _Connection(pooled.driver_connection, capture.recorder), outside)

    def do_ping(dbapi_connection: Any) -> bool:
        capture.recorder.add("ping")
        return bool(pinged(dbapi_connection))

    engine.raw_connection = lambda: wrapped(taken(), outside=False)  # type: ignore[method-assign]
    autocommit_engine.raw_connection = lambda: wrapped(taken_outside(), outside=True)  # type: ignore[method-assign]
    dialect.do_ping = do_ping  # type: ignore[method-assign]
    try:
        yield capture
    finally:
        del engine.raw_connection
        del autocommit_engine.raw_connection
        del dialect.do_ping


class _Pooled:
    """The pool's connection as SQLAlchemy's Core uses it, its statements and commits recorded
    too: a write may run some of its SQL through Core (a unit of work's BEGIN and COMMIT,
    a query built with Core) and the rest on the driver connection."""

    def __init__(self, pooled: Any, driver: _Connection, outside: bool = False) -> None:
        self._pooled, self.driver_connection, self._outside = pooled, driver, outside

    def cursor(self, *args: Any, **kw: Any) -> _Cursor:
        driver = self.driver_connection
        cursor = driver._driver.cursor(*args, **kw)
        kind = "outside" if self._outside else "execute"
        return _Cursor(cursor, driver._recorder.new_cursor(), driver._recorder, kind)

    def commit(self) -> None:
        self.driver_connection.commit()

    def rollback(self) -> None:
        self.driver_connection.rollback()

    def close(self) -> None:
        self._pooled.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pooled, name)


@contextmanager
def bare_connection(db: Database) -> Iterator[Any]:
    """A raw driver connection to ``db``'s database with the registry's own settings.

    SQLite: autocommit at the driver (BEGIN is sent as SQL), foreign keys on,
    WAL, ``synchronous=NORMAL``, the same page cache and memory map.
    PostgreSQL: the same lock timeout, and psycopg's defaults otherwise (its
    statement preparation after five runs included), as the registry uses it.
    """
    conn: Any
    if db.dialect == "sqlite":
        conn = sqlite3.connect(
            str(db.sqlite_file), timeout=LOCK_TIMEOUT_SECONDS, check_same_thread=False
        )
        conn.isolation_level = None
        for pragma in (
            "foreign_keys = ON",
            f"busy_timeout = {LOCK_TIMEOUT_SECONDS * 1000}",
            "journal_mode = WAL",
            "synchronous = NORMAL",
            f"cache_size = -{SQLITE_CACHE_MB * 1024}",
            f"mmap_size = {SQLITE_MMAP_MB * 1024 * 1024}",
        ):
            conn.execute(f"PRAGMA {pragma}")
    else:
        import psycopg

        url = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = psycopg.connect(url)
        conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'")
        conn.commit()
    try:
        yield conn
    finally:
        conn.close()


def replay(conn: Any, ops: Sequence[Op]) -> None:
    """Send ``ops`` on ``conn`` as they were sent: same statements, parameters and waits."""
    cursors: dict[int, Any] = {}
    pipelines: list[Any] = []
    for what, number, sql, params, kw in ops:
        if what in ("execute", "outside"):
            cursor = cursors.get(number) or cursors.setdefault(number, conn.cursor())
            with _autocommitted(conn) if what == "outside" else nullcontext():
                cursor.execute(sql, params, **kw) if params is not None else cursor.execute(
                    sql, **kw
                )
        elif what == "fetch":
            cursors[number].fetchall()
        elif what == "close":
            cursor = cursors.pop(number, None)
            if cursor is not None:
                cursor.close()
        elif what == "executemany":
            cursor = cursors.get(number) or cursors.setdefault(number, conn.cursor())
            cursor.executemany(sql, params, **kw)
        elif what == "copy":
            _copy(conn, sql, params)
        elif what == "commit":
            conn.commit()
        elif what == "rollback":
            conn.rollback()
        elif what == "autocommit":
            conn.autocommit = params
        elif what == "pipeline":
            pipelines.append(conn.pipeline())
            pipelines[-1].__enter__()
        elif what == "end_pipeline":
            pipelines.pop().__exit__(None, None, None)
        elif what == "ping":
            _ping(conn)
    for cursor in cursors.values():
        cursor.close()


def _ping(conn: Any) -> None:
    """The pool's liveness check as SQLAlchemy sends it: ``SELECT 1`` outside a transaction."""
    with _autocommitted(conn), conn.cursor() as cursor:
        cursor.execute("SELECT 1")


@contextmanager
def _autocommitted(conn: Any) -> Iterator[None]:
    """psycopg's connection in autocommit meanwhile, as SQLAlchemy's autocommit engine and its
    pool's liveness check use it; SQLite's bare connection is in autocommit at the driver."""
    if isinstance(conn, sqlite3.Connection):
        yield
        return
    before = conn.autocommit
    conn.autocommit = True
    try:
        yield
    finally:
        conn.autocommit = before


def _copy(conn: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    with conn.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def timed_replay(conn: Any, ops: Sequence[Op]) -> float:
    """Seconds one replay of ``ops`` took."""
    began = time.perf_counter()
    replay(conn, ops)
    return time.perf_counter() - began


def inserted_rows(ops: Sequence[Op]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Per INSERT statement or COPY of a write, in order: its SQL and every row it carried."""
    found: list[tuple[str, list[tuple[Any, ...]]]] = []
    for what, _number, sql, params, _kw in ops:
        head = sql.lstrip().upper()
        if what == "copy" or (head.startswith("INSERT") and what == "executemany"):
            found.append((sql, list(params)))
        elif head.startswith("INSERT") and what == "execute":
            found.append((sql, [params]))
    return found


def sqlite_rows_floor(conn: Any, ops: Sequence[Op]) -> float:
    """Seconds SQLite takes to store a write's rows at its fastest: one ``executemany``
    per statement the write inserted with, in one ``BEGIN IMMEDIATE`` ... ``COMMIT``."""
    inserts = inserted_rows(ops)
    began = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for sql, rows in inserts:
        conn.executemany(sql, rows)
    conn.execute("COMMIT")
    return time.perf_counter() - began


def copy_rows_floor(conn: Any, ops: Sequence[Op]) -> float:
    """Seconds PostgreSQL takes to store a write's rows at its fastest: a ``COPY`` per
    table the write inserted into, rows as the write sent them, in one transaction."""
    inserts = [(_copy_sql(sql), rows) for sql, rows in inserted_rows(ops)]
    began = time.perf_counter()
    for sql, rows in inserts:
        _copy(conn, sql, rows)
    conn.commit()
    return time.perf_counter() - began


def _copy_sql(sql: str) -> str:
    """``COPY table (columns) FROM STDIN`` for an ``INSERT INTO table (columns) ...`` or a COPY."""
    if sql.lstrip().upper().startswith("COPY"):
        return sql
    head = sql.split("VALUES", 1)[0].strip()
    return "COPY " + head.removeprefix("INSERT INTO ").strip() + " FROM STDIN"


def commit_floor(db: Database, n: int) -> dict[str, float]:
    """Three single-row INSERTs and a COMMIT, ``n`` times, on the registry's own connection.

    Not a write's floor (a registration's own SQL costs several times this):
    the yardstick of CI's regression check (``bench/baseline.json``). A replay
    floor moves with the SQL it replays, so a write that gained a statement or
    a slow plan would keep its ratio to its replay; against this fixed
    transaction it does not.
    """
    pooled = db.engine.raw_connection()
    driver: Any = pooled.driver_connection
    mark = "?" if db.dialect == "sqlite" else "%s"
    insert = f"INSERT INTO bench_floor (id, body) VALUES ({mark}, {mark})"
    body = "x" * 200
    latencies = []
    try:
        driver.execute("CREATE TABLE IF NOT EXISTS bench_floor (id TEXT PRIMARY KEY, body TEXT)")
        if db.dialect == "postgresql":
            driver.commit()
        for _ in range(n):
            began = time.perf_counter()
            if db.dialect == "sqlite":
                driver.execute("BEGIN IMMEDIATE")
                for _row in range(3):
                    driver.execute(insert, (uuid.uuid4().hex, body))
                driver.execute("COMMIT")
            else:
                with driver.cursor() as cursor:
                    for _row in range(3):
                        cursor.execute(insert, (uuid.uuid4().hex, body))
                driver.commit()
            latencies.append(time.perf_counter() - began)
        driver.execute("DROP TABLE bench_floor")
        if db.dialect == "postgresql":
            driver.commit()
    finally:
        pooled.close()
    return summary(latencies)
