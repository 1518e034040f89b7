"""Promotion lifecycle: transitions, the evaluation gate, supersession, history."""

from __future__ import annotations

import re
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry.catalog.queries import fetch_model
from atlas_registry.errors import (
    ConfigurationError,
    ConstraintViolationError,
    IllegalTransitionError,
    PromotionGateError,
    RegistryError,
    ValidationError,
)
from atlas_registry.lifecycle import history, rollback, transitions
from atlas_registry.lifecycle.policy import GatePolicy, load_policy, parse_policy
from atlas_registry.records import ModelRecord
from atlas_registry.store.db import Database
from tests.catalog_helpers import register, sqlite_plan, table_contents
from tests.payloads import biophysical_ode, logistic_regression

SHA = "0123456789abcdef0123456789abcdef01234567"
PINNED = {"code_repo_url": "https://github.com/lab/models", "code_commit_sha": SHA}
PACKAGE = Path(__file__).parents[1] / "src" / "atlas_registry"


def pinned(db: Database, **fields: Any) -> ModelRecord:
    return register(db, **{**PINNED, **fields})


def state(db: Database, model_id: str) -> str:
    with db.transaction() as conn:
        return str(
            conn.execute(
                text("SELECT promotion_state FROM model_versions WHERE artifact_id = :id"),
                {"id": model_id},
            ).scalar()
        )


