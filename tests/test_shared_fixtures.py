"""The set-ups a module shares (tests/conftest.py) hold what the module wrote, on each backend."""

from __future__ import annotations

import psycopg
import pytest

from atlas_registry import ModelRegistration, Registry
from tests.conftest import MigratedPostgres, _libpq
from tests.payloads import logistic_regression
from tests.server_helpers import call


@pytest.fixture(scope="module")
def seeded(shared_migrated_url: str) -> str:
    """One model written once for the module, before its server starts: its id."""
    with Registry.open(shared_migrated_url) as registry:
        model = registry.register_model(
            ModelRegistration(title="shared", line="shared", metadata=logistic_regression())
        )
    return model.id


def test_the_shared_database_holds_what_the_module_wrote(
    shared_migrated_url: str, seeded: str
) -> None:
    with Registry.open(shared_migrated_url) as shared:
        assert [m.id for m in shared.list_models()] == [seeded]


@pytest.mark.slow  # a server process, once per backend
def test_the_shared_server_serves_what_the_module_wrote(
    seeded: str, shared_served_url: str
) -> None:
    status, body = call(shared_served_url, "GET", f"/api/v1/models/{seeded}")
    assert status == 200, body
    assert body["id"] == seeded
    status, body = call(shared_served_url, "GET", "/api/v1/models/shared@latest")
    assert (status, body["id"]) == (200, seeded)


# What a test may leave changed in the working PostgreSQL database beyond its rows.
_CHANGES = {
    "an index": "CREATE INDEX probe_index ON artifacts (title)",
    "a default": "ALTER TABLE artifacts ALTER COLUMN title SET DEFAULT 'probe'",
    "a trigger turned off": "ALTER TABLE artifacts DISABLE TRIGGER ALL",
    "planner statistics": "ANALYZE artifacts",
    "a migration's row": "DELETE FROM schema_migrations WHERE number = 1",
    "a database setting": "ALTER DATABASE {database} SET work_mem = '8MB'",
    "a function": "CREATE FUNCTION probe() RETURNS int LANGUAGE sql AS 'SELECT 1'",
}


@pytest.mark.parametrize("change", list(_CHANGES.values()), ids=list(_CHANGES))
def test_the_next_test_gets_the_templates_shape_whatever_a_test_changed(
    migrated_postgres: MigratedPostgres, change: str
) -> None:
    url = migrated_postgres.fresh()
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(change.format(database=f'"{conn.info.dbname}"'))
    with psycopg.connect(_libpq(migrated_postgres.fresh()), autocommit=True) as conn:
        assert MigratedPostgres._shape(conn) == migrated_postgres.shape


def test_a_change_undone_keeps_the_working_database_and_its_rows_go(
    migrated_postgres: MigratedPostgres,
) -> None:
    url = migrated_postgres.fresh()
    with Registry.open(url) as registry:
        registry.register_model(
            ModelRegistration(title="gone", line="gone", metadata=logistic_regression())
        )
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("CREATE FUNCTION probe() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        conn.execute("DROP FUNCTION probe()")
    assert migrated_postgres.fresh() == url
    with Registry.open(url) as registry:
        assert registry.list_models() == []
