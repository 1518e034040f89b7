"""The gate can ask for an evaluation from a token scope, judged by the scopes held then.

A rule ``scopes = ["review"]`` counts only evaluations recorded over HTTP by
a token that held the ``review`` scope (or ``admin``) when it recorded them:
the scopes are kept with the evaluation, so a name alone, or a token made
later under that name, never stands in for them.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from atlas_registry import ConfigurationError, PromotionGateError, Registry
from atlas_registry.api.app import create_app
from atlas_registry.lifecycle.policy import parse_policy
from tests.catalog_helpers import add_artifact
from tests.test_evaluations import _evaluate, _version

SCOPED = """
[gate]
require_reproducibility_pin = true

[evaluations."adni-external-v1"]
metric = "auroc"
minimum = 0.75
scopes = ["review"]
"""
BODY = {
    "benchmark_id": "adni-external-v1",
    "dataset_id": "dataset-holdout",
    "metrics": {"auroc": 0.9},
}


def test_only_an_evaluation_by_a_token_holding_the_scope_then_counts(migrated_url: str) -> None:
    policy = parse_policy(SCOPED, "scoped.toml")
    with Registry.open(migrated_url, policy=policy) as registry:
        add_artifact(registry.database, "dataset-holdout", "dataset")
        model = _version(registry, benchmark_id="adni-external-v1")
        # The library and the command line record no token: no scope rule counts them.
        plain = _evaluate(registry, model, metrics={"auroc": 0.99})
        assert plain.evaluator_scopes is None
        with pytest.raises(PromotionGateError, match="by a token with the review scope"):
            registry.promote(model, actor="release")
        register = registry.create_token("eval-service", ["register"]).token
        review = registry.create_token("eval-reviewer", ["register", "review"]).token
        with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
            # Named in no rule, a token's name is not enough: its scopes are what count.
            by_register = client.post(
                f"/api/v1/models/{model}/evaluations",
                json=BODY,
                headers={"Authorization": f"Bearer {register}"},
            )
            assert by_register.status_code == 201, by_register.text
            assert by_register.json()["evaluator_scopes"] == ["register"]
            with pytest.raises(PromotionGateError, match="review scope"):
                registry.promote(model, actor="release")
            by_review = client.post(
                f"/api/v1/models/{model}/evaluations",
                json={**BODY, "metrics": {"auroc": 0.7}},
                headers={"Authorization": f"Bearer {review}"},
            )
            assert by_review.json()["evaluator_scopes"] == ["register", "review"]
            listed = client.get(f"/api/v1/models/{model}/evaluations").json()["items"]
            assert listed[0]["evaluator_scopes"] == ["register", "review"]
        # The reviewer's result counts, and it is below the minimum.
        with pytest.raises(PromotionGateError, match=r"0\.7 is below the minimum 0\.75"):
            registry.promote(model, actor="release")
        # Revoking the token later does not take back what it held when it evaluated.
        registry.revoke_token("eval-reviewer")
        _evaluate(registry, model, by="eval-reviewer", scopes=["review"], metrics={"auroc": 0.8})
        assert registry.promote(model, actor="release").model.promotion_state == "promoted"


def test_an_admin_token_holds_every_scope(migrated_url: str) -> None:
    policy = parse_policy(SCOPED, "scoped.toml")
    with Registry.open(migrated_url, policy=policy) as registry:
        add_artifact(registry.database, "dataset-holdout", "dataset")
        model = _version(registry, benchmark_id="adni-external-v1")
        _evaluate(registry, model, by="ops", scopes=["admin"], metrics={"auroc": 0.8})
        assert registry.promote(model, actor="release").model.promotion_state == "promoted"


@pytest.mark.parametrize(
    ("scopes", "said"),
    [
        ('["evaluate"]', "a token scope is one of register, promote"),
        ("[]", "scopes must be a list of token scopes"),
        ('"review"', "scopes must be a list of token scopes"),
    ],
)
def test_a_scope_rule_names_real_token_scopes(scopes: str, said: str) -> None:
    rule = f'[evaluations.b]\nmetric = "auroc"\nminimum = 0.1\nscopes = {scopes}\n'
    with pytest.raises(ConfigurationError, match=said):
        parse_policy(rule, "p.toml")
