"""What "evaluated on it" counts, said as it is counted.

A version is evaluated on a dataset when its registration names the dataset
as its evaluation data, or when an evaluation is recorded on it later; the
dataset page counts and lists both, and says so, as `list --evaluated-on`
does.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from atlas_registry import DatasetRegistration, ModelRegistration, Registry
from atlas_registry.api import create_app
from tests.payloads import logistic_regression

DATASET = "dataset-adni-holdout"


def _model(registry: Registry, line: str, evaluated: str | None = None) -> str:
    metadata = logistic_regression()
    if evaluated:
        metadata["evaluation_dataset"] = {"artifact_id": evaluated, "description": "held out"}
    registration = ModelRegistration(title=line, metadata=metadata, line=line)
    return registry.register_model(registration).id


def test_evaluated_on_counts_the_registrations_data_and_every_evaluation_since(
    registry: Registry,
) -> None:
    registry.register_dataset(
        DatasetRegistration(
            title="ADNI hold-out", uri="s3://adni/holdout", license="ADNI DUA",
            revision="v1", artifact_id=DATASET,
        )
    )  # fmt: skip
    at_registration = _model(registry, "at-registration", evaluated=DATASET)
    later = _model(registry, "evaluated-later")  # its registration names a URL
    never = _model(registry, "never")
    registry.add_evaluation(
        later, by="eval-service", benchmark_id="adni-external-v1", dataset_id=DATASET,
        metrics={"auroc": 0.8},
    )  # fmt: skip
    for model in (at_registration, later, never):
        registry.promote(model, actor="release", override=True, notes="test")
    listed = registry.list_models(evaluated_on=DATASET)
    assert sorted(m.id for m in listed) == sorted([at_registration, later])
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        page = client.get(f"/datasets/{DATASET}").text
    affected = page.split('class="panel affected"')[1].split("</section>")[0]
    said = re.sub(r"<[^>]+>", "", affected)
    assert (
        "2 promoted models evaluated on it (its registration&#39;s evaluation data, or an "
        "evaluation recorded since)" in said
    )
    assert "0 promoted models trained on it (its training data names it)" in said
    evaluated = page.split('id="evaluated_on"')[1].split("</section>")[0]
    assert "and versions with an evaluation recorded on it since" in evaluated
    assert sorted(re.findall(r'<a href="/models/([^"]+)">', evaluated)) == sorted(
        [at_registration, later]
    )
