"""Paging a listing by keyset: the opaque token, one page, and reading every page.

A token holds where the last page ended (a model's registration time,
version number and id, a line's name, a checked model's id) and which listing and filters it was
made for, so a page costs the same however deep it is, and a token replayed
on another listing is refused instead of read as a position there.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from atlas_registry.documents import is_storable_text
from atlas_registry.errors import PageTokenError, Violation

# The most rows one page of any listing holds, and the default page of the
# library's listings (the HTTP API's own default is smaller).
MAX_PAGE = 1000


class _Listed(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=_Listed)


def make_page_token(fingerprint: str, *position: str) -> str:
    """An opaque cursor: where a listing's page ended, and which listing it was."""
    raw = json.dumps([*position, fingerprint]).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def read_page_token(token: str, fingerprint: str, parts: int) -> tuple[str, ...]:
    """The position a :func:`make_page_token` cursor holds; a clear error for any other text."""
    problem = Violation("page_token", "is not a token this listing gave out")
    try:
        padded = token + "=" * (-len(token) % 4)
        *position, made_for = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        raise PageTokenError("bad page token", [problem]) from None
    values = (*position, made_for)
    if not all(isinstance(v, str) for v in values):
        raise PageTokenError("bad page token", [problem])
    if not all(is_storable_text(v) for v in values):  # a NUL no database would compare
        raise PageTokenError("bad page token", [problem])
    if made_for == fingerprint and len(position) != parts:
        # This listing's token from a release that ordered it by other keys.
        raise PageTokenError(
            "bad page token",
            [Violation("page_token", "is from an earlier order of this listing; start again")],
        )
    if len(position) != parts:
        raise PageTokenError("bad page token", [problem])
    if made_for != fingerprint:
        raise PageTokenError(
            "bad page token",
            [Violation("page_token", "was made for other filters; start again without it")],
        )
    return tuple(position)


@dataclass(frozen=True)
class ListingPage(Generic[T]):
    """One page of a listing and the token of the next one (None on the last page)."""

    items: list[T]
    next_page_token: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [item.to_dict() for item in self.items],
            "next_page_token": self.next_page_token,
        }


K = TypeVar("K")


def keyset_page(
    fingerprint: str,
    page_size: int,
    page_token: str | None,
    rows_after: Callable[[str | None, int], list[K]],
    key: Callable[[K], str],
) -> tuple[list[K], str | None]:
    """One page of a listing ordered by one text key, and the token of the next.

    ``rows_after(after, count)`` reads up to ``count`` rows whose key follows
    ``after`` (None: from the first); one row past the page says a next page
    exists without counting them all.
    """
    after = read_page_token(page_token, fingerprint, 1)[0] if page_token else None
    found = rows_after(after, page_size + 1)
    rows = found[:page_size]
    more = len(found) > page_size
    return rows, make_page_token(fingerprint, key(rows[-1])) if more else None


def every_page(page_after: Callable[[str | None], ListingPage[T]]) -> list[T]:
    """Every item of a listing, read a page at a time from the first: never cut short."""
    items: list[T] = []
    token = None
    while True:
        page = page_after(token)
        items += page.items
        token = page.next_page_token
        if token is None:
            return items
