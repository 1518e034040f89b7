"""The evaluation gate's policy, read from one TOML file, and the gate itself.

Keeping thresholds in a file (packaged default, or ``--policy`` /
``$ATLAS_REGISTRY_POLICY``) means the rules a reviewer signs off on are one
readable page, not conditions scattered through code. The same file's
``[metrics]`` table is where a platform declares the direction of metrics the
shipped vocabulary does not know (:mod:`atlas_registry.catalog.metric_directions`), and
every threshold is checked against its metric's direction when the file is read.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

from atlas_registry.catalog.evaluations import Evaluation
from atlas_registry.catalog.metric_directions import (
    Direction,
    MetricDirections,
    parse_declared,
    said,
)
from atlas_registry.catalog.pin_checks import PinCheck
from atlas_registry.errors import ConfigurationError, InputError, Violation
from atlas_registry.lifecycle import evaluation_gate
from atlas_registry.lifecycle.alias_gate import AliasRule, parse_alias_rules
from atlas_registry.lifecycle.evaluation_gate import EvaluationRule, threshold_bounds
from atlas_registry.records import ModelRecord
from atlas_registry.store.whole_files import read_text

POLICY_ENV_VAR = "ATLAS_REGISTRY_POLICY"


@dataclass(frozen=True)
class BenchmarkThreshold:
    metric: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class GatePolicy:
    require_evaluation_metrics: bool = True
    require_reproducibility_pin: bool = True
    # Internal models only: the newest `pins verify` of the model's current pin passed.
    require_verified_code_pin: bool = False
    # Every listed file's newest `files verify` passed (lifecycle/file_gate.py).
    require_verified_files: bool = False
    benchmarks: dict[str, BenchmarkThreshold] = field(default_factory=dict)
    # The platform's own metrics and their direction, beside the shipped vocabulary.
    metrics: dict[str, Direction] = field(default_factory=dict)
    # Aliases the gate guards too (see lifecycle/alias_gate.py), by alias name.
    aliases: dict[str, AliasRule] = field(default_factory=dict)
    source: str = "built-in"
    # Results a version must show from evaluations added after registration.
    evaluations: dict[str, EvaluationRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """A policy built in code is held to the rules a policy file is."""
        parse_declared(dict(self.metrics), self.source)
        for name, threshold in self.benchmarks.items():
            _check_bound(f'{self.source}: [benchmarks."{name}"]', threshold, self.directions)
        for name, rule in self.evaluations.items():
            bound = BenchmarkThreshold(rule.metric, rule.minimum, rule.maximum)
            _check_bound(f'{self.source}: [evaluations."{name}"]', bound, self.directions)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def directions(self) -> MetricDirections:
        """Which way is better for a metric: the vocabulary, then this policy's [metrics]."""
        return MetricDirections(self.metrics, self.source)


def _threshold(name: str, spec: Any, source: str) -> BenchmarkThreshold:
    where = f'{source}: [benchmarks."{name}"]'
    bounds = threshold_bounds(spec, where, ("metric", "minimum", "maximum"))
    return BenchmarkThreshold(spec["metric"], bounds["minimum"], bounds["maximum"])


def _check_bound(where: str, threshold: BenchmarkThreshold, directions: MetricDirections) -> None:
    """A threshold bounds its metric on the worse side: a minimum when higher is better.

    A bound on the other side (``minimum`` for rmse) would pass the worse
    models and refuse the better ones, and a metric of unknown direction
    cannot say which side is worse: both are refused as the file is read.
    """
    metric = threshold.metric
    direction = directions.of(metric)
    if direction is None:
        raise ConfigurationError(
            f"{where}: which way is better for {metric!r:.80} is unknown; declare it in the "
            f'[metrics] table of this file ({metric:.80} = "higher" or "lower")'
        )
    wanted, wrong = ("minimum", "maximum") if direction == "higher" else ("maximum", "minimum")
    if getattr(threshold, wrong) is not None:
        raise ConfigurationError(
            f"{where}: {said(direction)} for {metric!r:.80}, so its threshold is a {wanted}, "
            f"not a {wrong}"
        )


_GATE_FLAGS = {
    "require_evaluation_metrics": True,
    "require_reproducibility_pin": True,
    "require_verified_code_pin": False,
    "require_verified_files": False,
}


