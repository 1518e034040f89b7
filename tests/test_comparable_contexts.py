"""A metric value is compared only within its evaluation context: same benchmark, same data.

Seen: compare marked a diarisation model's mae as best over speech-recognition
models' mae, and a line's trend drew the same weights measured on two data sets
as an improvement. Every "best" and trend asks the library's one rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_registry import (
    ModelRegistration,
    Registry,
    best_in_context,
    evaluation_context,
    split_by_context,
)
from atlas_registry.api import create_app
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/speech", "code_commit_sha": "3f1c2a9"}
VOXPOPULI = {"url": "https://huggingface.co/datasets/facebook/voxpopuli", "description": "nl test"}
COMMON_VOICE = {
    "url": "https://huggingface.co/datasets/mozilla-foundation/common_voice_11_0",
    "description": "Common Voice 11 (config nl, split test)",
}


def _model(
    registry: Registry,
    metrics: dict[str, float],
    *,
    benchmark: str = "nl-asr-v1",
    dataset: dict[str, Any] | None = None,
    line: str | None = None,
) -> str:
    metadata = {
        **logistic_regression(),
        "benchmark_id": benchmark,
        "evaluation_dataset": dataset or COMMON_VOICE,
        "evaluation_metrics": metrics,
    }
    registration = ModelRegistration(title="speech", metadata=metadata, line=line, **PIN)
    return registry.register_model(registration).id


@pytest.fixture
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as served:
        yield served


def _best_cells(page: str, metric: str) -> list[str]:
    [row] = [
        r for r in re.findall(r'<tr class="metric">.*?</tr>', page, re.S) if f">{metric}<" in r
    ]
    return re.findall(r'class="best">([^<]+)<', row)


def test_compare_marks_the_best_only_among_models_of_one_context(
    registry: Registry, client: TestClient
) -> None:
    first = _model(registry, {"mae": 0.41, "wer": 12.0})
    second = _model(registry, {"mae": 0.52, "wer": 11.0})
    diarised = _model(registry, {"mae": 0.33}, benchmark="nl-diar-v1")
    page = client.get("/compare", params={"ids": f"{first},{second},{diarised}"}).text
    assert _best_cells(page, "mae") == ["0.41"]  # not the diarisation model's 0.33
    assert _best_cells(page, "wer") == ["11"]
    assert "evaluated in 2 different contexts" in page
    assert "A: nl-asr-v1 · Common Voice 11 (config nl, split test)" in page
    assert "B: nl-diar-v1 · Common Voice 11" in page
    # The same benchmark on other data is another context too; nothing is ranked across.
    other_data = _model(registry, {"mae": 0.2}, dataset=VOXPOPULI)
    page = client.get("/compare", params={"ids": f"{diarised},{other_data}"}).text
    assert _best_cells(page, "mae") == []
    same = client.get("/compare", params={"ids": f"{first},{second}"}).text
    assert "different contexts" not in same
    assert _best_cells(same, "mae") == ["0.41"]


def test_the_trend_draws_only_the_shown_versions_context_and_says_what_it_left_out(
    registry: Registry, client: TestClient
) -> None:
    """One card's results imported as versions: the same weights on two data sets."""
    _model(registry, {"wer": 14.7}, dataset=VOXPOPULI, line="w2v-nl")
    _model(registry, {"wer": 9.81}, line="w2v-nl")
    _model(registry, {"wer": 9.5}, line="w2v-nl")
    page = client.get("/models/w2v-nl@3").text
    chart = page[page.index('<svg class="trend"') :]
    chart = chart[: chart.index("</svg>")]
    assert re.findall(r">v(\d+)<", chart) == ["2", "3"]
    assert "14.7" not in chart
    assert "The trend leaves out 1 version (v1): measured on another benchmark" in page
    # Seen from v1, nothing else was measured on its data: no trend to draw, and it says why.
    alone = client.get("/models/w2v-nl@1").text
    assert '<svg class="trend"' not in alone
    assert "The trend leaves out 2 versions (v2, v3)" in alone


def test_a_dataset_is_named_by_its_artifact_or_its_url_with_its_description(
    registry: Registry,
) -> None:
    by_url = registry.get_model(_model(registry, {"mae": 0.1}))
    spaced = {**COMMON_VOICE, "description": "Common Voice 11  (config nl, split test) "}
    same = registry.get_model(_model(registry, {"mae": 0.2}, dataset=spaced))
    split = {**COMMON_VOICE, "description": "Common Voice 11 (config nl, split validation)"}
    other_split = registry.get_model(_model(registry, {"mae": 0.3}, dataset=split))
    revised = registry.get_model(_model(registry, {"mae": 0.4}, dataset={**spaced, "version": "b"}))
    assert evaluation_context(by_url) == evaluation_context(same)
    assert evaluation_context(by_url) != evaluation_context(other_split)
    assert evaluation_context(by_url) != evaluation_context(revised)
    kept, left = split_by_context(by_url, [by_url, same, other_split, revised])
    assert [m.id for m in kept] == [by_url.id, same.id]
    assert [m.id for m in left] == [other_split.id, revised.id]
    assert best_in_context([by_url, same, other_split], "mae", "lower") == {by_url.id}
    assert best_in_context([by_url, same], "mae", "unknown") == set()


def test_a_catalog_dataset_is_one_context_whatever_its_description(registry: Registry) -> None:
    model = registry.get_model(_model(registry, {"mae": 0.1}))

    def on(reference: dict[str, Any]) -> Any:
        return evaluation_context(
            replace(model, metadata={**model.metadata, "evaluation_dataset": reference})
        )

    donors = on({"artifact_id": "dataset-a", "description": "held-out donors"})
    assert donors == on({"artifact_id": "dataset-a", "description": "held out donors (20%)"})
    assert donors != on({"artifact_id": "dataset-b", "description": "held-out donors"})
    assert donors != on({"artifact_id": "dataset-a", "description": "x", "n_samples": 40})
    assert donors.label == "nl-asr-v1 · held-out donors"


def test_the_model_page_says_what_its_metrics_were_measured_on(
    registry: Registry, client: TestClient
) -> None:
    _model(registry, {"wer": 9.81}, line="w2v-nl")
    page = client.get("/models/w2v-nl@1").text
    assert (
        '<p class="context">Measured on Common Voice 11 (config nl, split test) for nl-asr-v1; '
        "compared only with values of the same benchmark and data.</p>"
    ) in page
