"""The model page lists a version's evaluations; the leaderboards page says who evaluated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_registry import ModelRegistration, Registry
from atlas_registry.api import create_app
from tests.catalog_helpers import add_artifact
from tests.payloads import logistic_regression

HOSTILE = "<img src=x onerror=alert(1)>"
HARNESS: dict[str, Any] = {
    "harness_repo_url": "https://github.com/example-lab/eval",
    "harness_commit_sha": "0123456789abcdef0123456789abcdef01234567",
}


@pytest.fixture
def site(migrated_url: str) -> Iterator[tuple[Registry, TestClient]]:
    registry = Registry.open(migrated_url)
    add_artifact(registry.database, "dataset-holdout", "dataset")
    client = TestClient(create_app(registry), base_url="http://127.0.0.1")
    yield registry, client
    client.close()
    registry.close()


def _evaluated(registry: Registry) -> str:
    registration = ModelRegistration(
        title="AD risk", line="web-evals", metadata=logistic_regression(), created_by="trainer"
    )
    model = registry.register_model(registration).id
    registry.add_evaluation(
        model,
        by=HOSTILE,
        benchmark_id="adni-external-v1",
        dataset_id="dataset-holdout",
        split="test",
        metrics={"auroc": 0.812},
        notes=HOSTILE,
        **HARNESS,
    )
    return model


def test_the_model_page_lists_every_evaluation_escaped(site: tuple[Registry, TestClient]) -> None:
    registry, client = site
    model = _evaluated(registry)
    html = client.get(f"/models/{model}").text
    section = html[html.index('id="evaluations"') :]
    section = section[: section.index("</section>")]
    assert section.count('<tr class="evaluation') == 2
    assert section.index("origin-evaluate") < section.index("origin-registration")  # newest first
    for shown in ("auroc 0.812", "dataset-holdout", "<td>test</td>", "trainer (at registration)"):
        assert shown in section
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in section
    assert "0123456789abcdef0123456789abcdef01234567" in section


def test_the_leaderboards_page_narrows_by_data_and_names_the_evaluator(
    site: tuple[Registry, TestClient],
) -> None:
    registry, client = site
    _evaluated(registry)
    html = client.get(
        "/leaderboards",
        params={"benchmark": "adni-external-v1", "metric": "auroc", "dataset": "dataset-holdout"},
    ).text
    assert '<tr class="entry">' in html
    assert "0.812" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert HOSTILE not in html
    assert "dataset=dataset-holdout" in html  # the JSON twin keeps the narrowing
