"""The one writer of aliases: set, move and delete one, each move recorded with who and why.

Each change is one transaction under the line's lock (the lock every writer of
the line's versions takes), so two moves of one alias never interleave: the
second reads what the first wrote. It appends a row to ``model_alias_moves``
and changes ``model_aliases`` in the same transaction; the database refuses an
alias naming a version of another line and any change to a recorded move.
An alias the policy gates (``[aliases]``, :mod:`.alias_gate`) is refused with
the gate's error on a version that does not meet its rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.alias_names import SHOWN_ALIASES, check_alias_name, no_such_alias
from atlas_registry.catalog.aliases import AliasMove, line_root, move_of
from atlas_registry.catalog.lines import lock_lines
from atlas_registry.catalog.registrar import fetch_model
from atlas_registry.catalog.version_names import version_label
from atlas_registry.errors import NotFoundError, PromotionGateError, ValidationError, Violation
from atlas_registry.lifecycle.alias_gate import alias_unmet
from atlas_registry.lifecycle.policy import GatePolicy
from atlas_registry.lifecycle.transitions import GATE_WAY_OUT, gate_verdict
from atlas_registry.schema.recorded_text import optional_notes, required_text
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import record_event
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession

MAX_VERSION_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class AliasChange:
    """The move a set or delete recorded; ``changed`` is False when the alias already named
    the version (nothing was written, and ``move`` is the move that put it there)."""

    move: AliasMove
    changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.move.to_dict(), "changed": self.changed}


_VERSION = """
SELECT a.id FROM artifacts a JOIN model_versions v ON v.artifact_id = a.id
WHERE COALESCE(a.lineage_id, a.id) = ? AND a.version_number = ?"""

_CURRENT = """
SELECT m.id, l.alias, m.from_artifact_id, f.version_number, l.artifact_id, a.version_number,
    m.moved_by, m.notes, m.override, m.moved_at
FROM model_aliases l
JOIN artifacts a ON a.id = l.artifact_id
JOIN model_alias_moves m ON m.id = l.move_id
LEFT JOIN artifacts f ON f.id = m.from_artifact_id
WHERE l.line_id = ? AND l.alias = ?"""

_LIVE = (
    f"SELECT alias FROM model_aliases WHERE line_id = ? ORDER BY alias LIMIT {SHOWN_ALIASES + 1}"
)

_INSERT_MOVE = (
    "INSERT INTO model_alias_moves "
    "(line_id, alias, from_artifact_id, artifact_id, moved_by, notes, override, moved_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)

_UPSERT = (
    "INSERT INTO model_aliases (line_id, alias, artifact_id, move_id) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (line_id, alias) DO UPDATE "
    "SET artifact_id = excluded.artifact_id, move_id = excluded.move_id"
)


def _version_number(value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_VERSION_NUMBER
    ):
        raise ValidationError(
            "the version is invalid",
            [Violation("to_version", "must be a whole version number of the line, such as 2")],
        )
    return value


def set_alias(
    db: Database,
    line: str,
    alias: str,
    *,
    to_version: int,
    actor: str,
    notes: str | None = None,
    override: bool = False,
    policy: GatePolicy,
) -> AliasChange:
    """Point ``alias`` of ``line`` at its version ``to_version``, creating the alias if new.

    ``override`` (with notes saying why) names a version the alias's gate
    refuses; the move records that it did.
    """
    alias = check_alias_name(alias)
    number = _version_number(to_version)
    actor = required_text("actor", actor, "say who moves the alias")
    if override:
        notes = required_text("notes", notes, "an override must say why the gate is bypassed")
    else:
        notes = optional_notes(notes)
    with db.session(write=True) as session:
        root = line_root(session, line)
        lock_lines(db, session, [], names=[line])
        found = session.first(_VERSION, (root, number))
        if found is None:
            raise NotFoundError(f"model line {line} has no version {number}")
        target = str(found[0])
        current = session.first(_CURRENT, (root, alias))
        if current is not None and current[4] == target:
            return AliasChange(move_of(line, current), changed=False)
        unmet = _gate(session, policy, line, alias, target, override)
        before = (current[4], current[5]) if current else (None, None)
        move = _record(
            session, root, _Move(line, alias, before, (target, number), actor, notes, bool(unmet))
        )
        session.run(_UPSERT, (root, alias, target, move.id))
        payload = {"line": line, "alias": alias, "from": before[0], "to": target}
        record_event(session, EventType.ALIAS_SET, actor=actor, model_id=target, payload=payload)
    return AliasChange(move, changed=True)


def delete_alias(
    db: Database, line: str, alias: str, *, actor: str, notes: str | None = None
) -> AliasChange:
    """Remove ``alias`` from ``line``; its moves stay in the history, ending in this delete."""
    alias = check_alias_name(alias)
    actor = required_text("actor", actor, "say who deletes the alias")
    notes = optional_notes(notes)
    with db.session(write=True) as session:
        root = line_root(session, line)
        lock_lines(db, session, [], names=[line])
        current = session.first(_CURRENT, (root, alias))
        if current is None:
            live = [str(row[0]) for row in session.rows(_LIVE, (root,))]
            raise NotFoundError(no_such_alias(line, alias, live))
        before = (current[4], current[5])
        move = _record(session, root, _Move(line, alias, before, (None, None), actor, notes))
        session.run("DELETE FROM model_aliases WHERE line_id = ? AND alias = ?", (root, alias))
        payload = {"line": line, "alias": alias, "from": before[0]}
        record_event(
            session, EventType.ALIAS_DELETED, actor=actor, model_id=before[0], payload=payload
        )
    return AliasChange(move, changed=True)


def _gate(
    session: SqlSession, policy: GatePolicy, line: str, alias: str, target: str, override: bool
) -> list[Violation]:
    """The conditions of the alias's gate ``target`` does not meet; refused unless overridden."""
    rule = policy.aliases.get(alias)
    if rule is None:
        return []
    model = fetch_model(session, target)
    unmet = alias_unmet(alias, rule, model, lambda: gate_verdict(session, model, policy))
    if unmet and not override:
        label = version_label(line, model.version_number, model.id)
        count = f"{len(unmet)} unmet condition{'s' if len(unmet) != 1 else ''}"
        raise PromotionGateError(
            f"{alias} cannot name {label}: the policy gates this alias ({count}; {GATE_WAY_OUT})",
            unmet,
        )
    return unmet


@dataclass(frozen=True)
class _Move:
    """A move about to be recorded: (id, version number) before and after it."""

    line: str
    alias: str
    before: tuple[str | None, int | None]
    after: tuple[str | None, int | None]
    actor: str
    notes: str | None
    override: bool = False


def _record(session: SqlSession, root: str, move: _Move) -> AliasMove:
    """Append one move to the alias's history; the move as recorded."""
    now = utc_timestamp()
    (before_id, before_number), (after_id, after_number) = move.before, move.after
    rows = session.rows(
        _INSERT_MOVE,
        (root, move.alias, before_id, after_id, move.actor, move.notes, int(move.override), now),
    )
    return AliasMove(
        int(rows[0][0]),
        move.line,
        move.alias,
        before_id,
        before_number,
        after_id,
        after_number,
        move.actor,
        move.notes,
        move.override,
        now,
    )
