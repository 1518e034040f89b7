"""What every group of remote verbs stands on: the session, and a model reference in a path."""

from __future__ import annotations

from typing import Any, Self
from urllib.parse import quote

from atlas_registry.client.transport import Session


def part(ref: str) -> str:
    """A reference as one path segment: ``/`` and the rest escaped, ``@`` kept readable.

    ``.`` and ``..`` are escaped too: as they are, a URL library would read them
    as "this folder" and "the folder above" and send the request to another route.
    """
    quoted = quote(ref, safe="@")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


class Calls:
    """The server behind every verb: its base URL, a token, one connection pool."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def url(self) -> str:
        """The server's base URL (it never carries credentials)."""
        return self.session.base_url

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _items(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        body = self.session.get(path, params)
        items: list[Any] = body["items"]
        return items
