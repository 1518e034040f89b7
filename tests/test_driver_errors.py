"""Every driver error reaches the caller as a registry error with its own exit code and status."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from atlas_registry.db import Database
from atlas_registry.errors import (
    ConstraintViolationError,
    DatabaseFailureError,
    RegistryError,
    ValueRejectedError,
)


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
