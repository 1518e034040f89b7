"""The first page of the model listing, read from a SQLite registry with ``sqlite3`` alone;
and what every fast read shares: the file a URL names, a database at this head, a model row.

Every step that could go another way than the library's returns None instead
of an answer: a URL that is not a plain ``sqlite:///PATH``, a missing file, a
database not at exactly this version's migrations (checksums included), a gate
policy named in the environment (the library reads it when it opens), any
driver error. The caller then asks the library, which gives the same answer
or the same error as it always did; the fast read never gives another one.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from atlas_registry.errors import RegistryError
from atlas_registry.records import ModelRecord, decode_json
from atlas_registry.store.paging import make_page_token
from atlas_registry.store.urls import resolve_url

STATEMENTS = Path(__file__).parents[1] / "data" / "fast_reads.json"
SQLITE_PREFIX = "sqlite:///"
# A URL with any of these is read by SQLAlchemy's URL parser (a query string,
# percent-escapes): the library opens it.
_PARSED_BY_SQLALCHEMY = ("?", "#", "%")


@dataclass(frozen=True)
class FirstPage:
    """The listing's first page, as :class:`~atlas_registry.Page` has it."""

    items: list[ModelRecord]
    next_page_token: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": [m.to_dict() for m in self.items], "next_page_token": self.next_page_token}


@cache
def statements() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(STATEMENTS.read_text("utf-8"))
    return loaded


def first_page(flag: str | None, page_size: int) -> FirstPage | None:
    """``list`` with no filter, no token and no offset, newest first; None: ask the library."""
    known = statements()
    if os.environ.get(known["policy_env_var"]) is not None:
        return None
    path = sqlite_path(flag)
    if path is None:
        return None
    try:
        rows = _read(path, page_size + 1)
    except sqlite3.Error:
        return None
    if rows is None:
        return None
    items = [model_from_row(row, known["record_fields"]) for row in rows[:page_size]]
    token = None
    if len(rows) > page_size:
        last = items[-1]
        position = (last.registered_at, str(last.version_number), last.id)
        token = make_page_token(known["list_fingerprint"], *position)
    return FirstPage(items, token)


def sqlite_path(flag: str | None) -> Path | None:
    """The existing file a plain ``sqlite:///PATH`` URL names; None for anything else."""
    try:
        url = resolve_url(flag)
    except RegistryError:
        return None
    if not url.startswith(SQLITE_PREFIX):
        return None
    raw = url[len(SQLITE_PREFIX) :]
    if not raw or raw == ":memory:" or any(mark in raw for mark in _PARSED_BY_SQLALCHEMY):
        return None
    path = Path(raw)
    return path if path.is_file() else None


def _read(path: Path, limit: int) -> list[Any] | None:
    """The listing's rows, or None when the database is not at exactly this version's head."""
    with at_head(path) as conn:
        if conn is None:
            return None
        text = statements()["list_first_page"]
        text = text.replace("__[POSTCOMPILE_page_limit]", str(int(limit)))
        text = text.replace("__[POSTCOMPILE_page_offset]", "0")
        return conn.execute(text).fetchall()


@contextmanager
def at_head(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A connection in one read transaction, or None when the database is not at exactly
    this version's head (its migrations and their checksums).

    Opened read-write, as the library opens it (a read-only connection cannot
    take part in the write-ahead log's bookkeeping), but no statement here writes.
    """
    known = statements()
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw",
        uri=True,
        timeout=known["lock_timeout_seconds"],
        isolation_level=None,
    )
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("BEGIN")
        applied = [list(row) for row in conn.execute(known["applied_migrations"])]
        yield conn if applied == known["migrations"] else None
    finally:
        conn.close()


_READ = {"text": None, "json": decode_json, "bool": bool}


def model_from_row(row: Any, fields: list[list[Any]]) -> ModelRecord:
    """A model row as the library's ``model_record`` builds it (the columns it reads, and how)."""
    values: list[Any] = []
    for _name, column, how in fields:
        convert = _READ[how]
        values.append(row[column] if convert is None else convert(row[column]))
    return ModelRecord(*values)
