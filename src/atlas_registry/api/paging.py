"""The ``Link: rel="next"`` header every paged listing answers with.

The next page's address is this request's, with the cursor replaced, so a
client follows it without knowing which cursor a listing uses (``page_token``
or ``before_id``).
"""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlencode

from fastapi import Request, Response

R = TypeVar("R", bound=Response)


def link_next(request: Request, response: R, cursor: str, value: str | None) -> R:
    """``response`` with a link to the page after it, when ``value`` says there is one."""
    if value:
        query = {**request.query_params, cursor: value}
        response.headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
    return response
