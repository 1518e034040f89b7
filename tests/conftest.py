"""One database fixture, parametrised over SQLite and PostgreSQL.

PostgreSQL tests run against throwaway databases created for this test run
(``ATLAS_TEST_POSTGRES_URL`` names the server; default: the local one). With
``CI=true`` an unreachable server fails the run instead of skipping it.

The migrations run once per test run and per backend, into a template (made
by the first pytest-xdist worker that needs it, copied by the others:
``tests.run_templates``); a test that asks for a migrated database gets a
copy of it (a file copy on SQLite; on PostgreSQL one working database cloned
from the template with ``CREATE DATABASE ... TEMPLATE``, emptied between
tests, cloned again when a test changed its schema). A second template holds a platform's database
before its backfill (0001, the 8 legacy models, then migrated): ``legacy_url``;
its rows go back after each emptying. Tests of the migrations themselves ask
for ``db_url`` alone and get an empty database. The throwaway PostgreSQL
databases commit without waiting for fsync (``_create_database``).

What keeps a new module cheap:

- a set-up many tests only read is written once per module and backend:
  ``shared_migrated_url`` (a database of the module's own) and
  ``shared_served_url`` (one real ``atlas-registry serve`` over it); a
  module SQLite site copies the template (``copy_migrated``) instead of
  migrating a new file;
- the CLI runs in-process (``tests.cli_helpers.invoke``); a subprocess only
  where the real entry point or a process boundary is what is tested;
- a server per test (``tests.server_helpers.served``) only for what one test
  does to a server alone (killing it, racing it, cutting its connections);
  pages in a browser read a site served from a thread of the worker
  (``served_in_thread``), with no interpreter of its own to start;
- waits poll for the condition (``tests.transport_server.wait_for``) rather
  than sleeping a fixed time.
"""

from __future__ import annotations

import gc
import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from atlas_registry import Registry
from atlas_registry.backfill.legacy_fixture import load_legacy
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from tests import run_templates

# Fails a test whose id another shares, or whose xdist group did not reach its id.
pytest_plugins = ("tests.run_guards",)

POSTGRES_SERVER_URL = os.environ.get(
    "ATLAS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_unreachable() -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it can."""
    try:
        with psycopg.connect(_libpq(POSTGRES_SERVER_URL), connect_timeout=5):
            return None
    except psycopg.OperationalError as exc:
        first_line = (str(exc).strip().splitlines() or ["no answer"])[0]
        return f"PostgreSQL unreachable at {POSTGRES_SERVER_URL}: {first_line}"


def _needs_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "postgresql" in (
        callspec.params.get("backend"),
        callspec.params.get("shared_backend"),
    ):
        return True
    return "postgres_url" in getattr(item, "fixturenames", ())


# Fixtures that start a browser: a test using one is slow, marked or not.
_BROWSER_FIXTURES = frozenset({"page", "context", "browser"})


def _uses_a_browser(item: pytest.Item) -> bool:
    return bool(_BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())))


def _mark_browser_tests_slow(items: list[pytest.Item]) -> None:
    """A browser test belongs to the slow lane even when its module forgets to say so."""
    for item in items:
        if _uses_a_browser(item):
            item.add_marker(pytest.mark.slow)


_BACKEND_PARAMS = ("backend", "shared_backend")


