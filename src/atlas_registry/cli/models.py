"""Model commands: validate, register, show, list, lineage."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from atlas_registry import artifact_catalog
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    error_boundary,
    open_database,
    print_json,
    stdout,
    table,
)
from atlas_registry.errors import InputError
from atlas_registry.records import Lineage, LineageEntry, ModelRecord, ModelRegistration
from atlas_registry.validation import validate_metadata

FileArgument = Annotated[str, typer.Argument(help="A JSON file, or - for standard input.")]
ModelId = Annotated[str, typer.Argument(help="The model's artifact id.")]


def read_json(source: str) -> Any:
    """A JSON document from a file or ``-`` (stdin); unreadable input is an InputError."""
    try:
        raw = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {source}: {exc}") from exc
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        name = "standard input" if source == "-" else source
        raise InputError(
            f"{name} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc


def validate(file: FileArgument, as_json: JsonOption = False) -> None:
    """Check one model metadata object against the schema; list every problem."""
    with error_boundary(as_json):
        validate_metadata(read_json(file))
    if as_json:
        print_json({"valid": True})
    else:
        stdout.print("valid")


def register(file: FileArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Register a model version from a JSON file: artifact fields plus "metadata"."""
    with error_boundary(as_json):
        registration = ModelRegistration.from_dict(read_json(file))
        with open_database(db) as database:
            record = artifact_catalog.register_model(database, registration)
    if as_json:
        print_json(record.to_dict())
    else:
        stdout.print(
            f"registered {record.id} (version {record.version_number} of line "
            f"{record.lineage_id}, {record.promotion_state})"
        )


def _facts(record: ModelRecord) -> list[list[Any]]:
    shown = record.to_dict()
    shown.pop("metadata")
    return [
        [key, json.dumps(value) if isinstance(value, dict) else value]
        for key, value in shown.items()
    ]


def show(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one model version: catalog row, version facts and metadata."""
    with error_boundary(as_json), open_database(db) as database:
        record = artifact_catalog.get_model(database, model_id)
    if as_json:
        print_json(record.to_dict())
        return
    stdout.print(table(record.title, ["field", "value"], _facts(record)))
    stdout.print_json(json.dumps(record.metadata))


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
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List models, newest first, filtered by any combination of facts."""
    with error_boundary(as_json), open_database(db) as database:
        records = artifact_catalog.list_models(
            database,
            promotion_state=state,
            model_family=family,
            framework=framework,
            trained_by=trained_by,
            benchmark_id=benchmark,
            base_model_id=base_model,
            is_external=external,
            latest_only=latest,
            limit=limit,
            offset=offset,
        )
    if as_json:
        print_json([r.to_dict() for r in records])
        return
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


def _entry_rows(entries: list[LineageEntry]) -> list[list[Any]]:
    return [
        [e.depth, e.id, e.title, e.version_number, "yes" if e.is_latest else "", e.promotion_state]
        for e in entries
    ]


def lineage(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show a model's version chain and its fine-tune ancestors and descendants."""
    with error_boundary(as_json), open_database(db) as database:
        result: Lineage = artifact_catalog.lineage(database, model_id)
    if as_json:
        print_json(result.to_dict())
        return
    columns = ["depth", "id", "title", "version", "latest", "state"]
    stdout.print(
        table(f"Versions of line {result.lineage_id}", columns, _entry_rows(result.versions))
    )
    stdout.print(table("Fine-tuned from (ancestors)", columns, _entry_rows(result.ancestors)))
    stdout.print(table("Fine-tuned into (descendants)", columns, _entry_rows(result.descendants)))


def leaderboard(
    benchmark: Annotated[str, typer.Argument(help="The benchmark id.")],
    metric: Annotated[str, typer.Argument(help="The metric to rank by, e.g. auroc.")],
    lower_is_better: Annotated[
        bool, typer.Option("--lower-is-better", help="Rank ascending (rmse, brier, ...).")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 10,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The best models of one benchmark by one evaluation metric."""
    with error_boundary(as_json), open_database(db) as database:
        board = artifact_catalog.leaderboard(
            database, benchmark, metric, limit=limit, higher_is_better=not lower_is_better
        )
    if as_json:
        print_json([entry.to_dict() for entry in board])
        return
    rows = [[e.rank, e.value, e.model.id, e.model.title, e.model.promotion_state] for e in board]
    columns = ["rank", metric, "id", "title", "state"]
    stdout.print(table(f"{benchmark}: top {limit} by {metric}", columns, rows))
