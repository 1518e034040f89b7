"""Backups that hold every acknowledged write, and restores that check what they restored.

A copy of a SQLite file taken while a server holds it misses the commits still
in the write-ahead log beside it. A backup here is one consistent snapshot
taken while servers keep writing: SQLite's online backup API (one read
transaction, which sees every commit made before it began, the log's
included), or ``pg_dump`` on PostgreSQL (:mod:`.pg_archive`). The file is
written beside its target and moved into place only once complete and read
back, and never replaces a file unless asked to; a link or a device is never
written through. A backup is read whole and checked by :func:`describe`
before anything is restored from it (:mod:`.backup_restore`), by ``restore
--check`` and ``restore`` alike: a file that is no registry's backup, a
damaged one, or one whose migrations are not this version's (unknown or
edited) is refused as the caller's input.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from atlas_registry.errors import (
    AlreadyExistsError,
    ConfigurationError,
    DatabaseFailureError,
    InputError,
    RegistryError,
    capped,
)
from atlas_registry.store import migration_runner, pg_archive
from atlas_registry.store.backends import LOCK_TIMEOUT_SECONDS
from atlas_registry.store.db import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class BackupSummary:
    """What a backup file holds: its migrations, the rows of each table, and its checksum."""

    file: str
    dialect: str
    size_bytes: int
    sha256: str
    migrations: tuple[str, ...]
    tables: dict[str, int] = field(default_factory=dict)
    database: str | None = None  # the database it was taken from, or restored into
    pending: tuple[str, ...] = ()  # this version's migrations the backup is behind by

    @property
    def migration_head(self) -> str | None:
        return self.migrations[-1] if self.migrations else None

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "dialect": self.dialect,
            "database": self.database,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "migration_head": self.migration_head,
            "pending": list(self.pending),
            "tables": dict(self.tables),
        }


# ---------------------------------------------------------------- backup


def backup(database: Database, to: str | Path, *, force: bool = False) -> BackupSummary:
    """Write a consistent backup of ``database`` to ``to`` and say what it holds."""
    target = _backup_target(to, force, database)
    with file_errors(f"cannot write the backup {target}"):
        descriptor, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
        os.close(descriptor)  # mode 0600: a backup holds every token's hash
        partial = Path(name)
        try:
            if database.dialect == "sqlite":
                _sqlite_copy(sqlite_file(database), partial)
            else:
                pg_archive.dump(database, partial)
            _sync(partial)
            # A fault in a file just taken is the database's; its migrations are
            # whatever the database holds, and a backup saves them as they are.
            summary = _described(partial, str(target), DatabaseFailureError, migrations=False)
            _place(partial, target, force)
        finally:
            partial.unlink(missing_ok=True)
    return replace(summary, file=str(target), database=database.display_url)


@contextlib.contextmanager
def file_errors(doing: str) -> Iterator[None]:
    """A file the system refuses (permissions, a full disk) as a sentence, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"{doing}: {exc.strerror or exc}") from exc


def _backup_target(to: str | Path, force: bool, database: Database) -> Path:
    """The file to write, refused before any work when it cannot or must not be written."""
    if not str(to).strip():
        raise InputError("no file named: give the path of the backup file to write")
    target = Path(to)
    if not target.parent.is_dir():
        raise InputError(
            f"{target.parent} is not a folder: a backup is written into a folder that exists"
        )
    try:
        found = os.lstat(target)
    except FileNotFoundError:
        found = None
    if found is not None:
        if stat.S_ISLNK(found.st_mode):
            raise InputError(
                f"{target} is a symbolic link: a backup is never written through one; "
                "give the path of a regular file"
            )
        if not stat.S_ISREG(found.st_mode):
            raise InputError(
                f"{target} is not a regular file (a folder, a device, a pipe or a socket): "
                "give the path of a file to write"
            )
        if not force:
            raise AlreadyExistsError(
                f"{target} already exists: a backup replaces a file only when told to; "
                "back up to a new file"
            )
    source = database.sqlite_file
    if source is not None and _is_database_file(source, target):
        raise InputError(
            f"{target} is the database itself (or its journal): back up to another file"
        )
    return target


def _is_database_file(source: Path, target: Path) -> bool:
    resolved = target.resolve()
    return any(resolved == Path(f"{source.resolve()}{side}") for side in _SIDE_FILES)


def sqlite_file(database: Database) -> Path:
    path = database.sqlite_file
    if path is None:
        raise ConfigurationError(
            "an in-memory database ends with its process: there is nothing to back up or restore"
        )
    return path


def _sqlite_copy(source: Path, to: Path) -> None:
    """SQLite's online backup of ``source`` into ``to``, in one step: one snapshot.

    ``mode=rw`` never creates a missing source. The copy is left in rollback
    journal mode, so it is one self-contained file (the registry turns WAL
    on again when it opens a restored database).
    """
    with open_sqlite(source, "rw") as reading, open_sqlite(to, "rwc") as writing:
        reading.backup(writing)
        writing.execute("PRAGMA journal_mode = DELETE")


@contextlib.contextmanager
def open_sqlite(path: Path, mode: str, damaged: str | None = None) -> Iterator[sqlite3.Connection]:
    """A connection to ``path``; with ``damaged`` (a backup's name), SQLite's failure is the file's.

    A backup SQLite cannot read is damaged input, not a failing database.
    """
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=LOCK_TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise DatabaseFailureError(f"cannot open {path} as a SQLite database: {exc}") from exc
    try:
        yield conn
    except sqlite3.Error as exc:
        if damaged is not None:
            raise InputError(f"{damaged} is damaged: SQLite cannot read it ({exc})") from exc
        raise DatabaseFailureError(f"SQLite failed on {path}: {exc}") from exc
    finally:
        conn.close()


