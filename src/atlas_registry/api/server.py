"""The app as uvicorn builds it in each worker process, from settings passed by environment.

Worker processes do not share memory with the ``serve`` command that starts
them, so ``serve`` writes its settings to the environment and each worker
opens its own Registry: the service keeps no state of its own and scales by
adding processes (or replicas behind a proxy) on one PostgreSQL database.
"""

from __future__ import annotations

import json
import os

from atlas_registry import Registry
from atlas_registry.api.app import create_app
from atlas_registry.api.guards import Guards

APP_FACTORY = "atlas_registry.api.server:app"
_ENV = "ATLAS_REGISTRY_SERVE"


def configure(
    db: str | None,
    *,
    policy: str | None,
    read_only: bool,
    anonymous_read: bool,
    hosts: list[str],
) -> None:
    os.environ[_ENV] = json.dumps(
        {
            "db": db,
            "policy": policy,
            "read_only": read_only,
            "anonymous_read": anonymous_read,
            "hosts": hosts,
        }
    )


def app() -> Guards:
    settings = json.loads(os.environ.get(_ENV, "{}"))
    return create_app(
        Registry.open(settings.get("db"), policy=settings.get("policy")),
        read_only=bool(settings.get("read_only", False)),
        anonymous_read=bool(settings.get("anonymous_read", True)),
        allowed_hosts=settings.get("hosts") or ("127.0.0.1", "localhost", "::1"),
    )
