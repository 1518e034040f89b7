"""What every request passes before a route sees it: the host, the body, the headers.

- ``Host`` must be one of the allowed hosts (a DNS-rebinding page cannot talk
  to a registry on 127.0.0.1 through a name it controls);
- a body is at most 1 MiB (a write must also say ``Content-Type:
  application/json``: the routes' body reader checks that, after routing, so
  an unsupported method still gets its 405);
- every answer carries ``nosniff``, a same-origin referrer policy and a
  Content-Security-Policy; no CORS header is ever sent. A route that sets its
  own policy keeps it (only the API reference does, to let Swagger UI's
  stylesheet draw its icons from ``data:`` images; see :mod:`.docs`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

MAX_BODY_BYTES = 1024 * 1024
CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", CSP.encode("ascii")),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLargeError(Exception):
    """Raised inside the app when a streamed body passes the limit."""


async def _refuse(send: Send, status: int, code: str, detail: str) -> None:
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
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guards:
    """ASGI middleware applying the rules in the module docstring."""

    def __init__(self, app: App, allowed_hosts: frozenset[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "").rsplit(":", 1)[0].strip("[]").lower()
        if host not in self.allowed_hosts:
            await _refuse(send, 400, "host_not_allowed", f"host {host[:100]!r} is not served here")
            return
        if scope["method"] in {"POST", "PUT", "PATCH"}:
            declared = headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
                await _refuse(
                    send, 413, "payload_too_large", f"a body may be at most {MAX_BODY_BYTES} bytes"
                )
                return
        if scope["method"] in {"POST", "PUT", "PATCH"}:
            receive = _capped(receive)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                own = {name.lower() for name, _ in headers}
                message["headers"] = headers + [h for h in SECURITY_HEADERS if h[0] not in own]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except BodyTooLargeError:
            await _refuse(
                send, 413, "payload_too_large", f"a body may be at most {MAX_BODY_BYTES} bytes"
            )


def _capped(receive: Receive) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY_BYTES:
            raise BodyTooLargeError
        return message

    return counted
