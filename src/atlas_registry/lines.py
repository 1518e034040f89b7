"""Named model lines: a registration's ``line`` joins it to its line, and lines get names.

A line is the set of versions sharing one root (``COALESCE(lineage_id, id)``);
its name lives in ``model_lines`` against that root. Registering with
``line="ad-risk-predictor"`` makes the registration the next version of that
line (its parent is the line's latest version, read under the line's lock), or
version 1 of a new line that takes the name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select

from atlas_registry.catalog_queries import ROOT, fetch_model, ids_in
from atlas_registry.db import Database, utc_timestamp
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import AlreadyExistsError, ValidationError, Violation
from atlas_registry.listing_pages import ListingPage, every_page, keyset_page
from atlas_registry.patterns import LINE_NAME, matches
from atlas_registry.records import ModelRecord, short_id_of
from atlas_registry.registration_checks import PreparedModel
from atlas_registry.sql_session import Pending, SqlSession, chunked, marks
from atlas_registry.tables import artifacts

_ROOT_SQL = "COALESCE(lineage_id, id)"
# Why a line may not take an artifact's id as its name (a reference tries ids first).
_ALSO_AN_ID = "is also an artifact id, which a reference would mean instead of the line"


def _lines_named(session: SqlSession, names: Sequence[str]) -> dict[str, str]:
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
                Violation(f"{where}line", f"{item.line} {_ALSO_AN_ID}; choose another name")
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


def name_lines_in(session: SqlSession, names: dict[str, str], now: str) -> None:
    """Record new line names (name -> root) inside the session's transaction."""
    session.insert(
        "model_lines",
        [{"name": n, "root_id": r, "created_at": now} for n, r in sorted(names.items())],
    )


# Latin letters that no Unicode decomposition turns into ASCII ones.
_LATIN_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",
    }
)


def slug_of(title: str) -> str | None:
    """A line name made from a title: ASCII lower case, runs of other characters as ``-``.

    Accented Latin letters keep their base letter (``Ünïcödé`` becomes
    ``unicode``), rather than being dropped with the punctuation. Scripts with
    no ASCII spelling make no name, and the caller asks for one.
    """
    decomposed = unicodedata.normalize("NFKD", title).lower().translate(_LATIN_LETTERS)
    ascii_title = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:100].rstrip("-")
    return slug if matches(LINE_NAME, slug) else None


_ROOTS_OF = select(artifacts.c.id, ROOT.label("root"), artifacts.c.version_number).where(
    artifacts.c.id.in_(bindparam("ids", expanding=True))
)


def name_adopted_lines(
    db: Database, conn: Connection, titles: dict[str, str], now: str
) -> dict[str, str]:
    """Name the lines of adopted legacy models after their titles; returns why some were not.

    A line that already has a name keeps it. A line takes one name, from the
    title of its oldest version in the batch (versions of one line may carry
    different titles: "Foo Model", "Foo Model v2"). A name that is taken, or
    that two lines of the batch would both take, is not given: the reason is
    returned per artifact id for the review queue, never resolved by picking one.
    The names' locks are taken before they are looked up, as every writer of a
    name or a chosen artifact id does (:func:`line_name_lock`), and before any
    line's lock.
    """
    session = SqlSession.of(conn)
    found = conn.execute(_ROOTS_OF, {"ids": sorted(titles)}).all()
    roots = {row.id: row.root for row in found}
    oldest: dict[str, str] = {}  # root -> the artifact whose title names the line
    for row in sorted(found, key=lambda r: (r.version_number, r.id)):
        oldest.setdefault(row.root, row.id)
    named = line_names(session, sorted(oldest))
    wanted: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    for root, artifact_id in sorted(oldest.items()):
        if root in named:
            continue
        slug = slug_of(titles[artifact_id])
        if slug is None:
            reason = f"no line name can be made from the title {titles[artifact_id]!r:.80}"
            reasons.update({a: reason for a, r in roots.items() if r == root})
            continue
        wanted.setdefault(slug, []).append(root)
    lock_line_names(db, session, sorted(wanted))
    taken = _lines_named(session, sorted(wanted))
    ids = ids_in(conn, artifacts.c.id, sorted(wanted))
    create = {}
    for slug, slug_roots in wanted.items():
        claimants = sorted(a for a, r in roots.items() if r in slug_roots)
        if slug in taken or slug in ids or len(slug_roots) > 1:
            if slug in taken:
                clash = f"already names the line of {taken[slug]}"
            elif slug in ids:
                clash = _ALSO_AN_ID
            else:
                clash = f"would name the lines of {', '.join(claimants)}"
            for artifact_id in claimants:
                reasons[artifact_id] = (
                    f"line name {slug!r} (from the title) {clash}; name this line by hand"
                )
        else:
            create[slug] = slug_roots[0]
    name_lines_in(session, create, now)
    return reasons


