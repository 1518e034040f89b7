"""``atlas-registry migrate``: apply, inspect and revert schema migrations."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from atlas_registry import migration_runner
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    error_boundary,
    open_database,
    print_json,
    stderr,
    stdout,
    table,
)
from atlas_registry.errors import MigrationError
from atlas_registry.migration_runner import Migration

migrate_app = typer.Typer(
    help="Apply, inspect and revert the database schema migrations.",
    invoke_without_command=True,
    no_args_is_help=False,
)

ToOption = Annotated[
    int | None, typer.Option("--to", help="Stop at this migration number, e.g. 0001.")
]


def _report(verb: str, migrations: list[Migration], as_json: bool, db_url: str) -> None:
    if as_json:
        print_json({verb: [m.label for m in migrations], "database": db_url})
    elif migrations:
        for migration in migrations:
            stdout.print(f"{verb} {migration.label}")
    else:
        stdout.print("nothing to do: the database is already there")


@migrate_app.callback()
def migrate(
    ctx: typer.Context,
    to: ToOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply every pending migration (or up to --to). Safe to re-run; forward only."""
    if ctx.invoked_subcommand is not None:
        return
    with error_boundary(as_json), open_database(db, must_exist=False) as database:
        applied = migration_runner.migrate(database, to=to)
    _report("applied", applied, as_json, database.display_url)


@migrate_app.command("status")
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show applied and pending migrations with their checksums. Reads only."""
    with error_boundary(as_json), open_database(db) as database:
        states = migration_runner.status(database)
    if as_json:
        print_json({"database": database.display_url, "migrations": [asdict(s) for s in states]})
        return
    rows = [
        [
            f"{s.number:04d}",
            s.name,
            s.status,
            (s.checksum or s.applied_checksum or "")[:12],
            s.applied_at,
        ]
        for s in states
    ]
    stdout.print(
        table(
            f"Migrations on {database.display_url}",
            ["number", "name", "status", "checksum", "applied_at"],
            rows,
        )
    )


@migrate_app.command("down")
def down(
    to: Annotated[int, typer.Option("--to", help="Revert every migration above this number.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: down migrations drop tables and lose data.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revert migrations above --to, newest first, by running their down files."""
    with error_boundary(as_json):
        if not yes:
            raise MigrationError(
                "down migrations drop tables and lose their data; back up the database, "
                "then re-run with --yes"
            )
        with open_database(db) as database:
            reverted = migration_runner.downgrade(database, to=to)
    if not as_json and not reverted:
        stderr.print("nothing to revert")
        return
    _report("reverted", reverted, as_json, database.display_url)
