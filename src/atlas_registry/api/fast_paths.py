"""The two hottest requests, answered without the framework's per-request machinery.

``POST /api/v1/models`` and ``GET /api/v1/models/{ref}``, each with no query
string, are most of what programs send. FastAPI's routing, dependency solving
and middleware stack cost such a request about 0.2 ms, more than the rest of
the service together. So they are matched here, in front of FastAPI, and run
through the very same guard and endpoint functions the FastAPI routes declare
(:mod:`.routes_models`); an error goes through the same handlers
(:mod:`.problems`), so the answer is the same, byte for byte. Any other
request, these two with a query string included, goes to FastAPI, which also
keeps both routes in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from atlas_registry.api import problems, routes_models
from atlas_registry.api.deps import reader, writer
from atlas_registry.api.events import following
from atlas_registry.api.guards import App, Receive, Scope, Send
from atlas_registry.errors import RegistryError

MODELS = "/api/v1/models"
_MODEL_PREFIX = MODELS + "/"
_register_guard = writer("register")


class FastPaths:
    """ASGI app: the two hot requests here, everything else to ``framework``."""

    def __init__(self, framework: Any) -> None:
        self.framework: App = framework  # where every other request goes
        self.fastapi = framework  # what the guards and endpoints read settings from

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["query_string"]:
            await self.framework(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if method == "POST" and path == MODELS:
            scope["app"] = self.fastapi
            await self._answer(scope, receive, send, None)
        elif method == "GET" and path.startswith(_MODEL_PREFIX):
            model_ref = path[len(_MODEL_PREFIX) :]
            if not model_ref or "/" in model_ref:
                await self.framework(scope, receive, send)
                return
            scope["app"] = self.fastapi
            await self._answer(scope, receive, send, model_ref)
        else:
            await self.framework(scope, receive, send)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, model_ref: str | None
    ) -> None:
        request = Request(scope, receive)
        try:
            response = await _respond(request, model_ref)
        except RegistryError as error:
            response = await problems.on_registry_error(request, error)
        except Exception as error:
            # As Starlette's outermost middleware does: answer 500, then let the server log it.
            await (await problems.on_unexpected(request, error))(scope, receive, send)
            raise
        await response(scope, receive, send)


async def _respond(request: Request, model_ref: str | None) -> Response:
    if model_ref is None:
        access = await _register_guard(request)
        inline = access.inline(allowed=not following())
        return await routes_models.register_model(dry_run=False, access=inline)
    access = await reader(request)
    return await routes_models.get_model(model_ref, request, at=None, access=access.inline())