@dataclass(frozen=True)
class LineSummary:
    """A named model line: its name, root, newest version and promoted version."""

    name: str
    root_id: str
    versions: int
    latest_id: str | None
    latest_version: int | None
    promoted_id: str | None
    promoted_version: int | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# One row per named line, aggregated in the database over the versions that have
# registry facts: the line's versions come from its own index (ROOT_ID_OF_N), so
# a page of lines costs the versions of those lines, not the catalog's, and no
# version row travels to Python. A line has at most one promoted version.
_SUMMARIES = f"""
SELECT n.name, n.root_id, count(*),
    max(CASE WHEN a.is_latest = 1 THEN a.id END),
    max(CASE WHEN a.is_latest = 1 THEN a.version_number END),
    max(a.version_number),
    min(CASE WHEN mv.promotion_state = 'promoted' THEN a.id END),
    min(CASE WHEN mv.promotion_state = 'promoted' THEN a.version_number END)
FROM model_lines n
JOIN artifacts a ON COALESCE(a.lineage_id, a.id) = {ROOT_ID_OF_N}
JOIN model_versions mv ON mv.artifact_id = a.id
WHERE {{where}}
GROUP BY n.name, n.root_id
ORDER BY n.name"""
# The newest version with facts of a line whose flagged latest has none (a held
# legacy version): what the summary shows as latest then.
_NEWEST_WITH_FACTS = f"""
SELECT a.id FROM model_lines n
JOIN artifacts a ON COALESCE(a.lineage_id, a.id) = {ROOT_ID_OF_N}
JOIN model_versions mv ON mv.artifact_id = a.id
WHERE n.name = ? AND a.version_number = ?"""


LinePage = ListingPage[LineSummary]
"""One page of named lines, in name order, and the token of the next (None on the last)."""

_LINES_LISTING = "lines"


def page_of_lines(
    db: Database, *, page_size: int = 1000, page_token: str | None = None
) -> LinePage:
    """Named lines in name order, ``page_size`` names at a time; the token names the
    page's last name. A named line with no registered version yet is left out, so a
    page may hold fewer lines than names; the next page still starts after them."""

    def names_after(after: str | None, count: int) -> list[str]:
        query = "SELECT name FROM model_lines"
        query += " WHERE name > ?" if after is not None else ""
        query += f" ORDER BY name LIMIT {int(count)}"  # see catalog_queries.inline_count
        with db.single_read_session() as session:
            return [row[0] for row in session.rows(query, [after] if after is not None else [])]

    names, token = keyset_page(_LINES_LISTING, page_size, page_token, names_after, str)
    items = _summaries(db, f"n.name IN ({marks(len(names))})", names) if names else []
    return LinePage(items, token)


def list_lines(db: Database, *, name: str | None = None) -> list[LineSummary]:
    """Every named line in name order (or the one named ``name``), with its latest and
    promoted version. A page at a time: a catalog of many lines is read whole, not cut."""
    if name is not None:
        # No line name holds a NUL; PostgreSQL would refuse one as a value (refuse_unstorable).
        return _summaries(db, "n.name = ?", [name]) if is_storable_text(name) else []
    return every_page(lambda token: page_of_lines(db, page_token=token))


