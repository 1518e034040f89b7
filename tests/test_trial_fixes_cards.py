"""A card's model-index: one result per benchmark and data set, each metric once, shown safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from huggingface_hub import ModelCard

from atlas_registry import ModelRegistration, Registry
from tests.payloads import GOOD_BY_FAMILY

REVISION = "0123456789abcdef0123456789abcdef01234567"
HUB = "https://huggingface.co/example-lab/asr"
TITLE = "Libri other \u202ecod.exe"


def _model_with_reruns(
    registry: Registry, other_split: str = "test", benchmark: str | None = "sea-ad-celltype-v1"
) -> str:
    """A version evaluated on one data set by two benchmarks, each run more than once;
    the second benchmark on ``other_split``; ``benchmark``: the registration's."""
    payload = GOOD_BY_FAMILY["external_fine_tune"]()
    payload.pop("base_model_id")
    payload["training_data"] = [
        {"url": "https://huggingface.co/datasets/lab/cells", "description": "cells"}
    ]
    if benchmark:
        payload["benchmark_id"] = benchmark
    payload["evaluation_dataset"] = {
        "url": "https://huggingface.co/datasets/lab/cells",
        "description": "test",
    }
    model = registry.register_model(ModelRegistration(title="asr", metadata=payload)).id
    registry.register_dataset(
        {
            "title": TITLE,
            "uri": "s3://atlas/libri-other.parquet",
            "license": "CC-BY-4.0",
            "revision": "2024-05-01",
            "artifact_id": "dataset-libri-other",
        }
    )
    runs = [
        ("same-second-v1", 0.12),
        ("same-second-v1", 0.25),
        ("librispeech-other-v1", 0.31),
        ("same-second-v1", 0.14),
        ("librispeech-other-v1", 0.33),
    ]
    for benchmark, value in runs:
        registry.add_evaluation(
            model,
            by="eval",
            benchmark_id=benchmark,
            dataset_id="dataset-libri-other",
            split="test" if benchmark == "same-second-v1" else other_split,
            metrics={"accuracy": value},
        )
    return model


def _results(card: str) -> list[dict[str, Any]]:
    front = yaml.safe_load(card.split("---\n")[1])
    return list(front["model-index"][0]["results"])


def test_each_benchmark_on_one_data_set_is_its_own_result_with_its_newest_metrics(
    registry: Registry,
) -> None:
    model = _model_with_reruns(registry)
    card = registry.model_card(model)
    results = _results(card)
    assert [r["task"].get("name") for r in results] == [
        "sea-ad-celltype-v1",
        "same-second-v1",
        "librispeech-other-v1",
    ]
    for result in results:
        types = [m["type"] for m in result["metrics"]]
        assert len(types) == len(set(types)), result
    # The newest run of each benchmark, as the registry orders a version's evaluations.
    newest: dict[str, float] = {}
    for evaluation in registry.evaluations(model):  # newest first
        newest.setdefault(str(evaluation.benchmark_id), evaluation.metrics["accuracy"])
    assert [r["metrics"] for r in results[1:]] == [
        [{"type": "accuracy", "value": newest["same-second-v1"]}],
        [{"type": "accuracy", "value": newest["librispeech-other-v1"]}],
    ]
    assert {r["dataset"]["split"] for r in results[1:]} == {"test"}


def test_the_registry_imports_the_card_it_exported_with_every_result(
    registry: Registry, tmp_path: Path
) -> None:
    """Re-runs of a benchmark were one result with each metric repeated, which the import
    refused as a metric reported twice."""
    # A registration without a benchmark: `import card` files every result under the
    # registration's benchmark, and two results of one benchmark sharing a metric then
    # collide on the leaderboard (catalog/evaluations.py), whatever the card says.
    card = registry.model_card(_model_with_reruns(registry, "validation", benchmark=None))
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "README.md").write_text(card, "utf-8")
    imported = registry.import_card(str(folder), revision=REVISION, source_url=HUB, result=1)
    assert (imported.status, imported.results) == ("registered", 3)
    found = registry.evaluations(imported.model.id)
    assert sorted((e.split or "", e.metrics["accuracy"] > 0) for e in found) == [
        ("", True),
        ("test", True),
        ("validation", True),
    ]
    assert _results(registry.model_card(imported.model.id)) == _results(card)


def test_stored_text_in_the_front_matter_is_shown_as_its_escape(registry: Registry) -> None:
    model = _model_with_reruns(registry)
    registry.set_tags(model, {"team": "asr\u202e\u2066x\u200f"}, actor="a")
    card = registry.model_card(model)
    for character in ("\u202e", "\u2066", "\u200f"):
        assert character not in card
    names = {r["dataset"]["name"] for r in _results(card)}
    assert "Libri other \\u202ecod.exe" in names
    data: Any = ModelCard(card).data
    front = data.to_dict()
    assert front["atlas_registry"]["tags"] == {"team": "asr\\u202e\\u2066x\\u200f"}
    assert "team:asr\\u202e\\u2066x\\u200f" in front["tags"]
