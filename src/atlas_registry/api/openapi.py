"""What the OpenAPI document says beyond the routes: error bodies and raw JSON bodies."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "violations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "unmet_conditions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_MEANING = {
    304: "Not modified (ETag matched)",
    400: "Bad input, parameter or page token",
    401: "Missing or invalid bearer token",
    403: "The token lacks the scope, or the server is read-only",
    404: "Not found",
    409: "Already exists, a constraint, or an illegal transition",
    413: "Body over 1 MiB",
    415: "A write without Content-Type: application/json",
    422: "Validation failed, or the promotion gate refused",
    500: "The server failed",
    503: "Database unreachable or not at the migration head",
}

# Routes that read their JSON body through the registry's own reader declare it here.
JSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem responses a route can return, each with the problem schema."""
    return {
        status: {
            "description": _MEANING[status],
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
        for status in sorted({*statuses, 500})
    }
