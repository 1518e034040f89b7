"""A down migration that would destroy recorded facts is refused unless told which may go.

Below 0011 every API token is dropped (so a revoked token's name could be
issued again), below 0013 every pin check: the refusal names each table and
its row count, and nothing is reverted; naming each table to discard lets the
run through. Below 0018 the claimed authors and line namers go with their
columns: each column holding values is named the same way, as table.column.
Empty tables and all-NULL columns hold no facts.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from atlas_registry import MigrationError
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from atlas_registry.tokens import create_token, revoke_token
from tests.catalog_helpers import register
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

NOW = "2026-01-01 00:00:00"


def _pin_checks(db: Database, count: int) -> None:
    register(db, logistic_regression(), artifact_id="model-x")
    with db.transaction(write=True) as conn:
        for _ in range(count):
            conn.execute(
                text(
                    "INSERT INTO code_pin_checks "
                    "(artifact_id, checked_at, pin_kind, status, detail, checked_by) "
                    f"VALUES ('model-x', '{NOW}', 'code', 'missing', 'no pin', 'a')"
                )
            )


def _tokens(db: Database) -> None:
    create_token(db, "ci", ["register"])
    create_token(db, "old", ["register"])
    revoke_token(db, "old")


def _without_the_event_log(db: Database) -> None:
    """Revert below 0026 first, consenting to lose the log every write here added to.

    What these tests count are the facts of the tables below it; the log's own
    refusal is tested in tests/test_event_log.py.
    """
    below = max(m.number for m in migration_runner.load_migrations(db.dialect) if m.number < 26)
    migration_runner.downgrade(db, to=below, discard=["registry_events"])


def test_a_down_path_that_drops_tokens_and_pin_checks_is_refused_naming_them(
    migrated_db: Database,
) -> None:
    _tokens(migrated_db)
    _pin_checks(migrated_db, 3)
    head = migration_runner.current_version(migrated_db)
    with pytest.raises(MigrationError) as refused:
        migration_runner.downgrade(migrated_db, to=10)
    message = refused.value.message
    assert "api_tokens (2 rows, by 0011_api_tokens.down.sql)" in message
    assert "code_pin_checks (3 rows, by 0013_code_pin_checks.down.sql)" in message
    assert "Nothing was reverted" in message
    assert migration_runner.current_version(migrated_db) == head
    with pytest.raises(MigrationError, match="api_tokens") as partly:  # one table named is not both
        migration_runner.downgrade(migrated_db, to=10, discard=["code_pin_checks"])
    assert "code_pin_checks" not in partly.value.message.split("Nothing")[0]
    assert migration_runner.current_version(migrated_db) == head


def test_naming_each_table_lets_the_down_path_through(migrated_db: Database) -> None:
    _tokens(migrated_db)
    _pin_checks(migrated_db, 1)
    _without_the_event_log(migrated_db)
    reverted = migration_runner.downgrade(
        migrated_db, to=10, discard=["api_tokens", "code_pin_checks"]
    )
    assert reverted[-1].label == "0011_api_tokens"
    assert migration_runner.current_version(migrated_db) == 10


def test_empty_tables_need_no_consent(migrated_db: Database) -> None:
    reverted = migration_runner.downgrade(migrated_db, to=10)
    assert [m.number for m in reverted][-1] == 11


def test_a_misspelt_table_is_refused_before_anything_is_reverted(migrated_db: Database) -> None:
    _tokens(migrated_db)
    head = migration_runner.current_version(migrated_db)
    with pytest.raises(MigrationError, match=r"api_token,.* no table"):
        migration_runner.downgrade(migrated_db, to=10, discard=["api_token", "api_tokens"])
    assert migration_runner.current_version(migrated_db) == head


def test_each_step_counts_again_what_it_would_lose(migrated_db: Database) -> None:
    """Rows written after the whole path was counted are facts too."""
    _tokens(migrated_db)
    _without_the_event_log(migrated_db)
    [tokens_migration] = [
        m for m in migration_runner.load_migrations(migrated_db.dialect) if m.number == 11
    ]
    migration_runner.downgrade(migrated_db, to=11)  # nothing above 0011 holds rows yet
    with pytest.raises(MigrationError, match=r"api_tokens \(2 rows"):
        migration_runner._revert_one(migrated_db, tokens_migration, (), 10)
    assert migration_runner.current_version(migrated_db) == 11


def test_the_command_line_names_the_tables_and_passes_the_consent(
    migrated_url: str, migrated_db: Database
) -> None:
    _tokens(migrated_db)
    _without_the_event_log(migrated_db)
    code, _, err = invoke("migrate", "down", "--to", "0010", "--yes", "--db", migrated_url)
    assert code == MigrationError.exit_code
    assert "api_tokens (2 rows" in err
    assert "--drop api_tokens" in err
    code, out, _ = invoke(
        "migrate", "down", "--to", "0010", "--yes", "--drop", "api_tokens", "--db", migrated_url
    )
    assert code == 0
    assert "reverted 0011_api_tokens" in out


def _claims(db: Database) -> None:
    """Two versions whose bodies claimed an author, and a line named afterwards by a token."""
    claimed = [register(db, logistic_regression(), line="claimed").id for _ in range(2)]
    register(db, logistic_regression())  # a version with no claim: NULL is no fact
    with db.transaction(write=True) as conn:
        for model in claimed:
            conn.execute(
                text("UPDATE model_versions SET claimed_by = 'someone' WHERE artifact_id = :id"),
                {"id": model},
            )
        conn.execute(text("UPDATE model_lines SET named_by = 'ci' WHERE name = 'claimed'"))


def test_a_down_path_that_drops_columns_holding_values_is_refused_naming_them(
    migrated_db: Database,
) -> None:
    _claims(migrated_db)
    _without_the_event_log(migrated_db)
    head = migration_runner.current_version(migrated_db)
    with pytest.raises(MigrationError) as refused:
        migration_runner.downgrade(migrated_db, to=17)
    message = refused.value.message
    assert (
        "model_versions.claimed_by (2 values, by 0018_idempotency_and_claims.down.sql)" in message
    )
    assert "model_lines.named_by (1 value, by 0018_idempotency_and_claims.down.sql)" in message
    assert "line_id" not in message  # derived: 0019 sets it again on the way up
    assert migration_runner.current_version(migrated_db) == head
    with pytest.raises(MigrationError, match=r"model_lines\.named_by") as partly:
        migration_runner.downgrade(migrated_db, to=17, discard=["model_versions.claimed_by"])
    assert "claimed_by" not in partly.value.message.split("Nothing")[0]
    assert migration_runner.current_version(migrated_db) == head
    reverted = migration_runner.downgrade(
        migrated_db, to=17, discard=["model_versions.claimed_by", "model_lines.named_by"]
    )
    assert reverted[-1].label == "0018_idempotency_and_claims"


def test_a_misspelt_column_is_refused_before_anything_is_reverted(migrated_db: Database) -> None:
    _claims(migrated_db)
    head = migration_runner.current_version(migrated_db)
    with pytest.raises(MigrationError, match=r"model_versions\.claimed,.* no table"):
        migration_runner.downgrade(
            migrated_db, to=17, discard=["model_versions.claimed", "model_lines.named_by"]
        )
    assert migration_runner.current_version(migrated_db) == head


def test_the_command_line_names_the_columns_and_passes_the_consent(
    migrated_url: str, migrated_db: Database
) -> None:
    _claims(migrated_db)
    _without_the_event_log(migrated_db)
    code, _, err = invoke("migrate", "down", "--to", "0017", "--yes", "--db", migrated_url)
    assert code == MigrationError.exit_code
    assert "model_versions.claimed_by (2 values" in err
    assert "--drop model_lines.named_by --drop model_versions.claimed_by" in err
    code, out, _ = invoke(
        "migrate",
        "down",
        "--to",
        "0017",
        "--yes",
        "--drop",
        "model_versions.claimed_by",
        "--drop",
        "model_lines.named_by",
        "--db",
        migrated_url,
    )
    assert code == 0
    assert "reverted 0018_idempotency_and_claims" in out


def test_an_up_that_meets_two_promoted_versions_of_a_line_names_the_line(
    migrated_db: Database,
) -> None:
    """Below 0019 a shell can promote twice in a line; the way up then says which line."""
    for _ in range(2):
        register(migrated_db, logistic_regression(), line="twice")
    _without_the_event_log(migrated_db)
    migration_runner.downgrade(migrated_db, to=18)
    with migrated_db.transaction(write=True) as conn:
        conn.execute(text("UPDATE model_versions SET promotion_state = 'promoted'"))
    with pytest.raises(MigrationError) as refused:
        migration_runner.migrate(migrated_db)
    message = refused.value.message
    assert "line 'twice' has 2 promoted versions" in message
    assert "0019_facts_in_the_database" in message
    assert migration_runner.current_version(migrated_db) == 18
