"""Webhooks over HTTP, an admin's alone: subscribe, list, read deliveries, replay, delete.

Every route, reads included, needs a token with the admin scope: a
subscription's URL may carry a capability in its path or query, and its
delivery log says what a receiver answered. A new webhook's secret is in the
create answer and in no later one: the answer an Idempotency-Key keeps (in
the database) and replays has ``"secret": null``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response

from atlas_registry import KeptAnswer, NewWebhook, Registry, ValidationError, Violation
from atlas_registry.api.bodies import OBJECT, answer, answered, body_fields, json_response
from atlas_registry.api.deps import Access, Caller, reader, writer
from atlas_registry.api.openapi import responses, write_body
from atlas_registry.api.strict_query import StrictQueryRoute
from atlas_registry.errors import AuthenticationError

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)

_READS = responses(400, 401, 403, 404, 422, 503)
_WRITES = responses(400, 401, 403, 404, 409, 413, 415, 422, 503)

CREATE_BODY = write_body(
    {
        "type": "object",
        "required": ["url", "types"],
        "additionalProperties": False,
        "properties": {
            "url": {"type": "string", "description": "https URL deliveries are POSTed to"},
            "types": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "secret": {"type": "string", "description": "whsec_...; a new one when absent"},
            "allow_http": {"type": "boolean"},
        },
    }
)
EMPTY_BODY = write_body({"type": "object", "additionalProperties": False, "properties": {}})


async def admin_reader(request: Request) -> Access:
    """The guard of a webhook read: a token holding the admin scope, even for a read."""
    access = await reader(request)
    if access.presented is None:
        raise AuthenticationError(
            "webhooks are read with a token holding the admin scope: Authorization: Bearer atl_..."
        )
    return replace(access, scope="admin")


def _no_fields(access: Access) -> None:
    """A body, if sent, must be an empty object: a field this route ignores is a mistake."""
    if access.body.strip():
        body_fields(access, set())


@router.post(
    "/webhooks",
    status_code=201,
    responses=_WRITES,
    openapi_extra=CREATE_BODY,
    response_model=OBJECT,
)
async def create_webhook(access: Access = Depends(writer("admin"))) -> Response:
    """Subscribe ``url`` to event ``types``; the answer holds the signing ``secret``, once."""

    def create(registry: Registry, caller: Caller) -> Any:
        fields = body_fields(access, {"url", "types", "secret", "allow_http"})
        url, types = fields.get("url"), fields.get("types")
        secret, allow_http = fields.get("secret"), fields.get("allow_http", False)
        problems = []
        if not isinstance(url, str):
            problems.append(Violation("url", "is required: the https URL to deliver to"))
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            problems.append(Violation("types", "is required: a list of event types"))
        if secret is not None and not isinstance(secret, str):
            problems.append(Violation("secret", "must be text (whsec_...)"))
        if not isinstance(allow_http, bool):
            problems.append(Violation("allow_http", "must be true or false"))
        if problems:
            raise ValidationError("the body is invalid", problems)
        assert isinstance(url, str)
        assert isinstance(types, list)
        return registry.create_webhook(
            url, types, actor=caller.actor, secret=secret, allow_http=allow_http
        )

    secrets: list[str] = []

    def kept(made: NewWebhook) -> KeptAnswer:
        # What an Idempotency-Key keeps is stored in the database: never the secret.
        secrets.append(made.secret)
        shown = {"secret": None, **made.webhook.to_dict()}
        return answer(shown, 201, f"/api/v1/webhooks/{made.webhook.id}")

    written = await access.write(create, kept)
    if written.replayed or not secrets:
        return answered(written)  # the secret was in the first answer only
    return answered(
        replace(written, body=orjson.dumps({**orjson.loads(written.body), "secret": secrets[0]}))
    )


@router.get("/webhooks", responses=_READS, response_model=OBJECT)
async def webhooks(deleted: bool = False, access: Access = Depends(admin_reader)) -> Response:
    """Every webhook (``deleted``: the deleted ones too), never its secret."""
    found = await access.run(lambda registry, _caller: registry.webhooks(deleted=deleted))
    return json_response({"items": [w.to_dict() for w in found]})


@router.get("/webhooks/{webhook_id}", responses=_READS, response_model=OBJECT)
async def webhook(webhook_id: int, access: Access = Depends(admin_reader)) -> Response:
    """One webhook: its state (active, failing, deleted) and the deliveries it is owed."""
    found = await access.run(lambda registry, _caller: registry.webhook(webhook_id))
    return json_response(found.to_dict())


@router.get("/webhooks/{webhook_id}/deliveries", responses=_READS, response_model=OBJECT)
async def deliveries(
    webhook_id: int, limit: int = 100, access: Access = Depends(admin_reader)
) -> Response:
    """The webhook's newest deliveries, each with every attempt: outcome, latency, status
    code and at most 200 characters of what the receiver answered."""
    found = await access.run(
        lambda registry, _caller: registry.webhook_deliveries(webhook_id, limit=limit)
    )
    return json_response({"items": [d.to_dict() for d in found]})


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay",
    responses=_WRITES,
    openapi_extra=EMPTY_BODY,
    response_model=OBJECT,
)
async def replay(delivery_id: int, access: Access = Depends(writer("admin"))) -> Response:
    """Queue one delivery to be sent again; a given-up one makes its webhook active again."""

    def replay_it(registry: Registry, caller: Caller) -> Any:
        _no_fields(access)
        return registry.replay_delivery(delivery_id, actor=caller.actor)

    return answered(await access.write(replay_it, lambda done: answer(done.to_dict())))


@router.delete(
    "/webhooks/{webhook_id}", responses=_WRITES, openapi_extra=EMPTY_BODY, response_model=OBJECT
)
async def delete_webhook(webhook_id: int, access: Access = Depends(writer("admin"))) -> Response:
    """Stop delivering to the webhook and destroy its secret; its delivery log stays.

    Like every write, it is sent with ``Content-Type: application/json`` (the body
    may be empty)."""

    def delete_it(registry: Registry, caller: Caller) -> Any:
        _no_fields(access)
        return registry.delete_webhook(webhook_id, actor=caller.actor)

    return answered(await access.write(delete_it, lambda gone: answer(gone.to_dict())))
