"""Hostile legacy data: the backfill holds what it cannot read, never crashes, never runs twice.

Poison rows sit among the platform's 8 legacy models; each is held for review
with its reason, every other row is backfilled, the command says rows are held
(exit 11), and a re-run changes nothing. Two backfills at once leave the state
one would, and legacy metadata that already satisfies the schema is kept as is.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry.backfill.legacy_fixture import load_legacy, read_fixture
from atlas_registry.backfill.runner import backfill
from atlas_registry.cli.backfill import HELD_EXIT_CODE
from atlas_registry.errors import ValidationError
from atlas_registry.review.queue import list_reviews
from atlas_registry.review.resolution import resolve
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from tests.catalog_helpers import add_artifact
from tests.cli_helpers import invoke
from tests.payloads import GOOD_BY_FAMILY, logistic_regression
from tests.test_backfill import add_legacy, everything, states

FIXTURE = {row["id"]: row for row in read_fixture()}
FIRST = next(iter(FIXTURE))

POISON = {
    "legacy-poison-deep": '{"model_type": "ode", "config": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "legacy-poison-bigint": '{"model_type": "ode", "n_parameters": ' + "7" * 5001 + "}",
    "legacy-poison-dupes": json.dumps(json.loads(FIXTURE[FIRST]["metadata"])).replace(
        '"library": "xgboost"', '"library": "xgboost", "library": "lightgbm"'
    ),
    "legacy-poison-nan": '{"model_type": "ode", "metrics": {"r2": NaN}, "x": Infinity}',
}


@pytest.fixture
def legacy_db(legacy_url: str, db: Database) -> Database:
    """A platform database before the registry: 0001 plus the legacy rows, then migrated."""
    return db


def _reasons(db: Database) -> dict[str, str]:
    return {
        item.artifact_id: " | ".join(r["reason"] for r in item.reasons) for item in list_reviews(db)
    }


def test_poison_rows_are_held_and_every_other_row_is_backfilled(legacy_db: Database) -> None:
    for artifact_id, metadata in POISON.items():
        add_legacy(legacy_db, artifact_id, metadata)
    result = backfill(legacy_db)
    assert result.backfilled == len(FIXTURE)
    assert set(states(legacy_db)) == set(FIXTURE)
    reasons = _reasons(legacy_db)
    assert f"nests deeper than {64} levels" in reasons["legacy-poison-deep"]
    assert "outside ±2^53" in reasons["legacy-poison-bigint"]
    assert '"xgboost", "lightgbm"' in reasons["legacy-poison-dupes"]
    assert "library" in reasons["legacy-poison-dupes"]
    assert "got NaN" in reasons["legacy-poison-nan"]
    assert "got Infinity" in reasons["legacy-poison-nan"]
    before = everything(legacy_db)
    again = backfill(legacy_db)
    assert not again.changed
    assert everything(legacy_db) == before


def test_text_that_is_not_utf8_is_held_on_sqlite(tmp_path: Any) -> None:
    """Only SQLite can hold such a row; PostgreSQL refuses it when it is written."""
    db = Database(f"sqlite:///{tmp_path / 'bytes.db'}", must_exist=False)
    migration_runner.migrate(db, to=1)
    load_legacy(db)
    with db.transaction(write=True) as conn:
        conn.exec_driver_sql(
            "INSERT INTO artifacts (id, artifact_type, title, metadata) "
            "VALUES ('legacy-latin1', 'model', 'bytes', CAST(X'7B2261223A2263AF6522207D' AS TEXT))"
        )
    migration_runner.migrate(db)
    result = backfill(db)
    assert result.backfilled == len(FIXTURE)
    assert "not UTF-8" in _reasons(db)["legacy-latin1"]
    code, _, _ = invoke("backfill", "--db", str(db.url), "--report", str(tmp_path / "r.md"))
    assert code == HELD_EXIT_CODE
    assert "legacy-latin1" in (tmp_path / "r.md").read_text("utf-8")
    db.dispose()


def test_the_command_exits_11_while_rows_stay_held(legacy_db: Database, db_url: str) -> None:
    add_legacy(legacy_db, "legacy-poison-deep", POISON["legacy-poison-deep"])
    code, out, _ = invoke("backfill", "--db", db_url)
    assert code == HELD_EXIT_CODE
    assert "1 held for review (blocking)" in out
    code, out, _ = invoke("backfill", "--db", db_url)
    assert code == HELD_EXIT_CODE
    assert "nothing to do" in out


@pytest.mark.slow  # racing writers
def test_two_backfills_at_once_end_as_one(legacy_db: Database, db_url: str) -> None:
    for index in range(40):
        metadata = json.loads(FIXTURE[FIRST]["metadata"])
        add_legacy(legacy_db, f"legacy-extra-{index:03d}", metadata)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        database = Database(db_url)
        try:
            barrier.wait()
            backfill(database, chunk_size=5)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(states(legacy_db)) == len(FIXTURE) + 40
    assert [item.artifact_id for item in list_reviews(legacy_db) if item.blocking] == []
    with legacy_db.transaction() as conn:
        events = conn.execute(text("SELECT artifact_id FROM model_promotion_events")).scalars()
        promoted_twice = [i for i in set(events) if list(events).count(i) > 1]
    assert promoted_twice == []


@pytest.mark.parametrize("family", sorted(GOOD_BY_FAMILY))
def test_metadata_that_already_satisfies_the_schema_is_adopted_as_it_is(
    legacy_db: Database, family: str
) -> None:
    metadata = GOOD_BY_FAMILY[family]()
    metadata.pop("base_model_id", None)
    add_artifact(legacy_db, "dataset-sea-ad", "dataset")
    add_legacy(legacy_db, "legacy-valid", metadata)
    with legacy_db.transaction(write=True) as conn:  # a title that does not name the line as its id
        conn.execute(text("UPDATE artifacts SET title = 'Valid model' WHERE id = 'legacy-valid'"))
    backfill(legacy_db)
    with legacy_db.transaction() as conn:
        stored = conn.execute(text("SELECT metadata FROM artifacts WHERE id = 'legacy-valid'"))
        assert json.loads(stored.scalar_one()) == metadata
    assert "legacy-valid" in states(legacy_db)
    assert "legacy-valid" not in _reasons(legacy_db)


def test_a_down_and_up_round_trip_then_backfill_holds_nothing(legacy_db: Database) -> None:
    backfill(legacy_db)
    lost = ["model_versions", "model_promotion_events", "model_legacy_metadata"]
    lost += ["model_review_queue", "model_lines"]  # all the backfill wrote; artifacts stay
    lost += ["registry_events"]  # rebuilt, renumbered, by 0026 on the way up
    migration_runner.downgrade(legacy_db, to=1, discard=lost)
    migration_runner.migrate(legacy_db)
    result = backfill(legacy_db)
    assert result.backfilled == len(FIXTURE)
    assert result.held_blocking == 0


def test_a_cycle_of_base_models_is_held_not_written(legacy_db: Database) -> None:
    for me, other in (("legacy-a", "legacy-b"), ("legacy-b", "legacy-a")):
        add_legacy(legacy_db, me, {**logistic_regression(), "base_model_id": other})
    backfill(legacy_db)
    adopted = set(states(legacy_db)) - set(FIXTURE)
    assert len(adopted) == 1
    [held] = {"legacy-a", "legacy-b"} - adopted
    assert "the lineage must stay a tree" in _reasons(legacy_db)[held]


def test_review_resolve_refuses_a_base_model_that_closes_a_cycle(legacy_db: Database) -> None:
    add_legacy(legacy_db, "legacy-root", logistic_regression())
    incomplete = {k: v for k, v in logistic_regression().items() if k != "framework"}
    add_legacy(legacy_db, "legacy-child", {**incomplete, "base_model_id": "legacy-root"})
    backfill(legacy_db)
    assert "legacy-child" in _reasons(legacy_db)
    with legacy_db.transaction(write=True) as conn:  # the root became a fine-tune of the child
        conn.execute(
            text("UPDATE model_versions SET base_model_id = 'legacy-child' WHERE artifact_id = :i"),
            {"i": "legacy-root"},
        )
    with pytest.raises(ValidationError, match="lineage must stay a tree"):
        resolve(legacy_db, "legacy-child", ["framework=scikit-learn"], actor="curator")
    assert "legacy-child" not in states(legacy_db)
    resolve(
        legacy_db,
        "legacy-child",
        ["framework=scikit-learn", f"base_model_id={FIRST}"],
        actor="curator",
    )
    assert states(legacy_db)["legacy-child"] == "candidate"
