"""The mapping rules and their helpers, without a database."""

from __future__ import annotations

import json
from typing import Any

import pytest

from atlas_registry.backfill.extract import commit_refs, number, source_pin, urls
from atlas_registry.backfill.rules import map_legacy
from tests.payloads import logistic_regression


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.81", 0.81),
        ("1,712", 1712),
        ("86M", 86_000_000),
        ("1.5k", 1500),
        (3, 3),
        ("high", None),
        ("NaN", None),
        (True, None),
        (float("inf"), None),
        ("1.2345678M", None),
    ],
)
def test_number(raw: Any, expected: Any) -> None:
    assert number(raw) == expected


def test_urls_and_commit_refs() -> None:
    text = "see https://github.com/a/b/commit/ABCDEF1234 (x) and https://github.com/a/c@1234567."
    assert urls(text) == [
        "https://github.com/a/b/commit/ABCDEF1234",
        "https://github.com/a/c@1234567",
    ]
    assert [(r.repo_url, r.sha) for r in commit_refs(text)] == [
        ("https://github.com/a/b", "abcdef1234"),
        ("https://github.com/a/c", "1234567"),
    ]


@pytest.mark.parametrize(
    ("url", "base", "revision"),
    [
        ("https://huggingface.co/org/m/tree/abc1234", "https://huggingface.co/org/m", "abc1234"),
        ("https://huggingface.co/org/m?revision=v1.0", "https://huggingface.co/org/m", "v1.0"),
        ("https://github.com/org/m@v2.1.0", "https://github.com/org/m", "v2.1.0"),
        ("https://huggingface.co/org/m", "https://huggingface.co/org/m", None),
        ("https://huggingface.co/gpt2/tree/607a30d", "https://huggingface.co/gpt2", "607a30d"),
        (
            "https://huggingface.co/bert-base-uncased",
            "https://huggingface.co/bert-base-uncased",
            None,
        ),
    ],
)
def test_source_pin(url: str, base: str, revision: str | None) -> None:
    pin = source_pin(url)
    assert pin is not None
    assert (pin.url, pin.revision) == (base, revision)


@pytest.mark.parametrize(
    "url",
    [
        "https://huggingface.co/datasets/org/d",
        "https://github.com/org",
        "https://zenodo.org/record/1",
    ],
)
def test_what_is_not_a_model_source(url: str) -> None:
    assert source_pin(url) is None


def _map(legacy: dict[str, Any]) -> Any:
    return map_legacy(json.dumps(legacy))


BASE = {
    "model_type": "logistic regression",
    "library": "sklearn",
    "n_parameters": "5",
    "training_data": "ADNI (https://adni.loni.usc.edu)",
    "test_set": {"name": "held-out", "url": "https://adni.loni.usc.edu"},
    "metrics": [{"name": "AUROC", "value": "0.8"}],
    "hyperparameters": {"C": 1},
}


def test_a_clean_legacy_blob_maps_without_holds() -> None:
    mapping = _map(BASE)
    assert mapping.held == []
    assert mapping.metadata["framework"] == "scikit-learn"
    assert mapping.metadata["parameter_count"] == 5
    assert mapping.metadata["evaluation_metrics"] == {"auroc": 0.8}
    assert {a.rule for a in mapping.applied} >= {
        "framework.alias_lowercase",
        "parameter_count.numeric_text",
    }


@pytest.mark.parametrize(
    ("change", "field", "blocking"),
    [
        ({"framework": "pytorch"}, "framework", True),
        ({"coefficients": {"a": 1, "b": 2}}, "parameter_count", True),
        ({"training_data": "ADNI, no link"}, "training_data", True),
        ({"training_data": "https://a.org/x and https://b.org/y"}, "training_data", True),
        ({"metrics": {"auroc": "high"}}, "evaluation_metrics", True),
        ({"metrics": {"auroc": 0.8, "note": "good"}}, "evaluation_metrics", False),
        ({"metrics": {"auroc": 0.8}, "scores": {"AUROC": 0.7}}, "evaluation_metrics", True),
        ({"commit": "zzz", "repo": "https://github.com/a/b"}, "code_commit_sha", False),
        ({"commit": "abcdef1"}, "code_repo_url", False),
        ({"hyperparameters": None}, "training_config", True),
        ({"status": "mothballed"}, "promotion_state", False),
        ({"source": "https://huggingface.co/a/b/tree/main"}, "external_source_version", True),
        ({"source": "https://zenodo.org/record/7"}, "external_source_url", True),
    ],
)
def test_what_the_rules_will_not_guess(change: dict[str, Any], field: str, blocking: bool) -> None:
    mapping = _map({**BASE, **change})
    held = {h.field: h.blocking for h in mapping.held}
    assert held.get(field) is blocking, mapping.held


