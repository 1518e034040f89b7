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
from atlas_registry.records import ModelRecord
from atlas_registry.schema.recorded_text import required_text
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession

# Every promotion of the line of the model ``?`` names, oldest first: which
# version went in, and whether it came back by a rollback (superseded -> promoted).
_LINE_PROMOTIONS = """
SELECT e.artifact_id, e.from_state
FROM model_promotion_events e
JOIN artifacts a ON a.id = e.artifact_id
WHERE e.to_state = 'promoted' AND COALESCE(a.lineage_id, a.id) =
    (SELECT COALESCE(m.lineage_id, m.id) FROM artifacts m WHERE m.id = ?)
ORDER BY e.id"""


def production_order(promotions: list[tuple[str, str]]) -> list[str]:
    """The versions that were in production, in the order they went in, as a rollback sees them.

    A promotion puts its version on top; a rollback to a version already there
    takes everything above it off (those were rolled back from). So the one
    below the top is the version in production before the current one, and a
    second rollback goes further back rather than forward to the version the
    first one retired.
    """
    order: list[str] = []
    for artifact_id, from_state in promotions:
        if from_state == "superseded" and artifact_id in order:
            del order[order.index(artifact_id) + 1 :]
        else:
            if artifact_id in order:
                order.remove(artifact_id)
            order.append(artifact_id)
    return order


def _superseded_list(rows: list[LineMember]) -> str:
    versions = ", ".join(str(r.version_number) for r in rows if r.promotion_state == "superseded")
    return f" (superseded: {versions})" if versions else ""


def _candidate_hint(rows: list[LineMember], below: int | None, line: str) -> str:
    """A first-hour trap: v2 promoted straight over a v1 that never was (or none promoted)."""
    candidates = [
        r
        for r in rows
        if r.promotion_state == "candidate" and (below is None or r.version_number < below)
    ]
    if not candidates:
        return ""
    number = candidates[-1].version_number
    return f"; version {number} is a candidate, never promoted: promote {line}@{number} instead"


def _previous_promotion(
    session: SqlSession, model_id: str, rows: list[LineMember], line: str
) -> LineMember:
    """The version promoted immediately before the line's current one, if it may go back."""
    promoted = next(r for r in rows if r.promotion_state == "promoted")
    order = production_order(
        [(str(a), str(f)) for a, f in session.rows(_LINE_PROMOTIONS, (model_id,))]
    )
    at = order.index(promoted.id) if promoted.id in order else -1
    if at <= 0:
        superseded = _superseded_list(rows)
        hint = f"; name the version to roll back to{superseded}" if superseded else ""
        hint = hint or _candidate_hint(rows, promoted.version_number, line)
        raise IllegalTransitionError(
            f"model line {line} has no earlier promoted version to roll back to: nothing was "
            f"in production before version {promoted.version_number} that a rollback has "
            f"not already retired{hint}"
        )
    by_id = {r.id: r for r in rows}
    return by_id[order[at - 1]]


def _rollback_target(
    session: SqlSession, model_id: str, rows: list[LineMember], to_version: int | None, line: str
) -> LineMember:
    if to_version is not None:
        target = next((r for r in rows if r.version_number == to_version), None)
        if target is None:
            raise NotFoundError(f"model line {line} has no version {to_version}")
    elif not any(r.promotion_state == "promoted" for r in rows):
        if not _superseded_list(rows):
            raise IllegalTransitionError(
                f"model line {line} has no earlier superseded version to roll back to"
                + _candidate_hint(rows, None, line)
            )
        # Its promotion was withdrawn: "back" could mean the withdrawn version
        # itself or the one before it, and guessing would put either in production.
        raise IllegalTransitionError(
            f"model line {line} has no promoted version to roll back from; say which "
            f"version to promote again{_superseded_list(rows)}"
        )
    else:
        target = _previous_promotion(session, model_id, rows, line)
    if target.promotion_state != "superseded":
        raise IllegalTransitionError(
            f"version {target.version_number} of {line} is {target.promotion_state}: a rollback "
            "re-promotes a superseded version (a candidate is promoted, not rolled back)"
        )
    return target


def _refuse_withdrawn(target: ModelRecord, line: str, defaulted: bool) -> None:
    """A version retired with no successor (``supersede``) was taken out on purpose: a
    rollback that was not told its number does not put it back."""
    if defaulted and target.superseded_by is None:
        raise IllegalTransitionError(
            f"version {target.version_number} of {line}, promoted before the current one, "
            "was withdrawn (superseded with no successor), so a rollback does not put it "
            f"back unasked; name the version to roll back to ({target.version_number} "
            "or another)"
        )


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

    Without ``to_version``, the version promoted immediately before the current
    one (:func:`production_order`; a line with no promoted version needs
    ``to_version``, and a version withdrawn on purpose is not put back unasked).
    The version passes the gate again (or an override with notes is recorded);
    both moves are one transaction under the line's lock, each with its event.
    """
    actor = required_text("actor", actor, "say who is rolling back")
    notes = required_text("notes", notes, "a rollback must say why")
    policy = policy or load_policy()
    with transition_session(db) as session:
        model, rows = locked_line(db, session, model_id)
        line = model.line_name or model.lineage_id
        chosen = _rollback_target(session, model_id, rows, to_version, line)
        target = fetch_model(session, chosen.id)
        _refuse_withdrawn(target, line, to_version is None)
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