def _twin_key(item: pytest.Item, backend: str) -> tuple[Any, ...] | None:
    """What names a test's run on ``backend`` apart from the backend; None if not run on it."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or backend not in (callspec.params.get(p) for p in _BACKEND_PARAMS):
        return None
    others = sorted((k, repr(v)) for k, v in callspec.params.items() if k not in _BACKEND_PARAMS)
    return (item.path, getattr(item, "cls", None), getattr(item, "originalname", ""), *others)


def _mark_postgresql_twins_slow(items: list[pytest.Item]) -> None:
    """The PostgreSQL run of a test that also runs on SQLite belongs to the slow lane.

    It was two thirds of the fast lane's time (a new server session and its
    catalogs per test); the SQLite run of the same test stays in the lane, and
    so does every test that runs on PostgreSQL alone. ``-m postgresql_twin``
    runs just these; ``./scripts/test`` runs everything.
    """
    on_sqlite = {key for item in items if (key := _twin_key(item, "sqlite")) is not None}
    for item in items:
        if _twin_key(item, "postgresql") in on_sqlite:
            item.add_marker(pytest.mark.postgresql_twin)
            item.add_marker(pytest.mark.slow)


def _keep_shared_set_ups_on_one_worker(items: list[pytest.Item]) -> None:
    """Run a module's tests on one pytest-xdist worker when they share a set-up.

    ``./scripts/test`` spreads tests over workers test by test (``--dist
    loadgroup``); a module-scoped fixture (a server, a site, a browser's
    pages) would otherwise be built once in every worker that ran a test of
    its module. Session fixtures (the migrated templates) are per worker anyway.
    Every browser test goes to one worker: one chromium started, not one per
    worker, and browsers side by side cost more CPU than one after another
    (measured on 2 CPUs: the whole run 7 CPU-seconds and 7 s less).
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        if _uses_a_browser(item):
            item.add_marker(pytest.mark.xdist_group("browser"))
            continue
        shared = any(
            fixture.scope in ("module", "class", "package")
            for definitions in info.name2fixturedefs.values()
            for fixture in definitions
        )
        if shared:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow lane and the shared set-ups; without a server, leave PostgreSQL out.

    Under CI an unreachable server fails the run instead.
    """
    _mark_browser_tests_slow(items)
    _mark_postgresql_twins_slow(items)
    _keep_shared_set_ups_on_one_worker(items)
    if not any(_needs_postgres(item) for item in items):
        return
    reason = _postgres_unreachable()
    if reason is None:
        return
    if IN_CI:
        raise pytest.UsageError(f"{reason} (CI=true: PostgreSQL tests must run)")
    left_out = [item for item in items if _needs_postgres(item)]
    items[:] = [item for item in items if not _needs_postgres(item)]
    config.hook.pytest_deselected(items=left_out)
    config.stash[_LEFT_OUT] = f"{len(left_out)} PostgreSQL tests left out: {reason}"


_LEFT_OUT = pytest.StashKey[str]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep what collection built (it stays for the whole run) out of the cyclic collector's scans.

    ``gc.freeze`` moves every object alive now (the collected tests, the
    imported modules, Hypothesis's and Schemathesis's strategies) to a
    generation the collector never scans again; its first generation then
    waits for 50,000 new objects instead of 700, since the tests allocate in
    bursts (SQLAlchemy's statements, Hypothesis's examples) and most of it is
    freed by reference counting anyway. The fast lane, run serially: 3.8 s of
    the collector's CPU before, 2.3-3.1 s after.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


# The throwaway databases of this run, once a PostgreSQL test has made them.
_POSTGRES_USED: list[str] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Wait for the servers left stopping; in a pytest-xdist worker, report to the controller."""
    from tests.server_helpers import reap_stopped_servers

    reap_stopped_servers()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["atlas_left_out"] = session.config.stash.get(_LEFT_OUT, "")
        workeroutput["atlas_postgres_used"] = list(_POSTGRES_USED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist's controller collects each worker's summary (a hook only it calls)."""
    output = getattr(node, "workeroutput", {})
    if output.get("atlas_left_out"):
        node.config.stash[_LEFT_OUT] = output["atlas_left_out"]
    _POSTGRES_USED.extend(output.get("atlas_postgres_used", ()))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say which PostgreSQL server the PostgreSQL half ran against, or why it did not run."""
    message = config.stash.get(_LEFT_OUT, None)
    if message:
        terminalreporter.write_line(message, yellow=True)
    elif _POSTGRES_USED:
        server = make_url(POSTGRES_SERVER_URL).render_as_string(hide_password=True)
        terminalreporter.write_line(
            f"PostgreSQL tests ran against {server} "
            f"(throwaway databases {', '.join(dict.fromkeys(_POSTGRES_USED))}, dropped)"
        )


def _database_url(name: str) -> str:
    return make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(False)


# The throwaway databases to drop when the run ends, all at once (see postgres_admin).
_TO_DROP: list[str] = []


def _drop_all(names: list[str]) -> None:
    """Drop the run's databases side by side, each on its own connection.

    Each DROP DATABASE waits for a checkpoint; one after another they cost the
    end of a run a second or more apiece, side by side they share checkpoints.
    """

    def drop(name: str) -> None:
        with psycopg.connect(_libpq(POSTGRES_SERVER_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    with ThreadPoolExecutor(max_workers=len(names) or 1) as pool:
        list(pool.map(drop, dict.fromkeys(names)))


def _create_database(
    admin: psycopg.Connection[Any], name: str, *, template: str | None = None
) -> None:
    """Create a throwaway database whose commits do not wait for the disk.

    ``synchronous_commit = off``: a commit is acknowledged once it is in the
    server's WAL buffers, not once fsync returned (about 5 ms a commit on a
    virtual disk). Every other session sees it at once, as before; only a
    crash of the server itself could lose it, and no test crashes the server.
    A clone does not inherit its template's settings, so each database is set.
    """
    like = f' TEMPLATE "{template}"' if template else ""
    admin.execute(f'CREATE DATABASE "{name}"{like}')
    admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


# The run's shared templates (tests.run_templates) this worker made or cloned.
_SHARED_TEMPLATES: list[str] = []


@pytest.fixture(scope="session")
def postgres_admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[psycopg.Connection[Any]]:
    """One connection to the server's own database, for creating and dropping databases.

    Every database the run made is dropped when this, the first PostgreSQL
    fixture set up and so the last torn down, ends.
    """
    try:
        with psycopg.connect(
            _libpq(POSTGRES_SERVER_URL), autocommit=True, connect_timeout=5
        ) as admin:
            yield admin
    finally:
        from tests.server_helpers import reap_stopped_servers

        reap_stopped_servers()  # their sessions gone before their databases are
        root = run_templates.shared_root(tmp_path_factory)
        if root is not None:
            run_templates.drop_shared(root, _drop_all, _SHARED_TEMPLATES)
            _POSTGRES_USED.extend(_SHARED_TEMPLATES)
        _drop_all(_TO_DROP)


@pytest.fixture(scope="session")
def postgres_url(postgres_admin: psycopg.Connection[Any]) -> str:
    """A scratch database of this run, dropped at the end; tests reset it as they need."""
    name = f"atlas_test_{uuid.uuid4().hex[:12]}"
    _create_database(postgres_admin, name)
    _POSTGRES_USED.append(name)
    _TO_DROP.append(name)
    return _database_url(name)


def reset_postgres(url: str) -> None:
    """Empty a scratch database: its public schema dropped and made again."""
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


# Everything a test could change in a migrated database short of its rows:
# relations, columns and defaults, constraints, indexes, triggers, functions,
# views, extensions, per-database settings, the migrations' own rows, and the
# planner's statistics (a table ANALYZE or VACUUM has counted, column
# statistics). The working database is reused only while this still reads as
# the template's.
_SHAPE = """
SELECT md5(string_agg(part, E'\\n' ORDER BY part)) FROM (
  SELECT format('rel %s.%s %s', n.nspname, c.relname, c.relkind)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT format('col %s.%s %s %s %s', a.attrelid::regclass, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('con %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('idx %s', pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('trg %s %s %s', tgrelid::regclass, tgname, tgenabled)
    FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT format('fn %s %s', p.oid::regprocedure, md5(p.prosrc))
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid))
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')
  UNION ALL
  SELECT format('ext %s %s', extname, extversion) FROM pg_extension
  UNION ALL
  SELECT format('set %s', setconfig) FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  UNION ALL
  SELECT format('counted %s', oid::regclass) FROM pg_class
    WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND reltuples >= 0
  UNION ALL
  SELECT DISTINCT format('statistics %s', starelid::regclass) FROM pg_statistic
    WHERE starelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
  UNION ALL
  SELECT format('row %s', m) FROM schema_migrations AS m
) AS parts(part)
"""


# Whether anything _SHAPE reads may have changed since the working database was
# last known to match it: a count and a sum of the row versions' xmin in each
# catalog it reads (user objects only), so a created, altered or dropped object
# changes it. ANALYZE and VACUUM update reltuples in place, so the tables counted
# are counted here too. About a millisecond, against _SHAPE's ten or more; only
# a change here costs the full comparison.
_CATALOG_WRITES = """
SELECT
  (SELECT (count(*), sum(xmin::text::bigint), count(*) FILTER (WHERE reltuples >= 0))
     FROM pg_class WHERE oid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_attribute WHERE attrelid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_attrdef WHERE oid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_constraint WHERE oid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_index WHERE indexrelid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_trigger WHERE oid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_proc WHERE oid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_rewrite WHERE oid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_namespace),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_extension),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_statistic WHERE starelid >= 16384),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM pg_db_role_setting
     WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),
  (SELECT (count(*), sum(xmin::text::bigint)) FROM schema_migrations)
"""


# Tables whose file, or an index's, grew past the ten pages the planner assumes
# of a table never analysed.
_GROWN = """
SELECT DISTINCT COALESCE(i.indrelid, c.oid)::regclass FROM pg_class c
  LEFT JOIN pg_index i ON i.indexrelid = c.oid
  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')
  AND pg_relation_size(c.oid) > 10 * current_setting('block_size')::int
"""


class MigratedPostgres:
    """A migrated template database and one working database cloned from it.

    A clone costs a few hundredths of a second, but dropping one waits for a
    checkpoint (half a second to seconds, and server work either way);
    emptying the working database (rows deleted, identities restarted)
    costs about as much as the clone. So the working database is emptied
    between tests while its shape still matches the template's; after a test
    changed its schema or its statistics, a new clone under a new name takes
    over and the used one is dropped on a thread of its own (``_Dropper``).
    """

    def __init__(self, admin: psycopg.Connection[Any], template: str) -> None:
        self.admin = admin
        self.template = template
        self.working = ""
        self.url = ""
        self._conn: psycopg.Connection[Any] | None = None
        with psycopg.connect(_libpq(_database_url(template)), autocommit=True) as conn:
            self.shape = self._shape(conn)
            self.tables = [
                str(row[0])
                for row in conn.execute(
                    "SELECT oid::regclass FROM pg_class WHERE relnamespace = 'public'::regnamespace"
                    " AND relkind = 'r' AND relname <> 'schema_migrations'"
                )
            ]
            self.sequences = [
                str(row[0])
                for row in conn.execute(
                    "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name)"
                    " FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND is_identity = 'YES'"
                )
            ]
            # The rows the template holds (the legacy template's platform rows),
            # put back after each emptying; a migrated template holds none.
            self.seeds: dict[str, list[tuple[Any, ...]]] = {}
            for table in self.tables:
                rows = conn.execute(f"SELECT * FROM {table}").fetchall()
                if rows:
                    self.seeds[table] = rows
        self._clones = 0
        self._dropper = _Dropper()
        self._clone()
        _POSTGRES_USED.append(self.working)
        self.used = False

    @staticmethod
    def _shape(conn: psycopg.Connection[Any]) -> str | None:
        try:
            row = conn.execute(_SHAPE).fetchone()
        except psycopg.Error:
            return None  # the public schema or schema_migrations is gone
        return None if row is None else str(row[0])

    def _clone(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        # A new name each time: the clone takes a few hundredths of a second,
        # dropping the used one (a checkpoint) up to seconds, so that is left
        # to a thread of its own while the next test runs.
        if self.working:
            self._dropper.drop(self.working)
        self._clones += 1
        self.working = f"{self.template}_work{self._clones}"
        self.url = _database_url(self.working)
        self._clean_catalogs: tuple[Any, ...] | None = None  # the first reuse compares shapes
        _TO_DROP.append(self.working)
        _create_database(self.admin, self.working, template=self.template)

    def fresh(self) -> str:
        """The working database as the template left it: emptied, or cloned again."""
        if self.used and not self._emptied():
            self._clone()
        self.used = True
        return self.url

    def _emptied(self) -> bool:
        """Empty the working database in place; False when only a new clone will do."""
        terminate_others = (
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        try:
            conn = self._keeper()
            conn.execute(terminate_others)
        except psycopg.OperationalError:  # a test ended the kept session
            self._conn = None
            conn = self._keeper()
            conn.execute(terminate_others)
        catalogs = self._catalog_writes(conn)
        touched = catalogs is None or catalogs != self._clean_catalogs
        if touched and self._shape(conn) != self.shape:
            return False
        # A table grown past that gets new empty files, as in a new clone
        # (before the seeds go back, which the TRUNCATE would take with it).
        grown = [str(row[0]) for row in conn.execute(_GROWN)]
        if grown or touched:
            catalogs = None  # changed, or about to be by the TRUNCATE: read again once emptied
        if grown:
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")
                conn.execute(f"TRUNCATE {', '.join(grown)} CASCADE")
        # Triggers off (the append-only guards refuse a DELETE of history), every
        # table emptied in one round trip, identities restarted, seeds put back.
        with conn.transaction():
            conn.execute(self._empty_all)
            for table, rows in self.seeds.items():
                marks = ", ".join(["%s"] * len(rows[0]))
                with conn.cursor() as cursor:
                    cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        # The activity counters start again, as in a new clone, so that
        # autovacuum does not analyse a table in the middle of a later test.
        conn.execute("SELECT pg_stat_reset()")
        self._clean_catalogs = catalogs if catalogs is not None else self._catalog_writes(conn)
        return True

    @staticmethod
    def _catalog_writes(conn: psycopg.Connection[Any]) -> tuple[Any, ...] | None:
        try:
            row = conn.execute(_CATALOG_WRITES, prepare=True).fetchone()
        except psycopg.Error:
            return None  # schema_migrations is gone: _SHAPE decides
        return None if row is None else tuple(row)

    def _keeper(self) -> psycopg.Connection[Any]:
        """The fixture's own connection to the working database, kept between tests.

        A new server process reads the catalogs afresh, which cost each reset
        more than the reset itself. A test that ended it (or a new clone, which
        drops the database under it) gets a new one.
        """
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(_libpq(self.url), autocommit=True)
        return self._conn

    @property
    def _empty_all(self) -> bytes:
        statements = [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {table}" for table in self.tables),
            *(f"SELECT setval('{sequence}', 1, false)" for sequence in self.sequences),
        ]
        return ";\n".join(statements).encode()

    @contextmanager
    def own_clone(self) -> Iterator[str]:
        """A database of its own, cloned from the template; dropped in the background after.

        For a set-up a whole module shares (``shared_migrated_url``), beside the
        working database the module's other tests empty and reuse.
        """
        self._clones += 1
        name = f"{self.template}_own{self._clones}"
        _TO_DROP.append(name)
        _create_database(self.admin, name, template=self.template)
        try:
            yield _database_url(name)
        finally:
            self._dropper.drop(name)

    def close(self) -> None:
        """Close the kept session and wait for the drops under way; the rest go with the run's."""
        if self._conn is not None:
            self._conn.close()
        self._dropper.close()


class _Dropper:
    """Drops used working databases on a thread of its own, one after another.

    DROP DATABASE waits for a checkpoint (up to seconds on a busy machine);
    the test that needed a new clone does not wait for the old one to go.
    """

    def __init__(self) -> None:
        self._names: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def drop(self, name: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="drop-databases", daemon=True)
            self._thread.start()
        self._names.put(name)

    def _run(self) -> None:
        with psycopg.connect(_libpq(POSTGRES_SERVER_URL), autocommit=True) as conn:
            while (name := self._names.get()) is not None:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self._thread is not None:
            self._names.put(None)
            self._thread.join()


def _make_template(url: str, *, legacy: bool) -> None:
    """Migrate a new database; ``legacy``: as a platform's, 0001 and its legacy rows first."""
    database = Database(url, must_exist=False)
    try:
        if legacy:
            migration_runner.migrate(database, to=1)
            load_legacy(database)
        migration_runner.migrate(database)
    finally:
        database.dispose()


def _postgres_template(
    admin: psycopg.Connection[Any],
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    suffix: str,
    *,
    legacy: bool,
) -> Iterator[MigratedPostgres]:
    template = f"{make_url(postgres_url).database}_{suffix}"
    _TO_DROP.append(template)
    root = run_templates.shared_root(tmp_path_factory)
    if root is None:
        _create_database(admin, template)
        _make_template(_database_url(template), legacy=legacy)
    else:

        def make(name: str) -> None:
            _SHARED_TEMPLATES.append(name)
            _create_database(admin, name)
            _make_template(_database_url(name), legacy=legacy)

        shared = run_templates.clone_postgres_template(
            root, admin, suffix, make, lambda name: _create_database(admin, template, template=name)
        )
        if shared not in _SHARED_TEMPLATES:
            _SHARED_TEMPLATES.append(shared)
    migrated = MigratedPostgres(admin, template)
    try:
        yield migrated
    finally:
        migrated.close()


def _sqlite_template(tmp_path_factory: pytest.TempPathFactory, *, legacy: bool) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"

    def make(at: Path) -> None:
        _make_template(f"sqlite:///{at}", legacy=legacy)
        leftovers = [p.name for p in at.parent.iterdir() if p != at]
        assert not leftovers, f"the closed template left {leftovers} beside it"

    root = run_templates.shared_root(tmp_path_factory)
    if root is None:
        make(path)
    else:
        name = "legacy.db" if legacy else "migrated.db"
        run_templates.copy_sqlite_template(root, name, make, path)
    return path


@pytest.fixture(scope="session")
def migrated_postgres(
    postgres_admin: psycopg.Connection[Any],
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[MigratedPostgres]:
    """The migrations, run once for this test run into a template database."""
    yield from _postgres_template(
        postgres_admin, postgres_url, tmp_path_factory, "migrated", legacy=False
    )


@pytest.fixture(scope="session")
def legacy_postgres(
    postgres_admin: psycopg.Connection[Any],
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[MigratedPostgres]:
    """A platform's database before its backfill, made once: 0001, the legacy rows, migrated."""
    yield from _postgres_template(
        postgres_admin, postgres_url, tmp_path_factory, "legacy", legacy=True
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrations, run once for this test run into a SQLite file that tests copy."""
    return _sqlite_template(tmp_path_factory, legacy=False)


@pytest.fixture(scope="session")
def legacy_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The legacy template of :func:`legacy_postgres`, as a SQLite file that tests copy."""
    return _sqlite_template(tmp_path_factory, legacy=True)


def copy_migrated(migrated_sqlite: Path, path: Path) -> str:
    """A SQLite file at ``path`` as the migrations leave it (the run's template copied): its URL.

    For a module's site (pages in a browser, a fuzzed app) built once on
    SQLite: a copy costs milliseconds where migrating a new file costs seconds.
    """
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


def fresh_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of the backend: a new SQLite file, or the scratch database reset."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    url: str = request.getfixturevalue("postgres_url")
    reset_postgres(url)
    return url


def migrated_copy(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, template: str = "migrated"
) -> str:
    """A database of the backend as the migrations leave it, copied from the template.

    ``template="legacy"``: a platform's database before its backfill instead.
    """
    if backend == "sqlite":
        path = tmp_path / "registry.db"
        shutil.copyfile(request.getfixturevalue(f"{template}_sqlite"), path)
        return f"sqlite:///{path}"
    migrated: MigratedPostgres = request.getfixturevalue(f"{template}_postgres")
    return migrated.fresh()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_backend(request: pytest.FixtureRequest) -> str:
    """The backend of a module's shared set-up (``shared_migrated_url``)."""
    return str(request.param)


@pytest.fixture(scope="module")
def shared_migrated_url(
    shared_backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A migrated database one module shares, per backend: for tests that only read.

    A module's fixture writes what its tests read once (a registry, a site, a
    served app: see ``shared_served_url``), instead of each test writing it
    again into a database of its own. A test that writes must not use it: the
    next test would see its rows. The module's tests run on one worker.
    """
    if shared_backend == "sqlite":
        path = tmp_path_factory.mktemp("shared") / "registry.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    migrated: MigratedPostgres = request.getfixturevalue("migrated_postgres")
    with migrated.own_clone() as url:
        yield url


@pytest.fixture(scope="module")
def shared_served_url(shared_migrated_url: str) -> Iterator[str]:
    """A real ``atlas-registry serve`` over ``shared_migrated_url``, once per module: its base URL.

    A module whose tests talk HTTP to a real server (a client, webhooks, a
    follower) pays the server's start (a second or more: imports, readiness)
    once instead of per test. Seed the database through a module fixture that
    asks for ``shared_migrated_url`` before this one.
    """
    from tests.server_helpers import served

    with served(shared_migrated_url) as base:
        yield base


@pytest.fixture
def migrated_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL to a migrated database of the parametrised backend, holding no rows."""
    return migrated_copy(backend, tmp_path, request)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL to this test's database of the parametrised backend.

    Empty, for tests of the migrations; the migrated database itself when
    the test also asks for one (``migrated_url``, ``migrated_db``,
    ``registry``), so a test can reach that database through the CLI too.
    """
    if "migrated_url" in request.fixturenames:
        return str(request.getfixturevalue("migrated_url"))
    if "legacy_url" in request.fixturenames:
        return str(request.getfixturevalue("legacy_url"))
    return fresh_url(backend, tmp_path, request)


@pytest.fixture
def legacy_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL to a platform's database before its backfill: 0001, the 8 legacy models, migrated.

    The same state each test once made for itself, made once per run and copied.
    """
    return migrated_copy(backend, tmp_path, request, template="legacy")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, must_exist=False)
    yield database
    database.dispose()


@pytest.fixture
def migrated_db(migrated_url: str, db: Database) -> Database:
    """A Database handle on the migrated database (``db`` and ``db_url`` name the same one)."""
    return db


@pytest.fixture
def sqlite_db(migrated_sqlite: Path, tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database, for checks of SQLite's own query plans."""
    path = tmp_path / "plans.db"
    shutil.copyfile(migrated_sqlite, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def registry(migrated_url: str) -> Iterator[Registry]:
    """A Registry handle on a freshly migrated database of the parametrised backend."""
    with Registry.open(migrated_url) as opened:
        yield opened
