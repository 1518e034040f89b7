"""Reading a line's aliases: what each names now, every move of each, and what one named at T.

An alias is a named, movable pointer to a version of one line (``champion``,
``staging`` ...). ``model_aliases`` holds what each live alias names now (one
primary-key lookup, which ``NAME@ALIAS`` in :mod:`.refs` makes);
``model_alias_moves``, append-only, holds every set, move and delete, so an
as-of read answers what an alias named at any past time from the record
itself. ``NAME@promoted`` at a time is read the same way from the promotion
events (promotions, rollbacks, supersessions): the one promoted version of a
line at T is the one whose last promotion before T was not followed, before T,
by its leaving ``promoted``. The writer of aliases is :mod:`..lifecycle.alias_moves`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from atlas_registry.catalog.alias_names import check_alias_name, no_such_alias
from atlas_registry.catalog.instants import parse_instant
from atlas_registry.catalog.refs import require_line
from atlas_registry.catalog.version_names import version_label
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import NotFoundError, ValidationError, Violation
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession


@dataclass(frozen=True)
class LineAlias:
    """A live alias and the version it names now, with the move that put it there."""

    line_name: str
    alias: str
    artifact_id: str
    version_number: int
    moved_by: str
    moved_at: str
    notes: str | None

    @property
    def version(self) -> str:
        return version_label(self.line_name, self.version_number, self.artifact_id)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "version": self.version}


@dataclass(frozen=True)
class AliasMove:
    """One set, move or delete of an alias: the version it left and the one it names after.

    ``from_*`` are None when the move created the alias, ``to_*`` when it deleted it.
    """

    id: int
    line_name: str
    alias: str
    from_artifact_id: str | None
    from_version: int | None
    to_artifact_id: str | None
    to_version: int | None
    moved_by: str
    notes: str | None
    override: bool
    moved_at: str

    @property
    def kind(self) -> str:
        """``set`` (a new alias), ``move`` or ``delete``."""
        if self.to_artifact_id is None:
            return "delete"
        return "set" if self.from_artifact_id is None else "move"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind}


def move_of(line: str, row: Sequence[Any]) -> AliasMove:
    """A move from its row: id, alias, from id and number, to id and number, by, notes,
    override, when."""
    (move_id, alias, from_id, from_number, to_id, to_number, by, notes, override, at) = row
    return AliasMove(
        int(move_id),
        line,
        alias,
        from_id,
        from_number,
        to_id,
        to_number,
        by,
        notes,
        bool(override),
        at,
    )


@dataclass(frozen=True)
class NamedAt:
    """What ``LINE@NAME`` (an alias, or ``promoted``) named at a time, and since when."""

    line_name: str
    name: str
    at: str  # the time asked about, in UTC as the registry stores time
    artifact_id: str
    version_number: int
    since: str  # when it came to name that version
    by: str  # who moved it there (or promoted the version)

    @property
    def version(self) -> str:
        return version_label(self.line_name, self.version_number, self.artifact_id)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "version": self.version}


_ROOT = "SELECT root_id FROM model_lines WHERE name = ?"

_CURRENT = """
SELECT l.alias, l.artifact_id, a.version_number, m.moved_by, m.moved_at, m.notes
FROM model_aliases l
JOIN artifacts a ON a.id = l.artifact_id
JOIN model_alias_moves m ON m.id = l.move_id
WHERE l.line_id = ? ORDER BY l.alias"""

_MOVES = """
SELECT m.id, m.alias, m.from_artifact_id, f.version_number, m.artifact_id,
    t.version_number, m.moved_by, m.notes, m.override, m.moved_at
