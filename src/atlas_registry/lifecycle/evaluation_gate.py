"""The gate's evaluation rules: a promotion may demand a result added after registration.

A registration's own metrics are the trainer's word. A platform whose
evaluation service re-measures every candidate wants the gate to ask for that
service's result: on a named benchmark, from named evaluators or from a
token holding a named scope when it recorded the result, newer than the
version's registration, on the worse side of a threshold (the side the
metric's direction says). The ``[evaluations."BENCHMARK"]`` tables of the
policy file hold these rules; this module reads them and checks a version's
evaluations against them. ``[benchmarks]`` rules are unchanged.

A rule reaches the versions registered on its benchmark, as a
``[benchmarks."BENCHMARK"]`` threshold does: a policy asking for a
speech-recognition result must not stop every clinical model from being
promoted. A rule that should reach versions registered elsewhere (an
external validation of a model trained on another benchmark) names them:
``lines = [...]`` by line name, ``model_families = [...]`` by family.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.evaluations import CARD, REGISTRATION, Evaluation
from atlas_registry.errors import ConfigurationError, Violation
from atlas_registry.records import ModelRecord
from atlas_registry.schema.patterns import LINE_NAME, MODEL_FAMILY, matches
from atlas_registry.tokens import SCOPES

_KEYS = {
    "metric",
    "minimum",
    "maximum",
    "evaluators",
    "scopes",
    "dataset",
    "split",
    "after_registration",
    "lines",
    "model_families",
}


@dataclass(frozen=True)
class EvaluationRule:
    """What a version must show on one benchmark before it is promoted."""

    benchmark_id: str
    metric: str
    minimum: float | None = None
    maximum: float | None = None
    evaluators: tuple[str, ...] = ()  # empty: anyone
    # Token scopes, one of which the evaluator's token held when it recorded the
    # evaluation (admin holds them all); empty: any evaluator, token or not.
    scopes: tuple[str, ...] = ()
    dataset: str | None = None  # a dataset's catalog id; None: any data
    split: str | None = None
    after_registration: bool = True  # the registration's own metrics do not count
    # Whom the rule reaches besides the versions registered on its benchmark.
    lines: tuple[str, ...] = ()  # every version of these lines
    model_families: tuple[str, ...] = ()  # every version of these families

    def reaches(self, model: ModelRecord) -> bool:
        """Whether ``model`` must meet this rule: registered on its benchmark, or named by
        its line or family."""
        return (
            model.benchmark_id == self.benchmark_id
            or (model.line_name is not None and model.line_name in self.lines)
            or (model.model_family is not None and model.model_family in self.model_families)
        )


def parse_rules(table: Any, source: str) -> dict[str, EvaluationRule]:
    """The ``[evaluations."BENCHMARK"]`` tables of a policy file, each checked."""
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{source}: [evaluations] must be a table of benchmarks")
    return {name: _rule(name, spec, source) for name, spec in table.items()}


def threshold_bounds(spec: Any, where: str, keys: Collection[str]) -> dict[str, float | None]:
    """A threshold table's ``minimum`` and ``maximum``, checked: a metric named, no key
    outside ``keys``, at least one bound, each a number. Shared with ``[benchmarks]``."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("metric"), str):
        raise ConfigurationError(f'{where} needs metric = "name"')
    unknown = set(spec) - set(keys)
    if unknown:
        raise ConfigurationError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    bounds = {k: spec.get(k) for k in ("minimum", "maximum")}
    if all(v is None for v in bounds.values()):
        raise ConfigurationError(f"{where} needs minimum or maximum")
    for key, value in bounds.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigurationError(f"{where} {key} must be a number")
    return bounds


