"""One database fixture, parametrised over SQLite and PostgreSQL.

PostgreSQL tests run against a throwaway database created for this test run
(``ATLAS_TEST_POSTGRES_URL`` names the server; default: the local one). With
``CI=true`` an unreachable server fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from atlas_registry import Registry, SchemaAdmin
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database

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
    if callspec is not None and callspec.params.get("backend") == "postgresql":
        return True
    return "postgres_url" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a server, leave the PostgreSQL half out with one line; under CI, fail."""
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


# The throwaway database of this run, once a PostgreSQL test has made it.
_POSTGRES_USED: list[str] = []


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say which PostgreSQL server the PostgreSQL half ran against, or why it did not run."""
    message = config.stash.get(_LEFT_OUT, None)
    if message:
        terminalreporter.write_line(message, yellow=True)
    elif _POSTGRES_USED:
        server = make_url(POSTGRES_SERVER_URL).render_as_string(hide_password=True)
        terminalreporter.write_line(
            f"PostgreSQL tests ran against {server} "
            f"(throwaway database {_POSTGRES_USED[0]}, dropped)"
        )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test run, dropped at the end."""
    name = f"atlas_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(_libpq(POSTGRES_SERVER_URL), autocommit=True, connect_timeout=5)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        _POSTGRES_USED.append(name)
        try:
            yield make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_postgres(url: str) -> None:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def fresh_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    url: str = request.getfixturevalue("postgres_url")
    reset_postgres(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL to an empty database of the parametrised backend."""
    return fresh_url(backend, tmp_path, request)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, must_exist=False)
    yield database
    database.dispose()


@pytest.fixture
def migrated_db(db: Database) -> Database:
    migration_runner.migrate(db)
    return db


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database, for checks of SQLite's own query plans."""
    database = Database(f"sqlite:///{tmp_path / 'plans.db'}", must_exist=False)
    migration_runner.migrate(database)
    yield database
    database.dispose()


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    """A Registry handle on a freshly migrated database of the parametrised backend."""
    with SchemaAdmin.open(db_url, create=True) as admin:
        admin.migrate()
    with Registry.open(db_url) as opened:
        yield opened