FROM model_alias_moves m
LEFT JOIN artifacts f ON f.id = m.from_artifact_id
LEFT JOIN artifacts t ON t.id = m.artifact_id
WHERE m.line_id = ?{alias} ORDER BY m.id"""

# The newest move of one alias at or before a time (idx_model_alias_moves_as_of).
_ALIAS_AT = """
SELECT m.artifact_id, a.version_number, m.moved_at, m.moved_by
FROM model_alias_moves m LEFT JOIN artifacts a ON a.id = m.artifact_id
WHERE m.line_id = ? AND m.alias = ? AND m.moved_at <= ?
ORDER BY m.moved_at DESC, m.id DESC LIMIT 1"""

_FIRST_MOVE = """
SELECT moved_at FROM model_alias_moves WHERE line_id = ? AND alias = ?
ORDER BY moved_at, id LIMIT 1"""

_EVER_NAMED = "SELECT DISTINCT alias FROM model_alias_moves WHERE line_id = ? ORDER BY alias"

# _ALIAS_AT from the line's name, for the read that finds what it asks for.
_ALIAS_AT_ONCE = """
SELECT m.artifact_id, a.version_number, m.moved_at, m.moved_by
FROM model_lines n
JOIN model_alias_moves m ON m.line_id = n.root_id
LEFT JOIN artifacts a ON a.id = m.artifact_id
WHERE n.name = ? AND m.alias = ? AND m.moved_at <= ?
ORDER BY m.moved_at DESC, m.id DESC LIMIT 1"""

# The line's newest promotion at or before a time; its versions through the
# line's expression index, their events through the events' artifact index.
_LAST_PROMOTION = """
SELECT e.id, e.artifact_id, a.version_number, e.created_at, e.actor
FROM model_promotion_events e JOIN artifacts a ON a.id = e.artifact_id
WHERE COALESCE(a.lineage_id, a.id) = ? AND e.to_state = 'promoted' AND e.created_at <= ?
ORDER BY e.id DESC LIMIT 1"""

# _LAST_PROMOTION from the line's name, with when (if by then) the version left
# 'promoted' after it: the read that finds what it asks for, in one statement.
# ``|| ''`` keeps SQLite on the line's expression index (catalog/lines.py ROOT_ID_OF_N).
_PROMOTED_AT_ONCE = """
SELECT e.id, e.artifact_id, a.version_number, e.created_at, e.actor,
    (SELECT l.created_at FROM model_promotion_events l
     WHERE l.artifact_id = e.artifact_id AND l.from_state = 'promoted' AND l.id > e.id
         AND l.created_at <= ?
     ORDER BY l.id LIMIT 1)
FROM model_lines n
JOIN artifacts a ON COALESCE(a.lineage_id, a.id) = (n.root_id || '')
JOIN model_promotion_events e ON e.artifact_id = a.id
WHERE n.name = ? AND e.to_state = 'promoted' AND e.created_at <= ?
ORDER BY e.id DESC LIMIT 1"""

# Whether that version left 'promoted' (superseded) after it and at or before the time.
_LEFT_PROMOTED = """
SELECT created_at FROM model_promotion_events
WHERE artifact_id = ? AND from_state = 'promoted' AND id > ? AND created_at <= ?
ORDER BY id LIMIT 1"""


def line_root(session: SqlSession, line: str) -> str:
    """The root of the line named ``line``; NotFoundError naming lines spelt alike if none."""
    row = session.first(_ROOT, (line,)) if is_storable_text(line) else None
    if row is None:
        require_line(session, line)  # raises, naming lines spelt alike
        raise NotFoundError(f"no model line named {line!r:.100}")
    return str(row[0])


def list_aliases(db: Database, line: str) -> list[LineAlias]:
    """Every live alias of the line, by name, with the version it names and its last move."""
    with db.session() as session:
        root = line_root(session, line)
        return [LineAlias(line, *row) for row in session.rows(_CURRENT, (root,))]


def alias_history(db: Database, line: str, alias: str | None = None) -> list[AliasMove]:
    """Every move of the line's aliases (or of ``alias``), oldest first."""
    with db.session() as session:
        root = line_root(session, line)
        if alias is None:
            rows = session.rows(_MOVES.format(alias=""), (root,))
        else:
            check_alias_name(alias)
            rows = session.rows(_MOVES.format(alias=" AND m.alias = ?"), (root, alias))
            if not rows:
                raise NotFoundError(no_such_alias(line, alias, names_of(session, root)))
        return [move_of(line, row) for row in rows]


