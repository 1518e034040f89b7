"""What the OpenAPI document says beyond the routes: error bodies, raw JSON bodies, tokens."""

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
        "from_state": {"type": "string"},
        "to_state": {"type": "string"},
        "unmet_conditions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

_MEANING = {
    304: "Not modified (ETag matched)",
    400: "Bad input, parameter or page token",
    401: "Missing or invalid bearer token",
    403: "The token lacks the scope, or the server is read-only",
    404: "Not found",
    409: "Already exists, a constraint, or an illegal transition",
    413: "Body over 1 MiB",
    415: "A write without Content-Type: application/json, or with a compressed body",
    422: "Validation failed, the promotion gate refused, or an Idempotency-Key was reused",
    500: "The server failed",
    503: "Database unreachable or not at the migration head, or a write's outcome is unknown",
}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its JSON body through the registry's reader."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key with the same request gets the first "
    "answer (with Idempotent-Replayed: true) instead of a second write. 1 to 200 printable "
    "ASCII characters, one per request, kept 24 hours for the token that sent it.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
}


def write_body(schema: dict[str, Any]) -> dict[str, Any]:
    """:func:`json_body` for a write route, which also takes an ``Idempotency-Key`` header."""
    return {**json_body(schema), "parameters": [IDEMPOTENCY_KEY]}


_TEXT = {"type": "string"}
_REGISTRATION_FIELDS = (
    "artifact_id",
    "description",
    "created_by",
    "parent_version_id",
    "version_tag",
    "changelog",
    "code_repo_url",
    "code_commit_sha",
    "code_entrypoint",
    "training_started_at",
    "training_completed_at",
    "trained_by",
    "gpu_allocation_id",
    "line",
)
REGISTRATION = {
    "type": "object",
    "required": ["title", "metadata"],
    "additionalProperties": False,
    "properties": {
        "title": _TEXT,
        # The full rules: GET /api/v1/schemas/model-metadata (JSON Schema Draft-07).
        "metadata": {"type": "object"},
        **{name: {"type": ["string", "null"]} for name in _REGISTRATION_FIELDS},
        # Each {uri, sha256, size_bytes, role}: see POST /api/v1/models/{model_ref}/files.
        "files": {"type": ["array", "null"], "items": {"type": "object"}},
    },
}
REGISTRATION_BODY = write_body(REGISTRATION)
BATCH_BODY = write_body(
    {
        "type": "object",
        "required": ["items"],
        "additionalProperties": False,
        "properties": {"items": {"type": "array", "minItems": 1, "items": REGISTRATION}},
    }
)
ANY_DOCUMENT_BODY = json_body({})
PROMOTE_BODY = write_body(
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {"notes": _TEXT, "override": {"type": "boolean"}},
    }
)
NOTES_BODY = write_body(
    {
        "type": "object",
        "required": ["notes"],
        "additionalProperties": False,
        "properties": {"notes": _TEXT},
    }
)
ROLLBACK_BODY = write_body(
    {
        "type": "object",
        "required": ["notes"],
        "additionalProperties": False,
        "properties": {
            "notes": _TEXT,
            "override": {"type": "boolean"},
            "to_version": {"type": "integer", "minimum": 1},
        },
    }
)
NAME_LINE_BODY = write_body(
    {
        "type": "object",
        "required": ["model"],
        "additionalProperties": False,
        "properties": {"model": _TEXT},
    }
)
ALIAS_SET_BODY = write_body(
    {
        "type": "object",
        "required": ["to_version"],
        "additionalProperties": False,
        "properties": {
            "to_version": {"type": "integer", "minimum": 1},
            "notes": _TEXT,
            "override": {"type": "boolean"},
        },
    }
)
ALIAS_DELETE_BODY = write_body(
    {"type": "object", "additionalProperties": False, "properties": {"notes": _TEXT}}
)
RESOLVE_BODY = write_body(
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {"set": {"type": "object"}, "notes": _TEXT},
    }
)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem responses a route can return, each with the problem schema."""
    return {
        status: {
            "description": _MEANING[status],
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }
        for status in sorted({*statuses, 500})
    }


def with_problem_schema(document: dict[str, Any]) -> dict[str, Any]:
    """The generated document with the Problem schema every error response refers to."""
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    # A bearer token (`atlas-registry token create`), optional where anonymous reads are
    # allowed: what the API reference's Authorize button sends.
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "atlas-registry token"}
    }
    document["security"] = [{"bearer": []}, {}]
    return document
