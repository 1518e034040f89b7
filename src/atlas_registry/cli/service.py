"""``serve`` (the HTTP API) and ``token`` (its bearer tokens, managed only from here)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from typing import Annotated

import typer

from atlas_registry import TOKEN_SCOPES, ApiToken, ConfigurationError, NewToken, Registry
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    PolicyOption,
    call,
    error_boundary,
    stdout,
    table,
)
from atlas_registry.cli.one_value import CommandApp

token_app = CommandApp(help="Bearer tokens for the HTTP API.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", help="Who uses it; recorded as the actor.")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope", help=f"One or more of: {', '.join(TOKEN_SCOPES)} (repeat --scope)."
        ),
    ],
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", help="Stops working after this many days.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a token; it is printed once and only its hash is stored."""

    def render(created: NewToken) -> None:
        info = created.info
        stdout.print(f"token {info.name} ({', '.join(info.scopes)}); shown once, keep it safe:")
        print(created.token)

    call(
        db,
        as_json,
        lambda registry: registry.create_token(name, scope, expires_days=expires_days),
        render,
    )


@token_app.command("list")
def token_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every token: name, scopes, created, expires, last used, revoked (never the secret)."""

    def render(found: list[ApiToken]) -> None:
        rows = [
            [t.name, ",".join(t.scopes), t.created_at, t.expires_at, t.last_used_at, t.revoked_at]
            for t in found
        ]
        columns = [
            "name",
            "scopes",
            "created (UTC)",
            "expires (UTC)",
            "last used (UTC)",
            "revoked (UTC)",
        ]
        stdout.print(table(f"{len(found)} token(s)", columns, rows))

    call(db, as_json, lambda registry: registry.list_tokens(), render)


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a token: every later request with it is refused."""
    call(
        db,
        as_json,
        lambda registry: registry.revoke_token(name),
        lambda revoked: stdout.print(f"revoked {revoked.name}"),
    )


def _check_can_listen(host: str, port: int) -> None:
    """Refuse, before saying "serving", an address this process cannot listen on.

    Left to uvicorn, a port in use is logged after the "serving" line and the
    command exits 3, which here means "not found". The probe binds as uvicorn
    does (address reuse on, so a port in TIME_WAIT is not refused).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigurationError(f"cannot listen on {host}:{port}: {reason}") from exc


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Refuse every write (403).")
    ] = False,
    no_anonymous_read: Annotated[
        bool, typer.Option("--no-anonymous-read", help="Reads need a token too.")
    ] = False,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option("--allowed-host", help="A Host name clients use (repeat); default: local."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Processes.")] = 1,
    request_timeout: Annotated[
        float,
        typer.Option(
            "--request-timeout",
            min=1,
            max=3600,
            help="Seconds a client has to send a request's head, and again its body.",
        ),
    ] = 30,
    webhooks: Annotated[
        bool,
        typer.Option("--webhooks", help="Also deliver webhooks, in this process (one worker)."),
    ] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log a line per request (off by default).")
    ] = False,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Serve the HTTP API (JSON under /api/v1, OpenAPI at /openapi.json, reference at /docs)."""
    from atlas_registry.api import configure, run

    with error_boundary():
        # The policy is read here first, so a bad one stops `serve` with its message
        # instead of every worker failing to start.
        with Registry.open(db, policy=policy) as registry:
            writes_open = not read_only and not registry.has_tokens()
            url = registry.url
        if not _is_loopback(host) and writes_open:
            raise ConfigurationError(
                f"refusing to serve writes on {host} while no API token exists: create one with "
                "`atlas-registry token create --name NAME --scope register`, or pass --read-only"
            )
        hosts = [*(allowed_host or []), "127.0.0.1", "localhost", "::1"]
        if not _is_loopback(host) and host != "0.0.0.0":
            hosts.append(host)
        configure(
            db,
            policy=policy,
            read_only=read_only,
            anonymous_read=not no_anonymous_read,
            hosts=hosts,
            request_timeout=request_timeout,
        )
        _check_can_listen(host, port)
        delivering = _start_webhooks(db) if webhooks else None
    stdout.print(f"serving {url} on http://{host}:{port} (reference: /docs)")
    try:
        run(host, port, workers, access_log=access_log)
    finally:
        if delivering is not None:
            delivering()


STOP_GRACE_SECONDS = 2.0


def _start_webhooks(db: str | None) -> Callable[[], None]:
    """The webhook worker on a thread of this process; its key is checked before serving.

    The answer stops it: the worker is given a moment to finish and give its
    leases up; one still sending has its leases released for it (its attempt,
    not recorded, is sent again), so a server started next delivers at once.
    """
    registry = Registry.open(db)
    try:
        worker = registry.webhook_worker()
    except BaseException:
        registry.close()
        raise
    stop = threading.Event()

    def deliver() -> None:
        with registry:
            worker.run(stop)

    thread = threading.Thread(target=deliver, name="atlas-webhooks", daemon=True)
    thread.start()

    def stop_delivering() -> None:
        stop.set()
        thread.join(STOP_GRACE_SECONDS)
        if thread.is_alive():
            worker.release_leases()

    return stop_delivering
