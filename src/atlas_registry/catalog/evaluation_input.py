"""What an evaluation must say, checked before any write: the rules of one evaluation.

An evaluation added after registration is a fact like a registration, so it
is held to the same rules: a benchmark id and metric names in the schema's
patterns, finite numbers only, a dataset named by its catalog id, a harness
code pin in the form a model's code pin takes, and text a database can store.
Each problem names its field, so every surface says what is wrong and where.
Checks that need the database (does the dataset exist, is it a dataset) are in
:mod:`atlas_registry.catalog.evaluations`, inside the write transaction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.prepare import code_pin_problems
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.schema.patterns import ARTIFACT_ID, BENCHMARK_ID, METRIC_NAME, matches

MAX_METRICS = 100
MAX_NOTES = 10_000
MAX_LABEL = 200
NO_METRICS = "is empty: an evaluation reports at least one metric (name -> number)"
# A split is a short label (``test``, ``validation``, ``test[:10%]``, ``fold-3``).
SPLIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:%\[\]/+-]{0,99}$")
# The fields an evaluation document (``evaluate --from FILE.json``, the API body) may hold.
FIELDS = (
    "benchmark_id",
    "dataset_id",
    "dataset_revision",
    "split",
    "metrics",
    "harness_repo_url",
    "harness_commit_sha",
    "notes",
)


@dataclass(frozen=True)
class EvaluationInput:
    """One evaluation as given, every field checked: what :func:`check_evaluation` returns."""

    benchmark_id: str
    dataset_id: str
    metrics: dict[str, float]
    dataset_revision: str | None = None
    split: str | None = None
    harness_repo_url: str | None = None
    harness_commit_sha: str | None = None
    notes: str | None = None

    @classmethod
    def from_dict(cls, document: Any) -> EvaluationInput:
        """An evaluation document (JSON object) checked whole; every problem at once."""
        if not isinstance(document, Mapping):
            raise ValidationError(
                "the evaluation is invalid", [Violation("$", "must be a JSON object")]
            )
        unknown = sorted(str(key)[:80] for key in document if key not in FIELDS)
        problems = [
            Violation(key, f"is not a field of an evaluation (fields: {', '.join(FIELDS)})")
            for key in unknown
        ]
        try:
            checked = check_evaluation(**{k: document.get(k) for k in FIELDS})
        except ValidationError as refused:
            raise ValidationError(
                "the evaluation is invalid", [*problems, *refused.violations]
            ) from None
        if problems:
            raise ValidationError("the evaluation is invalid", problems)
        return checked


def check_evaluation(
    *,
    benchmark_id: Any,
    dataset_id: Any,
    metrics: Any,
    dataset_revision: Any = None,
    split: Any = None,
    harness_repo_url: Any = None,
    harness_commit_sha: Any = None,
    notes: Any = None,
) -> EvaluationInput:
    """The evaluation, or a ValidationError listing every field that is wrong."""
    problems: list[Violation] = []
    if not matches(BENCHMARK_ID, benchmark_id):
        problems.append(
            Violation(
                "benchmark_id",
                f"must be a benchmark id such as adni-conversion-v1, got {_shown(benchmark_id)}",
            )
        )
    if not matches(ARTIFACT_ID, dataset_id):
        problems.append(
            Violation(
                "dataset_id",
                f"must be the catalog id of a dataset artifact, got {_shown(dataset_id)}",
            )
        )
    problems += _label_problems("dataset_revision", dataset_revision)
    if split is not None and not matches(SPLIT, split):
        problems.append(
            Violation(
                "split",
                f"must be a split label such as test or validation "
                f"(1-100 characters), got {_shown(split)}",
            )
        )
    checked_metrics, metric_problems = metric_values(metrics)
    problems += metric_problems
    problems += [
        Violation(p.path.replace("code_", "harness_"), p.message.replace("code_", "harness_"))
        for p in code_pin_problems(harness_repo_url, harness_commit_sha)
    ]
    if harness_repo_url is not None and harness_commit_sha is None:
        problems.append(
            Violation(
                "harness_commit_sha",
                "is required when harness_repo_url is given: a repository alone pins no code",
            )
        )
    problems += _text_problems("notes", notes, MAX_NOTES)
    if problems:
        raise ValidationError("the evaluation is invalid", problems)
    return EvaluationInput(
        benchmark_id=benchmark_id,
        dataset_id=dataset_id,
        metrics=checked_metrics,
        dataset_revision=dataset_revision,
        split=split,
        harness_repo_url=harness_repo_url,
        harness_commit_sha=harness_commit_sha.lower() if harness_commit_sha else None,
        notes=notes,
    )


def metric_values(metrics: Any) -> tuple[dict[str, float], list[Violation]]:
    """Metric name -> finite number, and every name or value that is not one.

    No metrics at all, whether none was given (``evaluate`` without ``--metric``,
    a body without ``metrics``) or an empty object was, is one problem with one
    message on every surface.
    """
    if metrics is None or (isinstance(metrics, Mapping) and not metrics):
        return {}, [Violation("metrics", NO_METRICS)]
    if not isinstance(metrics, Mapping):
        return {}, [Violation("metrics", "must be an object of metric name -> number")]
    if len(metrics) > MAX_METRICS:
        return {}, [Violation("metrics", f"has {len(metrics)} metrics; at most {MAX_METRICS}")]
    checked: dict[str, float] = {}
    problems = []
    for name, value in metrics.items():
        path = f"metrics.{str(name)[:80]}"
        if not matches(METRIC_NAME, name):
            problems.append(Violation(path, "is not a metric name (letters, digits, _ . @ -)"))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(Violation(path, f"must be a finite number, got {_shown(value)}"))
        elif not math.isfinite(value):
            problems.append(Violation(path, f"must be a finite number, got {value}"))
        else:
            checked[name] = float(value)
    return checked, problems


def metrics_from_pairs(pairs: Sequence[str]) -> dict[str, Any]:
    """``["auroc=0.91", "brier=0.12"]`` as metrics; a value that is no number is kept as text,
    so :func:`metric_values` names it."""
    found: dict[str, Any] = {}
    problems = []
    for pair in pairs:
        name, equals, text = pair.partition("=")
        if not equals or not name:
            problems.append(Violation("metrics", f"{pair[:80]!r} is not NAME=VALUE"))
            continue
        try:
            found[name] = float(text) if text.strip().lower() not in _NON_FINITE else text
        except ValueError:
            found[name] = text
    if problems:
        raise ValidationError("the evaluation is invalid", problems)
    return found


# float() reads these; a metric never holds one, so they stay text and are refused.
_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _label_problems(name: str, value: Any) -> list[Violation]:
    if value is None:
        return []
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LABEL:
        return [Violation(name, f"must be text of 1 to {MAX_LABEL} characters")]
    return _text_problems(name, value, MAX_LABEL)


def _text_problems(name: str, value: Any, limit: int) -> list[Violation]:
    if value is None:
        return []
    if not isinstance(value, str):
        return [Violation(name, "must be text")]
    if not is_storable_text(value):
        return [Violation(name, "holds a character no stored text holds (NUL, lone surrogate)")]
    if len(value) > limit:
        return [Violation(name, f"is too long ({len(value)} characters; at most {limit})")]
    return []


def _shown(value: Any) -> str:
    return repr(value)[:80] if isinstance(value, str) else type(value).__name__
