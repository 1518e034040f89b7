"""An evaluation as a record, and how records are built from their rows: no database here.

Kept apart from :mod:`.evaluations` (which reads and writes them) so that a
reader of rows on the bare driver (``atlas_registry.fastread``) builds the very
records the library builds, from the same statements.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of one version, as stored."""

    id: str
    model_id: str
    origin: str  # registration, evaluate or card
    benchmark_id: str | None
    dataset_id: str | None  # the catalog dataset artifact, when the data is one
    dataset_revision: str | None
    dataset: dict[str, Any] | None  # the data reference as recorded
    split: str | None
    metrics: dict[str, float]
    harness_repo_url: str | None
    harness_commit_sha: str | None
    evaluated_by: str | None
    notes: str | None
    created_at: str
    # The token scopes the evaluator held when it recorded this (over HTTP); None
    # without a token. A gate rule's ``scopes`` counts only these.
    evaluator_scopes: tuple[str, ...] | None = None

    @property
    def data(self) -> str:
        """The evaluation data as a person reads it."""
        reference = self.dataset or {}
        shown = self.dataset_id or reference.get("name") or reference.get("url") or "not recorded"
        revision = f"@{self.dataset_revision}" if self.dataset_revision else ""
        return f"{shown}{revision}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


EVALUATION_COLUMNS = (
    "id, artifact_id, origin, benchmark_id, dataset_artifact_id, dataset_revision, "
    "dataset_key, dataset_json, split, harness_repo_url, harness_commit_sha, evaluated_by, "
    "notes, created_at, evaluator_scopes"
)


def metrics_sql(count: int) -> str:
    """The metrics of ``count`` evaluations (an ``IN`` list of that many marks)."""
    return (
        "SELECT evaluation_id, metric, value FROM model_evaluation_metrics "
        f"WHERE evaluation_id IN ({', '.join(['?'] * count)}) ORDER BY evaluation_id, metric"
    )


def evaluations_from(
    rows: Sequence[Sequence[Any]], metric_rows: Sequence[Sequence[Any]]
) -> list[Evaluation]:
    """Evaluations from their rows (:data:`EVALUATION_COLUMNS`) and their metrics' rows."""
    names = EVALUATION_COLUMNS.split(", ")
    found = [dict(zip(names, row, strict=True)) for row in rows]
    metrics: dict[str, dict[str, float]] = {row["id"]: {} for row in found}
    for evaluation_id, metric, value in metric_rows:
        metrics[evaluation_id][metric] = float(value)
    return [evaluation_from_row(row, metrics[row["id"]]) for row in found]


def evaluation_from_row(row: Mapping[str, Any], metrics: Mapping[str, float]) -> Evaluation:
    reference = json.loads(row["dataset_json"]) if row["dataset_json"] else None
    return Evaluation(
        id=row["id"],
        model_id=row["artifact_id"],
        origin=row["origin"],
        benchmark_id=row["benchmark_id"],
        dataset_id=row["dataset_artifact_id"],
        dataset_revision=row["dataset_revision"],
        dataset=reference if isinstance(reference, dict) else None,
        split=row["split"],
        metrics=dict(metrics),
        harness_repo_url=row["harness_repo_url"],
        harness_commit_sha=row["harness_commit_sha"],
        evaluated_by=row["evaluated_by"],
        notes=row["notes"],
        created_at=row["created_at"],
        evaluator_scopes=_scopes(row["evaluator_scopes"]),
    )


def _scopes(stored: str | None) -> tuple[str, ...] | None:
    return None if stored is None else tuple(s for s in stored.split(",") if s)