def names_of(session: SqlSession, root: str) -> list[str]:
    """Every alias the line has ever had, live or deleted."""
    return [str(row[0]) for row in session.rows(_EVER_NAMED, (root,))]


def named_at(db: Database, ref: str, at: str) -> NamedAt:
    """What ``ref`` (``LINE@ALIAS`` or ``LINE@promoted``) named at ``at`` (ISO 8601 with zone).

    NotFoundError when it named nothing then: before the alias was first set,
    after it was deleted, or while the line had no promoted version.
    """
    when = parse_instant(at)
    line, sign, name = ref.partition("@") if isinstance(ref, str) else ("", "", "")
    if not sign or not name or name == "latest" or name.isdigit():
        raise ValidationError(
            "an as-of read names an alias or promoted",
            [
                Violation(
                    "at",
                    f"{ref!r:.100} is not LINE@ALIAS or LINE@promoted: only what an alias or "
                    "promoted named moves with time",
                )
            ],
        )
    alias = name if name == "promoted" else check_alias_name(name, "ref")
    # Most reads find what they ask for: one statement, no transaction around it.
    if is_storable_text(line):
        with db.single_read_session() as read:
            found = _named_at_once(read, line, alias, when)
        if found is not None:
            return found
    with db.session() as session:  # named nothing then: say why, from what the line holds
        root = line_root(session, line)
        if alias == "promoted":
            return _promoted_at(session, line, root, when)
        return _alias_at(session, line, root, alias, when)


def _named_at_once(read: SqlSession, line: str, alias: str, when: str) -> NamedAt | None:
    """What ``line@alias`` named at ``when``, in one statement; None when it named nothing."""
    if alias == "promoted":
        row = read.first(_PROMOTED_AT_ONCE, (when, line, when))
        if row is None or row[5] is not None:  # none yet, or it had left 'promoted' by then
            return None
        return NamedAt(line, alias, when, row[1], row[2], row[3], row[4])
    row = read.first(_ALIAS_AT_ONCE, (line, alias, when))
    if row is None or row[0] is None:  # not set yet, or deleted by then
        return None
    return NamedAt(line, alias, when, *row)


def _alias_at(session: SqlSession, line: str, root: str, alias: str, when: str) -> NamedAt:
    row = session.first(_ALIAS_AT, (root, alias, when))
    if row is None:
        first = session.first(_FIRST_MOVE, (root, alias))
        if first is None:
            raise NotFoundError(no_such_alias(line, alias, names_of(session, root)))
        raise NotFoundError(
            f"{line}@{alias} named nothing at {when} UTC: it was first set at {first[0]} UTC"
        )
    artifact_id, number, moved_at, moved_by = row
    if artifact_id is None:
        raise NotFoundError(
            f"{line}@{alias} named nothing at {when} UTC: it was deleted at {moved_at} UTC "
            f"by {moved_by}"
        )
    return NamedAt(line, alias, when, artifact_id, number, moved_at, moved_by)


def _promoted_at(session: SqlSession, line: str, root: str, when: str) -> NamedAt:
    row = session.first(_LAST_PROMOTION, (root, when))
    if row is None:
        raise NotFoundError(
            f"{line}@promoted named nothing at {when} UTC: no version of the line had been "
            "promoted by then"
        )
    event_id, artifact_id, number, created_at, actor = row
    left = session.first(_LEFT_PROMOTED, (artifact_id, event_id, when))
    if left is not None:
        label = version_label(line, number, artifact_id)
        raise NotFoundError(
            f"{line}@promoted named nothing at {when} UTC: {label} stopped being promoted at "
            f"{left[0]} UTC and no version was promoted after it by then"
        )
    return NamedAt(line, "promoted", when, artifact_id, number, created_at, actor)
