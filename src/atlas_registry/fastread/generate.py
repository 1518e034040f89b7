"""Writes ``data/fast_reads.json``: the library's read statements compiled for SQLite, as text.

Run ``python -m atlas_registry.fastread.generate`` after changing a statement
the CLI's fast reads run (the model listing, a model row's columns, the reads
of `show`, the migrations); ``tests/test_cli_fast_read.py`` fails until the
text is current. The reads of `show` are written by the library's own reading
functions, run here on a session that keeps each statement instead of running it.
This module imports the library and SQLAlchemy; nothing imports it at run time.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from atlas_registry.catalog import evaluations, model_files, pin_checks, queries, tags
from atlas_registry.catalog.model_listing import filters_fingerprint, list_query
from atlas_registry.catalog.queries import model_record
from atlas_registry.errors import NotFoundError
from atlas_registry.lifecycle.policy import POLICY_ENV_VAR
from atlas_registry.pins import changes
from atlas_registry.records import ModelRecord
from atlas_registry.store.backends import LOCK_TIMEOUT_SECONDS
from atlas_registry.store.migration_runner import BOOKKEEPING_TABLE, load_migrations
from atlas_registry.store.sql_session import IN_LIST_CHUNK, SqlSession

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


# Stands for the model's id in a kept statement's parameters (the reads of one model).
_MODEL = "model-00000000-0000-0000-0000-000000000000"


class _Keeper(SqlSession):
    """A session that keeps each statement and its parameters, and returns no rows."""

    def __init__(self) -> None:
        super().__init__(None, "sqlite", Exception)
        self.kept: list[tuple[str, tuple[Any, ...]]] = []

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.kept.append((sql, tuple(params)))
        return []


class _KeptDatabase:
    """Enough of a Database for a read that opens its own session: it gets the keeper."""

    def __init__(self, keeper: _Keeper) -> None:
        self.keeper = keeper

    @contextmanager
    def single_read_session(self) -> Iterator[_Keeper]:
        yield self.keeper


def _statement(read: Any) -> dict[str, Any]:
    """The one statement ``read(keeper)`` runs: its text, and its parameters (the model's
    id as ``"id"``)."""
    keeper = _Keeper()
    # fetch_model, finding no row, asks why and raises: its first statement is the read.
    with suppress(NotFoundError):
        read(keeper)
    sql, params = keeper.kept[0]
    return {"sql": sql, "parameters": ["id" if p == _MODEL else p for p in params]}


def show_reads() -> dict[str, Any]:
    """What `show` reads of one model by its id, each statement as the library runs it.

    The model's row is built with :func:`record_fields`, worked out on the
    listing's statement: both must select the same columns.
    """
    model = _statement(lambda k: queries.fetch_model(k, _MODEL))
    listed = compiled(list_query((), False, "sqlite"))[0]
    if listed.split("\nFROM ")[0] != model["sql"].split("\nFROM ")[0]:
        raise RuntimeError("the listing and the read of one model select other columns")
    return {
        "model": model,
        "pin_check": _statement(lambda k: pin_checks.checks_of(k, _MODEL, limit=1)),
        "pin_changes": _statement(lambda k: changes.changes_of(k, _MODEL)),
        "evaluations": _statement(lambda k: evaluations.evaluations_in(k, _MODEL)),
        "tags": _statement(lambda k: tags.effective_tags(_KeptDatabase(k), [_MODEL])),  # type: ignore[arg-type]
        "files": _statement(lambda k: model_files.listed_files(k, [_MODEL])),
        "in_list_chunk": IN_LIST_CHUNK,
    }


def statements() -> dict[str, Any]:
    """What :mod:`.sqlite_reads` runs and how it reads the rows, as the library has them now."""
    first_page = compiled(list_query((), False, "sqlite"))
    return {
        "generated_by": "python -m atlas_registry.fastread.generate (do not edit)",
        "list_first_page": first_page[0],
        "list_first_page_parameters": first_page[1],
        "list_fingerprint": filters_fingerprint({}, False),
        "record_fields": record_fields(),
        "show": show_reads(),
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
