"""An evaluation without metrics is refused with one message, whichever surface it came by.

A person who forgets ``--metric`` and a program that posts ``{}`` as its
metrics made the same mistake; they are told the same thing, at the same
field, with nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from atlas_registry import Registry, ValidationError
from atlas_registry.api.app import create_app
from tests.catalog_helpers import add_artifact
from tests.cli_helpers import invoke
from tests.test_evaluations import _version

SAID = "metrics: is empty: an evaluation reports at least one metric (name -> number)"
FIELDS = {"benchmark_id": "adni-external-v1", "dataset_id": "dataset-holdout"}


def test_no_metrics_reads_the_same_on_every_surface(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    add_artifact(registry.database, "dataset-holdout", "dataset")
    model = _version(registry)
    said = []
    nothing: tuple[dict[str, float] | None, ...] = (None, {})
    for metrics in nothing:
        try:
            registry.add_evaluation(
                model,
                by="eval-service",
                benchmark_id=FIELDS["benchmark_id"],
                dataset_id=FIELDS["dataset_id"],
                metrics=metrics,
            )
        except ValidationError as refused:
            said += [f"{v.path}: {v.message}" for v in refused.violations]
    options = ["--benchmark", FIELDS["benchmark_id"], "--dataset", FIELDS["dataset_id"]]
    code, _, err = invoke("evaluate", model, *options, "--by", "eval-service", "--db", db_url)
    assert code == 1
    said += [line.strip().removeprefix("- ") for line in err.splitlines() if "metrics" in line]
    empty = tmp_path / "evaluation.json"
    empty.write_text(json.dumps({**FIELDS, "metrics": {}}), "utf-8")
    code, _, err = invoke("evaluate", model, "--from", str(empty), "--db", db_url)
    assert code == 1
    said += [line.strip().removeprefix("- ") for line in err.splitlines() if "metrics" in line]
    token = registry.create_token("eval-service", ["register"]).token
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        for body in (FIELDS, {**FIELDS, "metrics": {}}):
            answer = client.post(
                f"/api/v1/models/{model}/evaluations",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 422, answer.text
            said += [f"{v['path']}: {v['message']}" for v in answer.json()["violations"]]
    assert said == [SAID] * 6
    assert [e.origin for e in registry.evaluations(model)] == ["registration"]
