"""The promotion lifecycle: candidate -> promoted | rejected, promoted -> superseded
(the rollback, superseded -> promoted, is built from the same parts in :mod:`.rollback`;
both write their moves and events through :mod:`.moves`).

Each transition is one transaction that changes ``model_versions`` and appends
its event, under the model line's lock, so two promotions in one line cannot
both win: the second sees the first and supersedes it, or is told the model
is no longer a candidate. On PostgreSQL a promotion, rejection or retirement is
first sent as one server-side call (:mod:`.server_side`), which makes the same
moves; what it leaves to the client (every refusal among them) is done here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.evaluations import evaluations_in
from atlas_registry.catalog.lines import lock_lines
from atlas_registry.catalog.pin_checks import checks_of
from atlas_registry.catalog.registrar import fetch_model
from atlas_registry.catalog.version_names import VersionName, version_label
from atlas_registry.errors import (
    ConstraintViolationError,
    IllegalTransitionError,
    PromotionGateError,
    Violation,
)
from atlas_registry.lifecycle import server_side
from atlas_registry.lifecycle.file_gate import file_conditions
from atlas_registry.lifecycle.moves import (
    CATALOG_STATES,
    CatalogChange,
    Move,
    PromotionEvent,
    Recorded,
    apply_moves,
)
from atlas_registry.lifecycle.policy import GatePolicy, load_policy, unmet_conditions
from atlas_registry.records import ModelRecord
from atlas_registry.schema.recorded_text import optional_notes, required_text
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession

# A gate refusal's way out, in no surface's words: the CLI adds its flags, the
# API its body fields (a gate refusal is read from a terminal and from HTTP).
GATE_WAY_OUT = "fix them, or override the gate with notes saying why"


TRANSITIONS: dict[str, frozenset[str]] = {
    "candidate": frozenset({"promoted", "rejected"}),
    "promoted": frozenset({"superseded"}),
    "rejected": frozenset(),
    "superseded": frozenset(),
}
# The one state each verb's move starts from (every target above has one source).
_SOURCE = {to: source for source, targets in TRANSITIONS.items() for to in targets}


@dataclass(frozen=True)
class LineEvent:
    """A transition and the version it moved, named as a person names it (``line@N``)."""

    event: PromotionEvent
    version: VersionName

    def to_dict(self) -> dict[str, Any]:
        """The event's fields, then the version's: ``version`` is its ``line@N`` (or its id)."""
        return {
            **self.event.to_dict(),
            "title": self.version.title,
            "line_name": self.version.line_name,
            "version_number": self.version.version_number,
            "version": self.version.label,
        }


@dataclass(frozen=True)
class TransitionResult:
    """The model after the transition, and every event the transition appended."""

    model: ModelRecord
    events: list[PromotionEvent]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model.to_dict(), "events": [e.to_dict() for e in self.events]}


def _check_transition(model: ModelRecord, to_state: str) -> None:
    if to_state not in TRANSITIONS[model.promotion_state]:
        allowed = sorted(TRANSITIONS[model.promotion_state])
        onward = f"it can only become {' or '.join(allowed)}" if allowed else "that state is final"
        if model.promotion_state == "superseded":
            # Not final: a rollback re-promotes it (TRANSITIONS holds the verbs' moves only).
            onward = (
                f"only a rollback of its line to version {model.version_number} promotes it again"
            )
            if to_state == "rejected":
                onward = f"only a candidate can be rejected; {onward}"
        raise IllegalTransitionError(
            f"{model.id} is {model.promotion_state} and cannot become {to_state}: {onward}",
            from_state=model.promotion_state,
            to_state=to_state,
        )


# Every version of the line of the model ``?`` names (any member, the root
# included), with its state, in version order. Keyed by a member rather than the
# root, it can be sent together with the model's own read. The line's expression
# index (ux_artifacts_lineage_version) drives, and each member's state is a
# per-row lookup by primary key. Written as a join, or with "promotion_state =
# 'promoted'" in the WHERE clause, planners without fresh statistics (SQLite
# always; PostgreSQL after a bulk load or with autovacuum off) read every
# promoted model, or all of model_versions, on each promotion. A select-list
# subquery cannot be turned into such a join, so the cost is bounded by the
# line's length whatever the statistics say.
_STATE_OF_A = "(SELECT mv.promotion_state FROM model_versions mv WHERE mv.artifact_id = a.id)"


_LINE_OF_MEMBER = """
FROM artifacts a
WHERE COALESCE(a.lineage_id, a.id) =
    (SELECT COALESCE(m.lineage_id, m.id) FROM artifacts m WHERE m.id = ?)"""


LINE_STATES = f"""
SELECT a.id, a.version_number, {_STATE_OF_A}{_LINE_OF_MEMBER}
ORDER BY a.version_number"""


# The line's promoted version (the one a promotion supersedes), if any, of the
# model ``?`` names: no walk of the line, one probe of the index that keeps one
# promoted version per line (uq_model_versions_one_promoted_per_line, on the
# line_id the database copies onto each version; 0019). The equality on its
# whole key, with its own predicate, makes it a unique lookup, which both
# planners take with or without statistics; the cost no longer grows with the
# line (measured: a line of 250 versions, 237 µs for the walk on SQLite).
PROMOTED_IN_LINE = """
SELECT p.artifact_id, a.version_number, p.promotion_state
FROM model_versions p JOIN artifacts a ON a.id = p.artifact_id
WHERE p.line_id = (SELECT m.line_id FROM model_versions m WHERE m.artifact_id = ?)
    AND p.promotion_state = 'promoted'
