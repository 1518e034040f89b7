"""Evaluations: the results a version accrues after registration, each an append-only fact.

A version's first evaluation is the metrics it was registered with (origin
``registration``, written by :func:`atlas_registry.catalog.facts.write_model_facts`
with the version's other facts, and built for older versions by migration
0021); ``evaluate`` adds more, and a model card's ``model-index`` results come
in as one evaluation each. Every evaluation also updates its version's entries
in ``model_evaluation_board`` (derived), where a leaderboard is an index range
scan over the newest evaluation of each version.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from atlas_registry.catalog.evaluation_input import EvaluationInput
from atlas_registry.catalog.evaluation_records import (
    EVALUATION_COLUMNS as EVALUATION_COLUMNS,
)
from atlas_registry.catalog.evaluation_records import (
    Evaluation as Evaluation,
)
from atlas_registry.catalog.evaluation_records import (
    evaluation_from_row,
    evaluations_from,
    metrics_sql,
)
from atlas_registry.catalog.prepare import PreparedModel, dump_validated_json, time_ordered_uuid
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.documents import dump_json
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.records import decode_json
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import record_event
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession, chunked, marks

ANY = "*"  # a board row of any dataset, or of any split
REGISTRATION = "registration"
CARD = "card"  # a model card's other results, written with its registration
MAX_LISTED = 1000
EVALUATION_TABLES = ("model_evaluations", "model_evaluation_metrics", "model_evaluation_board")


def dataset_key(dataset_id: str | None, reference: Mapping[str, Any] | None) -> str:
    """What names the data on a leaderboard: the dataset's id, else its URL or card name."""
    if dataset_id:
        return dataset_id
    reference = reference or {}
    if reference.get("url"):
        return f"url:{reference['url']}"
    if reference.get("name"):
        return f"name:{reference['name']}"
    return ""


def board_rows(
    evaluation: Mapping[str, Any], metrics: Mapping[str, float]
) -> list[tuple[Any, ...]]:
    """The board entries an evaluation makes: any data, its data, its data and split."""
    benchmark = evaluation["benchmark_id"]
    if benchmark is None:
        return []
    key, split = evaluation["dataset_key"], evaluation["split"]
    scopes = [(ANY, ANY)]
    if key:
        scopes.append((key, ANY))
        if split:
            scopes.append((key, split))
    return [
        (benchmark, d, s, metric, evaluation["artifact_id"], value, evaluation["id"])
        for d, s in scopes
        for metric, value in metrics.items()
    ]


_BOARD_COLUMNS = "benchmark_id, dataset_key, split_key, metric, artifact_id, value, evaluation_id"
_BOARD_KEYS = tuple(_BOARD_COLUMNS.split(", "))
_UPSERT = f"""
INSERT INTO model_evaluation_board ({_BOARD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (benchmark_id, dataset_key, split_key, metric, artifact_id)
DO UPDATE SET value = excluded.value, evaluation_id = excluded.evaluation_id"""


def write_evaluations(
    session: SqlSession,
    rows: Sequence[dict[str, Any]],
    metrics: Sequence[Mapping[str, float]],
    *,
    new_versions: bool = False,
) -> None:
    """Insert evaluations and their metrics, and make each its version's newest on the board.

    ``new_versions``: the versions were registered in this transaction, so no
    board entry of theirs exists and plain inserts (COPY for a large batch) do.
    """
    session.insert("model_evaluations", rows)
    metric_rows = [
        {"evaluation_id": row["id"], "artifact_id": row["artifact_id"], "metric": k, "value": v}
        for row, values in zip(rows, metrics, strict=True)
        for k, v in values.items()
    ]
    session.insert("model_evaluation_metrics", metric_rows)
    board = [
        entry
        for row, values in zip(rows, metrics, strict=True)
        for entry in board_rows(row, values)
    ]
    if new_versions:
        # A card's results on one benchmark share its any-data entry: the last written,
        # the newest in a listing's order, holds it, as an upsert would leave it.
        newest = {entry[:5]: entry for entry in board}
        session.insert(
            "model_evaluation_board",
            [dict(zip(_BOARD_KEYS, e, strict=True)) for e in newest.values()],
        )
    else:
        session.run_many(_UPSERT, board)


def registration_evaluation_id(artifact_id: str) -> str:
    """The id of a version's first evaluation: fixed, so migration 0021 makes the same one."""
    return f"reg-{artifact_id}"


