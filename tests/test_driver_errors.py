"""Every driver error reaches the caller as a registry error with its own exit code and status."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from atlas_registry.errors import (
    ConstraintViolationError,
    DatabaseFailureError,
    RegistryError,
    ValueRejectedError,
)
from atlas_registry.store.db import Database


def test_a_failing_statement_is_a_database_failure(migrated_db: Database) -> None:
    with (
        pytest.raises(DatabaseFailureError, match="no_such_table") as caught,
        migrated_db.transaction() as conn,
    ):
        conn.execute(text("SELECT * FROM no_such_table"))
    assert caught.value.exit_code == DatabaseFailureError.exit_code
    assert migrated_db.display_url in caught.value.message


def test_a_failing_single_read_is_a_database_failure(migrated_db: Database) -> None:
    with pytest.raises(DatabaseFailureError), migrated_db.single_read() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))


def test_a_refused_write_is_a_constraint_violation(migrated_db: Database) -> None:
    with (
        pytest.raises(ConstraintViolationError, match="refused the write"),
        migrated_db.transaction(write=True) as conn,
    ):
        conn.execute(
            text("INSERT INTO artifacts (id, artifact_type, title) VALUES ('a', NULL, 'a')")
        )


def test_a_value_postgresql_cannot_store_is_rejected_by_name(postgres_url: str) -> None:
    """SQLite stores any text; PostgreSQL refuses a NUL character in one."""
    with (
        Database(postgres_url) as database,
        pytest.raises(ValueRejectedError, match="NUL"),
        database.transaction() as conn,
    ):
        conn.execute(text("SELECT CAST(:value AS TEXT)"), {"value": "a\x00b"})


def test_every_error_class_has_its_own_exit_code_and_status() -> None:
    import atlas_registry.errors as errors

    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, RegistryError)
    ]
    for cls in classes:
        assert (
            "exit_code" in vars(cls)
            or cls is RegistryError
            or issubclass(cls, errors.ValidationError)
        ), f"{cls.__name__} inherits its exit code without saying so"
        assert 1 <= cls.exit_code <= 125
        assert 400 <= cls.http_status <= 599


def _refuse_metric_rows(db: Database) -> None:
    """A database-side refusal of the last insert a registration sends."""
    with db.transaction(write=True) as conn:
        if db.dialect == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_metrics BEFORE INSERT ON model_metrics "
                    "BEGIN SELECT RAISE(ABORT, 'metrics refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_metrics() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'metrics refused'; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_metrics BEFORE INSERT ON model_metrics "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_metrics()"
                )
            )


def test_a_refusal_late_in_a_registration_leaves_nothing_written(migrated_db: Database) -> None:
    """The write path's plain SQL (a pipeline on PostgreSQL, where the error arrives only
    at the next sync) still raises a registry error and rolls the whole registration back."""
    from tests.catalog_helpers import register, table_contents

    first = register(migrated_db)
    before = table_contents(migrated_db)
    _refuse_metric_rows(migrated_db)
    with pytest.raises(RegistryError, match="metrics refused") as caught:
        register(migrated_db, parent_version_id=first.id)
    assert type(caught.value) in (ConstraintViolationError, DatabaseFailureError)
    assert table_contents(migrated_db) == before
    from atlas_registry.catalog import registrar
    from atlas_registry.records import ModelRegistration
    from tests.payloads import logistic_regression

    batch = [ModelRegistration(title=f"m{i}", metadata=logistic_regression()) for i in range(300)]
    with pytest.raises(RegistryError, match="metrics refused"):
        registrar.register_models(migrated_db, batch)  # through COPY on PostgreSQL
    assert table_contents(migrated_db) == before
    assert registrar.get_model(migrated_db, first.id).is_latest


def test_a_session_on_a_server_that_is_gone_says_so(postgres_url: str) -> None:
    """A database that disappears after it was opened is a registry error, not a traceback."""
    gone = Database(postgres_url.rsplit("/", 1)[0] + "/no_such_database_here")
    with pytest.raises(RegistryError, match="cannot reach"), gone.session(write=True):
        pass
    gone.dispose()
