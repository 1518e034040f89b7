"""Several processes registering versions of one model line at once."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import text

from atlas_registry import artifact_catalog
from atlas_registry.db import Database
from atlas_registry.records import ModelRegistration
from tests.catalog_helpers import register
from tests.payloads import logistic_regression

WORKERS = 4
VERSIONS_EACH = 10


def _register_versions(url: str, start_at: float) -> int:
    database = Database(url)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        for index in range(VERSIONS_EACH):
            artifact_catalog.register_model(
                database,
                ModelRegistration(
                    title=f"version {index}",
                    metadata=logistic_regression(),
                    parent_version_id="model-line",
                ),
            )
        return VERSIONS_EACH
    finally:
        database.dispose()


@pytest.mark.slow
def test_concurrent_new_versions_are_gapless_with_one_latest(
    migrated_db: Database, db_url: str
) -> None:
    register(migrated_db, artifact_id="model-line")
    start_at = time.time() + 1.5
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        done = list(pool.map(_register_versions, [db_url] * WORKERS, [start_at] * WORKERS))
    assert sum(done) == WORKERS * VERSIONS_EACH
    with migrated_db.transaction() as conn:
        rows = conn.execute(
            text(
                "SELECT version_number, is_latest FROM artifacts "
                "WHERE COALESCE(lineage_id, id) = 'model-line' ORDER BY version_number"
            )
        ).all()
    assert [r.version_number for r in rows] == list(range(1, WORKERS * VERSIONS_EACH + 2))
    assert sum(r.is_latest for r in rows) == 1
    assert rows[-1].is_latest == 1
