"""Model commands: validate, register, show, list, lineage, leaderboard."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from atlas_registry import (
    MAX_PAGE,
    LeaderboardEntry,
    Lineage,
    LineageEntry,
    ModelRecord,
    ModelRegistration,
    read_document,
    validate_metadata,
)
from atlas_registry.cli.common import DbOption, JsonOption, call, run, stdout, table

FileArgument = Annotated[str, typer.Argument(help="A JSON file, or - for standard input.")]
ModelId = Annotated[str, typer.Argument(help="The model's artifact id.")]


def validate(file: FileArgument, as_json: JsonOption = False) -> None:
    """Check one model metadata object against the schema; list every problem."""
    run(
        as_json,
        lambda: validate_metadata(read_document(file)),
        lambda _: stdout.print("valid"),
        lambda _: {"valid": True},
    )


def register(file: FileArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Register a model version from a JSON file: artifact fields plus "metadata"."""
    registration = ModelRegistration.from_dict
    call(
        db,
        as_json,
        lambda registry: registry.register_model(registration(read_document(file))),
        lambda record: stdout.print(
            f"registered {record.id} (version {record.version_number} of line "
            f"{record.lineage_id}, {record.promotion_state})"
        ),
    )


def _show(record: ModelRecord) -> None:
    shown = record.to_dict()
    shown.pop("metadata")
    rows = [
        [key, json.dumps(value) if isinstance(value, dict) else value]
        for key, value in shown.items()
    ]
    stdout.print(table(record.title, ["field", "value"], rows))
    stdout.print_json(json.dumps(record.metadata))


def show(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one model version: catalog row, version facts and metadata."""
    call(db, as_json, lambda registry: registry.get_model(model_id), _show)


def _list_table(records: list[ModelRecord]) -> None:
    rows = [
        [
            r.id,
            r.title,
            r.version_number,
            r.promotion_state,
            r.model_family,
            r.framework,
            r.benchmark_id,
            r.trained_by,
        ]
        for r in records
    ]
    columns = ["id", "title", "v", "state", "family", "framework", "benchmark", "trained_by"]
    stdout.print(table(f"{len(records)} model(s)", columns, rows))


def list_command(
    state: Annotated[str | None, typer.Option("--state", help="Promotion state.")] = None,
    family: Annotated[str | None, typer.Option("--family", help="metadata.model_family")] = None,
    framework: Annotated[str | None, typer.Option("--framework")] = None,
    trained_by: Annotated[str | None, typer.Option("--trained-by")] = None,
    benchmark: Annotated[str | None, typer.Option("--benchmark")] = None,
    base_model: Annotated[str | None, typer.Option("--base-model")] = None,
    external: Annotated[
        bool | None, typer.Option("--external/--internal", help="Only external/internal models.")
    ] = None,
    latest: Annotated[
        bool, typer.Option("--latest", help="Only the latest version of each line.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_PAGE)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List models, newest first, filtered by any combination of facts."""
    filters = {
        "promotion_state": state,
        "model_family": family,
        "framework": framework,
        "trained_by": trained_by,
        "benchmark_id": benchmark,
        "base_model_id": base_model,
        "is_external": external,
        "latest_only": latest,
        "limit": limit,
        "offset": offset,
    }
    call(db, as_json, lambda registry: registry.list_models(**filters), _list_table)


def _entry_rows(entries: list[LineageEntry]) -> list[list[Any]]:
    return [
        [e.depth, e.id, e.title, e.version_number, "yes" if e.is_latest else "", e.promotion_state]
        for e in entries
    ]


def _lineage_tables(result: Lineage) -> None:
    columns = ["depth", "id", "title", "version", "latest", "state"]
    stdout.print(
        table(f"Versions of line {result.lineage_id}", columns, _entry_rows(result.versions))
    )
    stdout.print(table("Fine-tuned from (ancestors)", columns, _entry_rows(result.ancestors)))
    stdout.print(table("Fine-tuned into (descendants)", columns, _entry_rows(result.descendants)))
    if result.truncated:
        stdout.print(
            f"the fine-tune chain goes on past {result.depth_limit:,} levels; "
            f"shown up to {result.depth_limit:,}"
        )


def lineage(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show a model's version chain and its fine-tune ancestors and descendants."""
    call(db, as_json, lambda registry: registry.lineage(model_id), _lineage_tables)


def leaderboard(
    benchmark: Annotated[str, typer.Argument(help="The benchmark id.")],
    metric: Annotated[str, typer.Argument(help="The metric to rank by, e.g. auroc.")],
    lower_is_better: Annotated[
        bool, typer.Option("--lower-is-better", help="Rank ascending (rmse, brier, ...).")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_PAGE)] = 10,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The best models of one benchmark by one evaluation metric."""

    def render(board: list[LeaderboardEntry]) -> None:
        rows = [
            [e.rank, e.value, e.model.id, e.model.title, e.model.promotion_state] for e in board
        ]
        columns = ["rank", metric, "id", "title", "state"]
        stdout.print(table(f"{benchmark}: top {limit} by {metric}", columns, rows))

    call(
        db,
        as_json,
        lambda registry: registry.leaderboard(
            benchmark, metric, limit=limit, higher_is_better=not lower_is_better
        ),
        render,
    )
