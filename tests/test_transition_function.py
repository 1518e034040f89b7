"""A transition on PostgreSQL is one server-side call (migration 0029); these tests hold it to
the client's transition, which SQLite runs: the same rows, events, gate and refusals.

Each behaviour is asserted on both backends, so a difference between the function and
the client's code fails here. That PostgreSQL goes through the function at all is
counted on the wire in tests/test_round_trips.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry.catalog.queries import get_model
from atlas_registry.errors import IllegalTransitionError, PromotionGateError
from atlas_registry.lifecycle import history, transitions
from atlas_registry.lifecycle.policy import BenchmarkThreshold, GatePolicy
from atlas_registry.records import ModelRecord
from atlas_registry.store.db import Database
from atlas_registry.store.events.record import short
from tests.catalog_helpers import register, table_contents
from tests.payloads import logistic_regression

SHA = "0123456789abcdef0123456789abcdef01234567"
PINNED = {"code_repo_url": "https://github.com/lab/models", "code_commit_sha": SHA}
# Hostile text: JSON's escapes, a control character, non-ASCII, and past the payload's cut.
HOSTILE = 'a "quoted" \\ back\nslash\ttab\x01 é ✓ </script>' + "x" * 600


def pinned(db: Database, **fields: Any) -> ModelRecord:
    return register(db, **{**PINNED, **fields})


def _events(db: Database) -> list[tuple[Any, ...]]:
    with db.transaction() as conn:
        rows = conn.execute(
            text(
                "SELECT event_type, occurred_at, actor, model_id, line_id, payload "
                "FROM registry_events WHERE event_type LIKE 'model.%' "
                "AND event_type <> 'model.registered' ORDER BY id"
            )
        )
        return [tuple(row) for row in rows]


def _payload(from_state: str, to_state: str, notes: str | None) -> str:
    """The payload the client writes (store/events/record.py), byte for byte."""
    fields = {"from_state": from_state, "to_state": to_state, "override": False}
    return json.dumps({**fields, "notes": short(notes)}, ensure_ascii=False, separators=(",", ":"))


def test_a_promotion_writes_the_clients_rows_and_events(migrated_db: Database) -> None:
    old = pinned(migrated_db, line="hostile")
    new = pinned(migrated_db, line="hostile")
    transitions.promote(migrated_db, old.id, actor="lead")
    result = transitions.promote(migrated_db, new.id, actor="a'ctor", notes=HOSTILE)

    assert result.model.promotion_state == "promoted"
    assert result.model.promotion_notes == HOSTILE
    assert [(e.artifact_id, e.from_state, e.to_state) for e in result.events] == [
        (old.id, "promoted", "superseded"),
        (new.id, "candidate", "promoted"),
    ]
    assert result.events[0].notes == "superseded by hostile@2"
    assert history.history(migrated_db, new.id) == [result.events[1]]
    assert history.history(migrated_db, old.id)[-1] == result.events[0]
    when = result.events[0].created_at
    assert result.model.updated_at == when
    retiring = _payload("promoted", "superseded", "superseded by hostile@2")
    promoting = _payload("candidate", "promoted", HOSTILE)
    logged = _events(migrated_db)[-2:]
    assert [row[:1] + row[2:] for row in logged] == [
        ("model.superseded", "a'ctor", old.id, old.id, retiring),
        ("model.promoted", "a'ctor", new.id, old.id, promoting),
    ]
    assert logged[0][1] == logged[1][1] >= when  # one moment (the client stamps it apart)
    retired = get_model(migrated_db, old.id)
    assert (retired.promotion_state, retired.lifecycle_state) == ("superseded", "superseded")
    assert retired.superseded_by == new.id
    assert retired.updated_at == when


def test_an_unnamed_lines_supersession_names_the_successor_by_its_short_id(
    migrated_db: Database,
) -> None:
    old = pinned(migrated_db)
    new = pinned(migrated_db, parent_version_id=old.id)
    transitions.promote(migrated_db, old.id, actor="lead")
    result = transitions.promote(migrated_db, new.id, actor="lead")
    assert result.events[0].notes == f"superseded by {new.short_id}"


def test_rejection_and_retirement_write_the_clients_rows(migrated_db: Database) -> None:
    first, second = pinned(migrated_db, line="two"), pinned(migrated_db, line="two")
    rejected = transitions.reject(migrated_db, first.id, actor="lead", notes="no")
    assert (rejected.model.promotion_state, rejected.model.lifecycle_state) == (
        "rejected",
        "archived",
    )
    transitions.promote(migrated_db, second.id, actor="lead")
    retired = transitions.supersede(migrated_db, second.id, actor="lead", notes="faulty")
    assert (retired.model.promotion_state, retired.model.superseded_by) == ("superseded", None)
    assert [row[0] for row in _events(migrated_db)] == [
        "model.rejected",
        "model.promoted",
        "model.superseded",
    ]


@pytest.mark.parametrize(
    ("value", "passes"),
    [
        (0.75, True),  # at the minimum
        (0.7500000000000001, True),
        (0.7499999999999999, False),
        (1, True),  # an integer
        (None, False),  # missing
    ],
)
def test_the_gates_threshold_is_judged_alike(
    migrated_db: Database, value: object, passes: bool
) -> None:
    policy = GatePolicy(benchmarks={"bench-v1": BenchmarkThreshold("auroc", minimum=0.75)})
    metrics = {"auroc": value} if value is not None else {"accuracy": 0.9}
    metadata = {**logistic_regression(), "benchmark_id": "bench-v1", "evaluation_metrics": metrics}
    model = register(migrated_db, metadata, **PINNED)
    if passes:
        transitions.promote(migrated_db, model.id, actor="lead", policy=policy)
        assert get_model(migrated_db, model.id).promotion_state == ("promoted")
        return
    with pytest.raises(PromotionGateError) as refused:
        transitions.promote(migrated_db, model.id, actor="lead", policy=policy)
    assert [v.path for v in refused.value.violations] == ["eval_metrics.auroc"]


@pytest.mark.parametrize(
    "stored", ['{"auroc": NaN}', '{"auroc": 1e400}', '{"auroc": true}', '{"auroc": "0.9"}']
)
def test_metrics_stored_before_the_schema_are_judged_alike(
    migrated_db: Database, stored: str
) -> None:
    """Text the schema refuses today, as rows written before it hold it: not a number that
    meets the threshold, on both backends, and the same violation."""
    policy = GatePolicy(benchmarks={"adni-conversion-v1": BenchmarkThreshold("auroc", 0.75)})
    model = pinned(migrated_db)
    with migrated_db.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE model_versions SET eval_metrics_json = :m WHERE artifact_id = :id"),
            {"m": stored, "id": model.id},
        )
    with pytest.raises(PromotionGateError) as refused:
        transitions.promote(migrated_db, model.id, actor="lead", policy=policy)
    assert [str(v) for v in refused.value.violations] == [
        "eval_metrics.auroc: is required by benchmark adni-conversion-v1 and is missing"
    ]
    assert get_model(migrated_db, model.id).promotion_state == "candidate"


def test_a_threshold_that_is_not_a_short_decimal_is_judged_alike(migrated_db: Database) -> None:
    """0.1 as a float is a little above 1/10: a stored 0.1 meets it, as the client judges."""
    policy = GatePolicy(benchmarks={"bench-v1": BenchmarkThreshold("auroc", minimum=0.1)})
    metadata = {
        **logistic_regression(),
        "benchmark_id": "bench-v1",
        "evaluation_metrics": {"auroc": 0.1},
    }
    model = register(migrated_db, metadata, **PINNED)
    transitions.promote(migrated_db, model.id, actor="lead", policy=policy)


def test_an_override_of_a_met_gate_is_not_recorded_as_one(migrated_db: Database) -> None:
    met = pinned(migrated_db)
    result = transitions.promote(migrated_db, met.id, actor="lead", notes="why", override=True)
    assert result.events[-1].override is False
    unmet = register(migrated_db)  # no pin
    result = transitions.promote(migrated_db, unmet.id, actor="lead", notes="why", override=True)
    assert result.events[-1].override is True


def test_the_functions_own_guard_refuses_a_state_that_moved(
    migrated_db: Database,
) -> None:
    """A writer that skipped the line's lock moves the candidate while the call runs
    (a trigger, fired by the supersession's UPDATE): nothing is half-applied."""
    if migrated_db.dialect != "postgresql":
        pytest.skip("the function is PostgreSQL's; SQLite's guard: tests/test_lifecycle.py")
    old, new = pinned(migrated_db, line="stale"), pinned(migrated_db, line="stale")
    transitions.promote(migrated_db, old.id, actor="lead")
    snapshot = table_contents(migrated_db)
    with migrated_db.transaction(write=True) as conn:
        conn.execute(
            text(
                "CREATE FUNCTION test_moves_under_the_call() RETURNS trigger AS $$ BEGIN "
                f"UPDATE model_versions SET promotion_state = 'rejected' WHERE artifact_id = "
                f"'{new.id}'; RETURN NULL; END; $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER test_moves_under_the_call AFTER UPDATE ON model_versions "
                "FOR EACH ROW WHEN (NEW.promotion_state = 'superseded') "
                "EXECUTE FUNCTION test_moves_under_the_call()"
            )
        )
    try:
        with pytest.raises(IllegalTransitionError, match="changed while this transition ran"):
            transitions.promote(migrated_db, new.id, actor="lead")
    finally:
        with migrated_db.transaction(write=True) as conn:
            conn.execute(text("DROP TRIGGER test_moves_under_the_call ON model_versions"))
            conn.execute(text("DROP FUNCTION test_moves_under_the_call()"))
    assert table_contents(migrated_db) == snapshot
