"""The one writer of the lifecycle: each model's state change and the event recording it.

Every transition (:mod:`.transitions`, :mod:`.rollback`) hands its moves to
:func:`apply_moves`, which writes them all in three statements (four when
one version leaves 'promoted' as another moves): the models' states, their
catalog rows, and one event per move.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from atlas_registry.store.db import utc_timestamp
from atlas_registry.store.events.record import NewEvent, record_events, short
from atlas_registry.store.events.types import transition_type
from atlas_registry.store.sql_session import Pending, SqlSession, marks

# A transition's change to a model's catalog row: (superseded_by, lifecycle_state).
CatalogChange = tuple[str | None, str]


# The catalog's lifecycle_state of a model, derived from its promotion state and
# written with every transition, so the generic catalog column never contradicts
# the state a person reads (promotion_state). Migration 0016 applies the same
# mapping to the rows written before, and catalog/adoption.py to adopted ones.
CATALOG_STATES: dict[str, str] = {
    "candidate": "active",
    "promoted": "active",
    "rejected": "archived",
    "superseded": "superseded",
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
class Move:
    """One model's state change and the event that records it."""

    model_id: str
    from_state: str
    to_state: str
    notes: str | None
    override: bool = False


@dataclass(frozen=True)
class Recorded:
    """The events a transition appended; their ids are read when first asked for.

    On PostgreSQL the ids arrive with the COMMIT's round trip: asked for after
    the transaction ends, they cost no round trip of their own.
    """

    moves: list[Move]
    actor: str
    created_at: str
    ids: Pending

    def events(self) -> list[PromotionEvent]:
        return [
            PromotionEvent(
                event_id,
                m.model_id,
                m.from_state,
                m.to_state,
                self.actor,
                m.notes,
                m.override,
                self.created_at,
            )
            for (event_id,), m in zip(sorted(self.ids.rows()), self.moves, strict=True)
        ]


def moment() -> str:
    """The time a transition's moves are recorded at, whichever side writes them."""
    return utc_timestamp()


def apply_moves(
    session: SqlSession,
    moves: list[Move],
    actor: str,
    catalog: dict[str, CatalogChange] | None = None,
) -> Recorded:
    """Every move of one transition in three statements, however many rows it touches.

    One UPDATE of the models' states (two when some leave 'promoted' and others
    move: :func:`_leaving_promoted_first`), one of their catalog rows (each model's
    lifecycle_state follows its new state, :data:`CATALOG_STATES`; ``catalog``
    sets superseded_by where it changes: id -> (superseded_by, lifecycle_state)),
    and one INSERT of all the events,
    whose ids come back with RETURNING. Nothing is read back before the COMMIT,
    which therefore leaves with them: one round trip in a pipeline. A model no
    longer in the state it was read in (unreachable under the line's lock) gets
    no new state (the CASE has no ELSE), which the column's NOT NULL refuses:
    the whole transaction fails, and :func:`.transitions.transition_session` says why.
    """
    now = moment()
    for group in _leaving_promoted_first(moves):
        _write_states(session, group)
    _write_catalog_states(session, moves, catalog or {}, now)
    rows = ", ".join("(?, ?, ?, ?, ?, ?, ?)" for _ in moves)
    ids = session.later(
        "INSERT INTO model_promotion_events "
        "(artifact_id, from_state, to_state, actor, notes, override, created_at) "
        f"VALUES {rows} RETURNING id",
        [
            v
            for m in moves
            for v in (m.model_id, m.from_state, m.to_state, actor, m.notes, int(m.override), now)
        ],
    )
    record_events(session, [event_of(m, actor) for m in moves])
    return Recorded(moves, actor, now, ids)


def event_of(move: Move, actor: str) -> NewEvent:
    """The log's event of one move: its type says which transition it was."""
    payload = {
        "from_state": move.from_state,
        "to_state": move.to_state,
        "override": move.override,
        "notes": short(move.notes),
    }
    return NewEvent(transition_type(move.from_state, move.to_state), actor, move.model_id, payload)


def _leaving_promoted_first(moves: list[Move]) -> list[list[Move]]:
    """The moves out of 'promoted', then the others: the states' UPDATEs, in that order.

    The database keeps one promoted version per line with a unique index
    (0019), which SQLite checks row by row within an UPDATE: a version promoted
    in the same statement that supersedes the line's old one could be checked
    first and refused. Writing the moves out of 'promoted' first never shows
    two; a transition that moves nothing out of 'promoted' stays one statement.
    """
    leaving = [m for m in moves if m.from_state == "promoted"]
    others = [m for m in moves if m.from_state != "promoted"]
    return [group for group in (leaving, others) if group]


def _write_states(session: SqlSession, moves: list[Move]) -> None:
    """One UPDATE of the models' promotion states and notes."""
    states = " ".join("WHEN artifact_id = ? AND promotion_state = ? THEN ?" for _ in moves)
    notes = " ".join("WHEN ? THEN ?" for _ in moves)
    session.run(
        f"UPDATE model_versions SET promotion_state = CASE {states} END, "
        f"promotion_notes = CASE artifact_id {notes} END "
        f"WHERE artifact_id IN ({marks(len(moves))})",
        [
            *(v for m in moves for v in (m.model_id, m.from_state, m.to_state)),
            *(v for m in moves for v in (m.model_id, m.notes)),
            *(m.model_id for m in moves),
        ],
    )


def _write_catalog_states(
    session: SqlSession, moves: list[Move], catalog: dict[str, CatalogChange], now: str
) -> None:
    """Each moved model's catalog row: its derived lifecycle_state, and superseded_by where
    ``catalog`` says (a model it does not name keeps its own)."""
    states = {m.model_id: CATALOG_STATES[m.to_state] for m in moves}
    whens = " ".join("WHEN ? THEN ?" for _ in states)
    set_by = ""
    if catalog:
        set_by = f"superseded_by = CASE id {' '.join('WHEN ? THEN ?' for _ in catalog)} "
        set_by += "ELSE superseded_by END, "
    session.run(
        f"UPDATE artifacts SET {set_by}lifecycle_state = CASE id {whens} END, updated_at = ? "
        f"WHERE id IN ({marks(len(states))})",
        [
            *(v for i, (by, _s) in catalog.items() for v in (i, by)),
            *(v for i, state in states.items() for v in (i, state)),
            now,
            *states,
        ],
    )
