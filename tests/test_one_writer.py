"""One writer of model facts: registration, legacy adoption and review resolution agree.

A backfilled model must be as visible as a registered one: same tables, same
rows, so every leaderboard lists it. The write paths are watched at the SQL
level, so a future path that skips a fact table fails here, not in a user's
empty leaderboard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from atlas_registry.backfill.legacy_fixture import load_legacy, read_fixture
from atlas_registry.backfill.runner import backfill
from atlas_registry.catalog import registrar
from atlas_registry.catalog.facts import FACT_TABLES
from atlas_registry.review.queue import list_reviews
from atlas_registry.review.resolution import resolve
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession
from tests.catalog_helpers import register
from tests.test_backfill import add_legacy

_WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|COPY)\s+\"?(\w+)", re.IGNORECASE)


@contextmanager
def tables_written(db: Database) -> Iterator[set[str]]:
    """The names of the tables every INSERT, UPDATE or COPY in the block wrote to.

    Watched at both places SQL leaves the registry: SQLAlchemy's cursor events
    and the write path's plain statements (:class:`SqlSession`).
    """
    written: set[str] = set()

    def record(statement: str) -> None:
        match = _WRITE.match(statement)
        if match:
            written.add(match[1].lower())

    def on_cursor(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        record(statement)

    rendered = SqlSession._sql

    def watched(session: SqlSession, sql: str) -> str:
        record(sql)
        return rendered(session, sql)

    SqlSession._sql = watched  # type: ignore[method-assign,assignment]
    event.listen(db.engine, "before_cursor_execute", on_cursor)
    try:
        yield written
    finally:
        event.remove(db.engine, "before_cursor_execute", on_cursor)
        SqlSession._sql = rendered  # type: ignore[method-assign]


def metric_rows(db: Database) -> dict[str, dict[str, float]]:
    """model_metrics as {artifact id: {metric: value}}."""
    found: dict[str, dict[str, float]] = {}
    with db.transaction() as conn:
        for row in conn.execute(text("SELECT artifact_id, metric, value FROM model_metrics")):
            found.setdefault(row.artifact_id, {})[row.metric] = row.value
    return found


def stored_metrics(db: Database) -> dict[str, dict[str, float]]:
    """model_versions.eval_metrics_json, the source of truth, as {artifact id: metrics}."""
    with db.transaction() as conn:
        rows = conn.execute(text("SELECT artifact_id, eval_metrics_json FROM model_versions"))
        return {
            r.artifact_id: {k: float(v) for k, v in json.loads(r.eval_metrics_json).items()}
            for r in rows
        }


def legacy_then_backfilled(db: Database, *, up_to: int | None = None) -> None:
    migration_runner.migrate(db, to=1)
    load_legacy(db)
    migration_runner.migrate(db, to=up_to)
    backfill(db)


def test_the_demo_leaderboards_list_every_backfilled_model(db: Database) -> None:
    legacy_then_backfilled(db)
    ranked = 0
    for model in registrar.list_models(db, limit=100):
        assert model.eval_metrics, model.id
        if model.benchmark_id is None:
            continue
        for metric, value in model.eval_metrics.items():
            board = registrar.leaderboard(db, model.benchmark_id, metric, limit=1000)
            entries = {entry.model.id: entry.value for entry in board}
            assert entries.get(model.id) == value, (model.id, metric)
            ranked += 1
    assert ranked >= 4  # the fixture's benchmarked models, each with two metrics
    board = registrar.leaderboard(db, "adni-conversion-v1", "auroc")
    assert [(e.model.title, e.value) for e in board] == [("AD Risk Prediction Model", 0.83)]


def test_every_backfilled_model_has_its_typed_metrics(db: Database) -> None:
    legacy_then_backfilled(db)
    assert metric_rows(db) == stored_metrics(db)
    assert len(metric_rows(db)) == len(read_fixture())


def _writes(db: Database, action: Callable[[], Any]) -> set[str]:
    with tables_written(db) as written:
        action()
    return written


def test_registration_and_adoption_write_the_same_model_facts(db: Database) -> None:
    migration_runner.migrate(db)
    registration = _writes(db, lambda: register(db, artifact_id="model-registered"))
    add_legacy(db, "model-legacy", read_fixture()[0]["metadata"])
    adoption = _writes(db, lambda: backfill(db))
    assert set(FACT_TABLES) <= registration
    # Whatever a registration writes about a model, adopting a legacy model writes too
    # (its artifacts row exists already and is updated rather than inserted).
    # The leaderboard entries are derived, and only a version with a benchmark has them
    # (the legacy model here has none); its evaluation rows are written all the same.
    assert registration - {"model_evaluation_board"} <= adoption
    assert metric_rows(db).keys() == {"model-registered", "model-legacy"}


def test_resolving_a_blocked_artifact_writes_its_metrics(db: Database) -> None:
    migration_runner.migrate(db)
    legacy = json.loads(read_fixture()[0]["metadata"])
    add_legacy(db, "model-blocked", {k: v for k, v in legacy.items() if k != "library"})
    backfill(db)
    assert [item.artifact_id for item in list_reviews(db)] == ["model-blocked"]
    assert "model-blocked" not in metric_rows(db)
    resolve(db, "model-blocked", ["framework=scikit-learn"], actor="curator")
    assert metric_rows(db)["model-blocked"] == stored_metrics(db)["model-blocked"]


def test_migration_0007_restores_the_metrics_of_models_adopted_without_them(
    db: Database,
) -> None:
    legacy_then_backfilled(db)
    register(db, artifact_id="model-registered")
    expected = metric_rows(db)
    legacy = set(expected) - {"model-registered"}
    assert legacy
    migration_runner.downgrade(db, to=6, discard=["model_lines", "registry_events"])
    with db.transaction(write=True) as conn:  # what adoptions wrote before one writer
        conn.execute(text("DELETE FROM model_metrics WHERE artifact_id <> 'model-registered'"))
    assert set(metric_rows(db)) == {"model-registered"}
    migration_runner.migrate(db)
    assert metric_rows(db) == expected
    assert migration_runner.migrate(db) == []
