"""What a refused transition says is true of the state the version is in."""

from __future__ import annotations

import pytest

from atlas_registry import IllegalTransitionError, ModelRegistration, Registry
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _version(registry: Registry) -> str:
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), line="ad-risk", **PIN
    )
    return registry.register_model(registration).id


def test_rejecting_a_superseded_version_does_not_call_superseded_final(
    registry: Registry, db_url: str
) -> None:
    v1, v2 = _version(registry), _version(registry)
    registry.promote(v1, actor="eval")
    registry.promote(v2, actor="eval")
    with pytest.raises(IllegalTransitionError) as refused:
        registry.reject(v1, actor="eval", notes="bad")
    message = str(refused.value)
    assert "final" not in message
    assert "only a candidate can be rejected" in message
    assert "only a rollback of its line to version 1 promotes it again" in message
    code, _, err = invoke("reject", "ad-risk@1", "--notes", "bad", "--db", db_url)
    assert code == IllegalTransitionError.exit_code
    assert "only a candidate can be rejected" in err
    assert "final" not in err


def test_a_rejected_version_is_still_final(registry: Registry) -> None:
    v1 = _version(registry)
    registry.reject(v1, actor="eval", notes="bad")
    with pytest.raises(IllegalTransitionError, match="that state is final"):
        registry.promote(v1, actor="eval")
