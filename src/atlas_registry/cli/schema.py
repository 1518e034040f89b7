"""`schema check` and `schema upgrade`: stored models against a schema, and re-stamping them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from atlas_registry import Registry, read_document
from atlas_registry.cli.common import DbOption, JsonOption, call, call_reading, stdout, table
from atlas_registry.cli.one_value import CommandApp

schema_app = CommandApp(
    help="Schema governance: check stored models against a schema, re-stamp them."
)

SHOWN_ROWS = 200


def _over_every_model(registry: Registry, label: str, verb: Callable[..., Any]) -> Any:
    """``verb(on_page=...)`` with a progress bar over the stored models, on a terminal only."""
    if not sys.stderr.isatty():
        return verb(on_page=None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(label, total=registry.count_models())
        return verb(on_page=lambda count: progress.advance(task, count))


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

    def read() -> Any:
        return read_document(schema) if schema is not None else None

    def verb(registry: Registry, proposed: Any) -> Any:
        return _over_every_model(
            registry,
            "schema check",
            lambda on_page: registry.check_schema(proposed, on_page=on_page),
        )

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

    result = call_reading(db, as_json, read, verb, render)
    if not result.ok:
        raise typer.Exit(1)


@schema_app.command("upgrade")
def upgrade(
    to: Annotated[str, typer.Option("--to", help="A released schema version, e.g. 1.1.0.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-stamp stored models that satisfy version TO; hold the others for review.

    One transaction per page of models; running it again finishes what an
    interrupted run left. Held models keep the version that validated them.
    """

    def verb(registry: Registry) -> Any:
        return _over_every_model(
            registry, "schema upgrade", lambda on_page: registry.upgrade_schema(to, on_page=on_page)
        )

    def render(result: Any) -> None:
        if result.shown:
            rows = [
                [item.model_id, item.validated_by, violation.path, violation.message]
                for item in result.shown
                for violation in item.violations
            ]
            columns = ["model", "stamped", "path", "problem"]
            stdout.print(table("held for review", columns, rows[:SHOWN_ROWS]))
        stdout.print(
            f"{result.restamped} re-stamped with {result.target}, {result.current} already "
            f"there, {result.newer} newer left alone, {result.held} held for review "
            f"(of {result.checked} stored models)"
        )
        if result.held:
            stdout.print("held models are in `atlas-registry review list`")

    call(db, as_json, verb, render)
