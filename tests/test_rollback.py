"""Rollback: an earlier version of a line is promoted again, through the gate, in one move."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import (
    IllegalTransitionError,
    ModelRegistration,
    NotFoundError,
    PromotionGateError,
    Registry,
    ValidationError,
)
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _version(registry: Registry, auroc: float = 0.83, **fields: Any) -> str:
    metadata = logistic_regression()
    metadata["evaluation_metrics"]["auroc"] = auroc
    registration = ModelRegistration(
        title="AD risk", metadata=metadata, line="ad-risk", **{**PIN, **fields}
    )
    return registry.register_model(registration).id


def _states(registry: Registry) -> list[str]:
    return [
        m.promotion_state
        for m in sorted(registry.list_models(line="ad-risk"), key=lambda m: m.version_number)
    ]


def test_rollback_re_promotes_the_previous_version_and_records_both_moves(
    registry: Registry,
) -> None:
    v1, v2 = _version(registry), _version(registry)
    registry.promote(v1, actor="eval")
    registry.promote(v2, actor="eval")
    assert _states(registry) == ["superseded", "promoted"]
    result = registry.rollback("ad-risk", actor="oncall", notes="v2 miscalibrated")
    assert result.model.id == v1
    assert _states(registry) == ["promoted", "superseded"]
    assert [(e.artifact_id, e.from_state, e.to_state) for e in result.events] == [
        (v2, "promoted", "superseded"),
        (v1, "superseded", "promoted"),
    ]
    assert registry.get_model(v1).superseded_by is None
    assert registry.get_model(v1).lifecycle_state == "active"
    assert registry.get_model(v2).superseded_by == v1
    assert [e.to_state for e in registry.history(v1)] == ["promoted", "superseded", "promoted"]
    assert registry.history(v1)[-1].notes == "v2 miscalibrated"
    assert registry.promoted_version("ad-risk") == registry.get_model(v1)


def test_rollback_to_a_named_version(registry: Registry) -> None:
    ids = [_version(registry) for _ in range(3)]
    for model_id in ids:
        registry.promote(model_id, actor="eval")
    registry.rollback("ad-risk@3", to_version=1, actor="oncall", notes="back to the first")
    assert _states(registry) == ["promoted", "superseded", "superseded"]


def test_rollback_goes_through_the_gate_or_an_override(registry: Registry) -> None:
    v1 = _version(registry, auroc=0.6)  # below the benchmark's minimum of 0.75
    registry.promote(v1, actor="eval", override=True, notes="pilot")
    registry.promote(_version(registry), actor="eval")
    with pytest.raises(PromotionGateError, match="below the minimum"):
        registry.rollback("ad-risk", actor="oncall", notes="why")
    assert _states(registry) == ["superseded", "promoted"]
    result = registry.rollback("ad-risk", actor="oncall", notes="known risk", override=True)
    assert result.events[-1].override
    assert _states(registry) == ["promoted", "superseded"]


def test_what_a_rollback_cannot_do(registry: Registry) -> None:
    v1 = _version(registry)
    with pytest.raises(IllegalTransitionError, match="no earlier superseded version"):
        registry.rollback("ad-risk", actor="a", notes="n")
    registry.reject(v1, actor="a", notes="bad")
    with pytest.raises(IllegalTransitionError, match="is rejected"):
        registry.rollback("ad-risk", to_version=1, actor="a", notes="n")
    with pytest.raises(NotFoundError, match="no version 7"):
        registry.rollback("ad-risk", to_version=7, actor="a", notes="n")
    with pytest.raises(ValidationError, match="notes"):
        registry.rollback("ad-risk", actor="a", notes=" ")


def test_after_a_withdrawal_a_rollback_must_name_its_version(registry: Registry) -> None:
    """With v2 withdrawn, "back" is v2 or v1: the rollback does not guess which to promote."""
    v1, v2 = _version(registry), _version(registry)
    registry.promote(v1, actor="eval")
    registry.promote(v2, actor="eval")
    registry.supersede(v2, actor="ops", notes="withdrawn: leaks labels")
    with pytest.raises(
        IllegalTransitionError,
        match=r"say which version to promote again \(superseded: 1, 2\)",
    ):
        registry.rollback("ad-risk", actor="ops", notes="back")
    assert _states(registry) == ["superseded", "superseded"]
    assert registry.rollback("ad-risk", to_version=1, actor="ops", notes="back").model.id == v1


def test_rollback_from_the_cli(registry: Registry, db_url: str, tmp_path: Path) -> None:
    v1, v2 = _version(registry), _version(registry)
    registry.promote(v1, actor="eval")
    registry.promote(v2, actor="eval")
    code, _, err = invoke("rollback", "ad-risk", "--db", db_url)
    assert code == ValidationError.exit_code
    assert "notes" in err
    code, out, _ = invoke(
        "rollback", "ad-risk", "--to", "1", "--notes", "oops", "--db", db_url, "--json"
    )
    assert code == 0
    assert json.loads(out)["model"]["id"] == v1
    code, out, _ = invoke("promoted", "ad-risk", "--db", db_url, "--json")
    assert json.loads(out)["version_number"] == 1


def test_a_rollback_past_a_never_promoted_version_says_how_to_promote_it(
    registry: Registry,
) -> None:
    _version(registry)  # v1: registered, never promoted
    registry.promote(_version(registry), actor="eval")  # v2 straight to production
    with pytest.raises(IllegalTransitionError) as refused:
        registry.rollback("ad-risk", actor="oncall", notes="v2 regressed")
    assert "version 1 is a candidate, never promoted" in str(refused.value)
    assert "promote ad-risk@1 instead" in str(refused.value)


def test_rollback_puts_back_the_version_promoted_just_before_not_the_highest_below(
    registry: Registry,
) -> None:
    """@1, then @3, then @2 promoted: v3 was in production just before v2, so it goes back."""
    v1, _v2, v3 = (_version(registry) for _ in range(3))
    for number in (1, 3, 2):
        registry.promote(f"ad-risk@{number}", actor="eval")
    assert registry.rollback("ad-risk", actor="oncall", notes="v2 regressed").model.id == v3
    assert _states(registry) == ["superseded", "superseded", "promoted"]
    assert registry.get_model(v1).promotion_state == "superseded"


def test_rollback_to_a_higher_version_promoted_before_an_override(registry: Registry) -> None:
    """v3 promoted, then v2 over it with an override; v1 never was: back is v3."""
    _version(registry)
    _v2, v3 = _version(registry, auroc=0.6), _version(registry)
    registry.promote(v3, actor="eval")
    registry.promote("ad-risk@2", actor="eval", override=True, notes="pilot")
    assert registry.rollback("ad-risk", actor="oncall", notes="pilot over").model.id == v3
    assert _states(registry) == ["candidate", "superseded", "promoted"]


def test_a_second_rollback_goes_further_back_never_to_the_version_rolled_back_from(
    registry: Registry,
) -> None:
    v1, v2, _v3 = (_version(registry) for _ in range(3))
    for number in (1, 2, 3):
        registry.promote(f"ad-risk@{number}", actor="eval")
    assert registry.rollback("ad-risk", actor="oncall", notes="v3 bad").model.id == v2
    assert registry.rollback("ad-risk", actor="oncall", notes="v2 bad too").model.id == v1
    assert _states(registry) == ["promoted", "superseded", "superseded"]
    # Nothing was in production before v1: a third rollback names no version to go forward to.
    with pytest.raises(IllegalTransitionError) as refused:
        registry.rollback("ad-risk", actor="oncall", notes="again")
    assert "nothing was in production before version 1" in str(refused.value)
    assert "name the version to roll back to (superseded: 2, 3)" in str(refused.value)
    assert _states(registry) == ["promoted", "superseded", "superseded"]


def test_after_a_rollback_a_new_promotion_rolls_back_to_the_restored_version(
    registry: Registry,
) -> None:
    v1, _v2, _v3 = (_version(registry) for _ in range(3))
    registry.promote("ad-risk@1", actor="eval")
    registry.promote("ad-risk@2", actor="eval")
    registry.rollback("ad-risk", actor="oncall", notes="v2 bad")
    registry.promote("ad-risk@3", actor="eval")
    assert registry.rollback("ad-risk", actor="oncall", notes="v3 bad").model.id == v1


def test_a_withdrawn_version_promoted_before_is_named_not_put_back(registry: Registry) -> None:
    v1, v2, _v3 = (_version(registry) for _ in range(3))
    registry.promote(v1, actor="eval")
    registry.promote(v2, actor="eval")
    registry.supersede(v2, actor="ops", notes="leaks labels")
    registry.promote("ad-risk@3", actor="eval")
    with pytest.raises(IllegalTransitionError) as refused:
        registry.rollback("ad-risk", actor="oncall", notes="v3 bad")
    message = str(refused.value)
    assert "version 2 of ad-risk, promoted before the current one, was withdrawn" in message
    assert "name the version to roll back to (2 or another)" in message
    assert _states(registry) == ["superseded", "superseded", "promoted"]
    assert registry.rollback("ad-risk", to_version=1, actor="o", notes="v1").model.id == v1


def test_rollback_default_from_the_cli_follows_the_promotion_order(
    registry: Registry, db_url: str
) -> None:
    for _ in range(3):
        _version(registry)
    for number in ("1", "3", "2"):
        assert invoke("promote", f"ad-risk@{number}", "--db", db_url)[0] == 0
    code, out, _ = invoke("rollback", "ad-risk", "--notes", "x", "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out)["model"]["version_number"] == 3
