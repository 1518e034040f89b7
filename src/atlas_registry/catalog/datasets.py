"""Registering and reading dataset artifacts (the models that use one: :mod:`.dataset_lineage`).

A dataset is a catalog artifact like any other (``artifact_type = 'dataset'``),
so a model's ``training_data[].artifact_id`` and ``evaluation_dataset.artifact_id``
can name it. Registration checks everything before the write transaction
opens (the dataset schema for the facts, the catalog's limits for the text),
then writes one ``artifacts`` row; an id already in use is refused inside the
transaction. Reads never assume the schema: a legacy dataset row is shown as
it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from atlas_registry.catalog.dataset_records import DatasetRecord, DatasetRegistration, DatasetUse
from atlas_registry.catalog.model_listing import list_models
from atlas_registry.catalog.prepare import time_ordered_uuid
from atlas_registry.documents import is_storable_text, value_problems
from atlas_registry.errors import AlreadyExistsError, NotFoundError, ValidationError, Violation
from atlas_registry.records import REGISTRATION_TEXT_LIMITS, ModelRecord
from atlas_registry.schema.dataset_schema import dataset_validator
from atlas_registry.schema.patterns import ARTIFACT_ID, matches
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import record_event
from atlas_registry.store.events.types import EventType
from atlas_registry.store.paging import MAX_PAGE, ListingPage, keyset_page
from atlas_registry.store.tables import artifacts

DATASET = "dataset"
_TEXT_FIELDS = ("title", "description", "created_by")
# Where the schema reports a dataset that names neither a revision nor a digest.
_NEITHER = Violation(
    "revision", "is required unless sha256 is given: one of them says which data exactly it is"
)


def prepare_dataset(registration: DatasetRegistration) -> tuple[dict[str, Any], str]:
    """The ``artifacts`` row of a registration and its id, or a ValidationError naming
    every problem at once."""
    metadata_json, found = dataset_validator().checked_json(registration.metadata())
    problems = [_NEITHER if v.path == "$" and "revision" in v.message else v for v in found]
    problems += _text_problems(registration)
    given = registration.artifact_id
    if given is not None and not matches(ARTIFACT_ID, given):
        problems.append(
            Violation("artifact_id", "must be a catalog id (letters, digits, . _ : -, at most 200)")
        )
    if problems or metadata_json is None:
        raise ValidationError("the dataset registration is invalid", problems)
    artifact_id = given or f"dataset-{time_ordered_uuid()}"
    row = {
        "id": artifact_id,
        "artifact_type": DATASET,
        "title": registration.title,
        "description": registration.description,
        "metadata": metadata_json,
        "created_by": registration.created_by,
        "version_number": 1,
        "is_latest": 1,
        "lifecycle_state": "active",
    }
    return row, artifact_id


def _check_claim(claimed: str) -> None:
    """The body's own ``created_by``, checked as the author would have been."""
    problems = _text_problems(DatasetRegistration("t", "u", "l", created_by=claimed))
    if problems:
        raise ValidationError("the dataset registration is invalid", problems)


def _text_problems(registration: DatasetRegistration) -> list[Violation]:
    problems: list[Violation] = []
    for name in _TEXT_FIELDS:
        value = getattr(registration, name)
        if value is None:
            continue
        limit = REGISTRATION_TEXT_LIMITS[name]
        if not isinstance(value, str):
            problems.append(Violation(name, "must be text"))
        elif not is_storable_text(value):
            problems += value_problems(value, name)
        elif name == "title" and not value.strip():
            problems.append(Violation(name, "must not be empty"))
        elif len(value) > limit:
            problems.append(
                Violation(name, f"is too long ({len(value)} characters; at most {limit})")
            )
    return problems


def register_dataset(
    db: Database, registration: DatasetRegistration, *, actor: str | None = None
) -> DatasetRecord:
    """Register one dataset; returns it as stored. Bad input writes nothing.

    ``actor`` (a token's name over HTTP) is recorded as ``created_by``: over
    HTTP the author is who sent it. A different ``created_by`` the document
    gives is kept apart as ``claimed_by``, as a model's is: recorded, never
    taken for the author. Without an ``actor`` the document's word stands.
    """
    claimed = None
    if actor is not None:
        given = registration.created_by
        claimed = None if given in (None, actor) else given
        registration = dataclasses.replace(registration, created_by=actor)
    row, artifact_id = prepare_dataset(registration)
    if claimed is not None:
        _check_claim(claimed)
        row["claimed_by"] = claimed
    now = utc_timestamp()
    row.update(created_at=now, updated_at=now)
    with db.transaction(write=True) as conn:
        taken = conn.execute(
            select(artifacts.c.artifact_type).where(artifacts.c.id == artifact_id)
        ).first()
        if taken is not None:
            raise AlreadyExistsError(
                f"artifact id {artifact_id} is already in use (a {taken[0]} artifact); "
                "choose another id, or leave it out to have one made"
            )
        conn.execute(insert(artifacts).values(**row))
        registered = fetch_dataset(conn, artifact_id)
        record_event(
            conn,
            EventType.DATASET_REGISTERED,
            actor=registered.created_by,
            payload={"dataset_id": artifact_id},
        )
        return registered