def first_evaluations(
    session: SqlSession, prepared: Sequence[PreparedModel], now: str, *, new_models: bool
) -> None:
    """Write each version's first evaluation: the metrics it is registered with.

    The same row 0021 builds from ``model_versions`` for versions registered
    before it: evaluated by the artifact's ``created_by``, at the version's
    ``created_at``, on its ``evaluation_dataset``. An adopted artifact's
    ``created_by`` is read from its catalog row, where it already is.
    """
    authors = {p.artifact_id: p.artifact_row.get("created_by") for p in prepared}
    if not new_models:
        authors = _created_by(session, list(authors))
    rows, metrics = [], []
    for item in prepared:
        if not item.metric_rows:
            continue
        metadata = decode_json(item.artifact_row["metadata"])
        reference = metadata.get("evaluation_dataset")
        reference = reference if isinstance(reference, dict) else None
        dataset_id = item.version_row["eval_dataset_artifact_id"]
        rows.append(
            {
                "id": registration_evaluation_id(item.artifact_id),
                "artifact_id": item.artifact_id,
                "origin": REGISTRATION,
                "benchmark_id": item.version_row["benchmark_id"],
                "dataset_artifact_id": dataset_id,
                "dataset_revision": (reference or {}).get("version"),
                "dataset_key": dataset_key(dataset_id, reference),
                "dataset_json": dump_validated_json(reference) if reference is not None else None,
                "split": None,
                "harness_repo_url": None,
                "harness_commit_sha": None,
                "evaluated_by": authors.get(item.artifact_id),
                "notes": None,
                "created_at": now,
                "evaluator_scopes": None,
            }
        )
        metrics.append({row["metric"]: row["value"] for row in item.metric_rows})
        for number, reported in enumerate(item.evaluations, 2):
            rows.append(
                {
                    **rows[-1],
                    # Numbered in the order reported, which a listing's newest-first order keeps.
                    "id": f"{reported.origin}{number:04d}-{item.artifact_id}",
                    "origin": reported.origin,
                    "benchmark_id": reported.benchmark_id,
                    "dataset_artifact_id": None,
                    "dataset_revision": reported.dataset.get("version"),
                    "dataset_key": reported.dataset_key,
                    "dataset_json": dump_json(reported.dataset),
                    "split": reported.split,
                }
            )
            metrics.append(dict(reported.metrics))
    write_evaluations(session, rows, metrics, new_versions=new_models)