def test_candidate_to_promoted_records_the_event(migrated_db: Database) -> None:
    model = pinned(migrated_db)
    result = transitions.promote(migrated_db, model.id, actor="agent-eval", notes="passed review")
    assert result.model.promotion_state == "promoted"
    assert result.model.promotion_notes == "passed review"
    [event] = history.history(migrated_db, model.id)
    assert (event.from_state, event.to_state, event.actor, event.override) == (
        "candidate",
        "promoted",
        "agent-eval",
        False,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", event.created_at)


def test_candidate_to_rejected_needs_notes(migrated_db: Database) -> None:
    model = pinned(migrated_db)
    with pytest.raises(ValidationError, match="notes"):
        transitions.reject(migrated_db, model.id, actor="me", notes="  ")
    transitions.reject(migrated_db, model.id, actor="me", notes="leaks test data")
    assert state(migrated_db, model.id) == "rejected"


def test_promoted_to_superseded_by_retirement(migrated_db: Database) -> None:
    model = pinned(migrated_db)
    transitions.promote(migrated_db, model.id, actor="me")
    transitions.supersede(migrated_db, model.id, actor="me", notes="found a label bug")
    assert [e.to_state for e in history.history(migrated_db, model.id)] == [
        "promoted",
        "superseded",
    ]


ILLEGAL = [
    (["reject"], "promote"),
    (["reject"], "supersede"),
    (["reject"], "reject"),
    (["promote"], "promote"),
    (["promote"], "reject"),
    (["promote", "supersede"], "promote"),
    (["promote", "supersede"], "supersede"),
    ([], "supersede"),
]


def _do(db: Database, verb: str, model_id: str) -> None:
    if verb == "promote":
        transitions.promote(db, model_id, actor="me")
    elif verb == "reject":
        transitions.reject(db, model_id, actor="me", notes="no")
    else:
        transitions.supersede(db, model_id, actor="me", notes="old")


@pytest.mark.parametrize(("before", "verb"), ILLEGAL)
def test_illegal_transitions_change_nothing(
    migrated_db: Database, before: list[str], verb: str
) -> None:
    model = pinned(migrated_db)
    for step in before:
        _do(migrated_db, step, model.id)
    snapshot = table_contents(migrated_db)
    events = history.history(migrated_db, model.id)
    with pytest.raises(IllegalTransitionError, match=f"{model.id} is "):
        _do(migrated_db, verb, model.id)
    assert table_contents(migrated_db) == snapshot
    assert history.history(migrated_db, model.id) == events


def test_a_transition_that_read_a_stale_state_writes_nothing(
    migrated_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unreachable under the line's lock; if the state moved anyway, nothing is half-applied.

    The client's transition (SQLite's, and what PostgreSQL's server-side call leaves
    to it); the server-side call's own guard: tests/test_transition_function.py.
    """
    monkeypatch.setattr(transitions, "_in_one_call", lambda *_args: None)
    old, new = pinned(migrated_db, line="stale"), pinned(migrated_db, line="stale")
    transitions.promote(migrated_db, old.id, actor="lead")
    snapshot = table_contents(migrated_db)

    def read_then_moved(session: Any, model_id: str) -> ModelRecord:
        model = fetch_model(session, model_id)
        session.run(  # what a writer that skipped the lock would do, after the read
            "UPDATE model_versions SET promotion_state = 'rejected' WHERE artifact_id = ?",
            (old.id,),
        )
        return model

    monkeypatch.setattr(transitions, "fetch_model", read_then_moved)
    with pytest.raises(IllegalTransitionError, match="changed while this transition ran"):
        transitions.promote(migrated_db, new.id, actor="lead")
    assert table_contents(migrated_db) == snapshot


def test_an_actor_or_notes_past_their_limits_are_refused_by_name(migrated_db: Database) -> None:
    model = pinned(migrated_db)
    snapshot = table_contents(migrated_db)
    with pytest.raises(ValidationError) as refused:
        transitions.reject(migrated_db, model.id, actor="a" * 201, notes="why")
    assert [v.path for v in refused.value.violations] == ["actor"]
    assert "at most 200 characters" in refused.value.violations[0].message
    with pytest.raises(ValidationError) as refused:
        transitions.reject(migrated_db, model.id, actor="lead", notes="why \ud800")
    assert [v.path for v in refused.value.violations] == ["notes"]
    assert table_contents(migrated_db) == snapshot
    transitions.reject(migrated_db, model.id, actor="a" * 200, notes="why")
    assert state(migrated_db, model.id) == "rejected"


def test_gate_lists_every_unmet_condition(migrated_db: Database) -> None:
    model = register(migrated_db)  # benchmark adni-conversion-v1, no code pin
    with migrated_db.transaction(write=True) as conn:
        conn.execute(text("UPDATE model_versions SET eval_metrics_json = NULL"))
    with pytest.raises(PromotionGateError) as caught:
        transitions.promote(migrated_db, model.id, actor="me")
    assert caught.value.paths == [
        "eval_metrics_json",
        "code_repo_url",
        "code_commit_sha",
        "eval_metrics.auroc",
    ]
    assert "override the gate with notes saying why" in caught.value.message
    assert state(migrated_db, model.id) == "candidate"
    assert history.history(migrated_db, model.id) == []


def test_gate_checks_the_benchmark_threshold(migrated_db: Database) -> None:
    weak = {**logistic_regression(), "evaluation_metrics": {"auroc": 0.70}}
    model = pinned(migrated_db, metadata=weak)
    with pytest.raises(PromotionGateError) as caught:
        transitions.promote(migrated_db, model.id, actor="me")
    assert [str(v) for v in caught.value.violations] == [
        "eval_metrics.auroc: = 0.7 is below the minimum 0.75 for adni-conversion-v1"
    ]
    lenient = GatePolicy(benchmarks={})
    transitions.promote(migrated_db, model.id, actor="me", policy=lenient)
    assert state(migrated_db, model.id) == "promoted"


def test_gate_requires_the_external_pin(migrated_db: Database) -> None:
    from tests.catalog_helpers import add_artifact
    from tests.payloads import external_fine_tune

    add_artifact(migrated_db, "dataset-sea-ad", "dataset")
    base = pinned(migrated_db)
    model = register(migrated_db, external_fine_tune(base.id))
    with migrated_db.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE model_versions SET external_source_version = NULL WHERE is_external = 1")
        )
    with pytest.raises(PromotionGateError) as caught:
        transitions.promote(migrated_db, model.id, actor="me")
    assert caught.value.paths == ["external_source_version"]


def test_override_needs_notes_and_is_recorded(migrated_db: Database) -> None:
    model = register(migrated_db, biophysical_ode())
    with pytest.raises(ValidationError, match="notes"):
        transitions.promote(migrated_db, model.id, actor="me", override=True)
    assert state(migrated_db, model.id) == "candidate"
    result = transitions.promote(
        migrated_db,
        model.id,
        actor="me",
        override=True,
        notes="in production since 2025; pin pending",
    )
    assert result.model.promotion_state == "promoted"
    [event] = history.history(migrated_db, model.id)
    assert event.override is True
    assert event.notes == "in production since 2025; pin pending"


def test_promoting_a_new_version_supersedes_the_old_one(migrated_db: Database) -> None:
    first = pinned(migrated_db)
    transitions.promote(migrated_db, first.id, actor="me")
    second = pinned(migrated_db, parent_version_id=first.id)
    other_line = pinned(migrated_db)
    transitions.promote(migrated_db, other_line.id, actor="me")
    result = transitions.promote(migrated_db, second.id, actor="me")
    assert [(e.artifact_id, e.to_state) for e in result.events] == [
        (first.id, "superseded"),
        (second.id, "promoted"),
    ]
    assert state(migrated_db, first.id) == "superseded"
    assert state(migrated_db, other_line.id) == "promoted"
    promoted = history.promoted_version(migrated_db, first.id)
    assert promoted is not None
    assert promoted.id == second.id
    from atlas_registry.catalog.registrar import get_model

    assert get_model(migrated_db, first.id).superseded_by == second.id
    # Promoting it again is refused with the one way back, and that way works.
    advice = "only a rollback of its line to version 1 promotes it again"
    with pytest.raises(IllegalTransitionError, match=re.escape(advice)):
        transitions.promote(migrated_db, first.id, actor="me")
    rollback.rollback(migrated_db, first.id, to_version=1, actor="me", notes="back")
    assert state(migrated_db, first.id) == "promoted"


@pytest.mark.parametrize(
    ("statement", "index"),
    [
        ("LINE_STATES", "ux_artifacts_lineage_version"),
        ("PROMOTED_IN_LINE", "uq_model_versions_one_promoted_per_line"),
    ],
)
def test_finding_a_lines_promoted_version_uses_the_line_index(
    sqlite_db: Database, statement: str, index: str
) -> None:
    """Promotion cost must not grow with the catalog: the lookup goes through the line."""
    plan = sqlite_plan(sqlite_db, getattr(transitions, statement), ["some-root"])
    assert index in plan, plan
    assert "SCAN" not in plan, plan


def test_history_is_append_only(migrated_db: Database) -> None:
    model = pinned(migrated_db)
    transitions.promote(migrated_db, model.id, actor="me")
    for statement in (
        "UPDATE model_promotion_events SET actor = 'x'",
        "DELETE FROM model_promotion_events",
    ):
        with (
            pytest.raises(ConstraintViolationError, match="append-only"),
            migrated_db.transaction(write=True) as conn,
        ):
            conn.execute(text(statement))
    assert len(history.history(migrated_db, model.id)) == 1


def test_no_code_path_updates_or_deletes_events() -> None:
    pattern = re.compile(
        r"(update|delete)\(\s*promotion_events|(UPDATE|DELETE FROM)\s+model_promotion_events"
    )
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_recent_events_newest_first(migrated_db: Database) -> None:
    a, b = pinned(migrated_db), pinned(migrated_db)
    transitions.promote(migrated_db, a.id, actor="me")
    transitions.reject(migrated_db, b.id, actor="me", notes="no")
    assert [e.artifact_id for e in history.recent_events(migrated_db)] == [b.id, a.id]


def test_policy_file_errors_are_clear(tmp_path: Path) -> None:
    assert "adni-conversion-v1" in load_policy().benchmarks
    with pytest.raises(ConfigurationError, match="needs minimum or maximum"):
        parse_policy('[benchmarks.x]\nmetric = "auroc"\n', "p.toml")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        parse_policy("[[[", "p.toml")
    # A misspelt rule must not silently leave the gate open.
    with pytest.raises(ConfigurationError, match="unknown keys require_verified_pin"):
        parse_policy("[gate]\nrequire_verified_pin = true\n", "p.toml")
    assert parse_policy(
        "[gate]\nrequire_verified_code_pin = true\n", "p.toml"
    ).require_verified_code_pin
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_policy(str(tmp_path / "missing.toml"))
    custom = tmp_path / "gate.toml"
    custom.write_text(
        "[gate]\nrequire_reproducibility_pin = false\n"
        '[benchmarks.b]\nmetric = "rmse"\nmaximum = 0.1\n'
    )
    policy = load_policy(str(custom))
    assert policy.require_reproducibility_pin is False
    assert policy.benchmarks["b"].maximum == 0.1
    # A path that names no policy is refused, never read forever or taken as the default.
    for named, why in [
        ("", "no file named"),
        ("/dev/zero", "is not a regular file"),
        (str(tmp_path), "is a folder"),
    ]:
        with pytest.raises(ConfigurationError, match=why):
            load_policy(named)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b'[gate]\nnote = "caf\xe9"\n')
    with pytest.raises(ConfigurationError, match="not UTF-8 text"):
        load_policy(str(latin1))


def _promote_at(url: str, model_id: str, start_at: float) -> str:
    database = Database(url)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        transitions.promote(database, model_id, actor=f"racer-{model_id[-4:]}")
        return "promoted"
    except RegistryError as error:
        return type(error).__name__
    finally:
        database.dispose()


@pytest.mark.slow
def test_racing_promotions_leave_one_promoted_per_line(migrated_db: Database, db_url: str) -> None:
    first = pinned(migrated_db)
    versions = [first.id] + [pinned(migrated_db, parent_version_id=first.id).id for _ in range(3)]
    start_at = time.time() + 1.5
    with ProcessPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(_promote_at, [db_url] * 4, versions, [start_at] * 4))
    assert outcomes == ["promoted"] * 4
    states = [state(migrated_db, v) for v in versions]
    assert states.count("promoted") == 1
    assert states.count("superseded") == 3

    same = pinned(migrated_db)
    start_at = time.time() + 1.5
    with ProcessPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(_promote_at, [db_url] * 2, [same.id] * 2, [start_at] * 2))
    assert sorted(outcomes) == ["IllegalTransitionError", "promoted"]
    assert len(history.history(migrated_db, same.id)) == 1


def test_notes_of_a_plain_promotion_obey_the_notes_limits(migrated_db: Database) -> None:
    """Only an override's notes were checked: a plain promotion stored any text it was given."""
    model = pinned(migrated_db)
    for bad in ("x" * 20_001, "a\x00b"):
        with pytest.raises(ValidationError, match="notes is invalid"):
            transitions.promote(migrated_db, model.id, actor="me", notes=bad)
    assert state(migrated_db, model.id) == "candidate"
    result = transitions.promote(migrated_db, model.id, actor="me", notes="  ")
    assert result.events[-1].notes is None
