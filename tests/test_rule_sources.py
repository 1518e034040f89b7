"""One source per rule: identifier patterns come from the schema, legacy words from one table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from atlas_registry.backfill.vocabulary import parse_vocabulary, vocabulary
from atlas_registry.catalog.prepare import prepare
from atlas_registry.errors import ConfigurationError
from atlas_registry.records import ModelRegistration
from atlas_registry.schema import patterns
from atlas_registry.schema.validation import default_validator, load_schema
from tests.payloads import logistic_regression

PACKAGE = Path(patterns.__file__).parents[1]
VOCABULARY = PACKAGE / "data" / "legacy_vocabulary.toml"


def _schema_patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _schema_patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _schema_patterns(value)]
    return []


def test_no_module_copies_a_schema_pattern() -> None:
    cores = [p.removeprefix("^").removesuffix("$") for p in _schema_patterns(load_schema())]
    assert len(cores) >= 8
    for source in PACKAGE.rglob("*.py"):
        text = source.read_text("utf-8")
        for core in cores:
            assert core not in text, f"{source.name} copies the schema pattern {core!r}"


def test_the_commit_sha_pattern_has_one_definition() -> None:
    sha = "[0-9a-f]{7,40}"
    holders = [p.name for p in PACKAGE.rglob("*.py") if sha in p.read_text("utf-8")]
    assert holders == ["patterns.py"]


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        (patterns.ARTIFACT_ID, "model-1"),
        (patterns.COMMIT_SHA, "abc1234"),
        (patterns.HTTP_URL, "https://github.com/lab/repo"),
        (patterns.METRIC_NAME, "auroc"),
        (patterns.MODEL_FAMILY, "logistic_regression"),
    ],
)
def test_patterns_match_whole_values_only(pattern: re.Pattern[str], value: str) -> None:
    assert patterns.matches(pattern, value)
    for padded in (value + "\n", "\n" + value, value + " ", "\x00" + value):
        assert not patterns.matches(pattern, padded)
    assert not patterns.matches(pattern, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("artifact_id", "model-1\n"),
        ("parent_version_id", "model-0\n"),
        ("code_commit_sha", "abc1234\n"),
        ("code_repo_url", "https://github.com/lab/repo\n"),
    ],
)
def test_a_registration_refuses_an_identifier_with_a_trailing_newline(
    field: str, value: str
) -> None:
    facts = {"code_repo_url": "https://github.com/lab/repo", "code_commit_sha": "abc1234"}
    registration = ModelRegistration(
        title="m", metadata=logistic_regression(), **{**facts, field: value}
    )
    prepared, problems = prepare(registration, default_validator())
    assert prepared is None
    assert [v.path for v in problems] == [field]


def test_the_packaged_vocabulary_lists_every_fact() -> None:
    words = vocabulary()
    assert "library" in words.keys["framework"]
    assert words.family_aliases["ode"] == "biophysical_ode"
    assert "production" in words.in_use_statuses


def test_a_misspelt_vocabulary_entry_is_refused_by_name() -> None:
    text = VOCABULARY.read_text("utf-8").replace("framework = [", "framwork = [", 1)
    with pytest.raises(ConfigurationError, match=r"unknown entries \['framwork'\]"):
        parse_vocabulary(text)
