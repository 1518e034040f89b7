"""Engine from a URL and one transaction context over the dialect its scheme picks.

Everything that touches the database goes through :meth:`Database.transaction`,
which commits or rolls back as one unit and turns driver errors into
:mod:`atlas_registry.errors` (:mod:`.driver_errors`), so no caller has to know
which driver is below; a failure after COMMIT was sent is told apart from one
before it. :meth:`Database.unit_of_work` makes the transactions a verb opens
one, so that a caller can add its own rows to the verb's commit, and
:meth:`Database.snapshot` makes several verbs' reads one (:mod:`.units`);
:meth:`Database.one_connection` lets the plain-SQL sessions of one request
share one pooled connection (:mod:`.shared_connection`). The dialects' hooks
(pragmas, BEGIN mode, locks) are :mod:`.backends`; a connection the server
ended is dropped from the pool by :mod:`.lost_connections`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    LargeBinary,
    Table,
    cast,
    create_engine,
    event,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from atlas_registry.errors import (
    RegistryError,
)
from atlas_registry.store import fork_safety
from atlas_registry.store.backends import BACKENDS
from atlas_registry.store.driver_errors import (
    commit_sent,
    mark_commit_sent,
    translate,
)
from atlas_registry.store.events import pending
from atlas_registry.store.lost_connections import forget_if_disconnected, lost_is_a_disconnect
from atlas_registry.store.shared_connection import Checkout, FirstSentTwice, release_idle, sharing
from atlas_registry.store.sql_session import SqlSession, wrapped
from atlas_registry.store.sqlite_file import prepare_sqlite_file
from atlas_registry.store.units import Unit, entered, inside, joined, read_snapshot
from atlas_registry.store.urls import parse_url

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def utc_timestamp() -> str:
    """Now as the registry stores time on both dialects: ``YYYY-MM-DD HH:MM:SS`` in UTC.

    From ``time.gmtime``: the same text as ``datetime.now(UTC).strftime`` at a
    third of the cost (every write stamps its rows and its events).
    """
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime())


class Database:
    """One database, reached by URL; hands out transactions.

    With ``must_exist`` (the default) a SQLite file that is not there is an error
    rather than silently created: only ``migrate`` may create a database.
    """

    def __init__(self, url: str, *, must_exist: bool = True) -> None:
        self.url = parse_url(url)
        self.dialect = "postgresql" if self.url.get_backend_name() == "postgresql" else "sqlite"
        self._backend = BACKENDS[self.dialect]()
        if self.dialect == "sqlite":
            self._prepare_sqlite_file(must_exist)
        self.engine = create_engine(self.url, **self._backend.engine_options(self.url))
        self._backend.install_hooks(self.engine)
        event.listen(self.engine, "handle_error", lost_is_a_disconnect)
        # Same pool; each checkout runs outside a transaction (see single_read).
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        fork_safety.track(self)

    @property
    def sqlite_file(self) -> Path | None:
        """The file a SQLite database lives in; None on PostgreSQL and in memory."""
        database = self.url.database
        if self.dialect != "sqlite" or database in (None, "", ":memory:"):
            return None
        return Path(str(database))

    def _prepare_sqlite_file(self, must_exist: bool) -> None:
        if self.sqlite_file is not None:
            shown = self.url.render_as_string(hide_password=True)
            prepare_sqlite_file(self.sqlite_file, must_exist=must_exist, shown_url=shown)

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True).replace("+psycopg", "")

    @contextmanager
    def transaction(
        self,
        *,
        write: bool = False,
        commit: bool = True,
        pipelined_events: bool = False,
        read_only: bool = False,
    ) -> Iterator[Connection]:
        """One unit of work: commits on success, rolls back on any error.

        ``write=True`` takes SQLite's write lock at BEGIN, so a transaction that reads
        and then writes can never be overtaken by another writer. ``commit=False``
        rolls back even on success: a dry run does the real work, then undoes it.
        ``pipelined_events``: its events go in one round trip (:meth:`pipelined`).

        A read (``write=False``) sees one snapshot on both databases: SQLite gives
        every transaction one, and on PostgreSQL it runs in REPEATABLE READ
        (psycopg names the level in its BEGIN: no round trip more), so the parts
        of a lineage or a history agree with each other. ``read_only`` also has
        PostgreSQL refuse any write in it (the BEGIN says READ ONLY); SQLite's
        read-only use is :meth:`snapshot`'s, which refuses writes itself.
        """
        open_unit = joined(self)
        if open_unit is not None:
            with inside(open_unit, write=write, commit=commit, translate=self._translate):
                yield open_unit.connection
            return
        release_idle(self)
        options: dict[str, Any] = {"write": write}
        if not write and self.dialect == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
            if read_only:
                options["postgresql_readonly"] = True
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(**options)
                with conn.begin() as unit, pending.opened(conn.connection.driver_connection):
                    yield conn
                    if not commit:
                        unit.rollback()
                    else:
                        if pending.mark(conn.connection.driver_connection):  # any held
                            with self.pipelined(conn if pipelined_events else None):
                                pending.write(SqlSession.of(conn))  # events last: see .pending
                        try:
                            unit.commit()
                        except DBAPIError as exc:
                            mark_commit_sent(exc)
                            raise
        except DBAPIError as exc:
            raise self._translate(exc) from exc

    @contextmanager
    def unit_of_work(self) -> Iterator[SqlSession]:
        """One write transaction that every transaction and session opened inside it joins.

        A verb opens its own transactions; run inside a unit of work, each of
        them becomes a savepoint of this one transaction (a failed one is
        rolled back alone, as it would have been on its own), and nothing
        commits until the unit ends. What the caller writes through the
        session it is given, after the verb and before COMMIT, is therefore
        saved exactly when the verb's writes are: an idempotency key and the
        answer it stands for (:mod:`.idempotency`). Events go last, at COMMIT,
        less those of savepoints rolled back (:mod:`.events.pending`).
        On PostgreSQL its events go in one round trip (:meth:`pipelined`).
        """
        if self._joined() is not None:
            raise RuntimeError("a unit of work or a snapshot is already open: units do not nest")
        with (
            self.transaction(write=True, pipelined_events=True) as conn,
            entered(Unit(self, conn, read_only=False)),
        ):
            yield SqlSession.of(conn)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read opened inside runs in one read-only transaction: one snapshot.

        A verb reads in transactions of its own, so a caller that shows the
        answers of several verbs side by side (``show``, a page) could show
        parts of two moments: a new pin check beside the old pin state. Inside,
        they join this transaction instead (REPEATABLE READ on PostgreSQL; on
        SQLite every transaction reads one snapshot); a write is refused
        (:mod:`.units`). Inside a unit of work the reads join its transaction,
        whose writes are the unit's.
        """
        with read_snapshot(self, lambda: self.transaction(read_only=True)):
            yield

    @property
    def in_unit_of_work(self) -> bool:
        """Whether a transaction opened here joins a unit of work (whose COMMIT writes events)."""
        unit = joined(self)
        return unit is not None and not unit.read_only

    @property
    def in_snapshot(self) -> bool:
        """Whether a read here joins a snapshot (:meth:`snapshot`), where writes are refused."""
        unit = joined(self)
        return unit is not None and unit.read_only

    def _joined(self) -> Connection | None:
        """The connection of the unit of work or snapshot open here on this database, if any."""
        unit = joined(self)
        return None if unit is None else unit.connection

    @contextmanager
    def single_read(self) -> Iterator[Connection]:
        """A connection for a read that is one statement (a get, a page of a listing).

        One statement sees one snapshot on its own, so on PostgreSQL it runs in
        autocommit: BEGIN and COMMIT would be two more round trips for a query
        that needs one (measured: ~20% of a listing page). Reads of several
        statements that must agree with each other use :meth:`transaction`.
        """
        if self.dialect != "postgresql" or self._joined() is not None:
            with self.transaction() as conn:
                yield conn
            return
        release_idle(self)
        try:
            with self._autocommit.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise self._translate(exc) from exc

    @contextmanager
    def pipelined(self, conn: Connection | SqlSession | None) -> Iterator[None]:
        """Plain SQL sent inside travels in one round trip on PostgreSQL (no SQLAlchemy Core:
        it reads each result as it is sent). Rows asked with :meth:`SqlSession.later` are read
        after the block, whose end raises the first failure as a registry error. ``None``, or a
        pipeline already open: nothing is done."""
        if conn is None or self.dialect != "postgresql":
            yield
            return
        session = conn if isinstance(conn, SqlSession) else SqlSession.of(conn)
        driver: Any = session.connection
        if driver.info.pipeline_status:
            yield
            return
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            with driver.pipeline():
                yield
        except driver_error as exc:  # raised by the pipeline's end, which SqlSession does not wrap
            # A lost session is invalidated here, so the pool never gets it back.
            raise self._translate(session.failed(None, exc)) from exc

    def _translate(self, exc: DBAPIError) -> RegistryError:
        """The registry error for a driver error: every one of them gets a class of its own."""
        return translate(exc, self.dialect, self.display_url, self._backend.is_lock_timeout(exc))

    def lock_keyed_by(
        self, conn: Connection | SqlSession, key_sql: str, source_sql: str, params: Sequence[Any]
    ) -> None:
        """Lock the keys ``key_sql`` computes over the rows ``source_sql`` selects, in one query.

        Saves the round trip of reading a key before locking it (a line's root,
        say). Where writers are serialised from BEGIN (SQLite) it does nothing.
        """
        session = conn if isinstance(conn, SqlSession) else SqlSession.of(conn)
        self._backend.lock_keyed_by(session, key_sql, source_sql, params)

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """The plain-SQL sessions opened inside take one pooled connection in turn
        (:func:`.shared_connection.sharing`): one checkout a request, not two."""
        with sharing(self, in_unit=self._joined() is not None):
            yield

    @contextmanager
    def _driver(self) -> Iterator[Checkout]:
        """A pooled driver connection and its error class; its errors become registry errors.

        Inside :meth:`one_connection`, the connection the block shares.
        """
        driver_error = self.engine.dialect.loaded_dbapi.Error
        taken = Checkout.take(self, self._backend.reusable)
        kept = False
        try:
            yield taken
            kept = taken.shared is not None
        except DBAPIError as exc:
            forget_if_disconnected(self.engine, taken.pooled, exc)
            raise self._translate(exc) from exc
        except driver_error as exc:  # COMMIT, the one statement SqlSession does not wrap
            error = wrapped("COMMIT", exc, driver_error)
            if commit_sent(exc):
                mark_commit_sent(error)
            forget_if_disconnected(self.engine, taken.pooled, error)
            raise self._translate(error) from exc
        finally:
            taken.give_back(kept)

    def _checked_out(self) -> PoolProxiedConnection:
        """A connection from the pool (a new one when the pool has none idle)."""
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            return self.engine.raw_connection()
        except DBAPIError as exc:  # the server went away since the handle was opened
            raise self._translate(exc) from exc
        except driver_error as exc:  # the pool lets the driver's own connect error through
            raise self._translate(wrapped(None, exc, driver_error)) from exc

    @contextmanager
    def session(
        self, *, write: bool = False, commit: bool = True, bulk: bool = False
    ) -> Iterator[SqlSession]:
        """:meth:`transaction` for the write path's plain SQL (:mod:`.sql_session`).

        The same pool, BEGIN mode, commit-or-rollback and error translation as
        :meth:`transaction`, without SQLAlchemy's per-statement work. On
        PostgreSQL the whole unit is one pipeline (see :mod:`atlas_registry.store.sql_session`),
        unless it is ``bulk``: large inserts then go through COPY, which a
        pipeline cannot carry.
        """
        unit = joined(self)
        if unit is not None:
            with inside(unit, write=write, commit=commit, translate=self._translate):
                yield SqlSession.of(unit.connection)
            return
        with self._driver() as taken:
            driver, driver_error = taken.driver, taken.driver_error
            committing = False
            try:
                # The pipeline (PostgreSQL) ends before any rollback: in a pipeline
                # that a failed statement aborted, a rollback would fail and hide
                # the statement's own error behind "pipeline aborted".
                with (
                    self._backend.unit(driver, write=write, pipelined=not bulk) as end,
                    pending.opened(driver),
                ):
                    session = SqlSession(driver, self.dialect, driver_error)
                    yield session
                    if commit:
                        pending.write(session)  # events last: see .events.pending
                    committing = commit
                    end(commit)
            except BaseException as exc:
                with contextlib.suppress(driver_error):
                    driver.rollback()
                if committing:  # in a pipeline, what fails at its end fails after COMMIT went out
                    mark_commit_sent(exc)
                raise

    @contextmanager
    def single_read_session(self) -> Iterator[SqlSession]:
        """:meth:`single_read` for plain SQL: one statement, no transaction around it.

        A single statement sees one snapshot on its own on both databases, so it
        runs without BEGIN and COMMIT (SQLite's driver is in autocommit here;
        PostgreSQL's connection is put in autocommit for the read). The token
        check of every authenticated request and every get run here: 16 µs
        against 42 µs through a SQLAlchemy connection on SQLite.

        A first statement that meets a session the server ended is sent once
        more on a new connection (:class:`.shared_connection.FirstSentTwice`).
        """
        unit = joined(self)
        if unit is not None:
            with inside(unit, write=False, commit=True, translate=self._translate):
                yield SqlSession.of(unit.connection)
            return
        with self._driver() as taken, self._backend.autocommit(taken.driver):
            session = FirstSentTwice(taken, self.dialect)
            try:
                yield session
            finally:
                session.restore()

    def lock(self, conn: Connection | SqlSession, key: str) -> None:
        """Serialise writers on ``key`` (a model line, the migration runner) within ``conn``."""
        session = conn if isinstance(conn, SqlSession) else SqlSession.of(conn)
        self._backend.lock(session, key)

    # A write that adds at least this many rows, and at least a tenth of a table,
    # is followed by fresh planner statistics on PostgreSQL.
    STATISTICS_AFTER_ROWS = 1000

    def refresh_statistics(self, tables: Sequence[str], *, grown_by: int) -> bool:
        """ANALYZE ``tables`` after a write grew them a lot; True when it ran.

        PostgreSQL plans from statistics that autovacuum refreshes only now and
        then (and never where it is off): a batch of 25,000 models into tables
        the planner still thought empty took 36 s instead of 2.8 s. SQLite keeps
        no statistics here (no ``sqlite_stat1``): its plans come from the indexes.
        """
        if self.dialect != "postgresql" or grown_by < self.STATISTICS_AFTER_ROWS:
            return False
        release_idle(self)
        with self._autocommit.connect() as conn:
            estimate = conn.exec_driver_sql(
                "SELECT coalesce(max(reltuples), 0) FROM pg_class WHERE relname = %(table)s",
                {"table": tables[0]},
            ).scalar()
            if estimate and estimate > 0 and grown_by * 10 < estimate:
                return False
            conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")
        return True

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that all have the same keys with one driver-level executemany (or COPY).

    Bulk paths (batch registration, backfill) spend more time in statement
    compilation than in SQLite itself; the column names come from our own rows.
    """
    SqlSession.of(conn).insert(table.name, rows)


def legacy_text(dialect: str, column: Column[Any]) -> ColumnElement[Any]:
    """A TEXT column read as raw bytes on SQLite, labelled with the column's name.

    SQLite stores whatever bytes a platform wrote into a TEXT column, and the
    driver raises while fetching a row that is not UTF-8, which would stop a
    whole backfill or report at one bad legacy row. PostgreSQL never holds such
    text, so the column is read as it is there. :func:`decoded` turns the value
    back into text where it is text.
    """
    if dialect == "sqlite":
        return cast(column, LargeBinary).label(column.name)
    return column


def decoded(value: str | bytes | None) -> str | bytes | None:
    """UTF-8 bytes as text; bytes that are not UTF-8 stay bytes, for the caller to refuse."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value