ORDER BY a.version_number"""


@dataclass(frozen=True)
class LineMember:
    id: str
    version_number: int
    promotion_state: str | None


@dataclass(frozen=True)
class Gated:
    """A candidate read under its line's lock, its line's promoted version, the gate's verdict."""

    model: ModelRecord
    promoted: list[LineMember]
    unmet: list[Violation]


@contextmanager
def transition_session(db: Database) -> Iterator[SqlSession]:
    """A transition's write session. A write the database refuses means the rows moved.

    Under the line's lock nothing else changes a model's state, so this is a
    guard, not a path: :func:`.moves.apply_moves` writes nothing when a model is not in the
    state it was read in, and the caller is told to read again.
    """
    try:
        with db.session(write=True) as session:
            yield session
    except ConstraintViolationError as error:
        if "promotion_state" not in error.message:  # another rule, which says what it is
            raise
        raise IllegalTransitionError(
            f"the model changed while this transition ran ({error.message}); "
            "read it again and retry"
        ) from error


def _locked_model(db: Database, session: SqlSession, model_id: str) -> ModelRecord:
    """The model read after taking its line's lock, so its state cannot be stale."""
    lock_lines(db, session, [model_id])
    return fetch_model(session, model_id)  # says why when the id is not a registered model


def locked_line(
    db: Database, session: SqlSession, model_id: str, members: str = LINE_STATES
) -> tuple[ModelRecord, list[LineMember]]:
    """:func:`_locked_model` and members of its line (``members``: :data:`LINE_STATES`
    or :data:`PROMOTED_IN_LINE`): the lock and both reads in one round trip."""
    lock_lines(db, session, [model_id])
    line = session.later(members, (model_id,))
    model = fetch_model(session, model_id)
    return model, [LineMember(*row) for row in line.rows()]


def as_left(
    model: ModelRecord, events: list[PromotionEvent], catalog: CatalogChange | None = None
) -> ModelRecord:
    """``model`` as the transition left it: the last event's state, without a re-read."""
    mine = [e for e in events if e.artifact_id == model.id][-1]
    changed = dataclasses.replace(
        model,
        promotion_state=mine.to_state,
        promotion_notes=mine.notes,
        lifecycle_state=CATALOG_STATES[mine.to_state],
        updated_at=mine.created_at,
    )
    if catalog is not None:
        changed = dataclasses.replace(changed, superseded_by=catalog[0])
    return changed


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
    actor = required_text("actor", actor, "say who is promoting")
    if override:
        notes = required_text("notes", notes, "an override must say why the gate is bypassed")
    else:
        notes = optional_notes(notes)
    policy = policy or load_policy()
    # Checks of files or of code pins are read by this module's gate: the function would
    # hand every (internal) version back, a round trip for nothing.
    if not (policy.require_verified_files or policy.require_verified_code_pin):
        done = _in_one_call(db, model_id, "promoted", actor, notes, server_side.gate_of(policy))
        if done is not None:
            return done
    with transition_session(db) as session:
        gated = gate_in(db, session, model_id, policy)
        unmet = gated.unmet
        if unmet and not override:
            raise PromotionGateError(
                f"{model_id} cannot be promoted ({len(unmet)} unmet condition"
                f"{'s' if len(unmet) != 1 else ''}; {GATE_WAY_OUT})",
                unmet,
            )
        recorded = promote_checked_in(
            session, gated, actor=actor, notes=notes, overridden=bool(unmet) and override
        )
    events = recorded.events()
    return TransitionResult(as_left(gated.model, events), events)


