"""The service's floor: a bare ASGI app on the same server stack doing the same verb.

uvicorn with httptools, as ``serve`` runs, and no access log; no framework, no
guards, no token, no thread pool. ``POST /api/v1/models`` parses the same body
and calls the same ``register_model``; ``GET /api/v1/models/{id}`` calls the
same ``get_model``; both answer the same JSON. What ``serve`` takes above this,
in the same run with the same client, is what the service itself costs.

Run as ``python -m bench.http_floor DB_URL PORT``.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from atlas_registry import ModelRegistration, RegisteredModel, Registry

Message = MutableMapping[str, Any]
PREFIX = "/api/v1/models"
ACTOR = "bench-floor"


def floor_app(
    registry: Registry,
) -> Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]:
    """The bare app over ``registry``: register, get and a readiness answer."""

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
        path: str = scope["path"]
        if scope["method"] == "POST" and path == PREFIX:
            registration = ModelRegistration.from_dict(orjson.loads(b"".join(chunks)))
            record = registry.register_model(registration, actor=ACTOR)
            status, body = 201, orjson.dumps(RegisteredModel(record, False).to_dict())
        elif scope["method"] == "GET" and path.startswith(PREFIX + "/"):
            found = registry.get_model(path[len(PREFIX) + 1 :]).to_dict()
            status, body = 200, orjson.dumps(found, option=orjson.OPT_SORT_KEYS)
        else:
            status, body = 200, b"{}"
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main(url: str, port: int) -> None:
    import uvicorn

    app = floor_app(Registry.open(url))
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
    main(sys.argv[1], int(sys.argv[2]))
