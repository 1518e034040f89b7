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

from atlas_registry.catalog.alias_names import check_alias_name, no_such_alias
from atlas_registry.catalog.aliases import AliasMove, line_root
from atlas_registry.catalog.lines import lock_lines
from atlas_registry.catalog.registrar import fetch_model
from atlas_registry.catalog.version_names import version_label
from atlas_registry.errors import NotFoundError, PromotionGateError, ValidationError, Violation
from atlas_registry.lifecycle.alias_gate import alias_unmet
from atlas_registry.lifecycle.policy import GatePolicy
from atlas_registry.lifecycle.transitions import gate_verdict
from atlas_registry.schema.recorded_text import optional_notes, required_text
from atlas_registry.store.db import Database, utc_timestamp
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
SELECT l.artifact_id, a.version_number, m.id, m.from_artifact_id, f.version_number,
    m.moved_by, m.notes, m.moved_at
FROM model_aliases l
JOIN artifacts a ON a.id = l.artifact_id
JOIN model_alias_moves m ON m.id = l.move_id
LEFT JOIN artifacts f ON f.id = m.from_artifact_id
WHERE l.line_id = ? AND l.alias = ?"""

_LIVE = "SELECT alias FROM model_aliases WHERE line_id = ? ORDER BY alias LIMIT 21"

_INSERT_MOVE = (
    "INSERT INTO model_alias_moves "
    "(line_id, alias, from_artifact_id, to_artifact_id, moved_by, notes, moved_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
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
    policy: GatePolicy,
) -> AliasChange:
    """Point ``alias`` of ``line`` at its version ``to_version``, creating the alias if new."""
    alias = check_alias_name(alias)
    number = _version_number(to_version)
    actor = required_text("actor", actor, "say who moves the alias")
    notes = optional_notes(notes)
    with db.session(write=True) as session:
        root = line_root(session, line)
        lock_lines(db, session, [], names=[line])
        found = session.first(_VERSION, (root, number))
        if found is None:
            raise NotFoundError(f"model line {line} has no version {number}")
        target = str(found[0])
        current = session.first(_CURRENT, (root, alias))
        if current is not None and current[0] == target:
            return AliasChange(_current_move(line, alias, current), changed=False)
        _check_gate(session, policy, line, alias, target)
        before = (current[0], current[1]) if current else (None, None)
        move = _record(session, root, line, alias, before, (target, number), actor, notes)
        session.run(_UPSERT, (root, alias, target, move.id))
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
        move = _record(
            session, root, line, alias, (current[0], current[1]), (None, None), actor, notes
        )
        session.run("DELETE FROM model_aliases WHERE line_id = ? AND alias = ?", (root, alias))
    return AliasChange(move, changed=True)


def _current_move(line: str, alias: str, row: tuple[Any, ...]) -> AliasMove:
    artifact_id, number, move_id, from_id, from_number, moved_by, notes, moved_at = row
    return AliasMove(
        move_id, line, alias, from_id, from_number, artifact_id, number, moved_by, notes, moved_at
    )


def _check_gate(
    session: SqlSession, policy: GatePolicy, line: str, alias: str, target: str
) -> None:
    """Refuse, as the gate refuses a promotion, a gated alias on a version its rule refuses."""
    rule = policy.aliases.get(alias)
    if rule is None:
        return
    model = fetch_model(session, target)
    unmet = alias_unmet(alias, rule, model, lambda: gate_verdict(session, model, policy))
    if unmet:
        label = version_label(line, model.version_number, model.id)
        count = f"{len(unmet)} unmet condition{'s' if len(unmet) != 1 else ''}"
        raise PromotionGateError(
            f"{alias} cannot name {label} ({count}; the policy gates this alias: fix them first)",
            unmet,
        )


def _record(
    session: SqlSession,
    root: str,
    line: str,
    alias: str,
    before: tuple[str | None, int | None],
    after: tuple[str | None, int | None],
    actor: str,
    notes: str | None,
) -> AliasMove:
    """Append one move to the alias's history; the move as recorded."""
    now = utc_timestamp()
    rows = session.rows(_INSERT_MOVE, (root, alias, before[0], after[0], actor, notes, now))
    return AliasMove(
        int(rows[0][0]), line, alias, before[0], before[1], after[0], after[1], actor, notes, now
    )
