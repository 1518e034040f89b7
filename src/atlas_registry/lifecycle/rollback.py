"""The rollback: superseded -> promoted, retiring the line's current promotion.

Built from the transitions' own parts (:mod:`.transitions`): the line's lock and
read, the gate, and the one writer of moves, so a rollback is one transaction
like any other transition, with an event for each version it moves.
"""

from __future__ import annotations

from atlas_registry.catalog.registrar import fetch_model
from atlas_registry.errors import IllegalTransitionError, NotFoundError, PromotionGateError
from atlas_registry.lifecycle.moves import CatalogChange, Move, apply_moves
from atlas_registry.lifecycle.policy import GatePolicy, load_policy
from atlas_registry.lifecycle.transitions import (
    GATE_WAY_OUT,
    LineMember,
    TransitionResult,
    as_left,
    gate_verdict,
    locked_line,
    transition_session,
)
from atlas_registry.schema.recorded_text import required_text
from atlas_registry.store.db import Database


def _rollback_target(rows: list[LineMember], to_version: int | None, line: str) -> LineMember:
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
            # A first-hour trap: v2 promoted straight over a v1 that never was.
            candidates = [
                r
                for r in rows
                if r.promotion_state == "candidate" and (below is None or r.version_number < below)
            ]
            hint = (
                f"; version {candidates[-1].version_number} is a candidate, never promoted: "
                f"promote {line}@{candidates[-1].version_number} instead"
                if candidates
                else ""
            )
            raise IllegalTransitionError(
                f"model line {line} has no earlier superseded version to roll back to{hint}"
            )
        if below is None:
            # Its promotion was withdrawn: "back" could mean the withdrawn version
            # itself or the one before it, and guessing would put either in production.
            versions = ", ".join(str(r.version_number) for r in earlier)
            raise IllegalTransitionError(
                f"model line {line} has no promoted version to roll back from; say which "
                f"version to promote again (superseded: {versions})"
            )
        target = earlier[-1]
    if target.promotion_state != "superseded":
        raise IllegalTransitionError(
            f"version {target.version_number} of {line} is {target.promotion_state}: a rollback "
            "re-promotes a superseded version (a candidate is promoted, not rolled back)"
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

    Without ``to_version``, the latest superseded version below the promoted one
    (a line with no promoted version needs ``to_version``).
    The version passes the gate again (or an override with notes is recorded);
    both moves are one transaction under the line's lock, each with its event.
    """
    actor = required_text("actor", actor, "say who is rolling back")
    notes = required_text("notes", notes, "a rollback must say why")
    policy = policy or load_policy()
    with transition_session(db) as session:
        model, rows = locked_line(db, session, model_id)
        line = model.line_name or model.lineage_id
        target = fetch_model(session, _rollback_target(rows, to_version, line).id)
        unmet = gate_verdict(session, target, policy)
        if unmet and not override:
            raise PromotionGateError(
                f"version {target.version_number} of {line} cannot be promoted again "
                f"({len(unmet)} unmet condition{'s' if len(unmet) != 1 else ''}; {GATE_WAY_OUT})",
                unmet,
            )
        retired_notes = f"rolled back to version {target.version_number}: {notes}"
        retired = [r.id for r in rows if r.promotion_state == "promoted"]
        moves = [Move(old, "promoted", "superseded", retired_notes) for old in retired]
        moves.append(Move(target.id, "superseded", "promoted", notes, bool(unmet)))
        catalog: dict[str, CatalogChange] = dict.fromkeys(retired, (target.id, "superseded"))
        catalog[target.id] = (None, "active")
        recorded = apply_moves(session, moves, actor, catalog)
    events = recorded.events()
    return TransitionResult(as_left(target, events, catalog[target.id]), events)
