"""The service's floor: a bare ASGI app on the same server stack doing the same verb.

uvicorn with httptools, as ``serve`` runs, and no access log; no framework, no
guards, no token, no thread pool. ``POST /api/v1/models`` parses the same body
and calls the same ``register_model``; ``GET /api/v1/models/{id}`` calls the
same ``get_model``; both answer the same JSON. What ``serve`` takes above this,
in the same run with the same client, is what the service itself costs.

``--guarded`` adds the two things ``serve`` does for every request that no
framework makes it do: the bearer token is looked up in the database on the
connection the verb then uses (so a revoked token is refused at once, by every
process), and on PostgreSQL the verb runs on a worker thread (so a wait on the
database stalls no other request); on SQLite ``serve`` runs these two verbs on
the event loop, and so does this app. What the guarded app takes above the bare
one is what those guarantees cost; what ``serve`` takes above the guarded app,
its framework and guards.

Run as ``python -m bench.http_floor DB_URL PORT [--guarded]``.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from atlas_registry import AuthenticationError, ModelRegistration, RegisteredModel, Registry

Message = MutableMapping[str, Any]
PREFIX = "/api/v1/models"
ACTOR = "bench-floor"


def _bearer(scope: Message) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return bytes(value).decode("latin-1").partition(" ")[2]
    return ""


def floor_app(
    registry: Registry, *, guarded: bool = False
) -> Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]:
    """The bare app over ``registry``: register, get and a readiness answer."""
    hop = guarded and registry.database.dialect != "sqlite"

    def answer(method: str, path: str, body: bytes, presented: str) -> tuple[int, bytes]:
        if method == "POST" and path == PREFIX:
            registration = ModelRegistration.from_dict(orjson.loads(body))
            record = registry.register_model(registration, actor=ACTOR)
            return 201, orjson.dumps(RegisteredModel(record, False).to_dict())
        if method == "GET" and path.startswith(PREFIX + "/"):
            found = registry.get_model(path[len(PREFIX) + 1 :]).to_dict()
            return 200, orjson.dumps(found, option=orjson.OPT_SORT_KEYS)
        return 200, b"{}"

    def checked(method: str, path: str, body: bytes, presented: str) -> tuple[int, bytes]:
        with registry.database.one_connection():
            try:
                registry.verify_token(presented)
            except AuthenticationError:
                return 401, b"{}"
            return answer(method, path, body, presented)

    verb = checked if guarded else answer

    async def app(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        presented = _bearer(scope) if guarded else ""
        request = (scope["method"], scope["path"], b"".join(chunks), presented)
        if hop:
            status, body = await run_in_threadpool(verb, *request)
        else:
            status, body = verb(*request)
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main(url: str, port: int, guarded: bool) -> None:
    import uvicorn

    app = floor_app(Registry.open(url), guarded=guarded)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), "--guarded" in sys.argv[3:])
