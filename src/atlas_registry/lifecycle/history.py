"""Promotion history of a model and of its line, and the promoted version: the read side."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, literal_column, select

from atlas_registry.catalog.lines import line_names
from atlas_registry.catalog.queries import ROOT, inline_count
from atlas_registry.catalog.registrar import fetch_model
from atlas_registry.catalog.version_names import VersionName
from atlas_registry.documents import refuse_unstorable
from atlas_registry.lifecycle.moves import PromotionEvent
from atlas_registry.lifecycle.transitions import PROMOTED_IN_LINE, LineEvent
from atlas_registry.records import ModelRecord
from atlas_registry.store.db import Database
from atlas_registry.store.paging import MAX_PAGE
from atlas_registry.store.sql_session import SqlSession
from atlas_registry.store.tables import artifacts, promotion_events


def _event(row: Any) -> PromotionEvent:
    return PromotionEvent(
        row.id,
        row.artifact_id,
        row.from_state,
        row.to_state,
        row.actor,
        row.notes,
        bool(row.override),
        row.created_at,
    )


def history(db: Database, model_id: str) -> list[PromotionEvent]:
    """Every transition of one model, oldest first."""
    with db.transaction() as conn:
        fetch_model(conn, model_id)
        rows = conn.execute(
            select(promotion_events)
            .where(promotion_events.c.artifact_id == model_id)
            .order_by(promotion_events.c.id)
        )
        return [_event(row) for row in rows]


_LINE_EVENTS = (
    select(promotion_events, artifacts.c.title, artifacts.c.version_number)
    .join(artifacts, artifacts.c.id == promotion_events.c.artifact_id)
    .where(bindparam("root") == ROOT)
    .order_by(promotion_events.c.id)
)


def line_history(db: Database, model_id: str) -> list[LineEvent]:
    """Every transition of every version of ``model_id``'s line, oldest first.

    One version's history cannot show a rollback whole: the version put back
    and the one it retired each hold half of it. A line's history holds both,
    each named ``line@N``. A model outside any named line has a line too (its
    versions), named by their ids.
    """
    with db.transaction() as conn:
        root = fetch_model(conn, model_id).lineage_id or model_id
        name = line_names(SqlSession.of(conn), [root]).get(root)
        rows = conn.execute(_LINE_EVENTS, {"root": root})
        return [
            LineEvent(
                _event(row), VersionName(row.artifact_id, row.title, name, row.version_number)
            )
            for row in rows
        ]


def recent_events(
    db: Database,
    limit: int = 50,
    *,
    before_id: int | None = None,
    actor: str | None = None,
    overrides_only: bool = False,
) -> list[PromotionEvent]:
    """Transitions across the registry, newest first; ``before_id`` pages back in time.

    ``overrides_only`` filters in the query, not after it: a page of 50
    overrides is 50 overrides, however many plain promotions came between.
    Each filter reads its own index (migration 0015), not the whole history.
    """
    refuse_unstorable("the filter", {"actor": actor})
    query = select(promotion_events).order_by(promotion_events.c.id.desc())
    if before_id is not None:
        query = query.where(promotion_events.c.id < before_id)
    if actor is not None:
        query = query.where(promotion_events.c.actor == actor)
    if overrides_only:  # a literal 1: only that lets either database use the partial index
        query = query.where(promotion_events.c.override == literal_column("1"))
    with db.single_read() as conn:
        rows = conn.execute(query.limit(inline_count(value=max(1, min(limit, MAX_PAGE)))))
        return [_event(row) for row in rows]


def promoted_version(db: Database, model_id: str) -> ModelRecord | None:
    """The currently promoted version of the line ``model_id`` belongs to, if any."""
    with db.session() as session:
        fetch_model(session, model_id)  # says why when the id is not a registered model
        promoted = session.rows(PROMOTED_IN_LINE, (model_id,))
        return fetch_model(session, promoted[0][0]) if promoted else None
