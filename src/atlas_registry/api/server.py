"""The app as uvicorn builds it in each serving process, from settings passed by environment.

Worker processes do not share memory with the ``serve`` command that starts
them, so ``serve`` writes its settings to the environment and each worker
opens its own Registry: the service keeps no state of its own and scales by
adding processes (or replicas behind a proxy) on one PostgreSQL database.

A worker also ends with the ``serve`` process that started it, however that
process ended. uvicorn's supervisor stops its workers when it is told to stop
(SIGINT, SIGTERM), but a supervisor killed outright (``kill -9``, the OOM
killer) leaves them serving on its socket, so the port stays taken and the
next ``serve`` fails with "address in use". Each worker therefore:

- asks Linux for SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``):
  immediate, and a SIGTERM lets uvicorn finish the requests in flight within
  its shutdown timeout;
- and, on every system, watches its parent's pid once a second: when the
  parent is gone it sends itself SIGTERM, then exits outright if it has not
  ended by the shutdown timeout and a margin (a request stuck in a database
  call must not keep the port).

This is what gunicorn's workers do (they compare ``os.getppid()`` with the
arbiter's pid); doing it here keeps ``serve`` one command with no second
process manager to install and configure.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import sys
import threading
import time
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
# uvicorn's supervisor replaces a worker that does not answer its ping in this time,
# starting up included; its 5 s default replaced workers still importing on a busy
# machine, again and again. The ping is answered by a thread of its own, so only a
# worker frozen whole misses it.
WORKER_HEALTHCHECK_SECONDS = 30
_PARENT_POLL_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

log = logging.getLogger("atlas_registry.api")


@dataclass(frozen=True)
class ServeSettings:
    """What ``serve`` was told, as every process it starts reads it."""

    db: str | None = None
    policy: str | None = None
    read_only: bool = False
    anonymous_read: bool = True
    hosts: list[str] = field(default_factory=lambda: list(LOCAL_HOSTS))
    request_timeout: float = BODY_TIMEOUT_SECONDS
    parent_pid: int | None = None  # the serve process: a process with another pid is its worker


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
    settings = ServeSettings(
        db, policy, read_only, anonymous_read, hosts, request_timeout, parent_pid=os.getpid()
    )
    os.environ[_ENV] = json.dumps(asdict(settings))
    current_settings.cache_clear()


@cache
def current_settings() -> ServeSettings:
    """The settings ``configure`` recorded (read once per process)."""
    return ServeSettings(**json.loads(os.environ.get(_ENV, "{}")))


def app() -> Guards:
    settings = current_settings()
    if settings.parent_pid is not None and settings.parent_pid != os.getpid():
        end_with_parent(settings.parent_pid)
    return create_app(
        Registry.open(settings.db, policy=settings.policy),
        read_only=settings.read_only,
        anonymous_read=settings.anonymous_read,
        allowed_hosts=settings.hosts or LOCAL_HOSTS,
        body_timeout=settings.request_timeout,
    )


def run(host: str, port: int, workers: int, *, access_log: bool = False) -> None:
    """uvicorn on ``host:port`` as ``configure`` set it up, until it is told to stop.

    uvicorn's access log (a line per request) is off unless ``access_log``:
    formatting and writing it cost more per request than routing one; a proxy
    in front usually keeps its own.

    Its own timeouts: an idle keep-alive connection is closed after 5 s
    (uvicorn's default); a request's head and body each get the request timeout
    (:mod:`.connections`, :mod:`.guards`); a stop waits up to
    ``SHUTDOWN_TIMEOUT_SECONDS`` for the requests in flight (the event log's
    streams and long polls end at once: :func:`.events.stop_following`).

    A stop by SIGTERM is how a service manager ends the server, so once uvicorn
    has finished it (and, as it does, raised the signal again for the handler it
    found) the process exits with status 0, not killed by the signal.
    """
    import uvicorn

    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=PROTOCOL,
        log_config=log_config(),
        access_log=access_log,
        timeout_graceful_shutdown=SHUTDOWN_TIMEOUT_SECONDS,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def _stopped(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


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


def end_with_parent(parent: int) -> None:
    """Make this worker end when ``parent`` does (see the module docstring)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    # Checked once before the first wait: the parent may have died before prctl above.
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    log.info("the serve process [%d] is gone: worker [%d] stops", parent, os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(SHUTDOWN_TIMEOUT_SECONDS + 5)
    os._exit(1)
