"""Writes ``data/fast_reads.json``: the library's read statements compiled for SQLite, as text.

Run ``python -m atlas_registry.fastread.generate`` after changing a statement
the CLI's fast reads run (the model listing, a model row's columns, the
migrations); ``tests/test_cli_fast_read.py`` fails until the text is current.
This module imports the library and SQLAlchemy; nothing imports it at run time.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from atlas_registry.catalog.model_listing import filters_fingerprint, list_query
from atlas_registry.catalog.queries import model_record
from atlas_registry.lifecycle.policy import POLICY_ENV_VAR
from atlas_registry.records import ModelRecord
from atlas_registry.store.backends import LOCK_TIMEOUT_SECONDS
from atlas_registry.store.migration_runner import BOOKKEEPING_TABLE, load_migrations

TARGET = Path(__file__).parents[1] / "data" / "fast_reads.json"


def compiled(statement: Any) -> tuple[str, tuple[str, ...]]:
    """The statement's SQLite text with ``?`` marks, and the name of each mark's parameter."""
    done = statement.compile(dialect=sqlite_dialect())
    return done.string, tuple(done.positiontup or ())


def record_fields() -> tuple[tuple[str, int, str], ...]:
    """For each field of a record, in order: (name, column of a model row, how it is read).

    Asked of :func:`~atlas_registry.catalog.queries.model_record` itself, one column
    at a time, so that the fast reads build records as the library does: ``text``
    as stored, ``json`` decoded, ``bool`` from 0 or 1.
    """
    width = _column_count()
    names = [f.name for f in dataclasses.fields(ModelRecord) if f.init]
    found: dict[str, tuple[int, str]] = {}
    for column in range(width):
        row: list[Any] = ["0"] * width
        row[column] = "1"
        changed = _changed(model_record(["0"] * width), model_record(row), names)
        for name, value in changed:
            found[name] = (column, "json" if value == 1 else "text")
    ident, read = found["id"][0], {column for column, _ in found.values()}
    for column in set(range(width)) - read:
        base: list[Any] = [None] * width
        base[ident] = "x"
        row = list(base)
        row[column] = 1
        for name, value in _changed(model_record(base), model_record(row), names):
            if value is True:
                found[name] = (column, "bool")
    return tuple((name, *found[name]) for name in names)


def _column_count() -> int:
    statement = list_query((), False, "sqlite")
    return len(statement.selected_columns)


def _changed(before: ModelRecord, after: ModelRecord, names: list[str]) -> list[tuple[str, Any]]:
    return [(n, getattr(after, n)) for n in names if getattr(after, n) != getattr(before, n)]


def statements() -> dict[str, Any]:
    """What :mod:`.sqlite_reads` runs and how it reads the rows, as the library has them now."""
    first_page = compiled(list_query((), False, "sqlite"))
    return {
        "generated_by": "python -m atlas_registry.fastread.generate (do not edit)",
        "list_first_page": first_page[0],
        "list_first_page_parameters": first_page[1],
        "list_fingerprint": filters_fingerprint({}, False),
        "record_fields": record_fields(),
        "applied_migrations": f"SELECT number, checksum FROM {BOOKKEEPING_TABLE} ORDER BY number",
        "migrations": tuple((m.number, m.checksum) for m in load_migrations("sqlite")),
        "policy_env_var": POLICY_ENV_VAR,
        "lock_timeout_seconds": LOCK_TIMEOUT_SECONDS,
    }


def source() -> str:
    """The text of ``data/fast_reads.json``."""
    return json.dumps(statements(), indent=1) + "\n"


if __name__ == "__main__":
    TARGET.write_text(source(), "utf-8")
    print(f"wrote {TARGET.name}")