def _summaries(db: Database, where: str, params: list[Any]) -> list[LineSummary]:
    summaries = []
    with db.single_read_session() as session:
        for row in session.rows(_SUMMARIES.format(where=where), params):
            line, root, versions, latest_id, latest_version, top, promoted_id, promoted = row
            if latest_id is None:
                latest_id, latest_version = session.rows(_NEWEST_WITH_FACTS, [line, top])[0][0], top
            summaries.append(
                LineSummary(line, root, versions, latest_id, latest_version, promoted_id, promoted)
            )
    return summaries


def name_line(db: Database, model_id: str, name: str) -> LineSummary:
    """Give the line of ``model_id`` the name ``name`` (a line that has none yet)."""
    if not matches(LINE_NAME, name):
        raise ValidationError(
            "the line name is invalid",
            [Violation("name", f"must be a line name such as ad-risk-predictor, got {name!r:.80}")],
        )
    with db.session(write=True) as session:
        lock_line_names(db, session, [name])
        # A registered model only (not a dataset, not a legacy model still held): a
        # named line must list its versions.
        model = fetch_model(session, model_id)
        if _lines_named(session, [name]):
            raise AlreadyExistsError(f"a model line is already named {name}")
        if session.first("SELECT 1 FROM artifacts WHERE id = ?", (name,)) is not None:
            raise ValidationError(  # see refuse_id_names
                "the line name is an artifact id",
                [Violation("name", f"{name} {_ALSO_AN_ID}; choose another name")],
            )
        root = model.lineage_id or model.id
        existing = line_names(session, [root])
        if root in existing:
            raise AlreadyExistsError(f"the line of {model_id} is already named {existing[root]}")
        name_lines_in(session, {name: root}, utc_timestamp())
    [summary] = list_lines(db, name=name)
    return summary


def version_label(line_name: str | None, version_number: int, model_id: str) -> str:
    """How a person names a version: ``line@N`` in a named line, else its short id.

    The one place the rule lives, so every page, the CLI and the API name a
    version alike (a title may repeat across versions; ``line@N`` does not).
    Both forms are references every surface reads back.
    """
    return f"{line_name}@{version_number}" if line_name else short_id_of(model_id)


@dataclass(frozen=True)
class VersionName:
    """A version as a person names it: its id, title, line and number."""

    id: str
    title: str
    line_name: str | None
    version_number: int

    @property
    def label(self) -> str:
        return version_label(self.line_name, self.version_number, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "label": self.label}


_VERSION_NAMES = """
SELECT a.id, a.title, n.name, a.version_number FROM artifacts a
LEFT JOIN model_lines n ON n.root_id = COALESCE(a.lineage_id, a.id)
WHERE a.id IN ({marks})"""


def version_names(db: Database, ids: Collection[str]) -> dict[str, VersionName]:
    """id -> :class:`VersionName` for the artifacts among ``ids`` (others are left out).

    What a listing of events or review items shows instead of raw ids: one
    read per thousand ids, whatever the listing's length.
    """
    wanted = sorted({i for i in ids if is_storable_text(i)})
    names: dict[str, VersionName] = {}
    with db.session() as session:
        for chunk in chunked(wanted):
            for row in session.rows(_VERSION_NAMES.format(marks=marks(len(chunk))), chunk):
                names[row[0]] = VersionName(*row)
    return names


def _ascii_lower(column: str, dialect: str) -> str:
    """``column`` with its ASCII letters in lower case, alike on both databases.

    SQLite's ``lower`` folds ASCII only; PostgreSQL's folds every script unless
    the text is compared in the "C" collation, where it too folds ASCII only.
    A search then finds the same lines on either database.
    """
    return f'lower({column} COLLATE "C")' if dialect == "postgresql" else f"lower({column})"


def search_pattern(search: str) -> str:
    """A LIKE pattern matching text that holds ``search`` (ASCII letters in either case);
    ``%``, ``_`` and the escape character match themselves."""
    escaped = re.sub(r"([\\%_])", r"\\\1", search.lower())
    return f"%{escaped}%"


