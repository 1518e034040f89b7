"""Migrations keep data meaning: round trips keep every filter; history survives TRUNCATE."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from atlas_registry import ConstraintViolationError
from atlas_registry.backfill.legacy_fixture import load_legacy
from atlas_registry.backfill.runner import backfill
from atlas_registry.catalog import model_listing, queries
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from tests.catalog_helpers import register
from tests.payloads import GOOD_BY_FAMILY, logistic_regression

COLUMNS = "artifact_id, model_family, framework, metadata_schema_version"


def _columns(db: Database) -> list[tuple[object, ...]]:
    with db.transaction() as conn:
        rows = conn.execute(text(f"SELECT {COLUMNS} FROM model_versions ORDER BY artifact_id"))
        return [tuple(row) for row in rows]


@pytest.mark.parametrize("down_to", [2, 3, 5])
def test_a_round_trip_down_and_up_keeps_the_catalog_columns(
    migrated_db: Database, down_to: int
) -> None:
    for family in ("logistic_regression", "rule_based_ranker", "biophysical_ode"):
        register(migrated_db, GOOD_BY_FAMILY[family](), artifact_id=f"model-{family}")
    before = _columns(migrated_db)
    assert all(value is not None for row in before for value in row)
    migration_runner.downgrade(migrated_db, to=down_to, discard=["registry_events"])
    migration_runner.migrate(migrated_db)
    assert _columns(migrated_db) == before
    found = model_listing.list_models(migrated_db, model_family="rule_based_ranker")
    assert [m.id for m in found] == ["model-rule_based_ranker"]
    assert model_listing.list_models(migrated_db, framework="scikit-learn")


def test_rows_an_older_down_emptied_get_family_and_framework_back(migrated_db: Database) -> None:
    register(migrated_db, logistic_regression(), artifact_id="model-old")
    migration_runner.downgrade(migrated_db, to=8, discard=["registry_events"])
    with migrated_db.transaction(write=True) as conn:
        conn.execute(text("UPDATE model_versions SET model_family = NULL, framework = NULL"))
    migration_runner.migrate(migrated_db)
    [row] = _columns(migrated_db)
    assert row[1:3] == ("logistic_regression", "scikit-learn")


def test_a_backfilled_database_survives_the_round_trip(db: Database) -> None:
    migration_runner.migrate(db, to=1)
    load_legacy(db)
    migration_runner.migrate(db)
    backfill(db)
    before = _columns(db)
    facts = (
        "model_lines",
        "model_legacy_metadata",
        "model_review_queue",
        "model_promotion_events",
        "registry_events",
    )
    migration_runner.downgrade(db, to=2, discard=facts)  # only the columns come back
    migration_runner.migrate(db)
    assert _columns(db) == before


@pytest.mark.parametrize("table", ["model_promotion_events", "model_legacy_metadata"])
def test_the_history_and_legacy_text_cannot_be_truncated(migrated_db: Database, table: str) -> None:
    if migrated_db.dialect != "postgresql":
        statement = f"DELETE FROM {table}"  # SQLite has no TRUNCATE; this is its equivalent
    else:
        statement = f"TRUNCATE {table}"
    register(migrated_db, logistic_regression(), artifact_id="model-x")
    with migrated_db.transaction(write=True) as conn:
        conn.execute(
            text(
                "INSERT INTO model_promotion_events "
                "(artifact_id, from_state, to_state, actor, override, created_at) "
                "VALUES ('model-x', 'candidate', 'rejected', 'a', 0, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO model_legacy_metadata "
                "(artifact_id, original_metadata, original_sha256, mapping_json, captured_at) "
                "VALUES ('model-x', '{}', 'x', '{}', '2026-01-01 00:00:00')"
            )
        )
    refused = ConstraintViolationError
    if migrated_db.dialect == "postgresql" or table == "model_promotion_events":
        with (
            pytest.raises(refused, match="append-only"),
            migrated_db.transaction(write=True) as conn,
        ):
            conn.execute(text(statement))
    with pytest.raises(refused), migrated_db.transaction(write=True) as conn:
        conn.execute(text(f"UPDATE {table} SET artifact_id = artifact_id"))
    with migrated_db.transaction() as conn:
        assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 1


def test_truncate_cascading_from_artifacts_is_refused_on_postgresql(postgres_url: str) -> None:
    from tests.conftest import reset_postgres

    reset_postgres(postgres_url)
    with Database(postgres_url, must_exist=False) as db:
        migration_runner.migrate(db)
        register(db, logistic_regression(), artifact_id="model-x")
        with (
            pytest.raises(ConstraintViolationError, match="append-only"),
            db.transaction(write=True) as conn,
        ):
            conn.execute(text("TRUNCATE artifacts CASCADE"))
        assert queries.get_model(db, "model-x").id == "model-x"