def _created_by(session: SqlSession, ids: list[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for chunk in chunked(ids):
        sql = f"SELECT id, created_by FROM artifacts WHERE id IN ({marks(len(chunk))})"
        found.update({row[0]: row[1] for row in session.rows(sql, chunk)})
    return found


_VERSION = "SELECT 1 FROM model_versions WHERE artifact_id = ?"
# One row per version and dataset (dataset_lineage), however often it is evaluated there.
_EVALUATED_USE = """INSERT INTO model_dataset_uses (dataset_id, use, registered_at, model_id)
SELECT ?, 'evaluated', created_at, artifact_id FROM model_versions WHERE artifact_id = ?
ON CONFLICT DO NOTHING"""
_DATASET = "SELECT artifact_type, title, metadata FROM artifacts WHERE id = ?"
# Where a dataset artifact's own metadata says which state of the data it is.
_REVISION_KEYS = ("revision", "digest", "sha256", "version")


def add_evaluation(
    db: Database,
    model_id: str,
    given: EvaluationInput,
    *,
    actor: str,
    origin: str = "evaluate",
    scopes: Collection[str] | None = None,
) -> Evaluation:
    """Record one evaluation of ``model_id``, in one transaction; bad input writes nothing.

    ``scopes``: those of the token ``actor`` names, kept with the evaluation so a
    gate rule asking for a scope reads what the evaluator held then.
    """
    if not isinstance(actor, str) or not actor.strip():
        raise ValidationError(
            "the evaluation is invalid", [Violation("evaluated_by", "say who evaluated")]
        )
    with db.session(write=True) as session:
        # Both reads in one round trip on PostgreSQL (a pipeline); the writes and COMMIT in one.
        version = session.later(_VERSION, (model_id,))
        dataset = session.later(_DATASET, (given.dataset_id,))
        if not version.rows():
            fetch_model(session, model_id)  # NotFoundError says why it is not a model
        found = next(iter(dataset.rows()), None)
        if found is None:
            raise ValidationError(
                "the evaluation refers to a dataset the catalog does not hold",
                [
                    Violation(
                        "dataset_id", f"refers to {given.dataset_id}, which is not in the catalog"
                    )
                ],
            )
        kind, title, metadata_text = found
        if kind != "dataset":
            raise ValidationError(
                "the evaluation refers to an artifact that is not a dataset",
                [
                    Violation(
                        "dataset_id",
                        f"refers to {given.dataset_id}, a {kind} artifact, not a dataset",
                    )
                ],
            )
        revision = given.dataset_revision or _revision_of(metadata_text)
        reference: dict[str, Any] = {"artifact_id": given.dataset_id, "description": title}
        if revision:
            reference["version"] = revision
        row = {
            "id": f"eval-{time_ordered_uuid()}",
            "artifact_id": model_id,
            "origin": origin,
            "benchmark_id": given.benchmark_id,
            "dataset_artifact_id": given.dataset_id,
            "dataset_revision": revision,
            "dataset_key": given.dataset_id,
            "dataset_json": dump_validated_json(reference),
            "split": given.split,
            "harness_repo_url": given.harness_repo_url,
            "harness_commit_sha": given.harness_commit_sha,
            "evaluated_by": actor,
            "notes": given.notes,
            "created_at": utc_timestamp(),
            "evaluator_scopes": ",".join(sorted(set(scopes))) if scopes is not None else None,
        }
        write_evaluations(session, [row], [given.metrics])
        # Reverse lineage (list --evaluated-on): the version was evaluated on this dataset.
        session.run(_EVALUATED_USE, (given.dataset_id, model_id))
        said = {"evaluation_id": row["id"], "benchmark_id": given.benchmark_id}
        said |= {"dataset_id": given.dataset_id, "split": given.split}
        record_event(
            session, EventType.EVALUATION_ADDED, actor=actor, model_id=model_id, payload=said
        )
    return evaluation_from_row(row, given.metrics)


def _revision_of(metadata_text: str | None) -> str | None:
    try:
        metadata = json.loads(metadata_text or "{}")
    except ValueError:
        return None
    if not isinstance(metadata, dict):
        return None
    for key in _REVISION_KEYS:
        value = metadata.get(key)
        if isinstance(value, str) and value.strip() and len(value) <= 200:
            return value
    return None


# Newest first; within one second an added evaluation is newer than the registration's.
_OF_VERSION = f"""
SELECT {EVALUATION_COLUMNS} FROM model_evaluations WHERE artifact_id = ?
ORDER BY created_at DESC, CASE WHEN origin = 'registration' THEN 0 ELSE 1 END DESC, id DESC
LIMIT ?"""


def evaluations_in(session: SqlSession, model_id: str, limit: int = MAX_LISTED) -> list[Evaluation]:
    """The evaluations of one version, newest first (at most ``limit``)."""
    rows = session.rows(_OF_VERSION, (model_id, limit))
    return with_metrics(session, rows)


def evaluations_of(db: Database, model_id: str, limit: int = MAX_LISTED) -> list[Evaluation]:
    """The evaluations of one version, newest first; NotFoundError when there is no such model."""
    with db.single_read_session() as session:
        fetch_model(session, model_id)
        return evaluations_in(session, model_id, limit)


def with_metrics(session: SqlSession, rows: Sequence[tuple[Any, ...]]) -> list[Evaluation]:
    ids = list(dict.fromkeys(row[0] for row in rows))
    metric_rows: list[tuple[Any, ...]] = []
    for chunk in chunked(ids):
        metric_rows += session.rows(metrics_sql(len(chunk)), chunk)
    return evaluations_from(rows, metric_rows)


_EVALUATED_ON = """
SELECT DISTINCT artifact_id FROM model_evaluations WHERE dataset_artifact_id = ?
ORDER BY artifact_id"""


def versions_evaluated_on(db: Database, dataset_id: str) -> list[str]:
    """The ids of every version with an evaluation on dataset ``dataset_id`` (an index scan).

    For reverse lineage (``list --evaluated-on D``): a registration's own
    evaluation dataset counts, as does every evaluation added later.
    """
    with db.single_read_session() as session:
        return [row[0] for row in session.rows(_EVALUATED_ON, (dataset_id,))]
