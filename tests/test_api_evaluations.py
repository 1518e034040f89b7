"""Evaluations over HTTP: the token's name is the evaluator; problems name the field."""

from __future__ import annotations

from typing import Any

from tests.catalog_helpers import add_artifact
from tests.test_api import Service, assert_problem, svc  # noqa: F401

GOOD = {
    "benchmark_id": "adni-external-v1",
    "dataset_id": "dataset-holdout",
    "split": "test",
    "metrics": {"auroc": 0.81, "brier": 0.17},
    "harness_repo_url": "https://github.com/example-lab/eval",
    "harness_commit_sha": "0123456789abcdef0123456789abcdef01234567",
}


def _evaluated(svc: Service, body: dict[str, Any], ref: str = "api-evals") -> Any:  # noqa: F811
    return svc.post(f"/api/v1/models/{ref}/evaluations", body, "register")


def test_an_evaluation_is_added_listed_and_ranked_with_its_evaluator(svc: Service) -> None:  # noqa: F811
    add_artifact(svc.registry.database, "dataset-holdout", "dataset")
    model = svc.register(line="api-evals")["id"]
    added = _evaluated(svc, GOOD)
    assert added.status_code == 201, added.text
    assert added.headers["location"] == f"/api/v1/models/{model}/evaluations"
    body = added.json()
    assert (body["evaluated_by"], body["model_id"], body["split"]) == (
        "agent-register",
        model,
        "test",
    )
    listed = svc.client.get("/api/v1/models/api-evals@1/evaluations").json()["items"]
    assert [e["origin"] for e in listed] == ["evaluate", "registration"]
    board = svc.client.get(
        "/api/v1/leaderboards/adni-external-v1",
        params={"metric": "auroc", "dataset": "dataset-holdout", "split": "test"},
    ).json()
    assert [(e["model"]["id"], e["evaluated_by"], e["value"]) for e in board["items"]] == [
        (model, "agent-register", 0.81)
    ]


def test_bad_evaluations_are_problems_naming_the_field(svc: Service) -> None:  # noqa: F811
    add_artifact(svc.registry.database, "dataset-holdout", "dataset")
    model = svc.register(line="api-evals")["id"]
    cases = [
        ({**GOOD, "metrics": {}}, "metrics"),
        ({**GOOD, "metrics": {"auroc": "0.9"}}, "metrics.auroc"),
        ({**GOOD, "dataset_id": "dataset-missing"}, "dataset_id"),
        ({**GOOD, "dataset_id": model}, "dataset_id"),
        ({**GOOD, "extra": "<script>"}, "extra"),
    ]
    for body, path in cases:
        refused = _evaluated(svc, body)
        assert refused.status_code in (400, 422), refused.text
        if path is not None:
            problem = assert_problem(refused, 422, "validation_error")
            assert path in [v["path"] for v in problem["violations"]], problem
    nan = svc.client.post(
        f"/api/v1/models/{model}/evaluations",
        content=b'{"benchmark_id": "b", "dataset_id": "dataset-holdout", '
        b'"metrics": {"auroc": NaN}}',
        headers={**svc.auth("register"), "Content-Type": "application/json"},
    )
    assert nan.status_code in (400, 422), nan.text
    assert_problem(_evaluated(svc, GOOD, ref="no-such-line"), 404, "not_found_error")
    anonymous = svc.client.post(f"/api/v1/models/{model}/evaluations", json=GOOD)
    assert_problem(anonymous, 401, "authentication_error")
    wrong_scope = svc.post(f"/api/v1/models/{model}/evaluations", GOOD, "review")
    assert_problem(wrong_scope, 403, "permission_denied_error")
    listed = svc.client.get(f"/api/v1/models/{model}/evaluations").json()["items"]
    assert len(listed) == 1  # the registration's; nothing refused was written
