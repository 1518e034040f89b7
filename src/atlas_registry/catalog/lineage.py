"""A model's lineage: its versions, fine-tune ancestors and descendants, depth-capped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    text,
)

from atlas_registry.catalog.queries import fetch_model
from atlas_registry.records import (
    MAX_LINEAGE_DEPTH,
    Lineage,
    LineageEntry,
)
from atlas_registry.store.db import Database

_ENTRY_COLUMNS = (
    "a.id, a.title, a.version_number, a.is_latest, mv.promotion_state, mv.base_model_id"
)


_VERSIONS = text(
    f"SELECT {_ENTRY_COLUMNS}, 0 AS depth FROM artifacts a "
    "LEFT JOIN model_versions mv ON mv.artifact_id = a.id "
    "WHERE COALESCE(a.lineage_id, a.id) = :root ORDER BY a.version_number"
)


_ANCESTORS = text(
    f"""
WITH RECURSIVE up(id, depth) AS (
    SELECT base_model_id, 1 FROM model_versions
    WHERE artifact_id = :id AND base_model_id IS NOT NULL
    UNION ALL
    SELECT mv.base_model_id, up.depth + 1 FROM up
    JOIN model_versions mv ON mv.artifact_id = up.id
    WHERE mv.base_model_id IS NOT NULL AND up.depth <= :limit
)
SELECT {_ENTRY_COLUMNS}, up.depth AS depth FROM up
JOIN artifacts a ON a.id = up.id
LEFT JOIN model_versions mv ON mv.artifact_id = a.id
ORDER BY up.depth"""
)


_DESCENDANTS = text(
    f"""
WITH RECURSIVE down(id, depth) AS (
    SELECT artifact_id, 1 FROM model_versions WHERE base_model_id = :id
    UNION ALL
    SELECT mv.artifact_id, down.depth + 1 FROM down
    JOIN model_versions mv ON mv.base_model_id = down.id
    WHERE down.depth <= :limit
)
SELECT {_ENTRY_COLUMNS}, down.depth AS depth FROM down
JOIN artifacts a ON a.id = down.id
LEFT JOIN model_versions mv ON mv.artifact_id = a.id
ORDER BY down.depth, a.id"""
)


def _entries(conn: Connection, query: Any, **params: Any) -> tuple[list[LineageEntry], bool]:
    """Each model once, nearest first, and whether the walk went past the depth limit.

    The walk fetches one level past the limit to know that there is more; a
    model reached twice (only possible in data written before cycles were
    refused) is listed once, at its nearest depth.
    """
    entries: dict[str, LineageEntry] = {}
    truncated = False
    for row in conn.execute(query, {**params, "limit": MAX_LINEAGE_DEPTH}):
        if row.depth > MAX_LINEAGE_DEPTH:
            truncated = True
            continue
        entries.setdefault(
            row.id,
            LineageEntry(
                id=row.id,
                title=row.title,
                version_number=row.version_number,
                is_latest=bool(row.is_latest),
                promotion_state=row.promotion_state,
                base_model_id=row.base_model_id,
                depth=row.depth,
            ),
        )
    return list(entries.values()), truncated


def lineage(db: Database, artifact_id: str) -> Lineage:
    """The version chain of a model's line, and its fine-tune ancestors and descendants."""
    with db.transaction() as conn:
        model = fetch_model(conn, artifact_id)
        versions, _ = _entries(conn, _VERSIONS, root=model.lineage_id)
        ancestors, up_cut = _entries(conn, _ANCESTORS, id=artifact_id)
        descendants, down_cut = _entries(conn, _DESCENDANTS, id=artifact_id)
        return Lineage(
            model_id=model.id,
            lineage_id=model.lineage_id,
            versions=versions,
            ancestors=ancestors,
            descendants=descendants,
            depth_limit=MAX_LINEAGE_DEPTH,
            truncated=up_cut or down_cut,
            line_name=model.line_name,
        )
