"""The promotion lifecycle: candidate -> promoted | rejected, promoted -> superseded,
and a rollback: superseded -> promoted, retiring the line's current promotion.

Each transition is one transaction that changes ``model_versions`` and appends
its event, under the model line's lock, so two promotions in one line cannot
both win: the second sees the first and supersedes it, or is told the model
is no longer a candidate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from atlas_registry.artifact_catalog import fetch_model
from atlas_registry.catalog_queries import ROOT
from atlas_registry.db import Database, utc_timestamp
from atlas_registry.errors import (
    IllegalTransitionError,
    NotFoundError,
    PromotionGateError,
    ValidationError,
    Violation,
)
from atlas_registry.lines import line_lock
from atlas_registry.promotion_policy import GatePolicy, load_policy, unmet_conditions
from atlas_registry.records import ModelRecord
from atlas_registry.tables import artifacts, model_versions, promotion_events

STATES = ("candidate", "promoted", "rejected", "superseded")
TRANSITIONS: dict[str, frozenset[str]] = {
    "candidate": frozenset({"promoted", "rejected"}),
    "promoted": frozenset({"superseded"}),
    "rejected": frozenset(),
    "superseded": frozenset(),
}


@dataclass(frozen=True)
class PromotionEvent:
    id: int
    artifact_id: str
    from_state: str
    to_state: str
    actor: str
    notes: str | None
    override: bool
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TransitionResult:
    """The model after the transition, and every event the transition appended."""

    model: ModelRecord
    events: list[PromotionEvent]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model.to_dict(), "events": [e.to_dict() for e in self.events]}


def _require_text(name: str, value: str | None, why: str) -> str:
    if value is None or not value.strip():
        raise ValidationError(f"{name} is required", [Violation(name, why)])
    if len(value) > 20000 or "\x00" in value:
        raise ValidationError(
            f"{name} is invalid", [Violation(name, "must be text under 20000 characters")]
        )
    return value.strip()


def _check_transition(model: ModelRecord, to_state: str) -> None:
    if to_state not in TRANSITIONS[model.promotion_state]:
        allowed = sorted(TRANSITIONS[model.promotion_state])
        onward = f"it can only become {' or '.join(allowed)}" if allowed else "that state is final"
        raise IllegalTransitionError(
            f"{model.id} is {model.promotion_state} and cannot become {to_state}: {onward}",
            from_state=model.promotion_state,
            to_state=to_state,
        )


# Statements built once: the backfill promotes thousands of models in a row, and
# composing a statement costs more than SQLite running it.
_MOVE_STATE = (
    update(model_versions)
    .where(
        model_versions.c.artifact_id == bindparam("model_id"),
        model_versions.c.promotion_state == bindparam("from_state"),
    )
    .values(promotion_state=bindparam("to_state"), promotion_notes=bindparam("notes"))
)
_APPEND_EVENT = promotion_events.insert().returning(promotion_events.c.id)
# Every version of a line with its state: the line's expression index (ROOT)
# drives, and each member's state is a per-row lookup by primary key. Written as a
# join, or with "promotion_state = 'promoted'" in the WHERE clause, planners
# without fresh statistics (SQLite always; PostgreSQL after a bulk load or with
# autovacuum off) read every promoted model, or all of model_versions, on each
# promotion. A select-list subquery cannot be turned into such a join, so the
# cost is bounded by the line's length whatever the statistics say.
_STATE_OF_MEMBER = (
    select(model_versions.c.promotion_state)
    .where(model_versions.c.artifact_id == artifacts.c.id)
    .scalar_subquery()
)
_LINE_STATES = select(artifacts.c.id, _STATE_OF_MEMBER.label("promotion_state")).where(
    ROOT == bindparam("root")  # noqa: SIM300 - ROOT is a column expression
)


def _promoted_in_line(conn: Connection, root: str) -> list[str]:
    rows = conn.execute(_LINE_STATES, {"root": root})
    return [row.id for row in rows if row.promotion_state == "promoted"]


def _append(
    conn: Connection,
    model_id: str,
    from_state: str,
    to_state: str,
    actor: str,
    notes: str | None,
    override: bool = False,
) -> PromotionEvent:
    now = utc_timestamp()
    conn.execute(
        _MOVE_STATE,
        {"model_id": model_id, "from_state": from_state, "to_state": to_state, "notes": notes},
    )
    event_id = conn.execute(
        _APPEND_EVENT,
        {
            "artifact_id": model_id,
            "from_state": from_state,
            "to_state": to_state,
            "actor": actor,
            "notes": notes,
            "override": int(override),
            "created_at": now,
        },
    ).scalar_one()
    return PromotionEvent(event_id, model_id, from_state, to_state, actor, notes, override, now)


_ROOT_OF = select(ROOT).where(artifacts.c.id == bindparam("id"))


def _locked_model(db: Database, conn: Connection, model_id: str) -> ModelRecord:
    """The model read after taking its line's lock, so its state cannot be stale."""
    root = conn.execute(_ROOT_OF, {"id": model_id}).scalar()
    if root is not None:
        db.lock(conn, line_lock(root))
    return fetch_model(conn, model_id)  # says why when the id is not a registered model


