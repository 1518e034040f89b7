"""`schema check`: what the schema in force, or a proposed one, would refuse among stored models."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from atlas_registry import Registry, read_document
from atlas_registry.cli.common import DbOption, JsonOption, call, stdout, table

schema_app = typer.Typer(help="Schema governance: check stored models against a schema.")

SHOWN_ROWS = 200


def _checked(registry: Registry, proposed: Any) -> Any:
    if not sys.stderr.isatty():
        return registry.check_schema(proposed)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("schema check"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("check", total=registry.count_models())
        return registry.check_schema(proposed, on_page=lambda count: progress.advance(task, count))


@schema_app.command("check")
def check(
    schema: Annotated[
        str | None,
        typer.Option("--schema", help="A proposed schema file (default: the schema in force)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Validate every stored model's metadata; exit 1 when any would be refused."""

    def verb(registry: Registry) -> Any:
        proposed = read_document(schema) if schema is not None else None
        return _checked(registry, proposed)

    def render(result: Any) -> None:
        if result.ok:
            stdout.print(f"all {result.checked} stored models satisfy {result.schema_id}")
            return
        rows = [
            [item.model_id, violation.path, violation.message]
            for item in result.shown
            for violation in item.violations
        ]
        stdout.print(table(None, ["model", "path", "problem"], rows[:SHOWN_ROWS]))
        if len(rows) > SHOWN_ROWS or result.breaking > len(result.shown):
            stdout.print("(more in --json output)")
        stdout.print(
            f"{result.breaking} of {result.checked} stored models would be refused by "
            f"{result.schema_id}"
        )

    result = call(db, as_json, verb, render)
    if not result.ok:
        raise typer.Exit(1)