def test_keys_written_by_hand_are_read_whatever_their_case_or_separators() -> None:
    respelt = {
        "Model Type": "logistic regression",
        "Library": "sklearn",
        "nParameters": "5",
        "Training-Data": "ADNI (https://adni.loni.usc.edu)",
        "Test Set": {"Name": "held-out", "URL": "https://adni.loni.usc.edu"},
        "METRICS": [{"name": "AUROC", "value": "0.8"}],
        "Hyperparameters": {"C": 1},
    }
    mapping = _map(respelt)
    assert mapping.held == []
    assert mapping.metadata == _map(BASE).metadata  # hyperparameter names keep their case
    assert mapping.unmapped_keys == []


def test_two_keys_spelt_alike_are_both_evidence() -> None:
    agreeing = _map({**BASE, "Library": "scikit-learn"})
    assert agreeing.metadata["framework"] == "scikit-learn"
    clashing = _map({**BASE, "LIBRARY": "pytorch"})
    [held] = [h for h in clashing.held if h.field == "framework"]
    assert "library='sklearn', LIBRARY='pytorch'" in held.reason


@pytest.mark.parametrize(
    ("framework", "name", "version"),
    [
        ("scikit-learn==1.3.2", "scikit-learn", "1.3.2"),  # a pip pin
        ("xgboost@1.7.6", "xgboost", "1.7.6"),
        ("PyTorch 2.1", "pytorch", "2.1"),
        ("torch v2.1", "pytorch", "2.1"),
    ],
)
def test_a_framework_is_read_with_its_version_however_pinned(
    framework: str, name: str, version: str
) -> None:
    mapping = _map({**BASE, "library": framework})
    assert mapping.metadata["framework"] == name
    assert mapping.metadata["extensions"]["framework_version"] == version


@pytest.mark.parametrize("status", ["deprecated", "Archived", "retired"])
def test_a_retired_status_is_not_in_use_and_not_held(status: str) -> None:
    mapping = _map({**BASE, "status": status})
    assert mapping.in_use is False
    assert mapping.held == []


def test_an_ssh_remote_is_stored_as_its_https_url_and_a_path_holds_only_the_pin() -> None:
    ssh = _map({**BASE, "repo": "git@github.com:lab/ad-risk.git", "commit": "abc1234def"})
    assert ssh.facts["code_repo_url"] == "https://github.com/lab/ad-risk"
    local = _map({**BASE, "repo": "/home/ada/ad-risk", "commit": "abc1234def"})
    assert "code_repo_url" not in local.facts
    assert [(h.field, h.blocking) for h in local.held] == [("code_repo_url", False)]


def test_metadata_encoded_twice_is_read_once_more() -> None:
    """A platform that stored its JSON as a JSON string loses no fact, and no model is held."""
    valid = logistic_regression()
    once, twice = map_legacy(json.dumps(valid)), map_legacy(json.dumps(json.dumps(valid)))
    assert twice.metadata == once.metadata == valid
    assert twice.held == once.held == []
    assert [a.rule for a in twice.applied] == ["metadata.encoded_twice", "metadata.already_valid"]
    messy = {"Framework": "sklearn", "nParameters": "1.2M", "status": "production"}
    once, twice = map_legacy(json.dumps(messy)), map_legacy(json.dumps(json.dumps(messy)))
    assert twice.metadata == once.metadata
    assert twice.held == once.held
    assert twice.in_use
    assert once.in_use
    assert twice.applied[1:] == once.applied
    assert twice.applied[0].rule == "metadata.encoded_twice"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (json.dumps("a note, not metadata"), "a JSON string"),
        (json.dumps(json.dumps(json.dumps({"framework": "pytorch"}))), "a JSON string"),
        (json.dumps(json.dumps([1, 2])), "a JSON string"),
        ("[1, 2]", "a JSON list"),
        ("null", "JSON null"),
        ("true", "JSON true"),
        ("12", "a number"),
    ],
)
def test_metadata_that_holds_no_object_is_held_naming_what_it_is(text: str, kind: str) -> None:
    held = map_legacy(text).held
    assert [(h.field, h.reason, h.blocking) for h in held] == [
        ("metadata", f"legacy metadata is {kind}, not a JSON object", True)
    ]


