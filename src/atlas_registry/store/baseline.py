"""Adopting a platform's existing ``artifacts`` table as migration 0001.

The catalog exists before the registry: a platform database already holds an
``artifacts`` table, made by its own code, and 0001 (which creates one) cannot
run there. ``baseline`` checks that the table has every column 0001 defines,
with the types the registry reads (timestamps as text, for one; on
PostgreSQL, no text it would pad or cut, judged from its catalog through any
domain: :mod:`~atlas_registry.store.stored_types`), that the columns 0001
makes NOT NULL hold no NULL, and that ``id`` is its key; it then builds
0001's indexes where they are missing (the unique ones are what keeps
version numbering race-safe) and records 0001 as applied, all in one
transaction. Anything it would have to change in the table itself is
refused with the list, and nothing is written: the platform's table is the
platform's. The one change it makes when asked (``add_columns``) is to add
the columns of 0001 the table lacks, as 0001 defines them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.exc import DBAPIError, SAWarning
from sqlalchemy.types import Integer, String, TypeEngine

from atlas_registry.errors import MigrationError, ValidationError, Violation
from atlas_registry.records import REGISTRATION_TEXT_LIMITS
from atlas_registry.store.db import Database
from atlas_registry.store.driver_errors import driver_message
from atlas_registry.store.migration_runner import (
    CREATE_BOOKKEEPING,
    LOCK_KEY,
    Migration,
    load_migrations,
    read_applied,
    record_applied,
    split_statements,
    verify_checksums,
)
from atlas_registry.store.stored_types import stored_types, unfit_for_text
from atlas_registry.store.tables import ARTIFACT_COLUMNS_OF_0001, artifacts

CATALOG_MIGRATION = 1
# The longest text the registry writes to each bounded column; a VARCHAR(n) with
# a smaller n would refuse a registration later, mid-transaction. Columns not
# listed (metadata, origin_url) hold text of any length.
WRITTEN_LENGTHS = {
    **{
        name: limit for name, limit in REGISTRATION_TEXT_LIMITS.items() if name in artifacts.columns
    },
    "id": 200,
    "parent_version_id": 200,
    "superseded_by": 200,
    "lineage_id": 200,
    "artifact_type": 64,
    "lifecycle_state": len("superseded"),
    "origin_type": len("internal"),
    "created_at": len("YYYY-MM-DD HH:MM:SS"),
    "updated_at": len("YYYY-MM-DD HH:MM:SS"),
}
_INDEX = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+", re.IGNORECASE | re.MULTILINE)


def baseline(db: Database, *, add_columns: bool = False) -> Migration:
    """Record the existing ``artifacts`` table as migration 0001; see the module docstring.

    With ``add_columns``, the columns 0001 defines that the table lacks are
    added first, each as 0001 defines it (``ALTER TABLE ... ADD COLUMN``): the
    only change a baseline makes to the table, and one the platform's code
    cannot notice.
    """
    catalog = next(m for m in load_migrations(db.dialect) if m.number == CATALOG_MIGRATION)
    with db.transaction(write=True) as conn:
        db.lock(conn, LOCK_KEY)
        conn.exec_driver_sql(CREATE_BOOKKEEPING)
        applied = read_applied(conn)
        verify_checksums(db.dialect, applied)
        if applied:
            raise MigrationError(
                f"migrations are already recorded here (up to {max(applied):04d}): "
                "a baseline is only for a catalog the registry has never migrated"
            )
        if not inspect(conn).has_table(artifacts.name):
            raise MigrationError(
                "there is no artifacts table to adopt: run `atlas-registry migrate`, "
                "which creates one"
            )
        left_out: dict[str, str] = {}
        if add_columns:
            left_out = _add_missing_columns(conn, catalog, db.dialect)
        problems = table_problems(conn, suggest_adding=not add_columns, left_out=left_out)
        if problems:
            raise ValidationError(
                "the existing artifacts table cannot stand for 0001_artifacts as it is", problems
            )
        for statement in _index_statements(catalog):
            try:
                conn.exec_driver_sql(statement)
            except DBAPIError as exc:
                raise MigrationError(
                    f"the catalog's rows break an index 0001 builds "
                    f"({_without_comments(statement).strip()[:80]}...): "
                    f"{driver_message(exc)}; nothing was recorded"
                ) from exc
        record_applied(conn, catalog)
    return catalog


def table_problems(
    conn: Connection, *, suggest_adding: bool = True, left_out: Mapping[str, str] | None = None
) -> list[Violation]:
    """Every way the existing table differs from what the registry reads and writes.

    ``left_out``: the missing columns ``--add-columns`` could not add, and why.
    """
    inspector = inspect(conn)
    with warnings.catch_warnings():
        # A type SQLAlchemy does not map (bpchar without a length) is read from the
        # catalog below; its reflection need not warn of it.
        warnings.filterwarnings("ignore", "Did not recognize type", SAWarning)
        found = {column["name"]: column for column in inspector.get_columns(artifacts.name)}
    stored = stored_types(conn, artifacts.name) if conn.dialect.name == "postgresql" else {}
    problems = []
    for column in ARTIFACT_COLUMNS_OF_0001:
        existing = found.get(column.name)
        where = f"artifacts.{column.name}"
        if existing is None:
            how = "`migrate baseline --add-columns` adds it" if suggest_adding else "add it"
            missing = f"is missing: {how} as 0001_artifacts.sql defines it"
            if left_out and column.name in left_out:
                missing = f"is missing, and --add-columns cannot add it: {left_out[column.name]}"
            problems.append(Violation(where, missing))
            continue
        wanted = _family(column.type)
        kept = stored.get(column.name)
        if kept is not None and wanted == "text":  # PostgreSQL: its catalog says what it keeps
            why = unfit_for_text(artifacts.name, column.name, kept) or _too_short(
                kept.described, kept.length, WRITTEN_LENGTHS.get(column.name)
            )
        else:  # SQLite (text of any length whatever its type says), or an integer column
            shown = kept.described if kept is not None else str(existing["type"])
            why = _family_problem(existing["type"], wanted, shown)
        if why:
            problems.append(Violation(where, why))
    key = inspector.get_pk_constraint(artifacts.name).get("constrained_columns") or []
    if key != ["id"]:
        problems.append(
            Violation("artifacts.id", f"must be the primary key (the key is {key or 'none'})")
        )
    if not problems:
        problems += _null_problems(conn)
    return problems


def _too_short(shown: str, length: int | None, needed: int | None) -> str | None:
    """Why a text column with a length cannot hold what the registry writes there."""
    if length is None or (needed is not None and length >= needed):
        return None
    at_most = f"up to {needed:,} characters" if needed else "text of any length"
    return f"is {shown}; the registry writes {at_most} here"


def _family_problem(column_type: Any, wanted: str, shown: str) -> str | None:
    """Why a column is not of the family (text, integer) the registry reads it as.

    No change is suggested: on SQLite a column's type changes only with the
    table rebuilt, and PostgreSQL's text columns are judged by :func:`unfit_for_text`.
    """
    if _family(_under_domains(column_type)) == wanted:
        return None
    return f"is {shown}; the registry reads and writes it as {wanted}"


def _under_domains(column_type: Any) -> Any:
    """The type a domain is over (SQLAlchemy reflects a PostgreSQL domain as DOMAIN)."""
    while isinstance(getattr(column_type, "data_type", None), TypeEngine):
        column_type = column_type.data_type
    return column_type


def _add_missing_columns(conn: Connection, catalog: Migration, dialect: str) -> dict[str, str]:
    """Add the columns of 0001 the table lacks, as 0001 defines them; those it cannot, and why."""
    present = {column["name"] for column in inspect(conn).get_columns(artifacts.name)}
    has_rows = conn.execute(select(artifacts.c.id).limit(1)).first() is not None
    left_out = {}
    for name, definition in column_definitions(catalog).items():
        if name in present:
            continue
        if has_rows and _NOT_NULL.search(definition) and "DEFAULT" not in definition.upper():
            left_out[name] = (
                "0001 makes it NOT NULL with no default, and the rows here would have no value; "
                "add it with a value for each row"
            )
            continue
        if dialect == "sqlite" and _EXPRESSION_DEFAULT.search(definition):
            left_out[name] = (
                "SQLite adds no column whose default is an expression, as 0001's is; add it "
                "with a value for each row (the registry fills it on every write)"
            )
            continue
        try:
            conn.exec_driver_sql(f"ALTER TABLE {artifacts.name} ADD COLUMN {definition}")
        except DBAPIError as exc:
            raise MigrationError(
                f"cannot add artifacts.{name} as 0001 defines it: {driver_message(exc)}; "
                "nothing was changed"
            ) from exc
    return left_out


# A column's definition in 0001: from its name at four spaces' indent to the next one.
_COLUMN_START = re.compile(r"^    (?P<name>[a-z_]+) (?P<rest>.*)$")
_TABLE_CONSTRAINT = "CONSTRAINT ck_artifacts_parent_not_self"  # the table's, not a column's
_EXPRESSION_DEFAULT = re.compile(r"DEFAULT\s*\(", re.IGNORECASE)
_NOT_NULL = re.compile(r"\bNOT NULL\b|\bPRIMARY KEY\b", re.IGNORECASE)


def column_definitions(catalog: Migration) -> dict[str, str]:
    """Each column of 0001's CREATE TABLE with its whole definition (type, default, checks).

    Read from the dialect's own 0001 file, so a column is added exactly as a
    fresh database has it; the file cannot change once applied (its checksum).
    """
    body = catalog.sql.split("CREATE TABLE artifacts (", 1)[1].split("\n);", 1)[0]
    definitions: dict[str, list[str]] = {}
    current = None
    for line in body.splitlines():
        if not line.strip() or line.lstrip().startswith("--"):
            continue
        start = _COLUMN_START.match(line)
        if start:
            current = start["name"]
            definitions[current] = [f"{current} {start['rest'].strip()}"]
        elif current is not None and not line.strip().startswith(_TABLE_CONSTRAINT):
            definitions[current].append(line.strip())
    return {name: " ".join(parts).rstrip(",") for name, parts in definitions.items()}


def _family(column_type: Any) -> str:
    if isinstance(column_type, Integer):
        return "an integer"
    if isinstance(column_type, String):  # TEXT, VARCHAR, CHAR
        return "text"
    return str(column_type)


def _null_problems(conn: Connection) -> list[Violation]:
    """NULLs where 0001 has NOT NULL: the registry reads those columns as always set."""
    required = [c for c in ARTIFACT_COLUMNS_OF_0001 if not c.nullable]
    counts = conn.execute(
        select(*(func.count().filter(c.is_(None)) for c in required)).select_from(artifacts)
    ).one()
    return [
        Violation(f"artifacts.{column.name}", f"is NULL in {count} row(s); 0001 makes it NOT NULL")
        for column, count in zip(required, counts, strict=True)
        if count
    ]


def _index_statements(catalog: Migration) -> list[str]:
    """0001's CREATE INDEX statements, each made a no-op where the index exists."""
    return [
        _INDEX.sub(lambda m: f"CREATE {m[1] or ''}INDEX IF NOT EXISTS ", statement, count=1)
        for statement in split_statements(catalog.sql)
        if _INDEX.match(_without_comments(statement))
    ]


def _without_comments(statement: str) -> str:
    lines = [line for line in statement.splitlines() if not line.strip().startswith("--")]
    return "\n".join(lines)
