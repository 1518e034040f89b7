"""The mapping from legacy model metadata to the schema: one named rule per fact.

Legacy blobs name the same fact differently (``framework`` / ``library``,
``params`` / ``n_parameters``), store numbers as text and bury code links in
notes. Each rule reads one fact from every key the legacy vocabulary
(``data/legacy_vocabulary.toml``) lists for it, normalises it, and records what
it did; when keys disagree, or a value cannot be read without choosing between
candidates, the rule holds the fact for a person and says why
(:mod:`atlas_registry.backfill.mapping`). The rules are grouped by what they are
about: :mod:`~atlas_registry.backfill.rules_identity` (what the model is),
:mod:`~atlas_registry.backfill.rules_evidence` (what data it saw and how well it
did), :mod:`~atlas_registry.backfill.rules_provenance` (where it came from and
how to reproduce it). ``RULES`` is the documented table, in the order applied.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from atlas_registry.backfill.mapping import Applied, Context, LegacyMapping
from atlas_registry.backfill.rules_evidence import (
    rule_benchmark,
    rule_evaluation_dataset,
    rule_evaluation_metrics,
    rule_training_data,
)
from atlas_registry.backfill.rules_identity import (
    rule_framework,
    rule_model_family,
    rule_parameter_count,
)
from atlas_registry.backfill.rules_provenance import (
    rule_base_model,
    rule_code_pin,
    rule_external,
    rule_status,
    rule_training_config,
)
from atlas_registry.backfill.rules_training_run import rule_training_run
from atlas_registry.documents import parse_json
from atlas_registry.errors import InputError, ValidationError
from atlas_registry.review.queue import Held
from atlas_registry.schema.validation import MetadataValidator, default_validator


@dataclass(frozen=True)
class MappingRule:
    name: str
    produces: str
    apply: Callable[[Context], None]


RULES: tuple[MappingRule, ...] = (
    MappingRule("model_family", "model_family", rule_model_family),
    MappingRule("framework", "framework (+ extensions.framework_version)", rule_framework),
    MappingRule("parameter_count", "parameter_count", rule_parameter_count),
    MappingRule("training_data", "training_data", rule_training_data),
    MappingRule("evaluation_dataset", "evaluation_dataset", rule_evaluation_dataset),
    MappingRule("evaluation_metrics", "evaluation_metrics", rule_evaluation_metrics),
    MappingRule("benchmark_id", "benchmark_id", rule_benchmark),
    MappingRule("base_model_id", "base_model_id", rule_base_model),
    MappingRule("external", "is_external, external_source_url/version", rule_external),
    MappingRule("training_config", "training_config", rule_training_config),
    MappingRule("code_pin", "code_repo_url, code_commit_sha, code_entrypoint", rule_code_pin),
    MappingRule(
        "training_run",
        "trained_by, training_started_at, training_completed_at",
        rule_training_run,
    ),
    MappingRule("status", "promotion intent", rule_status),
)


def _refused(reason: str) -> LegacyMapping:
    result = LegacyMapping()
    result.held.append(Held("metadata", reason, blocking=True))
    return result


def _as_it_is(legacy: dict[str, Any], version: str) -> LegacyMapping:
    """Metadata that already satisfies the schema is adopted unchanged, not re-derived."""
    result = LegacyMapping(metadata=legacy)
    result.applied.append(
        Applied("metadata.already_valid", "metadata", f"valid under schema {version}: kept as is")
    )
    return result


def map_legacy(
    metadata_text: str | bytes, validator: MetadataValidator | None = None
) -> LegacyMapping:
    """Apply every rule to one legacy metadata text.

    The text is read by the registry's one JSON reader, so a legacy row that
    breaks a document limit (nested thousands deep, a 5,000-digit number,
    duplicate keys, bytes that are not UTF-8) is held with the reason instead
    of stopping the backfill; duplicate keys are held showing every value.
    """
    try:
        legacy = parse_json(metadata_text, "legacy metadata")
    except InputError as exc:
        not_json = exc.message.startswith("legacy metadata is not JSON")
        return _refused("legacy metadata is not JSON" if not_json else exc.message)
    except ValidationError as exc:
        result = LegacyMapping()
        result.held.extend(
            Held("metadata", f"legacy metadata at {v.path} {v.message}", blocking=True)
            for v in exc.violations
        )
        return result
    legacy, encoded_twice = read_once_more(legacy)
    if not isinstance(legacy, dict):
        return _refused(f"legacy metadata is {_json_kind(legacy)}, not a JSON object")
    validator = validator or default_validator()
    if validator.is_valid(legacy):
        result = _as_it_is(legacy, validator.version)
    else:
        ctx = Context(legacy)
        for rule in RULES:
            rule.apply(ctx)
        ctx.result.unmapped_keys = sorted(set(legacy) - ctx.used)
        result = ctx.result
    if encoded_twice:
        result.applied.insert(0, Applied("metadata.encoded_twice", "metadata", _ENCODED_TWICE))
    return result


_ENCODED_TWICE = "the legacy text is a JSON string holding a JSON object: that object was read"


def read_once_more(legacy: Any) -> tuple[Any, bool]:
    """The object a JSON string holds, when the platform encoded its metadata twice.

    An exporter that serialises a column already holding JSON text stores
    ``"{\\"framework\\": ...}"``: every fact is there, one decoding away, and
    holding every such model for review would ask a person to retype them.
    The inner text goes through the same reader and limits; anything but an
    object inside is held as the string it is.
    """
    if not isinstance(legacy, str):
        return legacy, False
    try:
        inner = parse_json(legacy, "legacy metadata")
    except (InputError, ValidationError):
        return legacy, False
    return (inner, True) if isinstance(inner, dict) else (legacy, False)


def _json_kind(value: Any) -> str:
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, list):
        return "a JSON list"
    if isinstance(value, bool) or value is None:
        return f"JSON {json.dumps(value)}"
    return "a number"


__all__ = ["RULES", "LegacyMapping", "MappingRule", "map_legacy"]
