"""Large writes leave the PostgreSQL planner fresh statistics; small ones cost nothing.

A batch into tables the planner believes empty is planned as if they were,
and every later statement pays for it (a 25,000-model batch once went from
2.8 s to 36 s). The registry analyses the tables it grew a lot, itself,
because autovacuum may be slow or off.
"""

from __future__ import annotations

from sqlalchemy import text

from atlas_registry.catalog import registrar
from atlas_registry.records import ModelRegistration
from atlas_registry.store.db import Database
from tests.payloads import logistic_regression


def _batch(count: int) -> list[ModelRegistration]:
    return [ModelRegistration(title=f"m{i}", metadata=logistic_regression()) for i in range(count)]


def _estimated_rows(db: Database, table: str) -> float:
    with db.transaction() as conn:
        found = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}
        ).scalar()
        return float(found or 0)


def test_a_large_batch_leaves_fresh_statistics(migrated_db: Database) -> None:
    batch = _batch(Database.STATISTICS_AFTER_ROWS)
    registrar.register_models(migrated_db, batch)
    if migrated_db.dialect != "postgresql":
        assert not migrated_db.refresh_statistics(["artifacts"], grown_by=10**6)
        return
    for table in ("artifacts", "model_versions", "model_metrics"):
        assert _estimated_rows(migrated_db, table) >= len(batch), table


def test_a_small_batch_and_a_small_growth_do_not_analyze(migrated_db: Database) -> None:
    if migrated_db.dialect != "postgresql":
        return
    registrar.register_models(migrated_db, _batch(10))
    assert _estimated_rows(migrated_db, "artifacts") <= 0  # never analysed
    assert migrated_db.refresh_statistics(["artifacts"], grown_by=5_000)
    assert not migrated_db.refresh_statistics(["artifacts"], grown_by=100)
