"""The FastAPI application: routes, the error boundary, the request guards.

The HTTP layer holds no SQL and no business rule: each route reads its
parameters, calls one verb of the :class:`~atlas_registry.Registry` it was
given, and returns the verb's result as JSON; every ``RegistryError`` becomes a
problem with the status its class carries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute

from atlas_registry import Registry, RegistryError, __version__, web
from atlas_registry.api import (
    problems,
    routes_aliases,
    routes_datasets,
    routes_evaluations,
    routes_files,
    routes_lines,
    routes_models,
    routes_registry,
    routes_webhooks,
)
from atlas_registry.api.deps import Settings
from atlas_registry.api.docs import ASSETS_URL, docs_assets, docs_router
from atlas_registry.api.events import resume_following
from atlas_registry.api.fast_paths import FastPaths
from atlas_registry.api.guards import BODY_TIMEOUT_SECONDS, Guards
from atlas_registry.api.openapi import with_problem_schema
from atlas_registry.api.routes_annotations import router as annotations_router

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@cache
def routes() -> tuple[BaseRoute, ...]:
    """Every route, in the order requests are matched.

    The routers' routes are built once, when their modules are imported, and
    every app serves those same objects: included with include_router, each new
    app built its own copy of every route (its dependencies and Pydantic fields)
    on its first request. Gathered on first use, not at import: the pages'
    modules import this package's guards while they load.
    """
    return (
        *routes_registry.health_router.routes,
        *routes_models.router.routes,
        *routes_files.router.routes,
        *routes_evaluations.router.routes,
        *routes_lines.router.routes,
        *annotations_router.routes,
        *routes_datasets.router.routes,
        *routes_aliases.router.routes,
        *routes_webhooks.router.routes,
        *routes_registry.router.routes,
        *web.router.routes,
        *web.problem_router.routes,
        *docs_router.routes,
    )


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    # Run once the server has stopped (SIGTERM ended its streams: events.stop_following).
    resume_following()


def create_app(
    registry: Registry,
    *,
    read_only: bool = False,
    anonymous_read: bool = True,
    allowed_hosts: Iterable[str] = LOCAL_HOSTS,
    body_timeout: float = BODY_TIMEOUT_SECONDS,
) -> Guards:
    """The service over ``registry``; ``allowed_hosts`` are the Host names it answers to.

    ``body_timeout`` is how long a request's body may take to arrive, in seconds.
    """
    app = FastAPI(
        lifespan=_lifespan,
        title="Atlas Model Registry",
        version=__version__,
        description="Model registry API: models, lines, promotion lifecycle, lineage, review.",
        docs_url=None,
        redoc_url=None,
        routes=list(routes()),
    )
    app.state.registry = registry
    app.state.settings = Settings(read_only=read_only, anonymous_read=anonymous_read)
    app.add_exception_handler(RegistryError, problems.on_registry_error)
    app.add_exception_handler(RequestValidationError, problems.on_request_invalid)
    app.add_exception_handler(HTTPException, problems.on_http_error)
    app.add_exception_handler(Exception, problems.on_unexpected)
    app.mount("/static", web.static_files(), name="static")
    app.mount(ASSETS_URL, docs_assets(), name="docs-assets")
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problem_schema(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    hosts = frozenset(host.lower() for host in allowed_hosts)
    guarded = Guards(FastPaths(app), hosts, body_timeout)
    guarded.fastapi = app  # type: ignore[attr-defined]
    return guarded