def _sync(path: Path) -> None:
    """The file's bytes on disk before it takes the target's name."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _place(partial: Path, target: Path, force: bool) -> None:
    """Give the complete file its name; without ``force``, never over a file made meanwhile."""
    if force:
        partial.replace(target)
    else:
        try:
            os.link(partial, target)  # fails, atomically, when the name is taken
        except FileExistsError as exc:
            raise AlreadyExistsError(
                f"{target} appeared while the backup was written: back up to a new file"
            ) from exc
        except OSError:  # a file system without hard links: checked, then renamed
            if target.exists() or target.is_symlink():
                raise AlreadyExistsError(
                    f"{target} appeared while the backup was written: back up to a new file"
                ) from None
            partial.replace(target)
    with contextlib.suppress(OSError):  # a folder some systems cannot open: the file is there
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


# ---------------------------------------------------------------- reading a backup


def describe(path: str | Path, *, shown: str | None = None) -> BackupSummary:
    """What the backup file at ``path`` holds, read from every row of it.

    A SQLite backup must pass SQLite's integrity and foreign key checks; a
    PostgreSQL archive must read back whole. Either must be a registry's, at
    migrations this version knows, unedited: ``restore --check`` passes exactly
    what ``restore`` accepts, and both refuse it before anything is written.
    """
    source = _backup_file(path)
    name = shown or str(source)
    with file_errors(f"cannot read {name}"):
        return _described(source, name, InputError, migrations=True)


def _described(
    source: Path, name: str, fault: type[RegistryError], *, migrations: bool
) -> BackupSummary:
    """What ``source`` holds; a file that fails a check raises ``fault``.

    ``fault`` is :class:`InputError` for a backup given to be read or restored,
    and :class:`DatabaseFailureError` for one just taken, whose faults are the
    database's. ``migrations`` checks the backup's migrations against this
    version's.
    """
    head = _head(source)
    if head.startswith(SQLITE_MAGIC):
        dialect = "sqlite"
        damaged = name if fault is InputError else None
        with open_sqlite(source, "ro", damaged) as conn:
            tables = sqlite_checked(conn, name, fault)
            _refuse_foreign(name, tables)
            rows = conn.execute("SELECT number, name, checksum FROM schema_migrations").fetchall()
            applied = sorted((int(n), str(label), str(checksum)) for n, label, checksum in rows)
    elif pg_archive.is_archive(head):
        dialect = "postgresql"
        tables, applied = pg_archive.read_archive(source, name, fault)
        _refuse_foreign(name, tables)
    else:
        raise InputError(f"{name} is neither a SQLite backup nor a pg_dump custom-format archive")
    if migrations:
        _refuse_other_migrations(name, dialect, applied)
    return BackupSummary(
        file=name,
        dialect=dialect,
        size_bytes=source.stat().st_size,
        sha256=_sha256(source),
        migrations=tuple(f"{number:04d}_{label}" for number, label, _ in applied),
        tables=tables,
        pending=_pending(dialect, {number for number, _, _ in applied}),
    )


def _refuse_foreign(name: str, tables: dict[str, int]) -> None:
    if pg_archive.BOOKKEEPING_COPY not in tables:
        raise InputError(f"{name} is not a registry's backup: it has no schema_migrations table")


def _refuse_other_migrations(name: str, dialect: str, applied: list[tuple[int, str, str]]) -> None:
    """Refuse a backup recording a migration this version does not know, or knows otherwise.

    The restored database would be refused by every command that opens it, so
    the backup is refused first, before anything is written.
    """
    packaged = {m.number: m for m in migration_runner.load_migrations(dialect)}
    unknown = [
        f"{number:04d}_{label}"
        for number, label, _ in applied
        if number not in packaged or packaged[number].name != label
    ]
    if unknown:
        raise InputError(
            f"{name} was taken at migrations this version of atlas-registry does not "
            f"know ({', '.join(unknown)}): restore it with the version that made it, or newer"
        )
    edited = [
        f"{packaged[number].label} (checksum {checksum[:12]} in the backup, "
        f"{packaged[number].checksum[:12]} in this version)"
        for number, _, checksum in applied
        if packaged[number].checksum != checksum
    ]
    if edited:
        raise InputError(
            f"{name} records migrations other than this version's: {capped(', '.join(edited))}; "
            "restore it with the version that made it"
        )


def _backup_file(path: str | Path) -> Path:
    source = Path(path)
    if not source.exists():
        raise InputError(f"no backup at {source}")
    if not source.is_file():
        raise InputError(f"{source} is not a regular file: give the path of a backup file")
    return source


def _head(source: Path) -> bytes:
    with source.open("rb") as handle:
        return handle.read(len(SQLITE_MAGIC))


def _sha256(source: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sqlite_checked(
    conn: sqlite3.Connection, name: str, fault: type[RegistryError] = DatabaseFailureError
) -> dict[str, int]:
    """The rows of each table, once SQLite's integrity and foreign key checks pass."""
    damaged = f"{name} is damaged: it" if fault is InputError else name
    problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise fault(f"{damaged} fails SQLite's integrity check: {capped('; '.join(problems))}")
    orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    if orphans:
        table, rowid, parent, _ = orphans[0]
        raise fault(
            f"{damaged} fails SQLite's foreign key check: {len(orphans)} row(s) name a missing "
            f"row, the first in {table} (rowid {rowid}) naming one of {parent}"
        )
    return sqlite_counts(conn)


def sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    return {
        name: int(conn.execute(f"SELECT count(*) FROM {quoted[name]}").fetchone()[0])
        for name in names
    }


def _pending(dialect: str, applied: set[int]) -> tuple[str, ...]:
    return tuple(
        m.label for m in migration_runner.load_migrations(dialect) if m.number not in applied
    )
