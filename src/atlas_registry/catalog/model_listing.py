"""Filtered lists of models, by offset (:func:`list_models`) or by keyset page (:func:`list_page`).

The filters are :class:`.model_filters.ModelFilters`' fields, given as keyword arguments.

List queries are ordered newest registration first, then by version number
within a second, which the indexes of migration 0006 serve in time order (the
database sorts only one second's rows), so a page costs the same at a thousand
models or a million. A list of one line's versions is ordered by version number,
newest first (its own index, ux_artifacts_lineage_version). Either way a line's
versions are listed in version order, never in the order of their ids. Each row
is built into a record the way :mod:`.queries` builds one model's.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    literal_column,
    or_,
    select,
)

from atlas_registry.catalog.dataset_lineage import DATASET_FILTERS, narrowed
from atlas_registry.catalog.model_filters import ModelFilters
from atlas_registry.catalog.queries import (
    MODEL_COLUMNS,
    MODEL_TABLES,
    ROOT,
    inline_count,
    model_record,
)
from atlas_registry.catalog.tag_filter import rarest_few, tag_conditions, tag_params
from atlas_registry.errors import PageTokenError, ValidationError, Violation
from atlas_registry.records import ModelRecord
from atlas_registry.store.db import Database
from atlas_registry.store.paging import MAX_PAGE, make_page_token, read_page_token
from atlas_registry.store.tables import artifacts, model_lines, model_versions

MAX_OFFSET = 1_000_000_000


# Registration order: newest registration first, and among registrations of the
# same second the higher version number first, then the id. Registration times
# have whole seconds, and a line's versions are numbered under its lock, so a
# later version never has an earlier time: ordered so, any two versions of one
# line list in version order in every listing, filtered or not, and on every
# page (ties by id alone once listed v1, v3, v2). The (..., created_at,
# artifact_id) indexes of migrations 0006 and 0014 give the rows in time order;
# the database sorts only the rows of one second (an incremental sort on
# PostgreSQL, SQLite's "temp b-tree for right part of order by").
NEWEST_FIRST = (
    model_versions.c.created_at.desc(),
    artifacts.c.version_number.desc(),
    model_versions.c.artifact_id.desc(),
)
# A line's versions: the version number, unique within a line, from its own index.
NEWEST_VERSION_FIRST = (artifacts.c.version_number.desc(),)


# The line filter, through the line's root: the versions come from the line's own
# index (ux_artifacts_lineage_version). Matched by name through the join, SQLite
# walked every version newest first looking for the line's (30 ms at 100,000
# versions), because it cannot search the root expression with the bare
# model_lines.root_id, whose TEXT affinity the expression lacks; "|| ''" drops it.
_LINE_FILTER = (
    select(model_lines.c.root_id.concat(""))
    .where(model_lines.c.name == bindparam("line"))
    .scalar_subquery()
) == ROOT


def _after_position(
    created: Any = model_versions.c.created_at, artifact_id: Any = model_versions.c.artifact_id
) -> tuple[ColumnElement[bool], ...]:
    """Rows past (after_created, after_version, after_id) in NEWEST_FIRST order.

    The bound on the time alone comes first: it is the range both databases
    read from their newest-first indexes; the rest picks the rows of that
    second that follow the token's. A listing read through another index of
    the same order (a dataset's uses) names its columns.
    """
    version, after_version = artifacts.c.version_number, bindparam("after_version", type_=Integer)
    return (
        created <= bindparam("after_created"),
        or_(
            created < bindparam("after_created"),
            version < after_version,
            and_(version == after_version, artifact_id < bindparam("after_id")),
        ),
    )


_AFTER_POSITION = _after_position()


@dataclass(frozen=True)
class Page:
    """One page of a listing and the token of the next one (None on the last page)."""

    items: list[ModelRecord]
    next_page_token: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": [m.to_dict() for m in self.items], "next_page_token": self.next_page_token}

    def to_json(self, **extra: Any) -> bytes:
        """:meth:`to_dict` as JSON (after ``extra``'s keys), the same bytes three times faster.

        orjson writes each record's dataclass fields itself, in field order, as
        ``ModelRecord.to_dict`` lists them; building 50 dicts first was most of
        the cost of serving a page.
        """
        return orjson.dumps({**extra, "items": self.items, "next_page_token": self.next_page_token})


def list_models(
    db: Database, *, limit: int = 100, offset: int = 0, **filters: Any
) -> list[ModelRecord]:
    """Models matching every given filter (:class:`.ModelFilters`), newest first, a page at a time.

    Newest is the latest registration; within one line (``line``), the highest version number.
    """
    if not 0 <= offset <= MAX_OFFSET:
        raise ValidationError(
            "bad page",
            [Violation("offset", f"must be 0..{MAX_OFFSET:,}; narrow the list with filters")],
        )
    chosen = ModelFilters.of(filters)
    rows = _page_rows(db, chosen.facts(), chosen.latest_only, limit, offset=offset, after=None)
    return [model_record(row) for row in rows]


def list_page(
    db: Database,
    *,
    page_size: int = 50,
    page_token: str | None = None,
    **filters: Any,
) -> Page:
    """Like :func:`list_models`, paged by an opaque keyset cursor instead of an offset.

    A page costs the same however deep it is, and registrations that land
    between two pages never shift or repeat rows. A token names the last row
    it saw (its registration time, version number and id; within one line, its
    version number) and the filters it was made for; replayed with other
    filters it is refused.
    """
    chosen = ModelFilters.of(filters)
    given, latest_only = chosen.facts(), chosen.latest_only
    fingerprint = _fingerprint(given, latest_only)
    after = _position(page_token, fingerprint, "line" in given) if page_token else None
    rows = _page_rows(db, given, latest_only, page_size + 1, offset=0, after=after)
    items = [model_record(row) for row in rows[:page_size]]
    token = None
    if len(rows) > page_size:
        last = items[-1]
        position = [str(last.version_number)]
        if "line" not in given:
            position = [last.registered_at, *position, last.id]
        token = make_page_token(fingerprint, *position)
    return Page(items, token)


def _position(page_token: str, fingerprint: str, in_line: bool) -> tuple[Any, ...]:
    """Where the page a token names ended: (registered_at, version number, id), or
    (version number,) in a line."""
    if in_line:
        [number] = read_page_token(page_token, fingerprint, 1)
        return (_version_number(number),)
    created, number, artifact_id = read_page_token(page_token, fingerprint, 3)
    return created, _version_number(number), artifact_id


def _version_number(number: str) -> int:
    """A token's version number; one no INTEGER column holds was never given out."""
    if not (number.isascii() and number.isdigit() and int(number[:11] or "x") < 2**31):
        raise PageTokenError(
            "bad page token", [Violation("page_token", "is not a token this listing gave out")]
        )
    return int(number)


def _page_rows(
    db: Database,
    given: dict[str, Any],
    latest_only: bool,
    limit: int,
    *,
    offset: int,
    after: tuple[Any, ...] | None,
) -> list[Any]:
    if not 1 <= limit <= MAX_PAGE + 1:
        raise ValidationError("bad page", [Violation("limit", f"must be 1..{MAX_PAGE}")])
    tags = given.get("tag", ())
    params = {**given, **tag_params(tags), "page_limit": limit, "page_offset": offset}
    params.pop("tag", None)
    if after is not None and "line" in given:
        params.update(after_version=after[0])
    elif after is not None:
        params.update(after_created=after[0], after_version=after[1], after_id=after[2])
    with db.single_read() as conn:
        query = _list_query(
            tuple(sorted(n for n in given if n != "tag")),
            latest_only,
            db.dialect,
            after is not None,
            given.get("is_external"),
            len(tags),
            rarest_few(conn, tags) if tags else None,
        )
        return list(conn.execute(query, params).all())


def _fingerprint(given: dict[str, Any], latest_only: bool) -> str:
    material = json.dumps([sorted(given.items()), latest_only], default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


@functools.cache
def _list_query(
    filters: tuple[str, ...],
    latest_only: bool,
    dialect: str,
    keyset: bool = False,
    external: int | None = None,
    tags: int = 0,
    tag_looked_up: int | None = None,
) -> Select[Any]:
    """One statement per combination of filters, built once, with bound parameters.

    ``external`` (0 or 1) is written into the text: only a literal
    ``is_external = 1`` lets either database use the partial index of external
    models (migration 0014); internal ones are most of the catalog. ``tags``: how
    many ``tag`` filters, looked up in their index or checked on the walk
    (:mod:`.tag_filter`).
    """
    query = select(*MODEL_COLUMNS).select_from(MODEL_TABLES)
    query = query.where(*tag_conditions(tags, tag_looked_up))
    for name in filters:
        if name == "line":
            query = query.where(_LINE_FILTER)
        elif name in DATASET_FILTERS:
            continue  # joined below
        elif name == "is_external":
            query = query.where(
                model_versions.c.is_external == literal_column(str(int(external or 0)))
            )
        else:
            query = query.where(model_versions.c[name] == bindparam(name))
    if latest_only and dialect == "sqlite":
        # "+ 0" on purpose: it keeps SQLite's planner (no statistics) off the partial
        # index of latest rows, from which it would fetch every line's latest version
        # and sort them all (hundreds of ms at a million versions). Walking the
        # newest-first index and skipping older versions stops after about a page,
        # since the newest registration of a line is its latest. PostgreSQL picks
        # that plan from its statistics, and "+ 0" would blind its estimates.
        query = query.where((artifacts.c.is_latest + 0) == 1)
    elif latest_only:
        query = query.where(artifacts.c.is_latest == 1)
    # A dataset's models are read through its uses, newest first (dataset_lineage).
    by_dataset = narrowed(query, filters, ordered="line" not in filters)
    query, order = by_dataset.query, NEWEST_VERSION_FIRST if "line" in filters else NEWEST_FIRST
    after = _AFTER_POSITION
    if by_dataset.order_key is not None:
        created, model_id = by_dataset.order_key
        order = (created.desc(), artifacts.c.version_number.desc(), model_id.desc())
        after = _after_position(created, model_id)
    if keyset and "line" in filters:
        query = query.where(artifacts.c.version_number < bindparam("after_version", type_=Integer))
    elif keyset:
        query = query.where(*after)
    if filters or tags:
        # The best plan for a filter can depend on its value (a rare family is
        # found through its index, a common one by walking the newest-first
        # index), so a bound LIMIT keeps PostgreSQL planning for the value given.
        limit: BindParameter[int] = bindparam("page_limit", type_=Integer)
        offset: BindParameter[int] = bindparam("page_offset", type_=Integer)
    else:
        limit, offset = inline_count("page_limit"), inline_count("page_offset")
    return query.order_by(*order).limit(limit).offset(offset)


# The statement of a listing and its tokens' fingerprint, for the command line's
# fast read (atlas_registry.fastread), which compiles the statement for SQLite once.
list_query = _list_query
filters_fingerprint = _fingerprint
