"""``atlas-registry migrate``: apply, inspect and revert schema migrations."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from atlas_registry import InputError, Migration, MigrationState, SchemaAdmin
from atlas_registry.cli.common import DbOption, JsonOption, call_admin, stderr, stdout, table
from atlas_registry.cli.one_value import CommandApp

migrate_app = CommandApp(
    help="Apply, inspect and revert the database schema migrations.",
    invoke_without_command=True,
    no_args_is_help=False,
)

ToOption = Annotated[
    int | None, typer.Option("--to", min=1, help="Stop at this migration number, e.g. 0001.")
]


class _Moved:
    """The migrations one run applied or reverted, and the database they were run on."""

    def __init__(self, verb: str, migrations: list[Migration], url: str) -> None:
        self.verb, self.migrations, self.url = verb, migrations, url

    def to_dict(self) -> dict[str, object]:
        return {self.verb: [m.label for m in self.migrations], "database": self.url}

    def render(self) -> None:
        for migration in self.migrations:
            stdout.print(f"{self.verb} {migration.label}")
        if not self.migrations:
            if self.verb == "reverted":
                stderr.print("nothing to revert")
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

    def apply(admin: SchemaAdmin) -> _Moved:
        return _Moved("applied", admin.migrate(to), admin.url)

    call_admin(db, as_json, apply, _Moved.render, create=True)


class _Status:
    def __init__(self, url: str, states: list[MigrationState]) -> None:
        self.url, self.states = url, states

    def to_dict(self) -> dict[str, object]:
        return {"database": self.url, "migrations": [asdict(s) for s in self.states]}

    def render(self) -> None:
        rows = [
            [
                f"{s.number:04d}",
                s.name,
                s.status,
                (s.checksum or s.applied_checksum or "")[:12],
                s.applied_at,
            ]
            for s in self.states
        ]
        columns = ["number", "name", "status", "checksum", "applied (UTC)"]
        stdout.print(table(f"Migrations on {self.url}", columns, rows))


@migrate_app.command("status")
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show applied and pending migrations with their checksums. Reads only."""
    call_admin(db, as_json, lambda admin: _Status(admin.url, admin.status()), _Status.render)


@migrate_app.command("baseline")
def baseline(
    add_columns: Annotated[
        bool,
        typer.Option(
            "--add-columns", help="First add the columns 0001 defines that the table lacks."
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Adopt the platform's existing artifacts table as 0001, checked, with 0001's indexes."""

    def adopt(admin: SchemaAdmin) -> _Moved:
        return _Moved("adopted", [admin.baseline(add_columns=add_columns)], admin.url)

    call_admin(db, as_json, adopt, _Moved.render)


@migrate_app.command("down")
def down(
    to: Annotated[
        int, typer.Option("--to", min=0, help="Revert every migration above this number.")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: down migrations drop tables and lose data.")
    ] = False,
    drop: Annotated[
        list[str] | None,
        typer.Option(
            "--drop",
            metavar="TABLE[.COLUMN]",
            help="Consent to lose this table's rows, or this column's values (repeat per "
            "name); without it, a down path that would destroy rows of a table holding "
            "facts, or the values of a column it drops, is refused.",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revert migrations above --to, newest first, by running their down files.

    Refused, naming each table and its row count (each column and its value
    count), when it would destroy recorded facts (tokens, pin checks, history,
    claimed authors...) of a table or table.column not named with --drop.
    """

    def revert(admin: SchemaAdmin) -> _Moved:
        if not yes:  # a missing confirmation is a usage error, not a failed migration
            raise InputError(
                "down migrations drop tables and lose their data; back up the database, "
                "then re-run with --yes"
            )
        return _Moved("reverted", admin.downgrade(to, discard=drop or ()), admin.url)

    call_admin(db, as_json, revert, _Moved.render)
