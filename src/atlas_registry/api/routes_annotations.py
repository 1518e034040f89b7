"""Annotations over HTTP: tags of a version or a line, and edits of description and changelog.

A version's routes take any model reference (``NAME`` is the line's latest
version, as everywhere under ``/models``); a line's routes take its name. Each
write needs the ``register`` scope, is attributed to the token's name and
takes an ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from atlas_registry import NotFoundError, Registry, ValidationError, Violation
from atlas_registry.api.bodies import OBJECT, answer, answered, body_fields, json_response
from atlas_registry.api.deps import Access, Caller, reader, writer
from atlas_registry.api.openapi import responses, write_body
from atlas_registry.api.strict_query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)

TAGS_BODY = write_body(
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "set": {"type": "object", "additionalProperties": {"type": "string"}},
            "remove": {"type": "array", "items": {"type": "string"}},
        },
    }
)
TEXT_BODY = write_body(
    {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "description": {"type": ["string", "null"]},
            "changelog": {"type": ["string", "null"]},
        },
    }
)
READ = responses(400, 401, 404, 503)
WRITE = responses(400, 401, 403, 404, 409, 413, 415, 422, 503)


def _version(found: Registry, model_ref: str) -> str:
    """The version's id: a version route never tags a whole line."""
    return found.resolve(model_ref)


def _line(found: Registry, name: str) -> str:
    """The line's name, once it is known to name a line (not a version: no ``@``)."""
    if "@" in name or not found.lines(name=name):
        raise NotFoundError(f"no model line is named {name!r:.100}")
    return name


def _changed(access: Access, found: Registry, ref: str, caller: Caller) -> Any:
    fields = body_fields(access, {"set", "remove"})
    remove = fields.get("remove", [])
    if not isinstance(remove, list):
        raise ValidationError("the body is invalid", [Violation("remove", "must be a list")])
    return found.change_tags(ref, actor=caller.actor, set=fields.get("set"), remove=remove)


@router.get("/models/{model_ref}/tags", responses=READ, response_model=OBJECT)
async def version_tags(model_ref: str, access: Access = Depends(reader)) -> Response:
    """The version's own tags, its line's, and the effective ones it is listed by."""
    found = await access.run(lambda found, _c: found.tags_of(_version(found, model_ref)))
    return json_response(found.to_dict())


@router.post(
    "/models/{model_ref}/tags", responses=WRITE, openapi_extra=TAGS_BODY, response_model=OBJECT
)
async def change_version_tags(
    model_ref: str, access: Access = Depends(writer("register"))
) -> Response:
    """Set (``set``: key to value) and remove (``remove``: keys) tags of one version, at once.

    A tag set to the value it has, or removed while not set, records nothing
    (it is listed in ``unchanged``).
    """

    def change(found: Registry, caller: Caller) -> Any:
        return _changed(access, found, _version(found, model_ref), caller)

    return answered(await access.write(change, lambda done: answer(done.to_dict())))


@router.get("/models/{model_ref}/tags/history", responses=READ, response_model=OBJECT)
async def version_tag_history(model_ref: str, access: Access = Depends(reader)) -> Response:
    """Every change of the version's own tags, newest first."""
    events = await access.run(lambda found, _c: found.tag_history(_version(found, model_ref)))
    return json_response({"items": [event.to_dict() for event in events]})


@router.get("/lines/{name}/tags", responses=READ, response_model=OBJECT)
async def line_tags(name: str, access: Access = Depends(reader)) -> Response:
    """The line's tags: each reaches every version of the line without a value of its own."""
    found = await access.run(lambda found, _c: found.tags_of(_line(found, name)))
    return json_response(found.to_dict())


@router.post("/lines/{name}/tags", responses=WRITE, openapi_extra=TAGS_BODY, response_model=OBJECT)
async def change_line_tags(name: str, access: Access = Depends(writer("register"))) -> Response:
    """Set and remove tags of a whole line, as for one version."""

    def change(found: Registry, caller: Caller) -> Any:
        return _changed(access, found, _line(found, name), caller)

    return answered(await access.write(change, lambda done: answer(done.to_dict())))


@router.get("/lines/{name}/tags/history", responses=READ, response_model=OBJECT)
async def line_tag_history(name: str, access: Access = Depends(reader)) -> Response:
    """Every change of the line's tags, newest first."""
    events = await access.run(lambda found, _c: found.tag_history(_line(found, name)))
    return json_response({"items": [event.to_dict() for event in events]})


@router.post(
    "/models/{model_ref}/text", responses=WRITE, openapi_extra=TEXT_BODY, response_model=OBJECT
)
async def edit_text(model_ref: str, access: Access = Depends(writer("register"))) -> Response:
    """Edit the version's ``description`` and/or ``changelog`` (null or "" clears one).

    Each real change is kept with the text before and after. Any other field,
    such as the code pin or a metric, is provenance and refused (422).
    """

    def edit(found: Registry, caller: Caller) -> Any:
        document = access.document()
        if not isinstance(document, dict):
            raise ValidationError(
                "the body must be a JSON object", [Violation("$", "is not an object")]
            )
        return found.edit_text(model_ref, document, actor=caller.actor)

    return answered(await access.write(edit, lambda done: answer(done.to_dict())))


@router.get("/models/{model_ref}/text/history", responses=READ, response_model=OBJECT)
async def text_history(model_ref: str, access: Access = Depends(reader)) -> Response:
    """Every edit of the version's description and changelog, newest first."""
    edits = await access.run(lambda found, _c: found.text_history(model_ref))
    return json_response({"items": [edit.to_dict() for edit in edits]})
