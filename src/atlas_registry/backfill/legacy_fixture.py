"""The platform's model artifacts as they stood before the registry, loadable into any database.

The packaged file holds the 8 legacy model artifacts with their metadata as the
exact text the platform stored. ``load_legacy`` inserts them as plain catalog
rows, the state a real platform database is in before ``0002`` is applied, so
the backfill can be exercised end to end. Another file of the same shape can be
loaded instead, with any of the catalog's columns (a platform's versions, their
parents and lineages): a key that is not a column is refused rather than
dropped, since a load that lost a fact would make the backfill look lossless
when it was not. Metadata is the stored text, or a JSON object or list (as an
export of a JSONB column writes it), which is stored as its JSON text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import Connection, inspect, update
from sqlalchemy.exc import DBAPIError

from atlas_registry.catalog.queries import ids_in
from atlas_registry.documents import dump_json, parse_json
from atlas_registry.errors import InputError, SchemaOutOfDateError, ValidationError, Violation
from atlas_registry.store.db import Database
from atlas_registry.store.driver_errors import driver_message
from atlas_registry.store.tables import ARTIFACT_COLUMNS_OF_0001, artifacts
from atlas_registry.store.whole_files import read_document

FIXTURE = "legacy_model_artifacts.json"
REQUIRED = ("id", "artifact_type", "title", "metadata")
WHOLE_NUMBER_COLUMNS = frozenset({"version_number", "is_latest"})
COLUMNS = tuple(column.name for column in ARTIFACT_COLUMNS_OF_0001)
# Rows naming another row of the file go in after it, so every foreign key holds
# as each row is inserted. ``superseded_by`` names a later version, the reverse
# direction, so it is set once every row is in.
EARLIER_ROW_COLUMNS = ("parent_version_id", "lineage_id")
LATER_ROW_COLUMN = "superseded_by"


@dataclass(frozen=True)
class LoadResult:
    inserted: list[str]
    already_present: list[str]


def read_fixture(path: str | None = None) -> list[dict[str, Any]]:
    """The artifact rows of ``path`` (default: the packaged fixture), checked for shape."""
    if path:
        document = read_document(path)
    else:
        packaged = resources.files("atlas_registry") / "data" / FIXTURE
        document = parse_json(packaged.read_bytes(), FIXTURE)
    rows = document.get("artifacts") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise InputError(f'{path or FIXTURE} must be an object with an "artifacts" list')
    problems = [v for index, row in enumerate(rows) for v in _row_problems(index, row)]
    if problems:
        raise ValidationError("the legacy artifact file is malformed", problems)
    return [
        {key: _stored(key, value) for key, value in row.items() if value is not None}
        for row in rows
    ]


def _stored(key: str, value: Any) -> Any:
    """The value as the column holds it: a platform's boolean latest flag as 1 or 0, and
    metadata exported as a JSON value (a JSONB column's export) as its JSON text."""
    if key == "is_latest" and isinstance(value, bool):
        return int(value)
    if key == "metadata" and not isinstance(value, str):
        return dump_json(value)
    return value


def _row_problems(index: int, row: Any) -> list[Violation]:
    where = f"artifacts[{index}]"
    if not isinstance(row, dict):
        return [Violation(where, "must be an object of catalog columns")]
    problems = [
        Violation(f"{where}.{key}", "is required text")
        for key in REQUIRED
        if key != "metadata" and not isinstance(row.get(key), str)
    ]
    if not isinstance(row.get("metadata"), str | dict | list):
        problems.append(
            Violation(f"{where}.metadata", "is required: the stored text, or a JSON object or list")
        )
    for key, value in row.items():
        if key not in COLUMNS:
            problems.append(
                Violation(
                    f"{where}.{key}", f"is not a catalog column; they are {', '.join(COLUMNS)}"
                )
            )
        elif value is None or key in REQUIRED:
            continue
        elif key == "is_latest" and isinstance(value, bool):
            continue  # true and false, as a PostgreSQL export writes a boolean flag
        elif key in WHOLE_NUMBER_COLUMNS:
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(Violation(f"{where}.{key}", "must be a whole number"))
        elif not isinstance(value, str):
            problems.append(Violation(f"{where}.{key}", "must be text"))
    return problems


def insertion_order(rows: Sequence[dict[str, Any]]) -> list[int]:
    """Row indexes with every row after the rows of the file it names as parent or lineage.

    The file's own order is kept wherever it already satisfies that; references
    that come back to where they started are refused with the rows involved.
    The walk keeps its own stack: a platform's line may have thousands of versions.
    """
    index_of = {row["id"]: index for index, row in enumerate(rows)}

    def named(index: int) -> Iterator[int]:
        for column in EARLIER_ROW_COLUMNS:
            found = index_of.get(rows[index].get(column, ""))
            if found is not None and found != index:
                yield found

    order: list[int] = []
    placed: set[int] = set()
    for start in range(len(rows)):
        if start in placed:
            continue
        stack, visiting = [(start, named(start))], {start}
        while stack:
            index, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                visiting.discard(index)
                placed.add(index)
                order.append(index)
            elif following in visiting:
                waiting = [i for i, _ in stack]
                circle = waiting[waiting.index(following) :]
                raise ValidationError(
                    "the legacy artifacts' parents and lineages go round in a circle",
                    [Violation(f"artifacts[{i}]", str(rows[i]["id"])) for i in circle],
                )
            elif following not in placed:
                visiting.add(following)
                stack.append((following, named(following)))
    return order


def load_legacy(db: Database, path: str | None = None) -> LoadResult:
    """Insert the legacy artifacts that are not there yet, in one transaction."""
    rows = read_fixture(path)
    seen: set[str] = set()
    repeated = []
    for index, row in enumerate(rows):
        if row["id"] in seen:
            repeated.append(Violation(f"artifacts[{index}].id", f"{row['id']} appears earlier"))
        seen.add(row["id"])
    if repeated:
        raise ValidationError("the legacy artifact file repeats ids", repeated)
    order = insertion_order(rows)
    with db.transaction(write=True) as conn:
        if not inspect(conn).has_table("artifacts"):
            raise SchemaOutOfDateError(
                "the database has no artifacts table: run `atlas-registry migrate --to 0001` first"
            )
        present = ids_in(conn, artifacts.c.id, [row["id"] for row in rows])
        new = [index for index in order if rows[index]["id"] not in present]
        for index in new:
            early = {k: v for k, v in rows[index].items() if k != LATER_ROW_COLUMN}
            _write(conn, index, artifacts.insert().values(**early))
        for index in new:
            if LATER_ROW_COLUMN in rows[index]:
                statement = (
                    update(artifacts)
                    .where(artifacts.c.id == rows[index]["id"])
                    .values(superseded_by=rows[index][LATER_ROW_COLUMN])
                )
                _write(conn, index, statement)
    return LoadResult([rows[i]["id"] for i in sorted(new)], sorted(present))


def _write(conn: Connection, index: int, statement: Any) -> None:
    """Run one row's statement; a refusal names the row of the file it came from."""
    try:
        conn.execute(statement)
    except DBAPIError as exc:
        raise ValidationError(
            "the database refused a legacy artifact",
            [Violation(f"artifacts[{index}]", driver_message(exc))],
        ) from exc
