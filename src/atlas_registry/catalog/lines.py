"""Named model lines: a registration's ``line`` joins it to its line, under the line's lock.

A line is the set of versions sharing one root (``COALESCE(lineage_id, id)``);
its name lives in ``model_lines`` against that root. Registering with
``line="ad-risk-predictor"`` makes the registration the next version of that
line (its parent is the line's latest version, read under the line's lock), or
version 1 of a new line that takes the name. Naming lines otherwise is
:mod:`.line_naming`; listing them, :mod:`.line_listing`; naming a version
``NAME@N``, :mod:`.version_names`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.prepare import PreparedModel
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.store.db import Database
from atlas_registry.store.events.record import NewEvent, record_events
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import Pending, SqlSession, chunked, marks

_ROOT_SQL = "COALESCE(lineage_id, id)"


# Why a line may not take an artifact's id as its name (a reference tries ids first).
ALSO_AN_ID = "is also an artifact id, which a reference would mean instead of the line"


def lines_named(session: SqlSession, names: Sequence[str]) -> dict[str, str]:
    """name -> root for the names that exist."""
    sql = f"SELECT name, root_id FROM model_lines WHERE name IN ({marks(len(names))})"
    return dict(session.rows(sql, names)) if names else {}


def line_lock(root: str) -> str:
    """The lock key every writer of a line's versions takes (the catalog's and lifecycle's)."""
    return f"atlas_registry:lineage:{root}"


def line_name_lock(name: str) -> str:
    """The lock key of a line name, and of an artifact id chosen by a registration.

    A writer that names a line and one that chooses an id take the key of the
    text they are about to make: each then reads what the other committed, so a
    line is never named like an artifact id (see :func:`refuse_id_names`).
    """
    return f"atlas_registry:line-name:{name}"


def lock_line_names(db: Database, session: SqlSession, names: Sequence[str]) -> None:
    """Take the locks of ``names`` (:func:`line_name_lock`) in one statement, in byte order.

    Every writer takes these before its lines' locks (:func:`lock_lines`), so two
    writers never wait for each other in opposite orders.
    """
    if names:
        db.lock_keyed_by(
            session,
            "? || name",
            '(SELECT DISTINCT name COLLATE "C" AS name FROM unnest(?::text[]) AS given(name) '
            "ORDER BY name) AS names",
            (line_name_lock(""), list(names)),
        )


def lock_lines(
    db: Database, session: SqlSession, member_ids: Sequence[str], names: Sequence[str] = ()
) -> None:
    """Take the locks of the lines ``member_ids`` belong to and of the lines named ``names``,
    in one pass.

    The database finds each member's and each name's line and takes every lock
    in byte order of the root, so two writers never wait for each other's lines
    in opposite orders, and the statement costs no round trip of its own: a read
    sent after it sees the lines current. The locks exist only where writers are
    not serialised at BEGIN (PostgreSQL, whose ``= ANY`` and ``unnest`` take each
    list as one parameter).
    """
    if not member_ids and not names:
        return
    db.lock_keyed_by(
        session,
        "? || root",
        '(SELECT DISTINCT root COLLATE "C" AS root FROM ('
        f"SELECT {_ROOT_SQL} AS root FROM artifacts WHERE id = ANY(?) "
        "UNION ALL SELECT root_id FROM model_lines WHERE name = ANY(?)"
        ") AS found ORDER BY root) AS roots",
        (line_lock(""), list(member_ids), list(names)),
    )


# A model_lines root as SQLite can search an expression index with: compared with
# the bare column, whose TEXT affinity the index's COALESCE lacks, SQLite scans the
# whole index instead. ``|| ''`` drops the affinity and changes no value.
ROOT_ID_OF_N = "(n.root_id || '')"


# Each named line: its root, its latest version (id and type) and its top version
# number. Select-list subqueries, each an index lookup (ux_artifacts_latest_per_lineage,
# ux_artifacts_lineage_version) that no planner can turn into a scan of artifacts.
_LINE_OF = f"FROM artifacts b WHERE COALESCE(b.lineage_id, b.id) = {ROOT_ID_OF_N}"


_NAMED_LINES = f"""
SELECT n.name, n.root_id,
    (SELECT b.id {_LINE_OF} AND b.is_latest = 1),
    (SELECT b.artifact_type {_LINE_OF} AND b.is_latest = 1),
    (SELECT max(b.version_number) {_LINE_OF})
FROM model_lines n WHERE n.name IN ({{marks}})"""


@dataclass(frozen=True)
class NamedLine:
    """An existing named line, as read under its lock."""

    name: str
    root: str
    latest_id: str | None
    latest_type: str | None
    top_version: int | None


@dataclass(frozen=True)
class NamedLinesRead:
    """The read of a batch's named lines, sent after their locks and read when needed."""

    pending: list[Pending]

    def lines(self) -> list[NamedLine]:
        return [NamedLine(*row) for pending in self.pending for row in pending.rows()]


def lock_lines_of(
    db: Database, session: SqlSession, prepared: Sequence[PreparedModel]
) -> NamedLinesRead:
    """Lock every line the batch writes to, and send the read of its named lines.

    Every writer locks the names it uses and the ids it chooses first, in one
    sorted pass, then all its lines in another: the named lines and its
    parents' lines. Nothing is waited
    for yet: the caller sends its own reads after these and waits once for all.
    """
    names = sorted({item.line for item in prepared if item.line})
    # A chosen artifact id must not be a line name (see refuse_id_names): it takes that
    # name's lock and is read as a name, so a writer naming a line so is waited for.
    read = sorted(set(names) | {item.artifact_id for item in prepared if item.chosen_id})
    lock_line_names(db, session, read)
    parents = sorted({item.parent_version_id for item in prepared if item.parent_version_id})
    lock_lines(db, session, parents, names=names)
    return NamedLinesRead(
        [session.later(_NAMED_LINES.format(marks=marks(len(c))), c) for c in chunked(read)]
    )


