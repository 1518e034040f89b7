"""What `show` prints of one model named by its exact id, read from SQLite with ``sqlite3`` alone.

The statements are the library's own, as its reading functions run them
(``data/fast_reads.json``, written by :mod:`.generate`), and the records are
built by the library's own row readers, so the answer is the library's. Read in
one transaction (the library reads each part in its own; a snapshot of all of
them is one answer the library could have given).

Only a reference that is a model's exact id is answered: the library tries that
first, and anything else (a line name, ``NAME@N``, a short id, an id prefix, an
id that names nothing) is resolved, or refused, by the library. So is every case
:func:`~.sqlite_reads.first_page` leaves to it: a URL that is not a plain
``sqlite:///PATH``, a database not at exactly this version's head, a gate
policy named in the environment, any driver error.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.evaluation_records import Evaluation, evaluations_from, metrics_sql
from atlas_registry.catalog.file_records import ModelFile, file_from_row
from atlas_registry.catalog.pin_check_records import PinCheck, check_from_row
from atlas_registry.catalog.tag_records import effective_from
from atlas_registry.documents import is_storable_text
from atlas_registry.fastread.sqlite_reads import at_head, model_from_row, sqlite_path, statements
from atlas_registry.pins.change_records import PinChange, change_from_row
from atlas_registry.pins.pin_states import PinStatus, pin_status
from atlas_registry.records import ModelRecord


@dataclass(frozen=True)
class ShownParts:
    """Everything `show` prints of one model, as the registry's verbs return each part."""

    record: ModelRecord
    pin_check: PinCheck | None
    pin_status: PinStatus
    pin_changes: list[PinChange]
    evaluations: list[Evaluation]
    tags: dict[str, str]
    files: list[ModelFile]


def shown_model(flag: str | None, ref: str) -> ShownParts | None:
    """`show REF` on a SQLite registry when ``ref`` is a model's exact id; None: ask the library."""
    if os.environ.get(statements()["policy_env_var"]) is not None:
        return None
    if not is_storable_text(ref):
        return None
    path = sqlite_path(flag)
    if path is None:
        return None
    try:
        with at_head(path) as conn:
            return None if conn is None else _read(conn, ref)
    except (sqlite3.Error, UnicodeError):
        return None


def _read(conn: sqlite3.Connection, ref: str) -> ShownParts | None:
    known = statements()
    reads = known["show"]
    row = _rows(conn, reads["model"], ref)
    if not row:
        return None  # not a model's id: the library resolves the reference, or says why not
    record = model_from_row(row[0], known["record_fields"])
    model_id = record.id
    # The newest check, which is also what the pin's state is decided on (the
    # library reads that row a second time for the state).
    newest = next(iter(_rows(conn, reads["pin_check"], model_id)), None)
    check = None if newest is None else check_from_row(newest)
    evaluation_rows = _rows(conn, reads["evaluations"], model_id)
    ids = list(dict.fromkeys(found[0] for found in evaluation_rows))
    if len(ids) > reads["in_list_chunk"]:
        return None  # the library reads their metrics in chunks
    metric_rows = conn.execute(metrics_sql(len(ids)), ids).fetchall() if ids else []
    tag_rows = _rows(conn, reads["tags"], model_id)
    return ShownParts(
        record,
        check,
        pin_status(record, check),
        [change_from_row(found) for found in _rows(conn, reads["pin_changes"], model_id)],
        evaluations_from(evaluation_rows, metric_rows),
        effective_from([model_id], tag_rows)[model_id],
        [file_from_row(found) for found in _rows(conn, reads["files"], model_id)],
    )


def _rows(conn: sqlite3.Connection, read: dict[str, Any], model_id: str) -> list[Any]:
    """The rows of one kept statement, its model's id where the library passed one."""
    params = [model_id if given == "id" else given for given in read["parameters"]]
    return conn.execute(read["sql"], params).fetchall()
