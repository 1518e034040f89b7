"""API routes that refuse a query parameter they do not take.

A misspelt filter is otherwise ignored: ``GET /api/v1/models?state=promoted``
(the parameter is ``promotion_state``) would answer with every model, and the
answer looks like a filtered one. A request body already refuses unknown
fields; the query now does too, with a 400 that names the parameter and lists
the ones the route takes. Only the API is strict: the pages' links may carry
what a browser or a mail client adds.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from atlas_registry.api.openapi import responses

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class StrictQueryRoute(APIRoute):
    """An API route whose unknown query parameters are a 400 ``bad_request``."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        # Every such route can now answer 400: its OpenAPI entry says so.
        options["responses"] = {**responses(400), **(options.get("responses") or {})}
        super().__init__(path, endpoint, **options)

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        taken = sorted(_query_names(self.dependant))
        allowed = frozenset(taken)
        takes = f"it takes {', '.join(taken)}" if taken else "it takes none"

        async def strict(request: Request) -> Response:
            unknown = [name for name in request.query_params if name not in allowed]
            if unknown:
                raise RequestValidationError(
                    [
                        {
                            "loc": ("query", name),
                            "msg": f"is not a parameter of this route; {takes}",
                            "type": "extra_forbidden",
                        }
                        for name in dict.fromkeys(unknown)
                    ]
                )
            return await handler(request)

        return strict


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names
