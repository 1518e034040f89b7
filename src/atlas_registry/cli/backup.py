"""``atlas-registry backup`` and ``restore``: a consistent copy while servers write, and back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from atlas_registry import AlreadyExistsError, BackupSummary, InputError, SchemaAdmin
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    call_admin,
    error_boundary,
    run,
    stdout,
    table,
)


def _render(verb: str) -> Callable[[BackupSummary], None]:
    def render(summary: BackupSummary) -> None:
        if verb == "restored":
            stdout.print(f"restored {summary.file} into {summary.database}")
            stdout.print("checked: integrity, foreign keys, migrations, rows of every table")
        elif verb == "wrote":
            stdout.print(f"wrote {summary.file}, a backup of {summary.database}")
        else:
            stdout.print(f"{summary.file}: a {summary.dialect} backup, read whole and checked")
        stdout.print(f"size {summary.size_bytes:,} bytes, sha256 {summary.sha256}")
        stdout.print(f"migration head {summary.migration_head or 'none'}")
        rows = [[name, f"{count:,}"] for name, count in sorted(summary.tables.items())]
        stdout.print(table(None, ["table", "rows"], rows))
        if summary.pending:
            where = f" --db {summary.database}" if verb == "restored" else ""
            stdout.print(
                f"behind this version by {', '.join(summary.pending)}: "
                f"run `atlas-registry migrate{where}` before serving it"
            )

    return render


def backup(
    to: Annotated[Path, typer.Option("--to", help="The backup file to write.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a file already at --to (never a link).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Back up the database while servers write: SQLite's online backup, or pg_dump.

    The file appears whole or not at all, readable by its owner only; what it
    holds (migration head, rows of each table, sha256) is printed.
    """

    def write(admin: SchemaAdmin) -> BackupSummary:
        try:
            return admin.backup(to, force=force)
        except AlreadyExistsError as error:  # the library names no flag; here it is --force
            raise AlreadyExistsError(f"{error.message}, or replace it with --force") from error

    call_admin(db, as_json, write, _render("wrote"))


def restore(
    source: Annotated[Path, typer.Option("--from", help="The backup file to restore.")],
    check: Annotated[
        bool,
        typer.Option("--check", help="Only read the backup whole and check it; restore nothing."),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="The new, empty database to restore into.", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup into a new, empty database, then check it; or --check a backup."""
    if check:
        run(as_json, lambda: SchemaAdmin.check_backup(source), _render("checked"))
        return
    if db is None:  # never the default database: a restore names where it goes
        with error_boundary(as_json):
            raise InputError("restore needs --db: the URL of a new, empty database")

    def restored() -> BackupSummary:
        with SchemaAdmin.open_for_restore(db) as admin:
            return admin.restore(source)

    run(as_json, restored, _render("restored"))
