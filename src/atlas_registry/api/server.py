"""The app as uvicorn builds it in each serving process, from settings passed by environment.

Worker processes do not share memory with the ``serve`` command that starts
them, so ``serve`` writes its settings to the environment and each worker
opens its own Registry: the service keeps no state of its own and scales by
adding processes (or replicas behind a proxy) on one PostgreSQL database.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from atlas_registry import Registry
from atlas_registry.api.app import LOCAL_HOSTS, create_app
from atlas_registry.api.guards import BODY_TIMEOUT_SECONDS, Guards

APP_FACTORY = "atlas_registry.api.server:app"
PROTOCOL = "atlas_registry.api.connections:DeadlineProtocol"
_ENV = "ATLAS_REGISTRY_SERVE"
SHUTDOWN_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class ServeSettings:
    """What ``serve`` was told, as every process it starts reads it."""

    db: str | None = None
    policy: str | None = None
    read_only: bool = False
    anonymous_read: bool = True
    hosts: list[str] = field(default_factory=lambda: list(LOCAL_HOSTS))
    request_timeout: float = BODY_TIMEOUT_SECONDS


def configure(
    db: str | None,
    *,
    policy: str | None,
    read_only: bool,
    anonymous_read: bool,
    hosts: list[str],
    request_timeout: float = BODY_TIMEOUT_SECONDS,
) -> None:
    """Record the settings for this process and the workers it starts."""
    settings = ServeSettings(db, policy, read_only, anonymous_read, hosts, request_timeout)
    os.environ[_ENV] = json.dumps(asdict(settings))
    current_settings.cache_clear()


@cache
def current_settings() -> ServeSettings:
    """The settings ``configure`` recorded (read once per process)."""
    return ServeSettings(**json.loads(os.environ.get(_ENV, "{}")))


def app() -> Guards:
    settings = current_settings()
    return create_app(
        Registry.open(settings.db, policy=settings.policy),
        read_only=settings.read_only,
        anonymous_read=settings.anonymous_read,
        allowed_hosts=settings.hosts or LOCAL_HOSTS,
        body_timeout=settings.request_timeout,
    )


def run(host: str, port: int, workers: int) -> None:
    """uvicorn on ``host:port`` as ``configure`` set it up, until it is told to stop.

    Its own timeouts: an idle keep-alive connection is closed after 5 s
    (uvicorn's default); a request's head and body each get the request timeout
    (:mod:`.connections`, :mod:`.guards`); a stop waits up to
    ``SHUTDOWN_TIMEOUT_SECONDS`` for the requests in flight.
    """
    import uvicorn

    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=PROTOCOL,
        log_config=log_config(),
        timeout_graceful_shutdown=SHUTDOWN_TIMEOUT_SECONDS,
    )


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with the registry's own lines (one per hang-up) beside its lines."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = json.loads(json.dumps(LOGGING_CONFIG))
    config["loggers"]["atlas_registry"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config
