"""The platform's model artifacts as they stood before the registry, loadable into any database.

The packaged file holds the 8 legacy model artifacts with their metadata as the
exact text the platform stored. ``load_legacy`` inserts them as plain catalog
rows, the state a real platform database is in before ``0002`` is applied, so
the backfill can be exercised end to end. Another file of the same shape can be
loaded instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import inspect, select

from atlas_registry.db import Database
from atlas_registry.documents import parse_json, read_document
from atlas_registry.errors import InputError, SchemaOutOfDateError, ValidationError, Violation
from atlas_registry.tables import artifacts

FIXTURE = "legacy_model_artifacts.json"
COLUMNS = (
    "id",
    "artifact_type",
    "title",
    "description",
    "metadata",
    "created_by",
    "created_at",
    "updated_at",
)
REQUIRED = ("id", "artifact_type", "title", "metadata")


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
    problems = [
        Violation(f"artifacts[{i}].{key}", "is required text")
        for i, row in enumerate(rows)
        for key in REQUIRED
        if not isinstance(row, dict) or not isinstance(row.get(key), str)
    ]
    if problems:
        raise ValidationError("the legacy artifact file is malformed", problems)
    return [{key: row.get(key) for key in COLUMNS if row.get(key) is not None} for row in rows]


def load_legacy(db: Database, path: str | None = None) -> LoadResult:
    """Insert the legacy artifacts that are not there yet, in one transaction."""
    rows = read_fixture(path)
    with db.transaction(write=True) as conn:
        if not inspect(conn).has_table("artifacts"):
            raise SchemaOutOfDateError(
                "the database has no artifacts table: run `atlas-registry migrate --to 0001` first"
            )
        ids = [row["id"] for row in rows]
        present = set(conn.execute(select(artifacts.c.id).where(artifacts.c.id.in_(ids))).scalars())
        new_rows = [row for row in rows if row["id"] not in present]
        for row in new_rows:
            conn.execute(artifacts.insert().values(**row))
    return LoadResult([r["id"] for r in new_rows], sorted(present))
