"""The commands on lines and lineage: ``lines``, ``name-line`` and ``lineage``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from atlas_registry import (
    Lineage,
    LineageEntry,
    LineSummary,
)
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    call,
    stdout,
    table,
)
from atlas_registry.cli.models import ModelId


def _entry_rows(entries: list[LineageEntry]) -> list[list[Any]]:
    return [
        [
            e.depth,
            e.short_id,
            e.id,
            e.title,
            e.version_number,
            "yes" if e.is_latest else "",
            e.promotion_state,
        ]
        for e in entries
    ]


def _lineage_tables(result: Lineage) -> None:
    columns = ["depth", "short id", "id", "title", "version", "latest", "state"]
    stdout.print(
        table(
            f"Versions of line {result.line_name or result.lineage_id}",
            columns,
            _entry_rows(result.versions),
        )
    )
    for title, entries in (
        ("Fine-tuned from (ancestors)", result.ancestors),
        ("Fine-tuned into (descendants)", result.descendants),
    ):  # an empty table's frame reads like a failed lookup: say there are none
        if entries:
            stdout.print(table(title, columns, _entry_rows(entries)))
        else:
            stdout.print(f"{title}: none")
    if result.truncated:
        stdout.print(
            f"the fine-tune chain goes on past {result.depth_limit:,} levels; "
            f"shown up to {result.depth_limit:,}"
        )


def lineage(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show a model's version chain and its fine-tune ancestors and descendants."""
    call(db, as_json, lambda registry: registry.lineage(model_id), _lineage_tables)


def lines(
    name: Annotated[str | None, typer.Argument(help="Only this line.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Named model lines, each with its number of versions, latest and promoted version."""

    def render(found: list[LineSummary]) -> None:
        rows = [
            [
                s.name,
                s.versions,
                f"v{s.latest_version}" if s.latest_version else "",
                f"v{s.promoted_version}" if s.promoted_version else "",
                s.promoted_id or s.latest_id,
            ]
            for s in found
        ]
        columns = ["line", "versions", "latest", "promoted", "id (promoted, else latest)"]
        stdout.print(table(f"{len(found)} model line(s)", columns, rows))

    call(db, as_json, lambda registry: registry.lines(name=name), render)


def name_line(
    model_id: ModelId,
    name: Annotated[str, typer.Argument(help="The line's new name, e.g. ad-risk-predictor.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Name the line of a model that has no name yet (e.g. one registered before names)."""
    call(
        db,
        as_json,
        lambda registry: registry.name_line(model_id, name),
        lambda summary: stdout.print(f"named the line of {model_id} {summary.name}"),
    )