def _names_matching(db: Database, search: str, after: str | None, count: int) -> list[str]:
    """Up to ``count`` line names after ``after`` whose name, or a version's title,
    holds ``search``."""
    name, title = _ascii_lower("n.name", db.dialect), _ascii_lower("a.title", db.dialect)
    query = (
        f"SELECT n.name FROM model_lines n WHERE ({name} LIKE ? ESCAPE '\\' OR EXISTS ("
        f"SELECT 1 FROM artifacts a WHERE COALESCE(a.lineage_id, a.id) = {ROOT_ID_OF_N} "
        f"AND {title} LIKE ? ESCAPE '\\'))"
    )
    pattern = search_pattern(search)
    params: list[Any] = [pattern, pattern]
    if after is not None:
        query += " AND n.name > ?"
        params.append(after)
    query += f" ORDER BY n.name LIMIT {int(count)}"  # see catalog_queries.inline_count
    with db.single_read_session() as session:
        return [row[0] for row in session.rows(query, params)]


def page_of_lines_matching(
    db: Database, search: str, *, page_size: int = 1000, page_token: str | None = None
) -> LinePage:
    """:func:`page_of_lines` for the lines whose name, or one of whose versions' titles,
    holds ``search`` (ASCII letters in either case). A token is for its search only."""

    def names_after(after: str | None, count: int) -> list[str]:
        if not is_storable_text(search):  # no stored name or title holds a NUL
            return []
        return _names_matching(db, search, after, count)

    names, token = keyset_page(
        f"{_LINES_LISTING}?{_digest(search)}", page_size, page_token, names_after, str
    )
    items = _summaries(db, f"n.name IN ({marks(len(names))})", names) if names else []
    return LinePage(items, token)


def _digest(search: str | None) -> str:
    """What a page token of a search holds of it: a token is refused on another search."""
    return hashlib.sha256((search or "").encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class LineOverview:
    """A line as a list of lines shows it: its summary, its newest and its promoted version."""

    summary: LineSummary
    latest: ModelRecord | None
    promoted: ModelRecord | None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary.to_dict(),
            "latest": self.latest.to_dict() if self.latest else None,
            "promoted": self.promoted.to_dict() if self.promoted else None,
        }


def overviews(db: Database, summaries: Sequence[LineSummary]) -> list[LineOverview]:
    """Each line's summary with the records of its newest and promoted versions, in one read."""
    ids = {i for s in summaries for i in (s.latest_id, s.promoted_id) if i}
    with db.session() as session:
        records = {model_id: fetch_model(session, model_id) for model_id in sorted(ids)}
    return [
        LineOverview(
            s,
            records.get(s.latest_id or ""),
            records.get(s.promoted_id or ""),
        )
        for s in summaries
    ]


# The newest version of each line that has no name: what a list of lines shows for
# models outside any named line, in id order. "|| ''" keeps SQLite off the type
# index, from which it would read every model and sort them: walking the key in
# id order stops once a page is found.
_UNNAMED_LATEST = """
SELECT a.id FROM artifacts a JOIN model_versions mv ON mv.artifact_id = a.id
WHERE a.is_latest = 1 AND a.artifact_type || '' = 'model'
AND NOT EXISTS (SELECT 1 FROM model_lines n WHERE n.root_id = COALESCE(a.lineage_id, a.id))"""


def page_of_unnamed(
    db: Database, search: str | None = None, *, page_size: int = 50, page_token: str | None = None
) -> ListingPage[ModelRecord]:
    """The newest version of every line without a name (search: its title holds ``search``),
    in id order, a page at a time: models outside any named line still have a place."""

    def ids_after(after: str | None, count: int) -> list[str]:
        if search is not None and not is_storable_text(search):
            return []
        query, params = _UNNAMED_LATEST, []
        if search:
            query += f" AND {_ascii_lower('a.title', db.dialect)} LIKE ? ESCAPE '\\'"
            params.append(search_pattern(search))
        if after is not None:
            query += " AND a.id > ?"
            params.append(after)
        query += f" ORDER BY a.id LIMIT {int(count)}"  # see catalog_queries.inline_count
        with db.single_read_session() as session:
            return [row[0] for row in session.rows(query, params)]

    ids, token = keyset_page(f"unnamed?{_digest(search)}", page_size, page_token, ids_after, str)
    with db.session() as session:
        return ListingPage([fetch_model(session, model_id) for model_id in ids], token)
