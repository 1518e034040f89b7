"""Recorded pin-check outcomes (``code_pin_checks``), as `show`, the API and the gate read them.

Kept apart from the checking itself so that reading a model's newest check
(every promotion under ``require_verified_code_pin`` does) loads no git library.
"""

from __future__ import annotations

from typing import Any

from atlas_registry.catalog.pin_check_records import (
    CHECK_COLUMNS,
    check_from_row,
)
from atlas_registry.catalog.pin_check_records import (
    FAILING as FAILING,
)
from atlas_registry.catalog.pin_check_records import (
    STATUSES as STATUSES,
)
from atlas_registry.catalog.pin_check_records import (
    PinCheck as PinCheck,
)
from atlas_registry.store.db import Database
from atlas_registry.store.paging import MAX_PAGE, ListingPage, every_page, keyset_page
from atlas_registry.store.sql_session import SqlSession


def checks_of(session: SqlSession, model_id: str, limit: int = 20) -> list[PinCheck]:
    """A model's pin checks, newest first."""
    sql = (
        f"SELECT {CHECK_COLUMNS} FROM code_pin_checks c WHERE c.artifact_id = ? "
        f"ORDER BY c.id DESC LIMIT {int(limit)}"  # in the text: see queries.inline_count
    )
    return [check_from_row(row) for row in session.rows(sql, (model_id,))]


CheckPage = ListingPage[PinCheck]
"""One page of the pin report, by model id, and the token of the next (None on the last)."""


def page_of_latest_checks(
    db: Database,
    status: str | None = None,
    promoted_only: bool = False,
    *,
    page_size: int = MAX_PAGE,
    page_token: str | None = None,
) -> CheckPage:
    """:func:`latest_checks` a page at a time; a token is refused for other filters."""
    items, token = keyset_page(
        f"pin-report:{status}:{int(promoted_only)}",
        page_size,
        page_token,
        lambda after, count: latest_checks(db, status, promoted_only, limit=count, after=after),
        lambda check: check.model_id,
    )
    return CheckPage(items, token)


def every_latest_check(
    db: Database, status: str | None = None, promoted_only: bool = False
) -> list[PinCheck]:
    """The whole report, read a page at a time (a catalog of many checked models is not cut)."""
    return every_page(
        lambda token: page_of_latest_checks(db, status, promoted_only, page_token=token)
    )


# The check was of the pin the model holds now (no URL or pin is stored as '').
_OF_CURRENT_PIN = (
    "COALESCE(c.repo_url, '') = COALESCE(CASE WHEN mv.is_external = 1 "
    "THEN mv.external_source_url ELSE mv.code_repo_url END, '') "
    "AND COALESCE(c.pinned, '') = COALESCE(CASE WHEN mv.is_external = 1 "
    "THEN mv.external_source_version ELSE mv.code_commit_sha END, '')"
)


def latest_checks(
    db: Database,
    status: str | None = None,
    promoted_only: bool = False,
    limit: int = MAX_PAGE,
    after: str | None = None,
) -> list[PinCheck]:
    """The newest check of each checked model (optionally of one status), by model id,
    at most ``limit`` of them, of models after ``after``.

    A model whose newest check was of a pin it no longer holds (it was
    re-pinned through the review queue since) is left out: that check says
    nothing about its current pin, which is not checked yet.
    """
    conditions = [
        "c.id = (SELECT max(id) FROM code_pin_checks WHERE artifact_id = c.artifact_id)",
        _OF_CURRENT_PIN,
    ]
    params: list[Any] = []
    if after is not None:
        conditions.append("c.artifact_id > ?")
        params.append(after)
    if status is not None:
        conditions.append("c.status = ?")
        params.append(status)
    join = "JOIN model_versions mv ON mv.artifact_id = c.artifact_id "
    if promoted_only:
        conditions.append("mv.promotion_state = 'promoted'")
    sql = (
        f"SELECT {CHECK_COLUMNS} FROM code_pin_checks c {join}"
        f"WHERE {' AND '.join(conditions)} ORDER BY c.artifact_id LIMIT {int(limit)}"
    )
    with db.session() as session:
        return [check_from_row(row) for row in session.rows(sql, params)]