_COLUMNS = (
    artifacts.c.id,
    artifacts.c.title,
    artifacts.c.description,
    artifacts.c.metadata,
    artifacts.c.lifecycle_state,
    artifacts.c.created_by,
    artifacts.c.created_at,
    artifacts.c.claimed_by,
)


def _record(row: Any) -> DatasetRecord:
    """A dataset row as a record, whatever its metadata holds."""
    metadata = _decoded(row.metadata)
    facts = metadata if isinstance(metadata, dict) else {}

    def fact(name: str) -> str | None:
        value = facts.get(name)
        return value if isinstance(value, str) else None

    return DatasetRecord(
        id=row.id,
        title=row.title,
        description=row.description,
        uri=fact("uri"),
        revision=fact("revision"),
        sha256=fact("sha256"),
        license=fact("license"),
        metadata=metadata,
        follows_schema=isinstance(metadata, dict) and dataset_validator().is_valid(metadata),
        lifecycle_state=row.lifecycle_state,
        created_by=row.created_by,
        created_at=str(row.created_at),
        claimed_by=row.claimed_by,
    )


def _decoded(text: Any) -> Any:
    """Stored metadata as JSON values; text that is not JSON (legacy rows) stays text."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def fetch_dataset(conn: Connection, dataset_id: str) -> DatasetRecord:
    """One dataset inside an open transaction; NotFoundError says why it is not one."""
    row = conn.execute(
        select(*_COLUMNS, artifacts.c.artifact_type).where(artifacts.c.id == dataset_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no dataset {dataset_id!r} in the catalog")
    if row.artifact_type != DATASET:
        raise NotFoundError(f"{dataset_id!r} is a {row.artifact_type} artifact, not a dataset")
    return _record(row)


def get_dataset(db: Database, dataset_id: str) -> DatasetRecord:
    if not is_storable_text(dataset_id):
        raise NotFoundError(f"no dataset {dataset_id[:80]!r} in the catalog")
    with db.single_read() as conn:
        return fetch_dataset(conn, dataset_id)


_PAGE = (
    select(*_COLUMNS)
    .where(artifacts.c.artifact_type == DATASET)
    .order_by(artifacts.c.id)
    .limit(bindparam("count"))
)
_PAGE_AFTER = _PAGE.where(artifacts.c.id > bindparam("after"))
# Which listing a page token was made for.
_FINGERPRINT = hashlib.sha256(b"datasets by id").hexdigest()[:16]


def dataset_page(
    db: Database, *, page_size: int = 50, page_token: str | None = None
) -> ListingPage[DatasetRecord]:
    """Every dataset artifact in id order, a page at a time, legacy rows included."""
    if not 1 <= page_size <= MAX_PAGE:
        raise ValidationError("bad page", [Violation("page_size", f"must be 1..{MAX_PAGE}")])

    def rows_after(after: str | None, count: int) -> list[Any]:
        with db.single_read() as conn:
            if after is None:
                return list(conn.execute(_PAGE, {"count": count}))
            return list(conn.execute(_PAGE_AFTER, {"count": count, "after": after}))

    rows, token = keyset_page(_FINGERPRINT, page_size, page_token, rows_after, lambda r: r.id)
    return ListingPage([_record(row) for row in rows], token)


def dataset_use(db: Database, dataset_id: str, *, limit: int = 100) -> DatasetUse:
    """The dataset and the models trained and evaluated on it, promoted versions first.

    Answers "this dataset was withdrawn: which promoted models are affected?":
    each list holds the newest ``limit`` models using it, the promoted ones
    first. Past ``limit``, the listings filtered by ``trained_on`` or
    ``evaluated_on`` and ``promotion_state`` page through every one.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("bad limit", [Violation("limit", f"must be 1..{MAX_PAGE}")])
    dataset = get_dataset(db, dataset_id)
    trained, trained_more = _models_using(db, "trained_on", dataset.id, limit)
    evaluated, evaluated_more = _models_using(db, "evaluated_on", dataset.id, limit)
    return DatasetUse(dataset, trained, evaluated, trained_more, evaluated_more)


def _models_using(
    db: Database, role: str, dataset_id: str, limit: int
) -> tuple[list[ModelRecord], bool]:
    """Up to ``limit`` models using the dataset in ``role``, promoted first; and whether
    there are more. One index lookup of the dataset's models, read newest first."""
    by_dataset: dict[str, Any] = {role: dataset_id}
    every = list_models(db, limit=limit + 1, **by_dataset)
    shown = every[:limit]
    promoted = [m for m in shown if m.promotion_state == "promoted"]
    return promoted + [m for m in shown if m.promotion_state != "promoted"], len(every) > limit
