"""A version's evaluations a page at a time, newest first, by keyset like every listing.

An evaluation service re-measuring a version nightly gives it thousands of
evaluations; one answer holding them all would grow without bound. The page
token holds where the last page ended (the evaluation's time, whether it is
the registration's, its id) and the version it was made for, so a token
replayed on another version is refused (400) instead of read as a position
there.
"""

from __future__ import annotations

import hashlib
from typing import Any

from atlas_registry.catalog.evaluations import EVALUATION_COLUMNS, Evaluation, with_metrics
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.errors import PageTokenError, ValidationError, Violation
from atlas_registry.store.db import Database
from atlas_registry.store.paging import MAX_PAGE, ListingPage, make_page_token, read_page_token

# Within one second an added evaluation is newer than the registration's (rank 1 over 0).
_RANK = "CASE WHEN origin = 'registration' THEN 0 ELSE 1 END"
_FIRST = f"""
SELECT {EVALUATION_COLUMNS}, {_RANK} FROM model_evaluations WHERE artifact_id = ?
ORDER BY created_at DESC, {_RANK} DESC, id DESC
LIMIT ?"""
_AFTER = f"""
SELECT {EVALUATION_COLUMNS}, {_RANK} FROM model_evaluations WHERE artifact_id = ?
AND (created_at < ? OR (created_at = ? AND ({_RANK} < ? OR ({_RANK} = ? AND id < ?))))
ORDER BY created_at DESC, {_RANK} DESC, id DESC
LIMIT ?"""
_CREATED = EVALUATION_COLUMNS.split(", ").index("created_at")


def _fingerprint(model_id: str) -> str:
    """Which listing a token was made for: this version's evaluations."""
    made_for = f"evaluations of {model_id}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(made_for).hexdigest()[:16]


def evaluation_page(
    db: Database, model_id: str, *, page_size: int = 50, page_token: str | None = None
) -> ListingPage[Evaluation]:
    """One page of a version's evaluations, newest first; NotFoundError when there is no
    such model, PageTokenError for a token this listing of this version did not give out."""
    if not 1 <= page_size <= MAX_PAGE:
        raise ValidationError("bad page", [Violation("page_size", f"must be 1..{MAX_PAGE}")])
    fingerprint = _fingerprint(model_id)
    after = _position(read_page_token(page_token, fingerprint, 3)) if page_token else None
    with db.single_read_session() as session:
        fetch_model(session, model_id)
        if after is None:
            rows = session.rows(_FIRST, (model_id, page_size + 1))
        else:
            created, rank, last_id = after
            params = (model_id, created, created, rank, rank, last_id, page_size + 1)
            rows = session.rows(_AFTER, params)
        shown = [tuple(row[:-1]) for row in rows[:page_size]]
        items = with_metrics(session, shown)
    if len(rows) <= page_size:
        return ListingPage(items, None)
    last: Any = rows[page_size - 1]
    return ListingPage(items, make_page_token(fingerprint, last[_CREATED], str(last[-1]), last[0]))


def _position(position: tuple[str, ...]) -> tuple[str, int, str]:
    created, rank, last_id = position
    if rank not in ("0", "1"):  # never given out: every rank is 0 or 1
        raise PageTokenError(
            "bad page token", [Violation("page_token", "is not a token this listing gave out")]
        )
    return created, int(rank), last_id
