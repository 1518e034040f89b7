"""What a schema would break: every stored model's metadata validated against it.

Before a schema change ships, ``atlas-registry schema check --schema PROPOSED``
says, per model and JSON path, which stored metadata the proposed schema would
refuse. Models are read in pages by id (memory stays flat at any catalog size);
the report keeps every count and the first :data:`MAX_SHOWN` failing models.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from atlas_registry.documents import MAX_KEY_CHARACTERS
from atlas_registry.errors import InputError, Violation
from atlas_registry.records import decode_json
from atlas_registry.schema.validation import MAX_METADATA_NESTING, MetadataValidator
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession

PAGE = 1000
MAX_SHOWN = 1000
# Every integer past ±2^53 is written with 16 digits or more.
_LONG_DIGITS = re.compile(r"[0-9]{16}")


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


def stored_violations(validator: MetadataValidator, text: Any) -> list[Violation]:
    """Every violation of one stored model's metadata; empty when ``validator`` accepts it.

    The full check walks every value in Python for what the schema cannot see
    (a NUL, a lone surrogate, an integer past ±2^53, nesting, a long key): about
    40 µs a document, most of a million-model check. Stored text that plainly
    holds none of those (:func:`_plainly_within_limits`) needs only the schema's
    verdict; anything else, even a harmless look-alike, gets the full check,
    which gives the same answer it always did.
    """
    document = _plainly_within_limits(text)
    if document is not None and validator.schema_accepts(document):
        return []
    try:
        metadata = decode_json(text)
    except ValueError:
        return [Violation("$", "the stored metadata is not JSON")]
    return validator.violations(metadata)


def _plainly_within_limits(text: Any) -> dict[str, Any] | None:
    """The document when its text proves the full walk would find nothing, else None.

    orjson refuses what the walk would (NaN, lone surrogates, raw control
    characters) and decodes what it accepts as the standard reader does; what
    remains is looked for in the text: a NUL escape, a long run of digits, more
    brackets than the nesting allows, text long enough to hold a long key. The
    last two are then settled by a walk over the containers alone.
    """
    if not isinstance(text, str) or "\\u0000" in text or _LONG_DIGITS.search(text):
        return None
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(document) is not dict:
        return None
    if text.count("{") + text.count("[") <= MAX_METADATA_NESTING and len(text) <= (
        MAX_KEY_CHARACTERS
    ):
        return document
    return document if _containers_within_limits(document) else None


def _containers_within_limits(document: dict[str, Any]) -> bool:
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if depth >= MAX_METADATA_NESTING:
            return False
        if type(value) is dict:
            if max(map(len, value), default=0) > MAX_KEY_CHARACTERS:
                return False
            value = value.values()
        pending.extend((child, depth + 1) for child in value if type(child) in (dict, list))
    return True


def check_stored(
    db: Database,
    validator: MetadataValidator,
    on_page: Callable[[int], None] | None = None,
) -> SchemaCheck:
    """Validate every stored model's metadata with ``validator``; see the module docstring."""
    result = SchemaCheck(schema_id=str(validator.schema.get("$id")))
    for rows in _pages(db):
        for model_id, text, validated_by in rows:
            problems = stored_violations(validator, text)
            result.checked += 1
            if problems:
                result.breaking += 1
                if len(result.shown) < MAX_SHOWN:
                    result.shown.append(ModelBreak(model_id, validated_by, problems))
        if on_page:
            on_page(len(rows))
    return result