def parse_policy(text: str, source: str) -> GatePolicy:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source} is not valid TOML: {exc}") from exc
    unknown = set(document) - {"gate", "benchmarks", "metrics", "aliases", "evaluations"}
    if unknown:
        raise ConfigurationError(f"{source}: unknown sections {', '.join(sorted(unknown))}")
    gate = document.get("gate", {})
    unknown_flags = set(gate) - set(_GATE_FLAGS)
    if unknown_flags:
        names = ", ".join(sorted(unknown_flags))
        raise ConfigurationError(f"{source}: [gate] has unknown keys {names}")
    flags = {}
    for key, default in _GATE_FLAGS.items():
        value = gate.get(key, default)
        if not isinstance(value, bool):
            raise ConfigurationError(f"{source}: [gate] {key} must be true or false")
        flags[key] = value
    declared = parse_declared(document.get("metrics", {}), source)
    benchmarks = {
        name: _threshold(name, spec, source)
        for name, spec in document.get("benchmarks", {}).items()
    }
    aliases = parse_alias_rules(document.get("aliases", {}), source)
    evaluations = evaluation_gate.parse_rules(document.get("evaluations", {}), source)
    # GatePolicy checks each threshold against its metric's direction.
    return GatePolicy(
        benchmarks=benchmarks,
        metrics=declared,
        aliases=aliases,
        source=source,
        evaluations=evaluations,
        **flags,
    )


def load_policy(path: str | None = None) -> GatePolicy:
    """The policy from ``path``, else ``$ATLAS_REGISTRY_POLICY``, else the packaged file."""
    chosen = path if path is not None else os.environ.get(POLICY_ENV_VAR) or None
    if chosen is not None:  # an explicit empty path is refused, not taken as the default
        try:
            return parse_policy(read_text(chosen), chosen)
        except InputError as exc:
            raise ConfigurationError(f"promotion policy: {exc}") from exc
    packaged = resources.files("atlas_registry") / "policies" / "promotion_gate.toml"
    return parse_policy(packaged.read_text("utf-8"), "promotion_gate.toml (packaged)")


def _pin_problems(model: ModelRecord) -> list[Violation]:
    if model.is_external:
        needed = {
            "external_source_url": model.external_source_url,
            "external_source_version": model.external_source_version,
        }
        what = "an external model needs its source URL and pinned version"
    else:
        needed = {"code_repo_url": model.code_repo_url, "code_commit_sha": model.code_commit_sha}
        what = "an internal model needs the repository and commit that trained it"
    return [Violation(name, f"is missing: {what}") for name, value in needed.items() if not value]


def _benchmark_problems(model: ModelRecord, policy: GatePolicy) -> list[Violation]:
    threshold = policy.benchmarks.get(model.benchmark_id or "")
    if threshold is None:
        return []
    value = (model.eval_metrics or {}).get(threshold.metric)
    path = f"eval_metrics.{threshold.metric}"
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return [Violation(path, f"is required by benchmark {model.benchmark_id} and is missing")]
    if threshold.minimum is not None and value < threshold.minimum:
        return [
            Violation(
                path, f"= {value} is below the minimum {threshold.minimum} for {model.benchmark_id}"
            )
        ]
    if threshold.maximum is not None and value > threshold.maximum:
        return [
            Violation(
                path, f"= {value} is above the maximum {threshold.maximum} for {model.benchmark_id}"
            )
        ]
    return []


def _unverified_pin(model: ModelRecord, newest: PinCheck | None) -> list[Violation]:
    """Why the model's current code pin is not proven by its newest check, if it is not."""
    if model.is_external or not model.code_commit_sha:
        return []  # external pins are not code pins; a missing pin is reported above
    run = f"run `atlas-registry pins verify {model.id}`"
    if newest is None:
        return [Violation("code_commit_sha", f"has never been verified against git: {run}")]
    if (newest.repo_url, newest.pinned) != (model.code_repo_url, model.code_commit_sha):
        changed = f"changed since its last check ({newest.checked_at}): {run}"
        return [Violation("code_commit_sha", changed)]
    if newest.status != "verified":
        return [
            Violation(
                "code_commit_sha",
                f"failed its last check ({newest.checked_at}, {newest.status}): {newest.detail}",
            )
        ]
    return []


def unmet_conditions(
    model: ModelRecord,
    policy: GatePolicy,
    newest_pin_check: PinCheck | None = None,
    evaluations: Sequence[Evaluation] = (),
) -> list[Violation]:
    """Every reason the gate refuses ``model``; empty when it may be promoted.

    ``newest_pin_check`` is the model's newest recorded pin check; it is read
    only when the policy has ``require_verified_code_pin``. ``evaluations``
    (newest first) are read only when the policy has ``[evaluations]`` rules.
    """
    problems = []
    if policy.require_evaluation_metrics and not model.eval_metrics:
        problems.append(Violation("eval_metrics_json", "is empty: record evaluation metrics first"))
    if policy.require_reproducibility_pin:
        problems += _pin_problems(model)
    if policy.require_verified_code_pin:
        problems += _unverified_pin(model, newest_pin_check)
    problems += _benchmark_problems(model, policy)
    return problems + evaluation_gate.unmet(model, policy.evaluations, evaluations)
