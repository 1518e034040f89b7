"""The table of a version's evaluations, as `show` and `evaluations` print it.

Apart from :mod:`.evaluations` so that printing it loads no registry handle: a
`show` read on the bare driver prints it without SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atlas_registry.cli.common import console, table

if TYPE_CHECKING:
    from atlas_registry import Evaluation


def rows(found: list[Evaluation]) -> list[list[Any]]:
    """Each evaluation as a row of the tables `show` and `evaluations` print."""
    return [
        [
            e.created_at,
            e.benchmark_id,
            e.data,
            e.split,
            ", ".join(f"{k}={v:g}" for k, v in e.metrics.items()),
            e.evaluated_by or NOT_RECORDED,
            e.origin,
            e.id,
        ]
        for e in found
    ]


# What a page says of an evaluation whose evaluator was not recorded (a registration's,
# when the registration named no created_by): the same words here.
NOT_RECORDED = "not recorded"
COLUMNS = ["when (UTC)", "benchmark", "data", "split", "metrics", "by", "origin", "id"]


def print_table(found: list[Evaluation]) -> None:
    console().print(table(f"{len(found)} evaluation(s), newest first", COLUMNS, rows(found)))
