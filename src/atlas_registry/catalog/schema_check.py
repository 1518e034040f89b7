"""What a schema would break: every stored model's metadata validated against it.

Before a schema change ships, ``atlas-registry schema check --schema PROPOSED``
says, per model and JSON path, which stored metadata the proposed schema would
refuse. Models are read in pages by id (memory stays flat at any catalog size);
the report keeps every count and the first :data:`MAX_SHOWN` failing models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from atlas_registry.errors import InputError, Violation
from atlas_registry.records import decode_json
from atlas_registry.schema.validation import MetadataValidator
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession

PAGE = 1000
MAX_SHOWN = 1000


def page_sql(size: int) -> str:
    """One page of stored models after an id: id, metadata, the version that validated it.

    It is driven from model_versions' primary key, with each model's metadata
    read by primary key. Written as a join, PostgreSQL's generic plan (psycopg
    prepares a statement that runs repeatedly) merge-joined from the first
    row of model_versions for every page: 1 s per page halfway through
    1,000,000 models. The page size is written into the statement so the
    planner knows how few rows it reads.
    """
    return (
        "SELECT mv.artifact_id, (SELECT a.metadata FROM artifacts a WHERE a.id = mv.artifact_id), "
        "mv.metadata_schema_version FROM model_versions mv "
        f"WHERE mv.artifact_id > ? ORDER BY mv.artifact_id LIMIT {int(size)}"
    )


@dataclass(frozen=True)
class ModelBreak:
    """One stored model the schema refuses, and why."""

    model_id: str
    validated_by: str | None  # the schema version recorded when it was stored
    violations: list[Violation]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "validated_by": self.validated_by,
            "violations": [{"path": v.path, "message": v.message} for v in self.violations],
        }


@dataclass
class SchemaCheck:
    """The verdict of a schema over the stored models."""

    schema_id: str
    checked: int = 0
    breaking: int = 0
    shown: list[ModelBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.breaking == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_id": self.schema_id,
            "checked": self.checked,
            "breaking": self.breaking,
            "ok": self.ok,
            "models": [item.to_dict() for item in self.shown],
            "models_not_shown": self.breaking - len(self.shown),
        }


def validator_for(schema: Any) -> MetadataValidator:
    """A validator for a proposed schema, or an error saying why the schema is unusable."""
    if not isinstance(schema, Mapping) or not isinstance(schema.get("$id"), str):
        raise InputError('a schema must be a JSON object with an "$id" that names its version')
    try:
        return MetadataValidator(schema)
    except Exception as exc:  # jsonschema-rs raises its own error class for a bad schema
        reason = str(exc).split("\n\n")[0]  # jsonschema-rs appends where, at length
        raise InputError(f"the proposed schema is not a usable JSON Schema: {reason}") from exc


def count_models(db: Database) -> int:
    with db.session() as session:
        found = session.first("SELECT count(*) FROM model_versions")
    return int(found[0]) if found else 0


def _pages(db: Database) -> Iterator[list[tuple[Any, ...]]]:
    after = ""
    while True:
        with db.single_read() as conn:
            rows = SqlSession.of(conn).rows(page_sql(PAGE), (after,))
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def check_stored(
    db: Database,
    validator: MetadataValidator,
    on_page: Callable[[int], None] | None = None,
) -> SchemaCheck:
    """Validate every stored model's metadata with ``validator``; see the module docstring."""
    result = SchemaCheck(schema_id=str(validator.schema.get("$id")))
    for rows in _pages(db):
        for model_id, text, validated_by in rows:
            try:
                metadata = decode_json(text)
            except ValueError:
                problems = [Violation("$", "the stored metadata is not JSON")]
            else:
                problems = validator.violations(metadata)
            result.checked += 1
            if problems:
                result.breaking += 1
                if len(result.shown) < MAX_SHOWN:
                    result.shown.append(ModelBreak(model_id, validated_by, problems))
        if on_page:
            on_page(len(rows))
    return result
