"""Several processes registering versions of one model line at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry.backfill import runner
from atlas_registry.backfill.legacy_fixture import read_fixture
from atlas_registry.catalog import line_listing, lines, registrar
from atlas_registry.records import ModelRegistration
from atlas_registry.store.db import Database
from tests.catalog_helpers import register
from tests.payloads import logistic_regression

pytestmark = pytest.mark.slow  # writers racing on threads and processes

WORKERS = 4
VERSIONS_EACH = 10
# A legacy model of the platform's fixture that adopts cleanly and was in use.
IN_USE_LEGACY = "model-8479a365-5b1e-4c2d-9f3a-1e2d3c4b5a69"


def _register_versions(url: str, start_at: float) -> int:
    database = Database(url)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        for index in range(VERSIONS_EACH):
            registrar.register_model(
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


def test_batches_that_cross_two_lines_do_not_deadlock(
    migrated_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch names one line and adds to the other by parent id, both at once.

    Both writers hold their name locks and have read the names' lines when the
    barrier lets them on; were the lines locked in two passes (the named ones,
    then the parents'), each would hold its named line and wait for the
    other's. Every writer takes all its lines' locks in one sorted pass.
    """
    if migrated_db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers at BEGIN")
    first = register(migrated_db, artifact_id="model-line-a", line="line-a")
    second = register(migrated_db, artifact_id="model-line-b", line="line-b")
    both_read = threading.Barrier(2, timeout=10)
    named = lines.lines_named
    waited: set[int] = set()

    def then_wait(*args: Any) -> dict[str, str]:
        found = named(*args)
        me = threading.get_ident()
        if threading.current_thread() is not threading.main_thread() and me not in waited:
            waited.add(me)  # only the first read, in join_lines
            both_read.wait()
        return found

    monkeypatch.setattr(lines, "lines_named", then_wait)

    def batch(named_line: str, other_parent: str) -> list[str]:
        return registrar.register_models(
            migrated_db,
            [
                ModelRegistration(title="t", metadata=logistic_regression(), line=named_line),
                ModelRegistration(
                    title="t", metadata=logistic_regression(), parent_version_id=other_parent
                ),
            ],
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        one = pool.submit(batch, "line-b", first.id)
        two = pool.submit(batch, "line-a", second.id)
        assert len(one.result(timeout=60)) == len(two.result(timeout=60)) == 2
    for line in ("line-a", "line-b"):
        [summary] = line_listing.list_lines(migrated_db, name=line)
        assert summary.latest_version == 3


def test_a_backfill_and_a_batch_on_the_same_lines_do_not_deadlock(
    migrated_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backfill chunk promotes two in-use legacy models while a batch adds to both lines.

    The legacy model first by id belongs to the line whose root sorts last.
    Were the chunk to lock each line as it promotes (artifact order), it would
    hold that line and wait for the other, which the batch (locking in root
    order) holds while it waits for the first. The chunk locks all its
    promotions' lines in one sorted pass, before the first promotion.
    """
    if migrated_db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers at BEGIN")
    first_root = register(migrated_db, artifact_id="line-1-root")
    last_root = register(migrated_db, artifact_id="line-2-root")
    in_use = next(row for row in read_fixture() if row["id"] == IN_USE_LEGACY)["metadata"]
    with migrated_db.transaction(write=True) as conn:
        for artifact_id, root in (
            ("model-a-legacy", last_root.id),
            ("model-b-legacy", first_root.id),
        ):
            conn.execute(
                text(
                    "INSERT INTO artifacts (id, artifact_type, title, metadata, lineage_id, "
                    "version_number, is_latest) VALUES (:id, 'model', :id, :metadata, :root, 2, 0)"
                ),
                {"id": artifact_id, "metadata": in_use, "root": root},
            )
    one_promoted = threading.Barrier(2, timeout=10)
    promote = runner.promote_in_use
    promoted: list[str] = []

    def promote_then_wait(*args: Any) -> runner.InUsePromotion:
        how = promote(*args)
        promoted.append(args[2])
        if len(promoted) == 1:
            one_promoted.wait()
            time.sleep(1)  # the batch now holds the first line and waits for the last
        return how

    monkeypatch.setattr(runner, "promote_in_use", promote_then_wait)

    def batch() -> list[str]:
        one_promoted.wait()
        return registrar.register_models(
            migrated_db,
            [
                ModelRegistration(title="t", metadata=logistic_regression(), parent_version_id=root)
                for root in (first_root.id, last_root.id)
            ],
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        backfilled = pool.submit(runner.backfill, migrated_db)
        added = pool.submit(batch)
        assert backfilled.result(timeout=60).promoted == 2
        assert len(added.result(timeout=60)) == 2
    assert promoted == ["model-a-legacy", "model-b-legacy"]
