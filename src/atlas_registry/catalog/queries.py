"""Reading one model with its facts (filtered lists: :mod:`.model_listing`; lineage:
:mod:`.lineage`).

Every read returns a frozen record built inside its transaction. The columns and
joins of a model row, and the record built from one, are defined here once: the
listings and leaderboards select the same columns and build the same records.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BindParameter, Connection, Integer, bindparam, func, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from atlas_registry.errors import NotFoundError
from atlas_registry.records import ModelRecord, decode_json
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import Pending, SqlSession, chunked
from atlas_registry.store.tables import artifacts, model_lines, model_versions

ROOT = func.coalesce(artifacts.c.lineage_id, artifacts.c.id)


def inline_count(name: str | None = None, value: int | None = None) -> BindParameter[int]:
    """A LIMIT or OFFSET written into the statement's text instead of bound as a parameter.

    psycopg prepares a statement it sees repeatedly, and PostgreSQL plans a
    prepared statement whose LIMIT is a parameter afresh on every run: a
    generic plan cannot know how many rows are wanted. Planning the catalog's
    joins took longer than running them (0.8 ms against 0.1 ms for a page of
    one model). With the count in the text, each page size is one statement
    that PostgreSQL plans once; SQLite is indifferent.
    """
    return bindparam(name, value, type_=Integer, literal_execute=True)


# The columns of a model row, from the tables of one (MODEL_TABLES): every read of
# models selects them (one model here, the listings, the leaderboards) and builds
# its records with model_record.
MODEL_COLUMNS = [
    # A model's claimed author is its version's (model_versions.claimed_by); the
    # artifacts column of that name holds a dataset's, and is NULL on a model.
    *(c for c in artifacts.c if c.name != "claimed_by"),
    ROOT.label("lineage_root"),
    # line_id repeats lineage_root: the database keeps it for its one-promoted index.
    *(c for c in model_versions.c if c.name not in {"artifact_id", "created_at", "line_id"}),
    model_versions.c.created_at.label("registered_at"),
    model_lines.c.name.label("line_name"),
]


MODEL_TABLES = artifacts.join(
    model_versions, model_versions.c.artifact_id == artifacts.c.id
).outerjoin(model_lines, model_lines.c.root_id == ROOT)


_FETCH = select(*MODEL_COLUMNS).select_from(MODEL_TABLES).where(artifacts.c.id == bindparam("id"))


_COLUMN_KEYS = [str(c.key) for c in _FETCH.selected_columns]


def _converters() -> list[tuple[int, Callable[[Any], Any] | None]]:
    """For each ModelRecord field in order: its position in a model row, and how to convert it."""
    source = {
        "metadata": "metadata",
        "training_params": "training_params_json",
        "eval_metrics": "eval_metrics_json",
        "lineage_id": "lineage_root",
    }
    convert: dict[str, Callable[[Any], Any]] = {
        "metadata": decode_json,
        "training_params": decode_json,
        "eval_metrics": decode_json,
        "is_latest": bool,
        "is_external": bool,
    }
    return [  # short_id is derived from the id by the record itself
        (_COLUMN_KEYS.index(source.get(f.name, f.name)), convert.get(f.name))
        for f in dataclasses.fields(ModelRecord)
        if f.init
    ]


_CONVERTERS = _converters()
# The same, as one C-level pick of every field's column and the few fields to convert.
_PICK = operator.itemgetter(*(position for position, _ in _CONVERTERS))
_CONVERTED = [(field, convert) for field, (_, convert) in enumerate(_CONVERTERS) if convert]


def record_from_rows(
    artifact_row: dict[str, Any], version_row: dict[str, Any], line_name: str | None
) -> ModelRecord:
    """The record of a model just written, from the rows written: no read back needed."""
    merged = {**artifact_row, **version_row}
    merged["lineage_root"] = artifact_row["lineage_id"] or artifact_row["id"]
    merged["registered_at"] = version_row["created_at"]
    merged["line_name"] = line_name
    return model_record([merged.get(key) for key in _COLUMN_KEYS])


def model_record(row: Sequence[Any]) -> ModelRecord:
    """A joined artifacts + model_versions row as a record: JSON decoded, 0/1 as booleans.

    Positional, with converters worked out once: lists of a thousand models are
    built at the speed the database returns them. The columns are picked in one
    call and only the five converted fields touched in Python: a page of 50 at
    a million versions spent more time here than in the database.
    """
    values = list(_PICK(row))
    for field, convert in _CONVERTED:
        values[field] = convert(values[field])
    return ModelRecord(*values)


# The same statement as plain SQL with a '?' mark, for SqlSession: a get and every
# lifecycle transition read one model, and Core's per-statement work cost more
# than the read.
_FETCH_SQL = str(_FETCH.compile(dialect=sqlite_dialect()))


def ids_in(conn: Connection, column: Any, ids: Sequence[str]) -> set[str]:
    """The ``ids`` that ``column`` holds, read a chunk of the IN list at a time."""
    found: set[str] = set()
    for chunk in chunked(ids):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def fetch_model(conn: Connection | SqlSession, artifact_id: str) -> ModelRecord:
    """One model inside an open transaction; NotFoundError says why it is not there."""
    session = conn if isinstance(conn, SqlSession) else SqlSession.of(conn)
    row = session.first(_FETCH_SQL, (artifact_id,))
    if row is not None:
        return model_record(row)
    found = session.first("SELECT artifact_type FROM artifacts WHERE id = ?", (artifact_id,))
    if found is None:
        raise NotFoundError(f"no model {artifact_id!r} in the catalog")
    if found[0] != "model":
        raise NotFoundError(f"{artifact_id!r} is a {found[0]} artifact, not a model")
    raise NotFoundError(
        f"model {artifact_id!r} has no registry facts yet (a legacy artifact): "
        "run `atlas-registry backfill`, or resolve it if the backfill held it "
        "(`atlas-registry review list`)"
    )


def model_later(session: SqlSession, artifact_id: str) -> Pending:
    """:func:`fetch_model`'s read sent now, its row read when asked (:meth:`SqlSession.later`):
    a transition sent in one pipeline reads the model with its COMMIT's round trip."""
    return session.later(_FETCH_SQL, (artifact_id,))


def get_model(db: Database, artifact_id: str) -> ModelRecord:
    """One model version with its catalog row, version facts and decoded JSON."""
    with db.single_read_session() as session:
        return fetch_model(session, artifact_id)
