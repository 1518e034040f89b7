"""On PostgreSQL, a transition in one call of the function migration 0029 created.

Why: written from the client, a promotion was two round trips of eight
statements, and the client's per-statement work was most of its time. The
function ``atlas_registry_transition`` takes the same line lock, makes the same
checks and writes the same rows (:mod:`.moves`) and events on the server, so the
whole transition, its model's read and the COMMIT go in one round trip.

Where the line is drawn: the function moves a version only when it is sure the
client would. A version it does not move (not there, not in the state the move
needs, or not shown to meet the gate) is answered with the reason and nothing
written, and :mod:`.transitions` then runs its own transition, whose errors are
the very ones the same call raises on SQLite: the refusals keep one author.
The gate's policy is read from a file only the client has; what the function
decides is the part of it a version's own row settles (metrics recorded, a
reproducibility pin, the benchmark threshold), sent as :func:`gate_of` describes
it. Conditions that read other tables through the client's own code (pin checks,
file checks, evaluation rules reaching the version) are left to the client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from atlas_registry.catalog.lines import line_lock
from atlas_registry.catalog.queries import model_later, model_record
from atlas_registry.lifecycle.moves import CATALOG_STATES, Move, Recorded, event_of, moment
from atlas_registry.lifecycle.policy import GatePolicy
from atlas_registry.records import ModelRecord, short_id_of
from atlas_registry.store.events import pending
from atlas_registry.store.events.record import NOTES_CHARS, record_events
from atlas_registry.store.sql_session import Pending, SqlSession

_CALL = (
    "SELECT * FROM atlas_registry_transition(?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, "
    "CAST(? AS jsonb), ?)"
)

# What the function must name as the client does: the lock keys, the channel, the
# catalog's states and the payload's cut. Sent with each call, kept in one place.
_CONTEXT = json.dumps(
    {
        "line_lock": line_lock(""),
        "id_lock": pending.ID_LOCK,
        "channel": pending.CHANNEL,
        "catalog_states": CATALOG_STATES,
        "notes_chars": NOTES_CHARS,
    }
)


def _exact(bound: float | None) -> str | None:
    """A threshold as the exact value of the float it is (``0.1`` is not 1/10).

    Compared exactly with the metric's stored text, a pass on the server is a pass
    in the client: a stored value at or above the exact minimum reads as a float
    at or above it.
    """
    return None if bound is None else str(Decimal(bound))


_LAST: tuple[GatePolicy, str] | None = None


def gate_of(policy: GatePolicy) -> str:
    """``policy`` as the function reads it (JSON); the last one is kept, by identity."""
    global _LAST
    if _LAST is not None and _LAST[0] is policy:
        return _LAST[1]
    rules = policy.evaluations.values()
    text = json.dumps(
        {
            "metrics": policy.require_evaluation_metrics,
            "pin": policy.require_reproducibility_pin,
            "pin_checks": policy.require_verified_code_pin,
            "files": policy.require_verified_files,
            "benchmarks": {
                name: {
                    "metric": t.metric,
                    "minimum": _exact(t.minimum),
                    "maximum": _exact(t.maximum),
                }
                for name, t in policy.benchmarks.items()
            },
            "evaluation_benchmarks": [r.benchmark_id for r in rules],
            "evaluation_lines": [name for r in rules for name in r.lines],
            "evaluation_families": [name for r in rules for name in r.model_families],
        }
    )
    _LAST = (policy, text)
    return text


@dataclass(frozen=True)
class Sent:
    """A transition sent to the function, and its model's read sent after it.

    Read once the transaction ended, both arrive with the COMMIT's round trip.
    """

    actor: str
    created_at: str
    moved: Pending
    model: Pending

    def refused(self) -> bool:
        """True when the function moved nothing and left the transition to the client."""
        return self.moved.rows()[0][0] is not None

    def moves(self) -> list[Move]:
        return [Move(row[1], row[2], row[3], row[4]) for row in self.moved.rows()]

    def result(self) -> tuple[ModelRecord, Recorded] | None:
        """The model as read after the moves, and what they recorded; None if refused."""
        if self.refused():
            return None
        ids = Pending([(row[5],) for row in self.moved.rows()])
        recorded = Recorded(self.moves(), self.actor, self.created_at, ids)
        return model_record(self.model.rows()[0]), recorded


def send(
    session: SqlSession,
    model_id: str,
    moves: tuple[str, str],
    *,
    actor: str,
    notes: str | None,
    gate: str | None,
    in_unit: bool,
) -> Sent:
    """Send one transition (``moves``: from and to state) and the read of its model.

    ``in_unit``: the transaction is part of a unit of work that writes its
    events at its own COMMIT, after any lock it takes later; the function then
    leaves the event log alone, and the events are recorded here, held to that
    COMMIT (:mod:`atlas_registry.store.events.pending`), which costs this call its
    one round trip before it.
    """
    now = moment()
    from_state, to_state = moves
    params = (model_id, from_state, to_state, actor, notes, gate, now, short_id_of(model_id))
    moved = session.later(_CALL, (*params, _CONTEXT, not in_unit))
    sent = Sent(actor, now, moved, model_later(session, model_id))
    if in_unit and not sent.refused():
        record_events(session, [event_of(m, actor) for m in sent.moves()])
    return sent
