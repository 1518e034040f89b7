"""What every route of the API shares to read a JSON body and answer with one.

A write route reads its body through :func:`body_fields` (an object holding only
the fields it takes) and its typed fields through :func:`text_field` and
:func:`override_flag`, so each refusal is worded once.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response

from atlas_registry import KeptAnswer, Page, ValidationError, Violation
from atlas_registry.api.deps import Access, Caller
from atlas_registry.api.paging import link_next

# What routes that answer with a prepared Response declare they answer: a JSON object.
OBJECT = dict[str, Any]


def json_response(document: Any, status_code: int = 200) -> Response:
    """The document as JSON, serialised once by orjson (FastAPI's encoder would walk it again)."""
    return Response(orjson.dumps(document), status_code=status_code, media_type="application/json")


def answer(document: Any, status_code: int = 200, location: str | None = None) -> KeptAnswer:
    """A write's answer as it is sent, and kept for a retry with the same Idempotency-Key."""
    headers = {"Location": location} if location else {}
    return KeptAnswer(status_code, orjson.dumps(document), headers)


def answered(kept: KeptAnswer) -> Response:
    """The response for a write's answer; a kept one given again says so in a header."""
    response = Response(
        kept.body, status_code=kept.status, media_type="application/json", headers=kept.headers
    )
    if kept.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def page_response(request: Request, page: Page, **extra: Any) -> Response:
    response = Response(page.to_json(**extra), media_type="application/json")
    return link_next(request, response, "page_token", page.next_page_token)


def object_body(body: Any, fields: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError(
            "the body must be a JSON object", [Violation("$", "is not an object")]
        )
    unknown = sorted(set(body) - fields)
    if unknown:
        raise ValidationError(
            "unknown fields in the body",
            [Violation(k, f"is not one of {', '.join(sorted(fields))}") for k in unknown],
        )
    return body


def text_field(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ValidationError("the body is invalid", [Violation(key, "must be text")])
    return value


def body_fields(access: Access, allowed: set[str]) -> dict[str, Any]:
    """The body as an object holding only ``allowed`` fields."""
    return object_body(access.document(), allowed)


def override_flag(fields: dict[str, Any], caller: Caller) -> bool:
    """The body's ``override`` flag; bypassing the gate needs the override scope."""
    override = fields.get("override", False)
    if not isinstance(override, bool):
        raise ValidationError(
            "the body is invalid", [Violation("override", "must be true or false")]
        )
    if override:
        caller.require("override")
    return override
