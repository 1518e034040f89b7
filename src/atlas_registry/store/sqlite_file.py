"""The SQLite file a URL names: refused when it is a directory, missing or not a database.

The file is only ever looked at through SQLite, never through a file handle
of this process. Closing any descriptor of a file drops every POSIX lock the
process holds on it, the locks of its open SQLite connections included (the
"How To Corrupt An SQLite Database File" page of SQLite's documentation,
section 2.2). Reading the header with ``open()`` did exactly that: a process
that held a registry open and opened a second one on the same file lost its
shared lock, so another process could take itself for the file's last user,
checkpoint and reset the write-ahead log under it, and every new connection
then read "database disk image is malformed". SQLite's own connections share
their descriptors within a process and close none while a lock is held.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from atlas_registry.errors import ConfigurationError, DatabaseNotFoundError


def prepare_sqlite_file(path: Path, *, must_exist: bool, shown_url: str) -> None:
    """Refuse a path that cannot hold the registry; create its folder when it may be created."""
    if path.is_dir():
        raise ConfigurationError(f"{path} is a directory, not a SQLite database file")
    if path.exists() and not path.is_file():
        # /dev/null reads as an empty database and swallows every write; SQLite
        # would also create its journal beside it, in /dev.
        raise ConfigurationError(
            f"{path} is not a regular file (a device, a pipe or a socket), "
            "so it cannot hold a SQLite database"
        )
    if path.exists():
        refuse_non_sqlite(path)
        return
    if must_exist:
        raise DatabaseNotFoundError(
            f"no database at {path}: run `atlas-registry migrate --db {shown_url}` to create it"
        )
    path.parent.mkdir(parents=True, exist_ok=True)


def refuse_non_sqlite(path: Path) -> None:
    """A file SQLite cannot read as a database (an empty file it can) is not ours to open.

    A read-only connection reads the header: it writes nothing to a file that
    turns out not to be a database, and it does not wait for a lock.
    """
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
        try:
            probe.execute("PRAGMA schema_version").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorname != "SQLITE_NOTADB":
            return  # locked, unreadable, ...: the registry's own connection says what and where
        raise ConfigurationError(
            f"{path} is not a SQLite database, or its header is damaged (SQLite: {exc}); check --db"
        ) from exc
