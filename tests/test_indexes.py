"""Every index earns its place: some query the registry runs uses it.

Each index is written on every registration and makes its commit touch more
pages, so an index no query uses only slows the write path. This test runs
every read and write verb over a small catalog, records each statement the
registry sends (through SQLAlchemy or the write path's plain SQL), asks SQLite
for each one's query plan, and requires every index of the schema to appear in
some plan. Unique indexes are constraints and need no query; a new index needs
the query that uses it, and dropping a filter shows up here as an idle index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import event

from atlas_registry import (
    IdempotentRequest,
    KeptAnswer,
    Registry,
    RepositoryLocations,
    SchemaAdmin,
)
from atlas_registry.records import ModelRegistration
from atlas_registry.store.sql_session import SqlSession
from tests.catalog_helpers import add_artifact
from tests.conftest import reset_postgres
from tests.payloads import logistic_regression

Statement = tuple[str, Sequence[Any]]
_EXPLAINABLE = ("SELECT", "WITH", "UPDATE", "DELETE")


@contextmanager
def statements_sent(registry: Registry) -> Iterator[list[Statement]]:
    """Every statement (with its first parameter row) sent while the block runs."""
    sent: list[Statement] = []
    engine = registry.database.engine

    def on_cursor(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        sent.append((sql, params[0] if many and params else params or ()))

    run, run_many = SqlSession._run, SqlSession.run_many

    def watched_run(session: SqlSession, sql: str, params: Sequence[Any]) -> Any:
        sent.append((sql, params))
        return run(session, sql, params)

    def watched_many(session: SqlSession, sql: str, rows: Any) -> None:
        rows = list(rows)
        sent.append((sql, rows[0] if rows else ()))
        run_many(session, sql, rows)

    event.listen(engine, "before_cursor_execute", on_cursor)
    SqlSession._run = watched_run  # type: ignore[method-assign,assignment]
    SqlSession.run_many = watched_many  # type: ignore[method-assign,assignment]
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", on_cursor)
        SqlSession._run = run  # type: ignore[method-assign]
        SqlSession.run_many = run_many  # type: ignore[method-assign]


def exercise(registry: Registry) -> None:
    """Every verb a user has, over a catalog with lines, fine-tunes, metrics and history."""
    registry.count_pending_backfill()
    registry.backfill()
    base = registry.register_model(
        ModelRegistration(title="base", metadata=logistic_regression(), line="idx-line")
    )
    tuned_metadata = logistic_regression()
    tuned_metadata["base_model_id"] = base.id
    tuned = registry.register_model(
        ModelRegistration(title="tuned", metadata=tuned_metadata, line="idx-line")
    )
    dataset = registry.register_dataset(
        {"title": "d", "uri": "https://example.org/d", "license": "MIT", "revision": "v1"}
    )
    registry.promote(base.id, actor="me", override=True, notes="test")
    registry.promote(tuned.id, actor="me", override=True, notes="test")
    registry.rollback("idx-line", actor="me", notes="back", override=True)
    registry.history(base.id)
    registry.recent_events(limit=5)
    registry.recent_events(limit=5, actor="me")
    registry.recent_events(limit=5, overrides_only=True)
    registry.lineage(tuned.id)
    registry.promoted_version("idx-line")
    registry.lines()
    registry.get_model("idx-line@1")
    registry.get_model(base.id[-8:])  # a short id
    registry.get_model(base.id[-8:-1])  # the start of one
    for filters in (
        {},
        {"latest_only": True},
        {"promotion_state": "candidate"},
        {"promotion_state": "candidate", "model_family": "logistic_regression"},
        {"model_family": "logistic_regression"},
        {"trained_by": "agent-x"},
        {"benchmark_id": "adni-conversion-v1"},
        {"base_model_id": base.id},
        {"line": "idx-line"},
        {"is_external": True},
        {"tag": ["team=vision"]},
        {"trained_on": dataset.id},
        {"evaluated_on": dataset.id},
    ):
        registry.list_models(**filters)
    registry.set_tags("idx-line", {"team": "vision"}, actor="me")
    registry.remove_tags(base.id, ["team"], actor="me")
    registry.tag_history(base.id)
    registry.edit_text(base.id, {"changelog": "x"}, actor="me")
    registry.text_history(base.id)
    weights = Path(__file__)  # any regular file: its digest is checked, not trusted
    listed = {
        "uri": weights.as_uri(),
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "size_bytes": weights.stat().st_size,
        "role": "weights",
    }
    registry.add_file(base.id, listed, actor="me")
    registry.verify_files([base.id], actor="me")
    registry.files(base.id)
    registry.file_checks(base.id)
    registry.locate(base.id)
    registry.set_alias("idx-line", "champion", to_version=1, actor="me")
    registry.aliases("idx-line")
    registry.alias_history("idx-line", "champion")
    registry.named_at("idx-line@champion", "2999-01-01T00:00:00Z")
    registry.named_at("idx-line@promoted", "2999-01-01T00:00:00Z")
    registry.get_model("idx-line@champion")
    registry.events_after(0)
    registry.events_after(0, types=["model.registered"])
    registry.events_after(0, line="idx-line")
    board = registry.benchmarks()
    for entry in board:
        metric = entry["metrics"][0]
        asked = "higher" if entry["directions"][metric] == "unknown" else None
        registry.leaderboard(entry["benchmark_id"], metric, direction=asked)
    add_artifact(registry.database, "dataset-idx", "dataset")
    registry.add_evaluation(
        base.id, by="me", benchmark_id="idx-bench", dataset_id="dataset-idx", metrics={"auroc": 1}
    )
    registry.evaluations(base.id)
    registry.versions_evaluated_on("dataset-idx")
    registry.leaderboard("idx-bench", "auroc", dataset="dataset-idx")
    registry.list_reviews()
    registry.list_reviews(status=None)
    # A model without a pin needs no repository, but a check needs one configured.
    mirrors = RepositoryLocations(mirrors=Path(__file__).parent)
    registry.verify_pins([base.id], locations=mirrors, actor="me")
    registry.pin_checks(base.id)
    registry.pin_statuses([base, tuned])
    registry.pin_changes(base.id)
    registry.pin_report(status="missing", promoted_only=True)
    # A keyed write (the HTTP API's Idempotency-Key) purges expired keys, then looks its own up.
    keyed = IdempotentRequest("me", "key", "POST /api/v1/models", "digest")
    registry.idempotent(keyed, lambda: None, lambda _: KeptAnswer(201, b"{}"))
    # A webhook whose receiver is refused (loopback, not allow-listed): the worker
    # owes it deliveries, attempts one, logs the failure; then the log is read and
    # a delivery replayed.
    hook = registry.create_webhook("https://127.0.0.1:9/", ["model.registered"], actor="me")
    registry.register_model(ModelRegistration(title="hooked", metadata=logistic_regression()))
    registry.webhook_worker(allowed_hosts=(), timeout=0.5).run_once()
    delivered = registry.webhook_deliveries(hook.webhook.id)
    registry.replay_delivery(delivered[0].id, actor="me")
    registry.webhook(hook.webhook.id)
    registry.webhooks()


def plan_of(registry: Registry, statement: Statement) -> str:
    sql, params = statement
    driver = registry.database.engine.raw_connection()
    try:
        rows = driver.cursor().execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    finally:
        driver.close()
    return " | ".join(str(row[-1]) for row in rows)


def test_every_index_is_used_by_a_query_the_registry_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_REGISTRY_WEBHOOK_KEY", Fernet.generate_key().decode())
    url = f"sqlite:///{tmp_path / 'indexes.db'}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate(to=1)
        admin.load_legacy()
        admin.migrate()
    with Registry.open(url) as registry:
        with statements_sent(registry) as sent:
            exercise(registry)
        driver = registry.database.engine.raw_connection()
        try:
            indexes = {
                name
                for (name,) in driver.cursor().execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    "AND sql NOT LIKE 'CREATE UNIQUE%'"
                )
            }
        finally:
            driver.close()
        explainable = [s for s in sent if s[0].lstrip().upper().startswith(_EXPLAINABLE)]
        plans = {s[0]: plan_of(registry, s) for s in explainable}
    used = {name for name in indexes if any(f"INDEX {name} " in f"{p} " for p in plans.values())}
    assert indexes - used == set(), (
        f"indexes no query uses: {sorted(indexes - used)}; drop them in a migration, "
        "or add the query that needs them to exercise()"
    )


def test_the_history_filters_read_their_indexes_on_postgresql(postgres_url: str) -> None:
    """Overrides only and by actor, as psycopg runs them once prepared (a generic plan).

    A partial index serves only a query whose text says ``override = 1``: a
    parameter there would leave PostgreSQL's generic plan walking the history.
    """
    reset_postgres(postgres_url)
    with SchemaAdmin.open(postgres_url, create=True) as admin:
        admin.migrate()
    with Registry.open(postgres_url) as registry:
        model = registry.register_model(
            ModelRegistration(title="m", metadata=logistic_regression(), line="events-line")
        )
        with registry.database.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO model_promotion_events (artifact_id, from_state, to_state, actor) "
                "SELECT %(id)s, 'candidate', 'rejected', 'agent-' || (i %% 50) "
                "FROM generate_series(1, 20000) AS i",
                {"id": model.id},
            )
            conn.exec_driver_sql("ANALYZE model_promotion_events")
        for _ in range(8):  # past psycopg's prepare threshold and PostgreSQL's custom plans
            assert registry.recent_events(limit=5, overrides_only=True) == []
            assert registry.recent_events(limit=5, actor="nobody") == []
        with registry.database.single_read() as conn:
            prepared = conn.exec_driver_sql(
                "SELECT name, statement, parameter_types FROM pg_prepared_statements "
                "WHERE statement LIKE '%%model_promotion_events%%'"
            ).all()
            plans = {}
            for name, statement, types in prepared:
                # A parameter the statement may carry: the actor, or (were it bound) the flag.
                arguments = ", ".join("1" if "int" in str(t) else "'nobody'" for t in types)
                call = f'EXECUTE "{name}"' + (f"({arguments})" if types else "")
                rows = conn.exec_driver_sql(f"EXPLAIN {call}").all()
                plans[statement] = " ".join(row[0] for row in rows)
    [overrides] = [p for s, p in plans.items() if "override = 1" in s]
    [by_actor] = [p for s, p in plans.items() if "actor =" in s]
    assert "idx_promotion_events_overrides" in overrides, overrides
    assert "idx_promotion_events_actor" in by_actor, by_actor
