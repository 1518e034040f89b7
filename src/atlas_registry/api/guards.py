"""What every request passes before a route sees it: the host, the body, the headers.

- ``Host`` must name one of the allowed hosts (a DNS-rebinding page cannot talk
  to a registry on 127.0.0.1 through a name it controls); an IPv6 literal is
  written in brackets, with or without a port (``[::1]``, ``[::1]:8000``);
- the body, whatever the method and however it is framed (``Content-Length``
  or chunked), is read here, before any route runs: at most 1 MiB, counted
  while it streams, and within ``body_timeout`` seconds. A route then gets it
  whole, so no route can be made to fail half-way through reading one, and a
  refusal is always a problem, never a 500. (A write must also say
  ``Content-Type: application/json``: the routes' body reader checks that,
  after routing, so an unsupported method still gets its 405);
- a client that hangs up costs one log line: before its body arrived (nothing
  was done), or before its answer could be sent (the request was carried out);
- every answer carries ``nosniff``, a same-origin referrer policy and a
  Content-Security-Policy; no CORS header is ever sent. A route that sets its
  own policy keeps it (only the API reference does, to let Swagger UI's
  stylesheet draw its icons from ``data:`` images; see :mod:`.docs`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

MAX_BODY_BYTES = 1024 * 1024
# The scope key of the server's own "has the client closed?" (:mod:`.connections`).
CLIENT_GONE = "atlas.client_gone"
BODY_TIMEOUT_SECONDS = 30.0
CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", CSP.encode("ascii")),
]
# A Host header: a bracketed IPv6 literal or a name without colons, then an optional port.
_HOST = re.compile(r"(?:\[(?P<ip6>[0-9A-Fa-f:.]+)\]|(?P<name>[^:\[\]]*))(?::(?P<port>[0-9]{1,5}))?")

log = logging.getLogger("atlas_registry.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_name(header: str) -> str | None:
    """The host a ``Host`` header names, lower-cased, without its port; None if malformed."""
    found = _HOST.fullmatch(header.strip())
    if found is None:
        return None
    return (found["ip6"] or found["name"]).lower()


class BodyRefusedError(Exception):
    """The body cannot be taken: the problem to answer with instead."""

    def __init__(self, status: int, code: str, detail: str, *, close: bool = False) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.close = status, code, detail, close


class ClientGoneError(Exception):
    """The client hung up before its body had arrived."""

    def __init__(self, received: int) -> None:
        super().__init__(f"{received} bytes received")
        self.received = received


def _too_large() -> BodyRefusedError:
    return BodyRefusedError(
        413, "payload_too_large", f"a body may be at most {MAX_BODY_BYTES} bytes"
    )


async def _refuse(send: Send, status: int, code: str, detail: str, *, close: bool = False) -> None:
    body = json.dumps(
        {
            "type": f"/problems/{code}",
            "title": code.replace("_", " "),
            "status": status,
            "detail": detail,
            "code": code,
        }
    ).encode("utf-8")
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *SECURITY_HEADERS,
    ]
    if close:  # a client too slow to send its body is not kept for another request
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _hung_up(waiting: asyncio.Future[Message]) -> bool:
    if not waiting.done() or waiting.cancelled() or waiting.exception() is not None:
        return False
    return bool(waiting.result()["type"] == "http.disconnect")


def _request_line(scope: Scope) -> str:
    client = scope.get("client") or ("?", 0)
    return f"{client[0]}:{client[1]} {scope['method']} {scope['path'][:200]!r}"


class Guards:
    """ASGI middleware applying the rules in the module docstring."""

    def __init__(
        self,
        app: App,
        allowed_hosts: frozenset[str],
        body_timeout: float = BODY_TIMEOUT_SECONDS,
    ) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = host_name(headers.get("host", ""))
        if host not in self.allowed_hosts:
            shown = headers.get("host", "")[:100]
            await _refuse(send, 400, "host_not_allowed", f"host {shown!r} is not served here")
            return
        declared = headers.get("content-length")
        # isascii: "²".isdigit() is true, and int() refuses it
        if declared is not None and not (
            declared.isascii() and declared.isdigit() and int(declared) <= MAX_BODY_BYTES
        ):
            refused = _too_large()
            await _refuse(send, refused.status, refused.code, refused.detail)
            return
        try:
            body = await self._read_body(receive)
        except BodyRefusedError as refused:
            await _refuse(send, refused.status, refused.code, refused.detail, close=refused.close)
            return
        except ClientGoneError as gone:
            log.info(
                "%s: the client hung up after %d bytes of its body; nothing was done",
                _request_line(scope),
                gone.received,
            )
            return
        await self._run(scope, body, receive, send)

    async def _read_body(self, receive: Receive) -> bytes:
        """The whole body, refused once it passes the limit or takes longer than the timeout."""
        chunks: list[bytes] = []
        received = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise ClientGoneError(received)
                    chunk = message.get("body", b"")
                    received += len(chunk)
                    if received > MAX_BODY_BYTES:
                        raise _too_large()
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise BodyRefusedError(
                408,
                "request_timeout",
                f"the body did not arrive within {self.body_timeout:g} s "
                f"({received} bytes received)",
                close=True,
            ) from None

    async def _run(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        """The app, given the body at once; a hang-up before the answer is one log line."""
        # Once the body is read, the next message the server has is the client hanging up
        # (or, after the answer, the end of the exchange): one task waits for it, and any
        # later receive() of the app is answered with what that task got.
        after_body = asyncio.ensure_future(receive())
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await asyncio.shield(after_body)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                gone = scope.get(CLIENT_GONE)
                if _hung_up(after_body) or (gone is not None and gone()):
                    log.info(
                        "%s: the client hung up before its answer (%s); the request was "
                        "carried out",
                        _request_line(scope),
                        message["status"],
                    )
                headers = list(message.get("headers", []))
                own = {name.lower() for name, _ in headers}
                message["headers"] = headers + [h for h in SECURITY_HEADERS if h[0] not in own]
            await send(message)

        try:
            await self.app(scope, replay, send_with_headers)
        finally:
            after_body.cancel()
            if after_body.done() and not after_body.cancelled():
                after_body.exception()  # retrieved: a failed wait is not logged as unhandled
