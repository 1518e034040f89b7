"""The leaderboard command: the best versions of a benchmark by one metric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from atlas_registry import MAX_PAGE, RegistryError
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    PolicyOption,
    call,
    console,
    table,
    version_labels,
)

if TYPE_CHECKING:  # loaded when the command runs
    from atlas_registry import LeaderboardEntry, RankedBy, Registry


def leaderboard(
    benchmark: Annotated[str, typer.Argument(help="The benchmark id.")],
    metric: Annotated[str, typer.Argument(help="The metric to rank by, e.g. auroc.")],
    higher_is_better: Annotated[
        bool,
        typer.Option(
            "--higher-is-better",
            help="For a metric of unknown direction: rank the highest first.",
        ),
    ] = False,
    lower_is_better: Annotated[
        bool,
        typer.Option(
            "--lower-is-better",
            help="For a metric of unknown direction: rank the lowest first.",
        ),
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_PAGE)] = 10,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Only evaluations on this dataset (its id).")
    ] = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Only evaluations on this split of --dataset.")
    ] = None,
    db: DbOption = None,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """The best models of one benchmark by one evaluation metric, best first.

    Each version is ranked by its newest evaluation on the benchmark (on
    --dataset and --split when given), and the table says who evaluated it.
    The metric's direction (a lower brier is better) comes from the metric
    vocabulary or the policy's [metrics]; a direction flag is needed only for a
    metric neither knows, and may not reverse a known one.
    """
    if higher_is_better and lower_is_better:
        raise typer.BadParameter(
            "give one of --higher-is-better and --lower-is-better, not both",
            param_hint="--higher-is-better / --lower-is-better",
        )
    given = "higher" if higher_is_better else "lower" if lower_is_better else None

    def ranked(registry: Registry) -> _Board:
        from atlas_registry import asking_how

        try:
            board = registry.leaderboard(
                benchmark, metric, limit=limit, direction=given, dataset=dataset, split=split
            )
        except RegistryError as error:
            raise asking_how(error, "pass --higher-is-better or --lower-is-better") from None
        labels = version_labels(registry, (e.model.id for e in board))
        return _Board(registry.ranked_by(metric, given), board, labels)

    def render(result: _Board) -> None:
        named = result.labels
        rows = [
            [
                e.rank,
                e.value,
                named.get(e.model.id, e.model.id),
                e.model.title,
                e.model.promotion_state,
                e.evaluated_by or "not recorded",
                e.evaluated_at,
            ]
            for e in result.entries
        ]
        columns = ["rank", metric, "version", "title", "state", "evaluated by", "at (UTC)"]
        title = f"{benchmark}: top {limit} by {metric} ({result.ranked_by.said})"
        console().print(table(title, columns, rows))

    call(db, as_json, ranked, render, policy=policy, to_json=_board_json)


@dataclass(frozen=True)
class _Board:
    """A leaderboard as the CLI shows it: what ranked it, its entries, each version's name."""

    ranked_by: RankedBy
    entries: list[LeaderboardEntry]
    labels: dict[str, str]


def _board_json(board: _Board) -> list[dict[str, Any]]:
    """Each entry as the library gives it, with the ``version`` a person names it by."""
    return [
        {**entry.to_dict(), "version": board.labels.get(entry.model.id, entry.model.id)}
        for entry in board.entries
    ]
