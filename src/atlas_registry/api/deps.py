"""What routes depend on: the registry, who is calling (and may they), and the JSON body.

Every write route declares ``Depends(writer(scope))``; it is the one place a
write is authorised, and ``tests/test_api_security.py`` lists the routes to
prove none is missing it. The actor recorded in history is the token's name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from atlas_registry import Registry, parse_json
from atlas_registry.errors import (
    AuthenticationError,
    PermissionDeniedError,
    UnsupportedMediaTypeError,
)

T = TypeVar("T")

# Marks a route's dependency as the write guard, for the route audit test.
WRITE_GUARD = "atlas_write_guard"


@dataclass(frozen=True)
class Settings:
    read_only: bool = False
    anonymous_read: bool = True


@dataclass(frozen=True)
class Caller:
    """Who is calling: a token's name, or anonymous."""

    name: str | None
    scopes: tuple[str, ...] = ()


# The two lookups below are ``async`` on purpose: FastAPI runs a plain ``def``
# dependency in its thread pool, and each such hop cost a request ~0.2 ms.
# Anything that touches the database stays a plain ``def``.
async def registry(request: Request) -> Registry:
    found: Registry = request.app.state.registry
    return found


async def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def _bearer(request: Request, found: Registry) -> Caller | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise AuthenticationError("send the token as: Authorization: Bearer atl_...")
    token = found.verify_token(presented.strip())
    return Caller(token.name, token.scopes)


async def blocking(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a registry verb (database I/O) in the thread pool, off the event loop.

    Routes are ``async`` and hand only their blocking calls to the pool: a plain
    ``def`` route costs a pool hop for the route, one per ``def`` dependency and
    one more for FastAPI's check of the response (~0.3 ms each, measured).
    """
    return await run_in_threadpool(call, *args, **kwargs)


async def _caller_of(request: Request, found: Registry) -> Caller | None:
    if request.headers.get("authorization") is None:
        return None
    return await blocking(_bearer, request, found)


async def reader(
    request: Request,
    found: Registry = Depends(registry),
    config: Settings = Depends(settings),
) -> Caller:
    caller = await _caller_of(request, found)
    if caller is None and not config.anonymous_read:
        raise AuthenticationError("reads need a bearer token on this server")
    return caller or Caller(None)


def writer(scope: str) -> Callable[..., Awaitable[Caller]]:
    """The guard of a write route: a valid token holding ``scope`` (or admin), not read-only."""

    async def guard(
        request: Request,
        found: Registry = Depends(registry),
        config: Settings = Depends(settings),
    ) -> Caller:
        if config.read_only:
            raise PermissionDeniedError("this server is read-only")
        caller = await _caller_of(request, found)
        if caller is None:
            raise AuthenticationError("a write needs a bearer token: Authorization: Bearer atl_...")
        if scope not in caller.scopes and "admin" not in caller.scopes:
            raise PermissionDeniedError(f"the token {caller.name} lacks the {scope} scope")
        return caller

    setattr(guard, WRITE_GUARD, scope)
    return guard


async def json_body(request: Request) -> Any:
    """The request body, read by the registry's one JSON reader (limits and all).

    Only a body declared ``application/json`` is read: a ``text/plain`` POST is
    what a foreign page can send without a CORS preflight.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaTypeError("a write must be Content-Type: application/json")
    return parse_json(await request.body(), "the request body")


def require_scope(caller: Caller, scope: str) -> None:
    if scope not in caller.scopes and "admin" not in caller.scopes:
        raise PermissionDeniedError(f"the token {caller.name} lacks the {scope} scope")