def gate_in(db: Database, session: SqlSession, model_id: str, policy: GatePolicy) -> Gated:
    """The model, locked in its line and free to be promoted, with every unmet gate condition."""
    model, promoted = locked_line(db, session, model_id, PROMOTED_IN_LINE)
    _check_transition(model, "promoted")
    return Gated(model, promoted, gate_verdict(session, model, policy))


def gate_verdict(session: SqlSession, model: ModelRecord, policy: GatePolicy) -> list[Violation]:
    """The gate's unmet conditions, with the newest pin check when the policy asks for one."""
    newest = None
    if policy.require_verified_code_pin and not model.is_external:
        newest = next(iter(checks_of(session, model.id, limit=1)), None)
    found = evaluations_in(session, model.id) if policy.evaluations else []
    files = file_conditions(session, model) if policy.require_verified_files else []
    return unmet_conditions(model, policy, newest, found) + files


def promote_checked_in(
    session: SqlSession, gated: Gated, *, actor: str, notes: str | None, overridden: bool
) -> Recorded:
    """Promote a model :func:`gate_in` returned, superseding the line's previous promotion."""
    model = gated.model
    retired = [m.id for m in gated.promoted if m.id != model.id]
    # Named as a person names the version (line@N), as a rollback's note names its version.
    successor = version_label(model.line_name, model.version_number, model.id)
    moves = [Move(old, "promoted", "superseded", f"superseded by {successor}") for old in retired]
    moves.append(Move(model.id, "candidate", "promoted", notes, overridden))
    return apply_moves(session, moves, actor, dict.fromkeys(retired, (model.id, "superseded")))


def _in_one_call(
    db: Database, model_id: str, to_state: str, actor: str, notes: str | None, gate: str | None
) -> TransitionResult | None:
    """The transition in one server-side call on PostgreSQL; None when it is left to this
    module (SQLite, or a version the function did not move: see :mod:`.server_side`)."""
    if db.dialect != "postgresql":
        return None
    moves = (_SOURCE[to_state], to_state)
    with transition_session(db) as session:
        sent = server_side.send(
            session,
            model_id,
            moves,
            actor=actor,
            notes=notes,
            gate=gate,
            in_unit=db.in_unit_of_work,
        )
    found = sent.result()  # read after the COMMIT, with whose round trip it came
    if found is None:
        return None
    model, recorded = found
    events = recorded.events()
    return TransitionResult(as_left(model, events), events)


def _simple_transition(
    db: Database, model_id: str, to_state: str, actor: str, notes: str
) -> TransitionResult:
    done = _in_one_call(db, model_id, to_state, actor, notes, None)
    if done is not None:
        return done
    with transition_session(db) as session:
        model = _locked_model(db, session, model_id)
        _check_transition(model, to_state)
        recorded = apply_moves(
            session, [Move(model_id, model.promotion_state, to_state, notes)], actor
        )
    events = recorded.events()
    return TransitionResult(as_left(model, events), events)


def reject(db: Database, model_id: str, *, actor: str, notes: str | None) -> TransitionResult:
    """Reject a candidate for good; the notes say why."""
    actor = required_text("actor", actor, "say who is rejecting")
    notes = required_text("notes", notes, "a rejection must say why")
    return _simple_transition(db, model_id, "rejected", actor, notes)


def supersede(db: Database, model_id: str, *, actor: str, notes: str | None) -> TransitionResult:
    """Retire a promoted model without promoting a successor (e.g. found faulty)."""
    actor = required_text("actor", actor, "say who is retiring the model")
    notes = required_text("notes", notes, "retiring a promoted model must say why")
    return _simple_transition(db, model_id, "superseded", actor, notes)
