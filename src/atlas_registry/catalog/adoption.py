"""Adopting legacy model artifacts: existing ``artifacts`` rows get their registry facts.

The metadata was validated by :func:`~atlas_registry.catalog.prepare.prepare`
exactly like a registration; here the references are checked with the same
rules as a registration, the legacy text is kept verbatim in
``model_legacy_metadata``, ``artifacts.metadata`` takes the valid metadata, and
the facts go through the same writer as a registration's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from atlas_registry.catalog.facts import closes_cycle, write_model_facts
from atlas_registry.catalog.prepare import PreparedModel
from atlas_registry.catalog.queries import ids_in
from atlas_registry.catalog.references import known_artifacts, reference_problems
from atlas_registry.documents import dump_json
from atlas_registry.errors import Violation
from atlas_registry.store.db import insert_many, utc_timestamp
from atlas_registry.store.events.record import NewEvent, record_events
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession, chunked
from atlas_registry.store.tables import artifacts, legacy_metadata, model_versions


@dataclass(frozen=True)
class LegacyAdoption:
    """Model facts for an artifact that already exists, and the legacy text they replace."""

    prepared: PreparedModel
    original_metadata: str
    mapping_trace: dict[str, Any]


def adopt_legacy_in(
    conn: Connection, adoptions: Sequence[LegacyAdoption]
) -> dict[str, list[Violation]]:
    """Give existing legacy model artifacts their registry facts, inside ``conn``.

    Returns, per artifact id, why it was not adopted; the others are written.
    """
    session = SqlSession.of(conn)
    prepared = [a.prepared for a in adoptions]
    known = known_artifacts(session, prepared)
    has_facts = ids_in(conn, model_versions.c.artifact_id, [p.artifact_id for p in prepared])
    problems = {prepared[i].artifact_id: v for i, v in reference_problems(prepared, known).items()}
    for item in prepared:
        kind = known.get(item.artifact_id, (None, ""))[0]
        if kind != "model":
            why = "no longer exists" if kind is None else f"is a {kind} artifact"
            problems.setdefault(item.artifact_id, []).append(Violation("artifact_id", why))
        elif item.artifact_id in has_facts:
            problems.setdefault(item.artifact_id, []).append(
                Violation("artifact_id", "already has registry facts")
            )
    for artifact_id, found in lineage_problems(conn, [p.artifact_id for p in prepared]).items():
        problems.setdefault(artifact_id, []).extend(found)
    pending: dict[str, str | None] = {}
    for item in prepared:
        base = item.version_row["base_model_id"]
        if item.artifact_id in problems:
            continue
        if base and closes_cycle(session, item.artifact_id, base, pending):
            problems[item.artifact_id] = [
                Violation(
                    "metadata.base_model_id",
                    f"{base} descends from {item.artifact_id}: the lineage must stay a tree",
                )
            ]
            continue
        pending[item.artifact_id] = base
    accepted = [a for a in adoptions if a.prepared.artifact_id not in problems]
    if accepted:
        _write_adoptions(conn, accepted)
    return problems


LINK_COLUMNS = ("parent_version_id", "lineage_id")
_PARENT, _ROOT = artifacts.alias("parent"), artifacts.alias("root")
_LINKS = (
    select(
        artifacts.c.id,
        artifacts.c.parent_version_id,
        _PARENT.c.artifact_type,
        artifacts.c.lineage_id,
        _ROOT.c.artifact_type,
    )
    .outerjoin(_PARENT, _PARENT.c.id == artifacts.c.parent_version_id)
    .outerjoin(_ROOT, _ROOT.c.id == artifacts.c.lineage_id)
    .where(artifacts.c.id.in_(bindparam("ids", expanding=True)))
    .where((artifacts.c.parent_version_id.is_not(None)) | (artifacts.c.lineage_id.is_not(None)))
)


def lineage_problems(conn: Connection, ids: Sequence[str]) -> dict[str, list[Violation]]:
    """Per legacy artifact, the version links of its catalog row that a model line cannot take.

    A registration only ever links a model to a model. A legacy catalog may
    have linked one to a dataset (or to a row since deleted, where foreign keys
    were not enforced), and adopting it would make a line whose first version
    is not a model: ``NAME@1`` would name a dataset. Such a model is held: the
    catalog row is corrected first, then the backfill adopts it.
    """
    problems: dict[str, list[Violation]] = {}
    for chunk in chunked(ids):
        for artifact_id, *links in conn.execute(_LINKS, {"ids": chunk}):
            for column, (ref, kind) in zip(LINK_COLUMNS, (links[:2], links[2:]), strict=True):
                if ref is None or kind == "model":
                    continue
                found = "which is not in the catalog" if kind is None else f"a {kind} artifact"
                problems.setdefault(artifact_id, []).append(
                    Violation(
                        column,
                        f"the catalog row links this model to {ref}, {found}; a model line "
                        "holds only models: correct the row, then run the backfill again",
                    )
                )
    return problems


def _write_adoptions(conn: Connection, accepted: Sequence[LegacyAdoption]) -> None:
    now = utc_timestamp()
    ids = [a.prepared.artifact_id for a in accepted]
    kept = ids_in(conn, legacy_metadata.c.artifact_id, ids)
    legacy_rows = [
        {
            "artifact_id": a.prepared.artifact_id,
            "original_metadata": a.original_metadata,
            "original_sha256": hashlib.sha256(
                a.original_metadata.encode("utf-8", "surrogatepass")
            ).hexdigest(),
            "mapping_json": dump_json(a.mapping_trace),
            "captured_at": now,
        }
        for a in accepted
        if a.prepared.artifact_id not in kept
    ]
    if legacy_rows:
        insert_many(conn, legacy_metadata, legacy_rows)
    conn.execute(
        update(artifacts)
        .where(artifacts.c.id == bindparam("target_id"))
        .values(
            metadata=bindparam("new_metadata"),
            origin_type=bindparam("new_origin_type"),
            origin_url=bindparam("new_origin_url"),
            # Adopted as a candidate: the catalog's state follows (lifecycle.CATALOG_STATES).
            lifecycle_state=bindparam("new_lifecycle_state"),
            updated_at=now,
        ),
        [
            {
                "target_id": a.prepared.artifact_id,
                "new_metadata": a.prepared.artifact_row["metadata"],
                "new_origin_type": a.prepared.artifact_row["origin_type"],
                "new_origin_url": a.prepared.artifact_row["origin_url"],
                "new_lifecycle_state": a.prepared.artifact_row["lifecycle_state"],
            }
            for a in accepted
        ],
    )
    session = SqlSession.of(conn)
    write_model_facts(session, [a.prepared for a in accepted], now, new_models=False)
    record_events(session, [NewEvent(EventType.MODEL_ADOPTED, None, i) for i in ids])
