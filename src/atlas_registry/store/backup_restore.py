"""Restores that go only into an empty database and check what they restored.

The backup is read whole and checked (:func:`.backup.describe`) before
anything is written, so ``restore --check`` passes exactly what a restore
accepts. A SQLite file is restored only into a folder that exists, never
through a link, and made readable by its owner alone, like the backup: it holds
every token's hash. Then the restore proves itself: the migrations are this
version's, integrity and foreign keys hold, and every table holds the rows the
backup holds.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from atlas_registry.errors import AlreadyExistsError, DatabaseFailureError, InputError, capped
from atlas_registry.store import migration_runner, pg_archive
from atlas_registry.store.backup import (
    BackupSummary,
    describe,
    file_errors,
    open_sqlite,
    sqlite_checked,
    sqlite_counts,
    sqlite_file,
)
from atlas_registry.store.db import Database
from atlas_registry.store.urls import parse_url


def restore(source: str | Path, database: Database) -> BackupSummary:
    """Restore the backup at ``source`` into the empty ``database``, then check the result."""
    held = describe(source)
    _refuse_other(held, database)
    if database.dialect == "sqlite":
        target = sqlite_file(database)
        restore_target(target)
        _create_private(target)
        with (
            open_sqlite(Path(held.file), "ro") as reading,
            open_sqlite(target, "rw") as writing,
        ):
            _refuse_non_empty(sqlite_counts(writing), database)
            reading.backup(writing)
            writing.execute("PRAGMA journal_mode = WAL")
    else:
        _refuse_non_empty(pg_archive.table_counts(database), database)
        pg_archive.restore(Path(held.file), database)
    return replace(held, database=database.display_url, tables=_verified(held, database))


def _refuse_other(held: BackupSummary, database: Database) -> None:
    if held.dialect != database.dialect:
        raise InputError(
            f"{held.file} is a {held.dialect} backup and {database.display_url} a "
            f"{database.dialect} database: restore it into a {held.dialect} database"
        )


def refuse_restore_url(url: str) -> None:
    """:func:`restore_target` for the SQLite file ``url`` names, before it is opened."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        restore_target(Path(str(parsed.database)))


def restore_target(target: Path) -> None:
    """Refuse a SQLite file to restore into that is a link, or not in a folder that exists.

    As a backup is never written through a link, nor is a restore: a dangling
    link would have the restore create whatever file it names. A missing folder
    is a mistyped path far more often than a wish, so it is not made.
    """
    if not target.parent.is_dir():
        raise InputError(
            f"{target.parent} is not a folder: a restore is written into a folder that exists"
        )
    if target.is_symlink():
        raise InputError(
            f"{target} is a symbolic link: a restore is never written through one; "
            "give the path of a new file"
        )


def _create_private(target: Path) -> None:
    """Make the new SQLite file readable by its owner alone: it holds every token's hash.

    SQLite gives its journal and write-ahead log the mode of the database file.
    A file already there (which must be empty) keeps the mode it was given.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with file_errors(f"cannot create {target}"):
        try:
            descriptor = os.open(target, flags, 0o600)
        except FileExistsError:
            return
        os.close(descriptor)


def _refuse_non_empty(counts: dict[str, int], database: Database) -> None:
    if counts:
        # The tables that hold rows say what would be lost; a list of every empty
        # table as well outgrew the message limit once the schema had a dozen.
        filled = [f"{table} ({rows} rows)" for table, rows in sorted(counts.items()) if rows]
        holds = f"rows in {', '.join(filled)}" if filled else "no rows yet"
        raise AlreadyExistsError(
            f"{database.display_url} is not empty: it has {len(counts)} tables, "
            f"{capped(holds)}; a restore goes only into a new, empty database"
        )


def _verified(held: BackupSummary, database: Database) -> dict[str, int]:
    """The restored rows of each table, once every check of the restored database passes."""
    if database.dialect == "sqlite":
        with open_sqlite(sqlite_file(database), "ro") as conn:
            counts = sqlite_checked(conn, database.display_url)
    else:
        broken = pg_archive.orphaned_rows(database)
        if broken:
            _failed(database, "; ".join(broken))
        counts = pg_archive.table_counts(database)
    states = migration_runner.status(database)
    wrong = [f"{s.number:04d}_{s.name} {s.status}" for s in states if s.status != "applied"]
    if [entry for entry in wrong if not entry.endswith(" pending")]:
        _failed(database, f"its migrations do not read as this version's: {', '.join(wrong)}")
    differ = [
        f"{table}: {rows} in the backup, {counts.get(table, 0)} restored"
        for table, rows in sorted(held.tables.items())
        if counts.get(table, 0) != rows
    ]
    if differ:
        _failed(database, f"its rows differ from the backup's ({'; '.join(differ)})")
    return counts


def _failed(database: Database, why: str) -> NoReturn:
    raise DatabaseFailureError(
        f"restored into {database.display_url}, but the check failed: {capped(why)}; "
        "do not use it: drop it and restore again"
    )
