"""A model card of several results is one version: one result its own, the others evaluations.

The weights a card describes at one revision are one model, however many
benchmarks, data sets and splits its ``model-index`` reports. The import
registers one version with one result as its own metrics and every other as
an evaluation of that version (origin ``card``), each on its own data; a card
this registry wrote comes back into another database with the same
evaluations.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import ModelRegistration, PromotionGateError, Registry
from atlas_registry.catalog import registrar
from atlas_registry.interop import card_import
from atlas_registry.interop.card_in import read_card_text, source_identity
from atlas_registry.lifecycle.policy import parse_policy
from tests.catalog_helpers import add_artifact
from tests.conftest import migrated_copy
from tests.payloads import logistic_regression
from tests.test_evaluations import PIN
from tests.test_model_cards import HUB, LEADERBOARD, REVISION, SETS, SPLITS, _card


def _said(registry: Registry, model_id: str) -> list[tuple[Any, ...]]:
    """Each evaluation as what it says: benchmark, data (as a card names it), split,
    revision and metrics; who recorded it and when are the importing registry's."""
    found = []
    for e in registry.evaluations(model_id):
        data = e.dataset or {}
        named = e.dataset_id or str(data.get("url", "")).removeprefix(
            "https://huggingface.co/datasets/"
        )
        found.append((e.benchmark_id, named, e.split, e.dataset_revision, e.metrics))
    return sorted(found, key=repr)


def test_a_cards_results_on_one_benchmark_are_one_version_on_its_leaderboard(
    registry: Registry, tmp_path: Path
) -> None:
    # Two results of one benchmark (the test and validation splits of one data set).
    sets = [*SETS, "benchmark_id=cv11-nl"]
    imported = registry.import_card(
        _card(tmp_path, SPLITS), revision=REVISION, source_url=HUB, assignments=sets
    )
    assert (imported.status, imported.result, imported.evaluations) == ("registered", 1, 1)
    newest, registered = registry.evaluations(imported.model.id)
    assert (newest.origin, newest.split, newest.metrics) == ("card", "validation", {"wer": 9.8})
    assert (registered.origin, registered.metrics) == ("registration", {"wer": 12.6})
    assert newest.benchmark_id == registered.benchmark_id == "cv11-nl"
    [entry] = registry.leaderboard("cv11-nl", "wer")
    assert (entry.model.id, entry.evaluation_id) == (imported.model.id, newest.id)
    assert len(registry.list_models()) == 1


def test_a_card_written_out_comes_back_into_another_database_with_the_same_evaluations(
    backend: str, migrated_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with Registry.open(migrated_url) as origin:
        add_artifact(origin.database, "dataset-adni-holdout", "dataset")
        add_artifact(origin.database, "dataset-adni-sites", "dataset")
        metadata = {
            **logistic_regression(),
            "evaluation_dataset": {
                "url": "https://huggingface.co/datasets/example-lab/adni-20",
                "description": "held-out 20%",
            },
        }
        model = origin.register_model(
            ModelRegistration(title="AD risk", line="ad-risk", metadata=metadata, **PIN)
        ).id
        origin.add_evaluation(
            model, by="eval-service", benchmark_id="adni-external-v1",
            dataset_id="dataset-adni-holdout", split="test", dataset_revision="v3",
            metrics={"auroc": 0.81, "brier": 0.17},
        )  # fmt: skip
        origin.add_evaluation(
            model, by="eval-service", benchmark_id="adni-sites-v1",
            dataset_id="dataset-adni-sites", split="validation", metrics={"auroc": 0.77},
        )  # fmt: skip
        before = _said(origin, model)
        card = origin.model_card(model)
    assert len(before) == 3
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "README.md").write_text(card, "utf-8")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with Registry.open(migrated_copy(backend, fresh, request)) as other:
        assert other.list_models() == []
        imported = other.import_card(str(folder), revision=REVISION, source_url=HUB)
        assert imported.evaluations == 2
        assert _said(other, imported.model.id) == before
        [registered] = [
            e for e in other.evaluations(imported.model.id) if e.origin == "registration"
        ]
        assert registered.benchmark_id == "adni-conversion-v1"
        # The registration's leaderboard, and each evaluation's, hold the version.
        for benchmark in ("adni-conversion-v1", "adni-external-v1", "adni-sites-v1"):
            board = other.leaderboard(benchmark, "auroc")
            assert [e.model.id for e in board] == [imported.model.id], benchmark


def test_a_cards_results_are_not_results_added_after_registration(
    migrated_url: str, tmp_path: Path
) -> None:
    policy = parse_policy('[evaluations."cv11-nl"]\nmetric = "wer"\nmaximum = 20.0\n', "after.toml")
    with Registry.open(migrated_url, policy=policy) as registry:
        imported = registry.import_card(
            _card(tmp_path, SPLITS), revision=REVISION, source_url=HUB,
            assignments=[*SETS, "benchmark_id=cv11-nl"],
        )  # fmt: skip
        model = imported.model.id
        with pytest.raises(PromotionGateError, match="added after registration"):
            registry.promote(model, actor="release", override=False)
        add_artifact(registry.database, "dataset-cv-nl", "dataset")
        registry.add_evaluation(
            model, by="eval-service", benchmark_id="cv11-nl", dataset_id="dataset-cv-nl",
            metrics={"wer": 11.0},
        )  # fmt: skip
        assert registry.promote(model, actor="release").model.promotion_state == "promoted"


def test_a_version_an_earlier_release_made_of_result_n_is_found_again(
    registry: Registry, tmp_path: Path
) -> None:
    """Before, ``--result 2`` made a version of its own, with an id of its own."""
    path = _card(tmp_path, LEADERBOARD)
    content, source = read_card_text(path)
    request = card_import.CardRequest(REVISION, HUB, SETS, None, 2)
    reading = card_import._reading(registry.database, content, source, request, registry.validator)
    legacy = card_import._card_id(content, REVISION, source_identity(HUB), 2)
    registration = dataclasses.replace(reading.registration, artifact_id=legacy)
    registrar.register_model(registry.database, registration, validator=registry.validator)
    again = registry.import_card(
        path, revision=REVISION, source_url=HUB, assignments=SETS, result=2
    )
    assert (again.status, again.model.id, again.differs) == ("already_imported", legacy, [])
    assert len(registry.list_models()) == 1