def _retire(
    conn: Connection, old_id: str, successor: str, actor: str, notes: str
) -> PromotionEvent:
    """Supersede ``old_id`` in favour of ``successor``: the state, the event, the catalog row."""
    event = _append(conn, old_id, "promoted", "superseded", actor, notes)
    conn.execute(
        update(artifacts)
        .where(artifacts.c.id == old_id)
        .values(superseded_by=successor, lifecycle_state="superseded", updated_at=utc_timestamp())
    )
    return event


def _supersede_line(conn: Connection, model: ModelRecord, actor: str) -> list[PromotionEvent]:
    """Retire every other promoted version of ``model``'s line in favour of ``model``."""
    promoted = _promoted_in_line(conn, model.lineage_id)
    return [
        _retire(conn, old_id, model.id, actor, f"superseded by {model.id}")
        for old_id in promoted
        if old_id != model.id
    ]


def promote(
    db: Database,
    model_id: str,
    *,
    actor: str,
    notes: str | None = None,
    override: bool = False,
    policy: GatePolicy | None = None,
) -> TransitionResult:
    """Promote a candidate through the evaluation gate; supersede the line's previous promotion."""
    actor = _require_text("actor", actor, "say who is promoting")
    if override:
        notes = _require_text("notes", notes, "an override must say why the gate is bypassed")
    policy = policy or load_policy()
    with db.transaction(write=True) as conn:
        events = promote_in(
            db, conn, model_id, actor=actor, notes=notes, override=override, policy=policy
        )
        return TransitionResult(fetch_model(conn, model_id), events)


def gate_in(
    db: Database, conn: Connection, model_id: str, policy: GatePolicy
) -> tuple[ModelRecord, list[Violation]]:
    """The model, locked in its line and free to be promoted, with every unmet gate condition."""
    model = _locked_model(db, conn, model_id)
    _check_transition(model, "promoted")
    return model, unmet_conditions(model, policy)


def promote_checked_in(
    conn: Connection, model: ModelRecord, *, actor: str, notes: str | None, overridden: bool
) -> list[PromotionEvent]:
    """Promote a model :func:`gate_in` returned, superseding the line's previous promotion."""
    events = _supersede_line(conn, model, actor)
    events.append(_append(conn, model.id, "candidate", "promoted", actor, notes, overridden))
    return events


def promote_in(
    db: Database,
    conn: Connection,
    model_id: str,
    *,
    actor: str,
    notes: str | None,
    override: bool,
    policy: GatePolicy,
) -> list[PromotionEvent]:
    """:func:`promote` inside a transaction the caller owns."""
    model, unmet = gate_in(db, conn, model_id, policy)
    if unmet and not override:
        raise PromotionGateError(
            f"{model_id} cannot be promoted ({len(unmet)} unmet condition"
            f'{"s" if len(unmet) != 1 else ""}; fix them, or use --override --notes "why")',
            unmet,
        )
    return promote_checked_in(
        conn, model, actor=actor, notes=notes, overridden=bool(unmet) and override
    )


def _simple_transition(
    db: Database, model_id: str, to_state: str, actor: str, notes: str
) -> TransitionResult:
    with db.transaction(write=True) as conn:
        model = _locked_model(db, conn, model_id)
        _check_transition(model, to_state)
        event = _append(conn, model_id, model.promotion_state, to_state, actor, notes)
        return TransitionResult(fetch_model(conn, model_id), [event])


def reject(db: Database, model_id: str, *, actor: str, notes: str | None) -> TransitionResult:
    """Reject a candidate for good; the notes say why."""
    actor = _require_text("actor", actor, "say who is rejecting")
    notes = _require_text("notes", notes, "a rejection must say why")
    return _simple_transition(db, model_id, "rejected", actor, notes)