def _rule(name: str, spec: Any, source: str) -> EvaluationRule:
    where = f'{source}: [evaluations."{name}"]'
    bounds = threshold_bounds(spec, where, _KEYS)
    evaluators = spec.get("evaluators", [])
    if not isinstance(evaluators, list) or not all(
        isinstance(e, str) and e.strip() for e in evaluators
    ):
        raise ConfigurationError(f'{where} evaluators must be a list of names, e.g. ["eval-ci"]')
    scopes = spec.get("scopes", [])
    if not isinstance(scopes, list) or (not scopes and "scopes" in spec):
        raise ConfigurationError(f'{where} scopes must be a list of token scopes, e.g. ["review"]')
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ConfigurationError(
            f"{where} scopes names {', '.join(map(repr, unknown))}: "
            f"a token scope is one of {', '.join(SCOPES)}"
        )
    for key in ("dataset", "split"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            raise ConfigurationError(f"{where} {key} must be text")
    if spec.get("split") is not None and spec.get("dataset") is None:
        raise ConfigurationError(f"{where} split needs a dataset: a split is part of one")
    after = spec.get("after_registration", True)
    if not isinstance(after, bool):
        raise ConfigurationError(f"{where} after_registration must be true or false")
    lines = _names(spec, "lines", LINE_NAME, where, "a line name such as ad-risk-predictor")
    families = _names(
        spec, "model_families", MODEL_FAMILY, where, "a model family such as logistic_regression"
    )
    return EvaluationRule(
        name,
        spec["metric"],
        bounds["minimum"],
        bounds["maximum"],
        tuple(evaluators),
        tuple(scopes),
        spec.get("dataset"),
        spec.get("split"),
        after,
        lines,
        families,
    )


def _names(
    spec: Mapping[str, Any], key: str, pattern: re.Pattern[str], where: str, what: str
) -> tuple[str, ...]:
    """A reach list (``lines``, ``model_families``): names in their pattern, at least one.

    A misspelt name would reach nobody and hide the rule, so it is refused
    when the file is read.
    """
    if key not in spec:
        return ()
    names = spec[key]
    if not isinstance(names, list) or not names:
        raise ConfigurationError(f"{where} {key} must be a list of names, each {what}")
    wrong = [n for n in names if not matches(pattern, n)]
    if wrong:
        shown = ", ".join(repr(n)[:80] for n in wrong)
        raise ConfigurationError(f"{where} {key} names {shown}: each must be {what}")
    return tuple(names)


def _counts(rule: EvaluationRule, model: ModelRecord, evaluation: Evaluation) -> bool:
    """Whether ``evaluation`` is one ``rule`` asks for (metric aside)."""
    if evaluation.benchmark_id != rule.benchmark_id:
        return False
    if rule.evaluators and evaluation.evaluated_by not in rule.evaluators:
        return False
    if rule.scopes and not _held(rule.scopes, evaluation.evaluator_scopes):
        return False
    if rule.dataset is not None and evaluation.dataset_id != rule.dataset:
        return False
    if rule.split is not None and evaluation.split != rule.split:
        return False
    if rule.after_registration:
        # A card's results came with the registration: the publisher's word, not a re-measure.
        registered = model.registered_at
        return evaluation.origin not in (REGISTRATION, CARD) and evaluation.created_at >= registered
    return True


def _held(wanted: Sequence[str], held: Sequence[str] | None) -> bool:
    """Whether an evaluator's token held one of the ``wanted`` scopes when it evaluated.

    As :meth:`atlas_registry.tokens.ApiToken.allows` judges a write: ``admin``
    holds every scope. An evaluation recorded without a token holds none.
    """
    if held is None:
        return False
    return "admin" in held or any(scope in held for scope in wanted)


def _wanted(rule: EvaluationRule) -> str:
    parts = [f"an evaluation on {rule.benchmark_id}"]
    if rule.dataset:
        parts.append(f"dataset {rule.dataset}" + (f" split {rule.split}" if rule.split else ""))
    if rule.evaluators:
        parts.append(f"by {' or '.join(rule.evaluators)}")
    if rule.scopes:
        parts.append(f"by a token with the {' or '.join(rule.scopes)} scope")
    if rule.after_registration:
        parts.append("added after registration")
    return ", ".join(parts)


def unmet(
    model: ModelRecord, rules: Mapping[str, EvaluationRule], found: Sequence[Evaluation]
) -> list[Violation]:
    """Every evaluation rule that reaches ``model`` its evaluations (newest first) do not meet.

    The newest evaluation a rule counts is the one judged: a newer, worse
    result is not hidden by an older, better one.
    """
    problems = []
    for rule in rules.values():
        if not rule.reaches(model):
            continue
        path = f"evaluations.{rule.benchmark_id}.{rule.metric}"
        newest = next(
            (e for e in found if _counts(rule, model, e) and rule.metric in e.metrics), None
        )
        if newest is None:
            problems.append(Violation(path, f"is required: record {_wanted(rule)}"))
            continue
        value = newest.metrics[rule.metric]
        who = f"{newest.id} by {newest.evaluated_by} at {newest.created_at}"
        if not math.isfinite(value):
            problems.append(Violation(path, f"is not a finite number ({who})"))
        elif rule.minimum is not None and value < rule.minimum:
            problems.append(
                Violation(path, f"= {value} is below the minimum {rule.minimum} ({who})")
            )
        elif rule.maximum is not None and value > rule.maximum:
            problems.append(
                Violation(path, f"= {value} is above the maximum {rule.maximum} ({who})")
            )
    return problems
