"""A model's catalog lifecycle_state follows its promotion state, on every transition.

promotion_state is the state a person reads; the generic catalog column is
derived from it (lifecycle.CATALOG_STATES) so the two never disagree, and
``show`` prints only the first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from atlas_registry import ModelRegistration, Registry, SchemaAdmin
from atlas_registry.lifecycle.moves import CATALOG_STATES
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _register(registry: Registry, line: str = "ad-risk", **fields: Any) -> str:
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), line=line, **{**PIN, **fields}
    )
    return registry.register_model(registration).id


def _stored(registry: Registry) -> dict[str, tuple[str, str]]:
    """id -> (promotion_state, lifecycle_state) as the tables hold them."""
    with registry.database.transaction() as conn:
        rows = conn.execute(
            text(
                "SELECT a.id, mv.promotion_state, a.lifecycle_state FROM artifacts a "
                "JOIN model_versions mv ON mv.artifact_id = a.id"
            )
        ).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def _agree(registry: Registry) -> None:
    for artifact_id, (promotion, lifecycle) in _stored(registry).items():
        assert lifecycle == CATALOG_STATES[promotion], (artifact_id, promotion, lifecycle)
        record = registry.get_model(artifact_id)
        assert (record.promotion_state, record.lifecycle_state) == (promotion, lifecycle)


def test_every_transition_keeps_the_two_states_in_agreement(registry: Registry) -> None:
    v1, v2, v3 = (_register(registry) for _ in range(3))
    rejected = _register(registry, line="other")
    _agree(registry)
    answers = [
        registry.promote(v1, actor="me"),
        registry.promote(v2, actor="me"),  # supersedes v1
        registry.reject(rejected, actor="me", notes="worse"),
        registry.rollback("ad-risk", actor="me", notes="v2 regressed"),  # v1 again, v2 retired
        registry.promote(v3, actor="me"),
        registry.supersede(v3, actor="me", notes="found faulty"),  # no successor
    ]
    for answer in answers:  # what a transition answers is what it stored
        assert answer.model.lifecycle_state == CATALOG_STATES[answer.model.promotion_state]
    _agree(registry)
    states = _stored(registry)
    assert states[v1] == ("superseded", "superseded")
    assert states[rejected] == ("rejected", "archived")
    assert registry.get_model(v3).superseded_by is None
    assert registry.get_model(v2).superseded_by == v1


def test_show_prints_one_state(registry: Registry, db_url: str) -> None:
    model = _register(registry)
    code, out, _ = invoke("show", model, "--db", db_url)
    assert code == 0
    assert "promotion_state" in out
    assert "lifecycle_state" not in out


def test_migration_0016_repairs_rows_written_before(registry: Registry, db_url: str) -> None:
    v1, v2 = _register(registry), _register(registry)
    rejected = _register(registry, line="other")
    registry.promote(v1, actor="me")
    registry.promote(v2, actor="me")
    registry.reject(rejected, actor="me", notes="worse")
    with registry.database.transaction(write=True) as conn:  # as the transitions once left them
        conn.execute(text("UPDATE artifacts SET lifecycle_state = 'active'"))
        conn.execute(text(f"UPDATE artifacts SET lifecycle_state = 'superseded' WHERE id = '{v2}'"))
    with SchemaAdmin.open(db_url) as admin:
        admin.downgrade(15, discard=["registry_events"])  # rebuilt, renumbered, by 0026
        admin.migrate()
    _agree(registry)