def supersede(db: Database, model_id: str, *, actor: str, notes: str | None) -> TransitionResult:
    """Retire a promoted model without promoting a successor (e.g. found faulty)."""
    actor = _require_text("actor", actor, "say who is retiring the model")
    notes = _require_text("notes", notes, "retiring a promoted model must say why")
    return _simple_transition(db, model_id, "superseded", actor, notes)


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


def recent_events(
    db: Database, limit: int = 50, *, before_id: int | None = None, actor: str | None = None
) -> list[PromotionEvent]:
    """Transitions across the registry, newest first; ``before_id`` pages back in time."""
    query = select(promotion_events).order_by(promotion_events.c.id.desc())
    if before_id is not None:
        query = query.where(promotion_events.c.id < before_id)
    if actor is not None:
        query = query.where(promotion_events.c.actor == actor)
    with db.transaction() as conn:
        rows = conn.execute(query.limit(max(1, min(limit, 1000))))
        return [_event(row) for row in rows]


def promoted_version(db: Database, model_id: str) -> ModelRecord | None:
    """The currently promoted version of the line ``model_id`` belongs to, if any."""
    with db.transaction() as conn:
        model = fetch_model(conn, model_id)
        promoted = _promoted_in_line(conn, model.lineage_id)
        return fetch_model(conn, promoted[0]) if promoted else None


_LINE_VERSIONS = (
    select(artifacts.c.id, artifacts.c.version_number, _STATE_OF_MEMBER.label("promotion_state"))
    .where(ROOT == bindparam("root"))  # noqa: SIM300 - ROOT is a column expression
    .order_by(artifacts.c.version_number)
)


def _rollback_target(rows: list[Any], to_version: int | None, line: str) -> Any:
    promoted = [r for r in rows if r.promotion_state == "promoted"]
    if to_version is not None:
        target = next((r for r in rows if r.version_number == to_version), None)
        if target is None:
            raise NotFoundError(f"model line {line} has no version {to_version}")
    else:
        below = promoted[0].version_number if promoted else None
        earlier = [
            r
            for r in rows
            if r.promotion_state == "superseded" and (below is None or r.version_number < below)
        ]
        if not earlier:
            raise IllegalTransitionError(
                f"model line {line} has no earlier superseded version to roll back to"
            )
        target = earlier[-1]
    if target.promotion_state != "superseded":
        raise IllegalTransitionError(
            f"version {target.version_number} of {line} is {target.promotion_state}: a rollback "
            "re-promotes a superseded version (promote a candidate with `promote`)"
        )
    return target


def rollback(
    db: Database,
    model_id: str,
    *,
    to_version: int | None = None,
    actor: str,
    notes: str | None,
    override: bool = False,
    policy: GatePolicy | None = None,
) -> TransitionResult:
    """Re-promote an earlier (superseded) version of ``model_id``'s line; supersede the current one.

    Without ``to_version``, the latest superseded version below the promoted one.
    The version passes the gate again (or an override with notes is recorded);
    both moves are one transaction under the line's lock, each with its event.
    """
    actor = _require_text("actor", actor, "say who is rolling back")
    notes = _require_text("notes", notes, "a rollback must say why")
    policy = policy or load_policy()
    with db.transaction(write=True) as conn:
        model = _locked_model(db, conn, model_id)
        line = model.line_name or model.lineage_id
        rows = list(conn.execute(_LINE_VERSIONS, {"root": model.lineage_id}))
        target = fetch_model(conn, _rollback_target(rows, to_version, line).id)
        unmet = unmet_conditions(target, policy)
        if unmet and not override:
            raise PromotionGateError(
                f"version {target.version_number} of {line} cannot be promoted again "
                f"({len(unmet)} unmet condition{'s' if len(unmet) != 1 else ''}; fix them, "
                'or use --override --notes "why")',
                unmet,
            )
        retired = f"rolled back to version {target.version_number}: {notes}"
        events = [
            _retire(conn, r.id, target.id, actor, retired)
            for r in rows
            if r.promotion_state == "promoted"
        ]
        events.append(_append(conn, target.id, "superseded", "promoted", actor, notes, bool(unmet)))
        conn.execute(
            update(artifacts)
            .where(artifacts.c.id == target.id)
            .values(superseded_by=None, lifecycle_state="active", updated_at=utc_timestamp())
        )
        return TransitionResult(fetch_model(conn, target.id), events)
