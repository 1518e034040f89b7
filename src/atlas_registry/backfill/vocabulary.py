"""The legacy vocabulary (``data/legacy_vocabulary.toml``), read once and checked.

The rules hold the logic; which legacy keys and words mean what is data a
curator extends without touching code. The file is checked when read: a typo
in a section name would otherwise silently turn a rule off.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from atlas_registry.errors import ConfigurationError

VOCABULARY_FILE = "legacy_vocabulary.toml"

FACT_KEYS = (
    "model_family",
    "framework",
    "parameter_count",
    "fitted_values",
    "training_data",
    "evaluation_dataset",
    "evaluation_text",
    "evaluation_metrics",
    "benchmark_id",
    "base_model_id",
    "external_source_url",
    "external_source_version",
    "training_procedure",
    "hyperparameters",
    "known_settings",
    "random_seed",
    "code_repo_url",
    "code_commit_sha",
    "code_entrypoint",
    "trained_by",
    "training_started_at",
    "training_completed_at",
    "status",
)
DATA_KEYS = ("description", "url", "sample_count", "not_settings", "not_metrics")


@dataclass(frozen=True)
class Vocabulary:
    keys: dict[str, tuple[str, ...]]
    data_keys: dict[str, tuple[str, ...]]
    family_aliases: dict[str, str]
    framework_aliases: dict[str, str]
    in_use_statuses: frozenset[str]
    not_in_use_statuses: frozenset[str]


def _word_lists(section: Any, names: tuple[str, ...], where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(section, dict):
        raise ConfigurationError(f"{VOCABULARY_FILE}: [{where}] is missing")
    unknown, missing = set(section) - set(names), set(names) - set(section)
    if unknown or missing:
        raise ConfigurationError(
            f"{VOCABULARY_FILE}: [{where}] unknown entries {sorted(unknown)}, "
            f"missing entries {sorted(missing)}"
        )
    for name, words in section.items():
        if not (isinstance(words, list) and all(isinstance(w, str) and w for w in words)):
            raise ConfigurationError(f"{VOCABULARY_FILE}: [{where}] {name} must list words")
    return {name: tuple(section[name]) for name in names}


def _aliases(document: dict[str, Any], fact: str) -> dict[str, str]:
    table = document.get("aliases", {}).get(fact)
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ConfigurationError(f"{VOCABULARY_FILE}: [aliases.{fact}] must map words to names")
    return {word.lower(): name for word, name in table.items()}


def parse_vocabulary(text: str) -> Vocabulary:
    document = tomllib.loads(text)
    statuses = _word_lists(document.get("status"), ("in_use", "not_in_use"), "status")
    return Vocabulary(
        keys=_word_lists(document.get("keys"), FACT_KEYS, "keys"),
        data_keys=_word_lists(document.get("data_keys"), DATA_KEYS, "data_keys"),
        family_aliases=_aliases(document, "model_family"),
        framework_aliases=_aliases(document, "framework"),
        in_use_statuses=frozenset(statuses["in_use"]),
        not_in_use_statuses=frozenset(statuses["not_in_use"]),
    )


@cache
def vocabulary() -> Vocabulary:
    """The packaged vocabulary."""
    packaged = resources.files("atlas_registry") / "data" / VOCABULARY_FILE
    return parse_vocabulary(packaged.read_text("utf-8"))
