"""What routes depend on: the registry, who is calling (and may they), and the JSON body.

Every write route declares ``Depends(writer(scope))``; it is the one place a
write is authorised, and ``tests/test_api_security.py`` lists the routes to
prove none is missing it. The actor recorded in history is the token's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from atlas_registry import Registry, parse_json
from atlas_registry.errors import (
    AuthenticationError,
    PermissionDeniedError,
    UnsupportedMediaTypeError,
)

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


def registry(request: Request) -> Registry:
    found: Registry = request.app.state.registry
    return found


def settings(request: Request) -> Settings:
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


def reader(
    request: Request,
    found: Registry = Depends(registry),
    config: Settings = Depends(settings),
) -> Caller:
    caller = _bearer(request, found)
    if caller is None and not config.anonymous_read:
        raise AuthenticationError("reads need a bearer token on this server")
    return caller or Caller(None)


def writer(scope: str) -> Callable[..., Caller]:
    """The guard of a write route: a valid token holding ``scope`` (or admin), not read-only."""

    def guard(
        request: Request,
        found: Registry = Depends(registry),
        config: Settings = Depends(settings),
    ) -> Caller:
        if config.read_only:
            raise PermissionDeniedError("this server is read-only")
        caller = _bearer(request, found)
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
