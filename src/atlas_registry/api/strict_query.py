"""API routes that refuse a query parameter they do not take.

A misspelt filter is otherwise ignored: ``GET /api/v1/models?state=promoted``
(the parameter is ``promotion_state``) would answer with every model, and the
answer looks like a filtered one. A request body already refuses unknown
fields; the query now does too, with a 400 that names the parameter and lists
the ones the route takes, and a parameter given twice that takes one value
is refused rather than read as its last value. Only the API is strict: the
pages' links may carry what a browser or a mail client adds.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from types import UnionType
from typing import Any, Union, get_args, get_origin

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

        single = frozenset(_single_valued(self.dependant))

        async def strict(request: Request) -> Response:
            given = request.query_params
            problems = []
            for name in dict.fromkeys(given):
                if name not in allowed:
                    why = f"is not a parameter of this route; {takes}"
                elif name in single and (count := len(given.getlist(name))) > 1:
                    why = f"is given {count} times; it takes one value"
                else:
                    continue
                problems.append({"loc": ("query", name), "msg": why, "type": "extra_forbidden"})
            if problems:
                raise RequestValidationError(problems)
            return await handler(request)

        return strict


def _single_valued(dependant: Dependant) -> set[str]:
    """The query parameters that take one value: a repeated one would lose all but the last.

    ``?promotion_state=promoted&promotion_state=candidate`` reads like "either",
    but the framework keeps the last and lists the candidates only.
    """
    names = {
        param.alias
        for param in dependant.query_params
        if not _takes_many(param.field_info.annotation)
    }
    for dependency in dependant.dependencies:
        names |= _single_valued(dependency)
    return names


def _takes_many(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_takes_many(arg) for arg in get_args(annotation))
    return (origin or annotation) in (list, tuple, set, frozenset)


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names