def refuse_id_names(
    prepared: Sequence[PreparedModel],
    new_names: Collection[str],
    existing: Sequence[NamedLine],
    known_ids: Collection[str],
    *,
    batch: bool,
) -> None:
    """Refuse a new line name that is an artifact id, and a chosen artifact id that is a line name.

    A reference tries an exact id before a line name, so a line named like an
    artifact could not be reached by its name: ``show X`` and ``promote X``
    would mean the artifact X, not the line's latest version. ``known_ids``
    are the ids the batch's reads found (its line names were among those read).
    """
    ids = {item.artifact_id for item in prepared}
    line_names_taken = {line.name for line in existing}
    problems = []
    for index, item in enumerate(prepared):
        where = f"[{index}]." if batch else ""
        if item.line in new_names and (item.line in known_ids or item.line in ids):
            problems.append(
                Violation(f"{where}line", f"{item.line} {ALSO_AN_ID}; choose another name")
            )
        if item.chosen_id and item.artifact_id in line_names_taken:
            problems.append(
                Violation(
                    f"{where}artifact_id",
                    f"{item.artifact_id} is the name of a model line, which a reference to it "
                    "would no longer reach; choose another id, or leave it out",
                )
            )
    if problems:
        raise ValidationError("a line name and an artifact id would be the same", problems)


def join_lines(
    prepared: Sequence[PreparedModel], latest_of_line: dict[str, str]
) -> list[PreparedModel]:
    """Give each registration that names a line its parent: the line's latest version.

    ``latest_of_line`` is name -> latest version id of the existing lines, read
    under their locks. Within a batch, a later registration of the same line
    follows the earlier one; an explicit ``parent_version_id`` is kept.
    """
    latest = dict(latest_of_line)
    joined = []
    for item in prepared:
        parent = latest.get(item.line) if item.line else None
        if parent and item.parent_version_id is None:
            row = {**item.artifact_row, "parent_version_id": parent}
            item = dataclasses.replace(item, parent_version_id=parent, artifact_row=row)
        if item.line:
            latest[item.line] = item.artifact_id
        joined.append(item)
    return joined


def names_to_create(
    prepared: Sequence[PreparedModel],
    roots_of: dict[str, str],
    existing_names: dict[str, str],
    existing_roots: dict[str, str],
) -> dict[str, str]:
    """Lines the batch names that do not exist yet: name -> root, after checking consistency.

    ``roots_of`` maps every artifact id of the batch (and its parents) to its
    root; ``existing_names`` is name -> root and ``existing_roots`` root -> name
    for the lines as read under their locks. A name already on another root,
    or a root that already has another name, is refused.
    """
    wanted: dict[str, str] = {}
    problems = []
    for index, item in enumerate(prepared):
        if item.line:
            root = roots_of[item.artifact_id]
            if wanted.setdefault(item.line, root) != root:
                problems.append(
                    Violation(f"[{index}].line", f"{item.line} already names another line")
                )
    if problems:
        raise ValidationError("two lines cannot share a name", problems)
    create = {}
    for name, root in wanted.items():
        if name in existing_names:
            if existing_names[name] != root:
                raise ValidationError(
                    "the line name is taken",
                    [Violation("line", f"{name} names another line; choose another name")],
                )
        elif root in existing_roots:
            raise ValidationError(
                "the line already has a name",
                [Violation("line", f"this line is named {existing_roots[root]}, not {name}")],
            )
        else:
            create[name] = root
    return create


def line_names(session: SqlSession, roots: Sequence[str]) -> dict[str, str]:
    """root -> name for the roots that have a name."""
    if not roots:
        return {}
    sql = f"SELECT root_id, name FROM model_lines WHERE root_id IN ({marks(len(roots))})"
    return dict(session.rows(sql, roots))


def name_lines_in(
    session: SqlSession, names: dict[str, str], now: str, named_by: str | None = None
) -> None:
    """Record new line names (name -> root) inside the session's transaction.

    ``named_by``: who is known to name them (a token's name), if anyone is.
    """
    ordered = sorted(names.items())
    session.insert(
        "model_lines",
        [{"name": n, "root_id": r, "created_at": now, "named_by": named_by} for n, r in ordered],
    )
    record_events(
        session, [NewEvent(EventType.LINE_NAMED, named_by, r, {"name": n}, r) for n, r in ordered]
    )


def name_new_lines(
    session: SqlSession,
    new_names: dict[str, str],
    artifact_rows: Sequence[dict[str, Any]],
    roots_of: dict[str, str],
    now: str,
) -> None:
    """Name the lines a registration starts, each by whoever registered its first version
    here: the same actor as that version's ``model.registered`` (a token's name over HTTP)."""
    first_author: dict[str, str | None] = {}
    for row in artifact_rows:
        first_author.setdefault(roots_of[row["id"]], row["created_by"])
    by_author: dict[str | None, dict[str, str]] = {}
    for name, root in new_names.items():
        by_author.setdefault(first_author.get(root), {})[name] = root
    for author, names in by_author.items():
        name_lines_in(session, names, now, named_by=author)
