"""Read, verify, apply and revert the packaged SQL migrations.

Migrations are plain SQL files shipped with the package, one folder per
dialect. Each is applied in its own transaction together with its bookkeeping
row (number, name, SHA-256 checksum, time), under a lock that serialises
concurrent runners, so a crash or a race can never leave a half-applied file or
apply one twice. An applied file whose bytes changed stops every run: the
database would no longer match the files that claim to describe it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from atlas_registry.errors import MigrationError, SchemaOutOfDateError
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.down_guard import (
    FactCounter,
    LostFacts,
    check_discard_names,
    explain_failed_up,
    fact_columns,
    refuse_unless_consented,
)

BOOKKEEPING_TABLE = "schema_migrations"
LOCK_KEY = "atlas_registry:migrations"
_FILENAME = re.compile(r"^(?P<number>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

CREATE_BOOKKEEPING = f"""
CREATE TABLE IF NOT EXISTS {BOOKKEEPING_TABLE} (
    number INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    """A packaged migration: its SQL text, split into statements only when it runs.

    Every command checks the checksums of the applied migrations when it opens
    the database; splitting two dozen files with sqlparse took longer than the
    rest of a CLI `list`, so that happens only for a migration being applied.
    """

    number: int
    name: str
    filename: str
    sql: str
    down_sql: str | None
    checksum: str

    @property
    def label(self) -> str:
        return f"{self.number:04d}_{self.name}"

    @property
    def statements(self) -> tuple[str, ...]:
        return split_statements(self.sql)

    @property
    def down_statements(self) -> tuple[str, ...] | None:
        return None if self.down_sql is None else split_statements(self.down_sql)


@dataclass(frozen=True)
class AppliedMigration:
    number: int
    name: str
    checksum: str
    applied_at: str


@dataclass(frozen=True)
class MigrationState:
    """One line of ``migrate status``: a packaged file, an applied row, or both."""

    number: int
    name: str
    status: str  # applied | pending | modified | unknown
    checksum: str | None
    applied_checksum: str | None
    applied_at: str | None


@cache
def split_statements(sql: str) -> tuple[str, ...]:
    """Split a SQL script into statements, so a failure can name the one that failed."""
    import sqlparse  # only commands that apply migrations pay for its import

    statements = []
    for chunk in sqlparse.split(sql):
        if sqlparse.format(chunk, strip_comments=True).strip():
            statements.append(chunk.strip())
    return tuple(statements)


@cache
def load_migrations(dialect: str) -> tuple[Migration, ...]:
    """The packaged migrations for ``dialect``, in order, checksummed."""
    folder = resources.files("atlas_registry") / "migrations" / dialect
    migrations = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        match = _FILENAME.match(entry.name)
        if not match:
            continue
        raw = entry.read_bytes()
        down = folder / entry.name.replace(".sql", ".down.sql")
        migrations.append(
            Migration(
                number=int(match["number"]),
                name=match["name"],
                filename=f"migrations/{dialect}/{entry.name}",
                sql=raw.decode("utf-8"),
                down_sql=down.read_text("utf-8") if down.is_file() else None,
                checksum=hashlib.sha256(raw).hexdigest(),
            )
        )
    numbers = [m.number for m in migrations]
    if len(set(numbers)) != len(numbers):
        raise MigrationError(f"two packaged migrations share a number in migrations/{dialect}")
    return tuple(migrations)


def head(dialect: str) -> int:
    migrations = load_migrations(dialect)
    return migrations[-1].number if migrations else 0


# Whether the bookkeeping table exists, asked of the catalog directly: SQLAlchemy's
# inspector costs every Registry.open about 9 ms on PostgreSQL for the same answer.
_HAS_BOOKKEEPING = {
    "sqlite": f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{BOOKKEEPING_TABLE}'",
    "postgresql": f"SELECT 1 WHERE to_regclass('{BOOKKEEPING_TABLE}') IS NOT NULL",
}


def read_applied(conn: Connection) -> dict[int, AppliedMigration]:
    if conn.exec_driver_sql(_HAS_BOOKKEEPING[conn.dialect.name]).first() is None:
        return {}
    rows = conn.execute(
        text(f"SELECT number, name, checksum, applied_at FROM {BOOKKEEPING_TABLE} ORDER BY number")
    )
    return {row.number: AppliedMigration(*row) for row in rows}


def verify_checksums(dialect: str, applied: dict[int, AppliedMigration]) -> None:
    packaged = {m.number: m for m in load_migrations(dialect)}
    for number, row in applied.items():
        migration = packaged.get(number)
        if migration is None:
            raise SchemaOutOfDateError(
                f"the database has migration {number:04d}_{row.name} applied, which this version "
                "of atlas-registry does not know: upgrade atlas-registry"
            )
        if migration.checksum != row.checksum:
            raise MigrationError(
                f"{migration.filename} was edited after it was applied (checksum "
                f"{row.checksum[:12]} in the database, {migration.checksum[:12]} on disk): "
                "restore the file and put the change in a new migration"
            )


def status(db: Database) -> list[MigrationState]:
    """Every packaged and applied migration with its state; reads only."""
    with db.transaction() as conn:
        applied = read_applied(conn)
    packaged = {m.number: m for m in load_migrations(db.dialect)}
    states = []
    for number in sorted(packaged.keys() | applied.keys()):
        migration, row = packaged.get(number), applied.get(number)
        if migration is None:
            assert row is not None
            state = MigrationState(number, row.name, "unknown", None, row.checksum, row.applied_at)
        elif row is None:
            state = MigrationState(
                number, migration.name, "pending", migration.checksum, None, None
            )
        else:
            label = "applied" if row.checksum == migration.checksum else "modified"
            state = MigrationState(
                number, migration.name, label, migration.checksum, row.checksum, row.applied_at
            )
        states.append(state)
    return states


def current_version(db: Database) -> int:
    with db.transaction() as conn:
        applied = read_applied(conn)
    return max(applied, default=0)


def _target(dialect: str, to: int | None) -> int:
    numbers = {m.number for m in load_migrations(dialect)}
    if to is None:
        return head(dialect)
    if to not in numbers and to != 0:
        known = ", ".join(f"{n:04d}" for n in sorted(numbers))
        raise MigrationError(f"no migration {to:04d}; known migrations: {known}")
    return to


def _execute_all(conn: Connection, migration: Migration, statements: tuple[str, ...]) -> None:
    for index, statement in enumerate(statements, start=1):
        try:
            conn.exec_driver_sql(statement)
        except DBAPIError as exc:
            first_line = statement.splitlines()[0][:120]
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise MigrationError(
                f"{migration.filename}: statement {index} ({first_line!r}) failed: {reason}; "
                "the database was left at the previous migration"
            ) from exc


def _apply_one(db: Database, migration: Migration) -> bool:
    try:
        return _apply_one_in_transaction(db, migration)
    except MigrationError as failed:
        raise explain_failed_up(db, failed) from failed


def _apply_one_in_transaction(db: Database, migration: Migration) -> bool:
    with db.transaction(write=True) as conn:
        db.lock(conn, LOCK_KEY)
        conn.exec_driver_sql(CREATE_BOOKKEEPING)
        applied = read_applied(conn)
        verify_checksums(db.dialect, applied)
        if migration.number in applied:
            return False
        _execute_all(conn, migration, migration.statements)
        record_applied(conn, migration)
    return True


def record_applied(conn: Connection, migration: Migration) -> None:
    """The bookkeeping row of ``migration``, written in the transaction that applied it."""
    conn.execute(
        text(
            f"INSERT INTO {BOOKKEEPING_TABLE} (number, name, checksum, applied_at) "
            "VALUES (:number, :name, :checksum, :applied_at)"
        ),
        {
            "number": migration.number,
            "name": migration.name,
            "checksum": migration.checksum,
            "applied_at": utc_timestamp(),
        },
    )


def migrate(
    db: Database,
    to: int | None = None,
    on_applied: Callable[[Migration], None] | None = None,
) -> list[Migration]:
    """Apply pending migrations up to ``to`` (default: the newest); returns what was applied.

    Forward only: a target below what is applied is refused (see :func:`downgrade`).
    """
    target = _target(db.dialect, to)
    with db.transaction() as conn:
        applied = read_applied(conn)
        foreign_catalog = not applied and inspect(conn).has_table("artifacts")
    verify_checksums(db.dialect, applied)
    if foreign_catalog and target >= 1:
        # A platform's own catalog: 0001 would fail on "artifacts already exists".
        raise MigrationError(
            "the database already has an artifacts table that no migration made; if it is "
            f"the platform's catalog, adopt it with `atlas-registry migrate baseline --db "
            f"{db.display_url}`, then run `migrate` again"
        )
    current = max(applied, default=0)
    if target < current:
        raise MigrationError(
            f"the database is at {current:04d}, past {target:04d}; migrate only moves forward "
            f"(use `atlas-registry migrate down --to {target:04d} --yes` to revert)"
        )
    done = []
    for migration in load_migrations(db.dialect):
        if migration.number <= target and _apply_one(db, migration):
            done.append(migration)
            if on_applied:
                on_applied(migration)
    return done


def _down_statements(migration: Migration) -> tuple[str, ...]:
    if migration.down_statements is None:
        raise MigrationError(
            f"{migration.filename} has no down file ({migration.label}.down.sql); "
            "it cannot be reverted automatically"
        )
    return migration.down_statements


def _run_down(conn: Connection, counter: FactCounter, migration: Migration) -> list[LostFacts]:
    """Run one down file on ``conn``; returns the facts it took."""
    down_sql = migration.down_sql or ""
    counter.before(down_sql)
    _execute_all(conn, migration, _down_statements(migration))
    return counter.after(migration.label, down_sql)


def facts_lost(
    db: Database, migrations: list[Migration]
) -> tuple[list[LostFacts], set[str], set[str]]:
    """The facts running ``migrations``' down files in turn would destroy; changes nothing.

    The down files run in one transaction that is rolled back (both databases
    undo DDL), so the count is what the run would really take. Also returns the
    tables that hold facts and their columns (``table.column``), for checking
    the names a caller consents to lose.
    """
    with db.transaction(write=True, commit=False) as conn:
        db.lock(conn, LOCK_KEY)
        counter = FactCounter(conn)
        columns = fact_columns(conn, counter.tables)
        lost = [item for m in migrations for item in _run_down(conn, counter, m)]
    return lost, counter.tables, columns


def _revert_one(db: Database, migration: Migration, discard: Collection[str], target: int) -> bool:
    with db.transaction(write=True) as conn:
        db.lock(conn, LOCK_KEY)
        applied = read_applied(conn)
        verify_checksums(db.dialect, applied)
        if migration.number not in applied:
            return False
        # Counted again here: rows written since the dry run are facts too.
        refuse_unless_consented(_run_down(conn, FactCounter(conn), migration), discard, target)
        conn.execute(
            text(f"DELETE FROM {BOOKKEEPING_TABLE} WHERE number = :number"),
            {"number": migration.number},
        )
    return True


def downgrade(
    db: Database,
    to: int,
    on_reverted: Callable[[Migration], None] | None = None,
    *,
    discard: Collection[str] = (),
) -> list[Migration]:
    """Run the down files of every applied migration above ``to``, newest first.

    Only ever called on explicit request: down files drop tables and lose data.
    A run that would destroy recorded facts (rows of any table but the derived
    ones, :data:`.append_only.DERIVED`), or the non-NULL values of a column it
    drops (``table.column``), is refused before it reverts anything, naming each
    table and its row count, each column and its value count, unless every one
    is in ``discard``.
    """
    target = _target(db.dialect, to)
    with db.transaction() as conn:
        applied = read_applied(conn)
    verify_checksums(db.dialect, applied)
    newest_first = reversed(load_migrations(db.dialect))
    steps = [m for m in newest_first if m.number > target and m.number in applied]
    for migration in steps:
        _down_statements(migration)  # every down file exists before any runs
    lost, tables, columns = facts_lost(db, steps)
    check_discard_names(discard, tables, columns)
    refuse_unless_consented(lost, discard, target)
    done = []
    for migration in steps:
        if _revert_one(db, migration, discard, target):
            done.append(migration)
            if on_reverted:
                on_reverted(migration)
    return done


def ensure_current(db: Database) -> None:
    """Refuse to work on a database that is not at this code's head migration.

    Called once per handle, by :meth:`atlas_registry.registry.Registry.open`.
    """
    with db.transaction() as conn:
        applied = read_applied(conn)
    verify_checksums(db.dialect, applied)
    expected = head(db.dialect)
    missing = [m.label for m in load_migrations(db.dialect) if m.number not in applied]
    if missing:
        at = f"{max(applied):04d}" if applied else "no migration"
        remedy = f"back up the database, then run `atlas-registry migrate --db {db.display_url}`"
        if db.dialect == "sqlite" and db.sqlite_file is None:
            # A `migrate` in another process would migrate a database of its own.
            remedy = (
                "an in-memory database starts empty in every process, so no `migrate` can "
                "reach it: use a file, e.g. `atlas-registry migrate --db sqlite:///scratch.db`"
            )
        raise SchemaOutOfDateError(
            f"schema out of date: the database is at {at}, this version of atlas-registry "
            f"needs {expected:04d} (pending: {', '.join(missing)}); {remedy}"
        )
