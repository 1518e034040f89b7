"""Every non-2xx answer is an RFC 9457 problem with the same ``code`` the CLI prints.

The registry's errors carry their HTTP status; this module only shapes them.
FastAPI's own answers (an unknown route, a wrong method, a bad query
parameter) and unexpected failures get the same shape, so a client reads one
kind of error body.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from atlas_registry.errors import (
    AuthenticationError,
    CommitOutcomeUnknownError,
    IllegalTransitionError,
    LockTimeoutError,
    PromotionGateError,
    RegistryError,
    SchemaOutOfDateError,
    ValidationError,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("atlas_registry.api")


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="atlas-registry"'
    if status == 503:
        headers["Retry-After"] = "5"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _violations(error: ValidationError) -> list[dict[str, str]]:
    return [{"path": v.path, "message": v.message} for v in error.violations]


# The library says what is wrong in no surface's words; the API adds how to act
# on it with its own body fields (the command line names its flags instead).
API_HINTS: dict[type[RegistryError], str] = {
    PromotionGateError: (
        'To promote anyway, send {"override": true, "notes": "why"} in the request body '
        "with a token holding the override scope (a promote scope alone is refused); "
        "the override is recorded."
    ),
    CommitOutcomeUnknownError: (
        "To find out, send the same request again with the same Idempotency-Key header: "
        "if the write was saved, its first answer comes back (Idempotent-Replayed: true), "
        "and if not, it is made now. Without a key, read the model, line or history "
        "(GET) before sending the write again."
    ),
}


def api_hint(error: RegistryError) -> str | None:
    """What to send next for ``error``, in this API's body fields, if anything."""
    return next((hint for kind, hint in API_HINTS.items() if isinstance(error, kind)), None)


def registry_problem(error: RegistryError) -> JSONResponse:
    extra: dict[str, Any] = {}
    if isinstance(error, PromotionGateError):
        extra["unmet_conditions"] = _violations(error)
        detail = error.summary
    elif isinstance(error, ValidationError):
        extra["violations"] = _violations(error)
        detail = error.summary
    else:
        detail = error.message
    if isinstance(error, IllegalTransitionError) and error.from_state is not None:
        extra.update(from_state=error.from_state, to_state=error.to_state)
    hint = api_hint(error)
    if hint:
        detail = f"{detail}. {hint}"
    return problem(error.http_status, error.code(), detail, **extra)


async def on_registry_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RegistryError)
    if isinstance(error, SchemaOutOfDateError | LockTimeoutError | AuthenticationError):
        log.info("%s: %s", error.code(), error.message)
    elif isinstance(error, CommitOutcomeUnknownError):
        log.warning("%s: %s", error.code(), error.message)
    return registry_problem(error)


async def on_request_invalid(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    violations = [
        {
            "path": ".".join(str(part) for part in item.get("loc", ()) if part != "query"),
            "message": str(item.get("msg", "is invalid")),
        }
        for item in error.errors()
    ]
    return problem(
        400, "bad_request", "the request's parameters are invalid", violations=violations
    )


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, through included routers however the framework nests them."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _routes(nested.routes)
        else:
            yield route


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path: what a 405's ``Allow`` must list."""
    matching = [
        route
        for route in _routes(request.app.routes)
        if route.matches({**request.scope, "method": "GET"})[0] != Match.NONE
    ]
    # /models/batch is also /models/{model_ref} with ref "batch": the literal path wins.
    fewest = min((route.path.count("{") for route in matching), default=0)
    methods = {
        method
        for route in matching
        if route.path.count("{") == fewest
        for method in getattr(route, "methods", None) or ()
    }
    return ", ".join(sorted(methods))


async def on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    # A fixed set of codes, each with its page at /problems/CODE; the status says the rest.
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    code = codes.get(error.status_code, "http_error")
    response = problem(error.status_code, code, str(error.detail))
    response.headers.update(error.headers or {})
    if error.status_code == 405:
        response.headers["Allow"] = allowed_methods(request)
    return response


async def on_unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return problem(500, "internal_error", "the server failed; the error is logged")
