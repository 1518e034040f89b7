"""Leaderboards: the best models of a benchmark by one metric, and the benchmarks there are.

A leaderboard ranks evaluations: by default the newest evaluation of each
version on the benchmark (on any data), or, given a dataset (and a split), the
newest on that data. It is an index range scan on ``model_evaluation_board``
(kept by :mod:`atlas_registry.catalog.evaluations`); an empty one says
why (no such benchmark, or no such metric in it) instead of printing nothing.
Its order is the metric's direction (:mod:`atlas_registry.catalog.metric_directions`):
a lower ``brier`` ranks first, and a metric of unknown direction is not ranked
until the caller says which way is better. Equal values share a rank and the
next value takes its position (1, 2, 2, 4): which of two tied models is shown
first says nothing about which is better.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, bindparam, select

from atlas_registry.catalog.metric_directions import VOCABULARY_ONLY, Direction, MetricDirections
from atlas_registry.catalog.queries import (
    MODEL_COLUMNS,
    MODEL_TABLES,
    inline_count,
    model_record,
)
from atlas_registry.documents import refuse_unstorable
from atlas_registry.errors import NotFoundError, ValidationError, Violation
from atlas_registry.records import ModelRecord
from atlas_registry.store.db import Database
from atlas_registry.store.paging import MAX_PAGE
from atlas_registry.store.tables import artifacts, model_evaluation_board, model_evaluations

ANY = "*"
board = model_evaluation_board


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int  # 1 + how many entries have a better value: ties share a rank
    value: float
    model: ModelRecord
    # The evaluation the value comes from: who evaluated, when, on which data.
    evaluation_id: str | None = None
    evaluated_by: str | None = None
    evaluated_at: str | None = None
    dataset_id: str | None = None
    dataset_revision: str | None = None
    split: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def leaderboard(
    db: Database,
    benchmark_id: str,
    metric: str,
    *,
    limit: int = 10,
    direction: str | None = None,
    directions: MetricDirections = VOCABULARY_ONLY,
    dataset: str | None = None,
    split: str | None = None,
) -> list[LeaderboardEntry]:
    """The best versions of one benchmark by one metric, by their newest evaluation there.

    ``dataset`` (a dataset's catalog id) ranks the newest evaluation of each
    version on that data, ``split`` on that split of it. Ranked best first by
    the metric's direction as ``directions`` know it; ``direction``
    (``higher`` or ``lower``) is needed only for a metric they do not know,
    and is refused when it reverses one they do.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("bad limit", [Violation("limit", f"must be 1..{MAX_PAGE}")])
    refuse_unstorable(
        "the leaderboard",
        {"benchmark_id": benchmark_id, "metric": metric, "dataset": dataset, "split": split},
    )
    if split is not None and dataset is None:
        raise ValidationError(
            "bad leaderboard", [Violation("split", "needs a dataset: a split is part of one")]
        )
    scope = (dataset or ANY, split or ANY)
    try:
        ranked = directions.for_ranking(metric, direction)
    except ValidationError:
        _refuse_missing_board(db, benchmark_id, metric, scope)  # a missing board says so first
        raise
    params = {
        "benchmark_id": benchmark_id,
        "metric": metric,
        "dataset_key": scope[0],
        "split_key": scope[1],
        "page_limit": limit,
    }
    with db.single_read() as conn:
        rows = conn.execute(_leaderboard_query(ranked), params).all()
        if not rows:
            _refuse_unknown_board(conn, benchmark_id, metric, scope)
    return _ranked(rows)


def _ranked(rows: Sequence[Any]) -> list[LeaderboardEntry]:
    """Entries best first with competition ranks (1, 2, 2, 4).

    The rows are the top of the board, best first, so an entry's rank is its
    position unless its value equals the one before, whose rank it shares.
    """
    entries: list[LeaderboardEntry] = []
    for position, row in enumerate(rows, 1):
        tied = bool(entries) and entries[-1].value == row.metric_value
        rank = entries[-1].rank if tied else position
        entries.append(
            LeaderboardEntry(
                rank,
                row.metric_value,
                model_record(row),
                evaluation_id=row.evaluation_id,
                evaluated_by=row.evaluated_by,
                evaluated_at=row.evaluated_at,
                dataset_id=row.evaluation_dataset_id,
                dataset_revision=row.evaluation_dataset_revision,
                split=row.evaluation_split,
            )
        )
    return entries


def _in_scope(benchmark_id: str, scope: tuple[str, str]) -> Any:
    return (
        (board.c.benchmark_id == benchmark_id)
        & (board.c.dataset_key == scope[0])
        & (board.c.split_key == scope[1])
    )


def _refuse_missing_board(
    db: Database, benchmark_id: str, metric: str, scope: tuple[str, str]
) -> None:
    """Refuse as :func:`_refuse_unknown_board` does when no version reports ``metric`` there."""
    reported = (
        select(board.c.artifact_id)
        .where(_in_scope(benchmark_id, scope), board.c.metric == metric)
        .limit(1)
    )
    with db.single_read() as conn:
        if conn.execute(reported).first() is None:
            _refuse_unknown_board(conn, benchmark_id, metric, scope)


def _refuse_unknown_board(
    conn: Connection, benchmark_id: str, metric: str, scope: tuple[str, str]
) -> None:
    """An empty leaderboard says why: no such benchmark, data or split, or no such metric."""
    metrics = conn.execute(
        select(board.c.metric)
        .where(_in_scope(benchmark_id, scope))
        .distinct()
        .order_by(board.c.metric)
        .limit(50)
    ).scalars()
    known = list(metrics)
    where = "" if scope == (ANY, ANY) else f" on {scope[0]!r:.80}"
    where += "" if scope[1] == ANY else f" split {scope[1]!r:.80}"
    if known:
        raise NotFoundError(
            f"no model of benchmark {benchmark_id!r:.80}{where} reports {metric!r:.80}; "
            f"its metrics: {', '.join(known)}"
        )
    if scope != (ANY, ANY):
        anywhere = select(board.c.metric).where(_in_scope(benchmark_id, (ANY, ANY))).limit(1)
        if conn.execute(anywhere).first() is None:
            _refuse_unknown_board(conn, benchmark_id, metric, (ANY, ANY))
        raise NotFoundError(
            f"no model of benchmark {benchmark_id!r:.80} is evaluated{where}; "
            "leave the dataset (and split) out for every evaluation on the benchmark"
        )
    benchmarks = conn.execute(
        select(board.c.benchmark_id)
        .where(board.c.dataset_key == ANY)
        .distinct()
        .order_by(board.c.benchmark_id)
        .limit(50)
    ).scalars()
    listed = ", ".join(benchmarks) or "none yet"
    raise NotFoundError(
        f"no model is registered against benchmark {benchmark_id!r:.80}; benchmarks: {listed}"
    )


@functools.cache
def _leaderboard_query(direction: Direction) -> Select[Any]:
    """The top of one board, then the models and evaluations of those entries only.

    The top is read from ``idx_model_evaluation_board_rank`` alone, in its own
    order: forward for lower-is-better, backward for higher-is-better, so
    tied values come in ``artifact_id`` order one way or the other (a tie's
    order says nothing). Sorting ties the other way than the index runs made
    PostgreSQL join every entry of a small board before sorting it: 16 ms for
    200 tied entries at 200,000 versions, against a fraction of one now.
    Only the ``limit`` entries found are joined to their models.
    """
    descending = direction == "higher"
    order = [board.c.value, board.c.artifact_id]
    top = (
        select(board.c.artifact_id, board.c.value, board.c.evaluation_id)
        .where(
            board.c.benchmark_id == bindparam("benchmark_id"),
            board.c.dataset_key == bindparam("dataset_key"),
            board.c.split_key == bindparam("split_key"),
            board.c.metric == bindparam("metric"),
        )
        .order_by(*(c.desc() if descending else c.asc() for c in order))
        .limit(inline_count("page_limit"))
        .subquery("top")
    )
    evaluation = model_evaluations
    return (
        select(
            *MODEL_COLUMNS,
            top.c.value.label("metric_value"),
            evaluation.c.id.label("evaluation_id"),
            evaluation.c.evaluated_by,
            evaluation.c.created_at.label("evaluated_at"),
            evaluation.c.dataset_artifact_id.label("evaluation_dataset_id"),
            evaluation.c.dataset_revision.label("evaluation_dataset_revision"),
            evaluation.c.split.label("evaluation_split"),
        )
        .select_from(
            MODEL_TABLES.join(top, top.c.artifact_id == artifacts.c.id).join(
                evaluation, evaluation.c.id == top.c.evaluation_id
            )
        )
        .order_by(*(c.desc() if descending else c.asc() for c in (top.c.value, top.c.artifact_id)))
    )


# Every (benchmark, metric) pair on the board (rows of any data), in order, found by
# seeking from one pair to the next in its primary key: a few index lookups per
# pair. A DISTINCT read every metric row of the catalog (12 ms on SQLite and 22 ms
# on PostgreSQL at 100,000 models, for the leaderboards page). A pair's successor
# is the next metric of its benchmark, else the first metric of the next benchmark.
_ANY_DATA = "dataset_key = '*' AND split_key = '*'"
_NEXT_METRIC = (
    "(SELECT min(x.metric) FROM model_evaluation_board x "
    f"WHERE x.benchmark_id = p.benchmark_id AND x.{_ANY_DATA} AND x.metric > p.metric)"
)
_NEXT_BENCHMARK = (
    "(SELECT min(y.benchmark_id) FROM model_evaluation_board y "
    "WHERE y.benchmark_id > p.benchmark_id)"
)
_FIRST_METRIC = (
    "(SELECT min(x.metric) FROM model_evaluation_board x "
    f"WHERE x.benchmark_id = {{benchmark}} AND x.{_ANY_DATA})"
)
_PAIRS = f"""
WITH RECURSIVE pairs(benchmark_id, metric) AS (
    SELECT b, {_FIRST_METRIC.format(benchmark="b")}
    FROM (SELECT min(benchmark_id) AS b FROM model_evaluation_board) AS first_benchmark
    UNION ALL
    SELECT CASE WHEN {_NEXT_METRIC} IS NULL THEN {_NEXT_BENCHMARK} ELSE p.benchmark_id END,
        COALESCE({_NEXT_METRIC}, {_FIRST_METRIC.format(benchmark=_NEXT_BENCHMARK)})
    FROM pairs p WHERE p.benchmark_id IS NOT NULL
)
SELECT benchmark_id, metric FROM pairs WHERE benchmark_id IS NOT NULL"""


def benchmarks(db: Database, policy: Any) -> list[dict[str, Any]]:
    """Benchmarks with at least one registered model: metrics, their directions, the gate.

    ``directions`` maps each metric to ``higher``, ``lower`` or ``unknown``
    (is better), as the policy's :class:`MetricDirections` say.
    """
    with db.single_read_session() as session:
        rows = session.rows(_PAIRS)
    found: dict[str, list[str]] = {}
    for benchmark_id, metric in rows:
        found.setdefault(benchmark_id, []).append(metric)
    directions: MetricDirections = policy.directions
    result = []
    for benchmark_id, metrics in found.items():
        threshold = policy.benchmarks.get(benchmark_id)
        gate = None
        if threshold is not None:
            gate = {
                "metric": threshold.metric,
                "minimum": threshold.minimum,
                "maximum": threshold.maximum,
                "higher_is_better": directions.of(threshold.metric) == "higher",
            }
        result.append(
            {
                "benchmark_id": benchmark_id,
                "metrics": metrics,
                "directions": {metric: directions.name(metric) for metric in metrics},
                "gate": gate,
            }
        )
    return result
