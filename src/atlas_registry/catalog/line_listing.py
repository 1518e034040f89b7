"""Listing and searching named lines: a page at a time, by name, with their versions."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.lines import ROOT_ID_OF_N
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.documents import is_storable_text
from atlas_registry.records import ModelRecord
from atlas_registry.store.db import Database
from atlas_registry.store.paging import MAX_PAGE, ListingPage, every_page, keyset_page
from atlas_registry.store.sql_session import marks


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
    db: Database, *, page_size: int = MAX_PAGE, page_token: str | None = None
) -> LinePage:
    """Named lines in name order, ``page_size`` names at a time; the token names the
    page's last name. A named line with no registered version yet is left out, so a
    page may hold fewer lines than names; the next page still starts after them."""

    def names_after(after: str | None, count: int) -> list[str]:
        query = "SELECT name FROM model_lines"
        query += " WHERE name > ?" if after is not None else ""
        query += f" ORDER BY name LIMIT {int(count)}"  # see queries.inline_count
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
    query += f" ORDER BY n.name LIMIT {int(count)}"  # see queries.inline_count
    with db.single_read_session() as session:
        return [row[0] for row in session.rows(query, params)]


def page_of_lines_matching(
    db: Database, search: str, *, page_size: int = MAX_PAGE, page_token: str | None = None
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
        query += f" ORDER BY a.id LIMIT {int(count)}"  # see queries.inline_count
        with db.single_read_session() as session:
            return [row[0] for row in session.rows(query, params)]

    ids, token = keyset_page(f"unnamed?{_digest(search)}", page_size, page_token, ids_after, str)
    with db.session() as session:
        return ListingPage([fetch_model(session, model_id) for model_id in ids], token)
