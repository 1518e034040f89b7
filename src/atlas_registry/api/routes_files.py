"""A version's files over HTTP: list them, add one, their checks, and what a deployment loads.

Verifying files reads URIs, so it is not served here: it is an operator's
command (`atlas-registry files verify`), never the side effect of a request.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response

from atlas_registry import (
    FILE_ROLES,
    FILE_SCHEMES,
    MAX_PAGE,
    FileAddition,
    Registry,
    ValidationError,
    Violation,
)
from atlas_registry.api.bodies import (
    OBJECT,
    answer,
    answered,
    body_fields,
    json_response,
    text_field,
)
from atlas_registry.api.deps import Access, Caller, reader, writer
from atlas_registry.api.openapi import responses, write_body
from atlas_registry.api.strict_query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)

_HEX64 = "^[0-9a-fA-F]{64}$"
FILE_BODY = write_body(
    {
        "type": "object",
        "required": ["uri", "sha256", "size_bytes"],
        "additionalProperties": False,
        "properties": {
            "uri": {
                "type": "string",
                "minLength": 1,
                "maxLength": 2048,
                "description": f"Where the bytes are; schemes: {', '.join(FILE_SCHEMES)}",
            },
            "sha256": {"type": "string", "pattern": _HEX64},
            "size_bytes": {"type": "integer", "minimum": 0},
            "role": {"type": ["string", "null"], "enum": [*FILE_ROLES, None]},
            "notes": {"type": ["string", "null"]},
            "replaces": {"type": ["integer", "null"], "minimum": 1},
        },
    }
)
_ENTRY_FIELDS = {"uri", "sha256", "size_bytes", "role"}


@router.get(
    "/models/{model_ref}/files", responses=responses(400, 401, 404, 503), response_model=OBJECT
)
async def list_files(
    model_ref: str,
    replaced: bool = Query(False, description="Also the entries later entries corrected."),
    access: Access = Depends(reader),
) -> Response:
    """The files the version lists (URI, size, SHA-256, role), each with its newest check."""
    listed = await access.run(lambda found, _caller: found.files(model_ref, replaced=replaced))
    return json_response({"items": [item.to_dict() for item in listed]})


@router.post(
    "/models/{model_ref}/files",
    status_code=201,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=FILE_BODY,
    response_model=OBJECT,
)
async def add_file(model_ref: str, access: Access = Depends(writer("register"))) -> Response:
    """List a file of the version: 201 when written; 200 when the same entry was listed.

    An entry for a URI already listed replaces that entry; ``replaces`` names
    the entry a new URI corrects. Nothing listed is ever rewritten.
    """

    def add(found: Registry, caller: Caller) -> FileAddition:
        fields = body_fields(access, _ENTRY_FIELDS | {"notes", "replaces"})
        replaces = fields.get("replaces")
        if replaces is not None and (isinstance(replaces, bool) or not isinstance(replaces, int)):
            raise ValidationError(
                "the body is invalid", [Violation("replaces", "must be a file id")]
            )
        entry = {key: value for key, value in fields.items() if key in _ENTRY_FIELDS}
        return found.add_file(
            model_ref,
            entry,
            actor=caller.actor,
            notes=text_field(fields, "notes"),
            replaces=replaces,
        )

    def sent(done: FileAddition) -> Any:
        if not done.written:
            return answer(done.to_dict())
        location = f"/api/v1/models/{done.file.model_id}/files"
        return answer(done.to_dict(), 201, location)

    return answered(await access.write(add, sent))


@router.get(
    "/models/{model_ref}/file-checks",
    responses=responses(400, 401, 404, 503),
    response_model=OBJECT,
)
async def file_checks(
    model_ref: str,
    limit: int = Query(100, ge=1, le=MAX_PAGE),
    access: Access = Depends(reader),
) -> Response:
    """The newest `limit` recorded checks of the version's files (`files verify`), newest first."""
    checks = await access.run(lambda found, _caller: found.file_checks(model_ref, limit))
    return json_response({"items": [check.to_dict() for check in checks]})


@router.get(
    "/models/{model_ref}/locate", responses=responses(400, 401, 404, 503), response_model=OBJECT
)
async def locate(model_ref: str, access: Access = Depends(reader)) -> Response:
    """The URIs a deployment of ``model_ref`` loads (``NAME@promoted``); 404 when it lists none."""
    location = await access.run(lambda found, _caller: found.locate(model_ref))
    return json_response(location.to_dict())