def test_the_training_run_is_read_only_where_it_is_stated_plainly() -> None:
    stated = {
        "Trained By": "agent-7",
        "train_start": "2026-03-01T10:00:00Z",
        "trained_at": "2026-03-01",
    }
    mapped = map_legacy(json.dumps(stated))
    assert {k: v for k, v in mapped.facts.items() if k.startswith("train")} == {
        "trained_by": "agent-7",
        "training_started_at": "2026-03-01T10:00:00Z",
        "training_completed_at": "2026-03-01",
    }
    run = {"trained_by", "training_started_at", "training_completed_at"}
    assert [h for h in mapped.held if h.field in run] == []


@pytest.mark.parametrize(
    ("stated", "field"),
    [
        ({"trained_at": "03/01/2026"}, "training_completed_at"),  # March or January
        ({"trained_at": 1700000000}, "training_completed_at"),  # seconds or milliseconds
        ({"author": ["agent-1", "agent-2"]}, "trained_by"),  # no one trainer
        ({"author": "agent-1", "trainer": "agent-2"}, "trained_by"),  # contradiction
    ],
)
def test_a_training_run_it_could_only_read_by_choosing_is_held_not_blocking(
    stated: dict[str, Any], field: str
) -> None:
    mapped = map_legacy(json.dumps(stated))
    assert field not in mapped.facts
    assert [(h.field, h.blocking) for h in mapped.held if h.field == field] == [(field, False)]


def test_a_code_pin_in_a_block_of_its_own_is_read() -> None:
    """``{"code": {"repo": ..., "commit": ...}}`` was reported as no pin at all."""
    blob = {
        "code": {"repo": "git@github.com:lab/x.git", "commit": "ABCDEF1", "entrypoint": "fit.py"}
    }
    mapped = map_legacy(json.dumps(blob))
    assert {k: v for k, v in mapped.facts.items() if k.startswith("code_")} == {
        "code_repo_url": "https://github.com/lab/x",
        "code_commit_sha": "abcdef1",
        "code_entrypoint": "fit.py",
    }
    assert "code" not in mapped.unmapped_keys
    # The same pin written twice, in two spellings, is one pin.
    twice = {**blob, "repository": "https://github.com/lab/x/", "sha": "abcdef1"}
    assert map_legacy(json.dumps(twice)).facts["code_commit_sha"] == "abcdef1"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"commit": "1234567"}, "code_commit_sha"),
        ({"repository": "https://github.com/lab/other"}, "code_repo_url"),
    ],
)
def test_two_keys_naming_different_pins_hold_the_pin(extra: dict[str, str], field: str) -> None:
    blob = {"code": {"repo": "https://github.com/lab/x", "commit": "abcdef1"}, **extra}
    mapped = map_legacy(json.dumps(blob))
    assert not any(k.startswith("code_") for k in mapped.facts)
    [held] = [h for h in mapped.held if h.field.startswith("code_")]
    assert (held.field, held.blocking) == (field, False)
    assert "contradict" in held.reason


def test_two_entrypoints_hold_the_entrypoint_only() -> None:
    blob = {
        "code": {"repo": "https://github.com/lab/x", "commit": "abcdef1", "script": "a.py"},
        "entrypoint": "b.py",
    }
    mapped = map_legacy(json.dumps(blob))
    assert mapped.facts["code_commit_sha"] == "abcdef1"
    assert "code_entrypoint" not in mapped.facts
    assert [(h.field, h.blocking) for h in mapped.held if h.field.startswith("code_")] == [
        ("code_entrypoint", False)
    ]
