"""Models and lines: register, read, list, lineage, history, transitions, rollback."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from atlas_registry import (
    MAX_PAGE,
    ModelRegistration,
    NotFoundError,
    Registry,
    ValidationError,
    Violation,
)
from atlas_registry.api.deps import (
    Caller,
    blocking,
    json_body,
    reader,
    registry,
    require_scope,
    writer,
)
from atlas_registry.api.openapi import (
    ANY_DOCUMENT_BODY,
    BATCH_BODY,
    NAME_LINE_BODY,
    NOTES_BODY,
    PROMOTE_BODY,
    REGISTRATION_BODY,
    ROLLBACK_BODY,
    responses,
)

router = APIRouter(prefix="/api/v1")


def _page_response(request: Request, page: Any, extra: dict[str, Any] | None = None) -> Response:
    body = orjson.dumps({**(extra or {}), **page.to_dict()})
    response = Response(body, media_type="application/json")
    if page.next_page_token:
        query = dict(request.query_params)
        query["page_token"] = page.next_page_token
        response.headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
    return response


def _object(body: Any, fields: set[str]) -> dict[str, Any]:
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


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ValidationError("the body is invalid", [Violation(key, "must be text")])
    return value


@router.get("/models", responses=responses(400, 401, 404, 422, 503))
async def list_models(
    request: Request,
    promotion_state: str | None = None,
    model_family: str | None = None,
    framework: str | None = None,
    trained_by: str | None = None,
    benchmark_id: str | None = None,
    base_model_id: str | None = None,
    is_external: bool | None = None,
    line: str | None = None,
    latest_only: bool = False,
    page_size: int = Query(50, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    found: Registry = Depends(registry),
    _caller: Caller = Depends(reader),
) -> Response:
    """Models matching every filter, newest first, paged by an opaque keyset cursor."""
    page = await blocking(
        found.list_page,
        page_size=page_size,
        page_token=page_token,
        promotion_state=promotion_state,
        model_family=model_family,
        framework=framework,
        trained_by=trained_by,
        benchmark_id=benchmark_id,
        base_model_id=base_model_id,
        is_external=is_external,
        line=line,
        latest_only=latest_only,
    )
    return _page_response(request, page)


@router.post(
    "/models",
    status_code=201,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=REGISTRATION_BODY,
)
async def register_model(
    response: Response,
    dry_run: bool = False,
    body: Any = Depends(json_body),
    found: Registry = Depends(registry),
    _caller: Caller = Depends(writer("register")),
) -> dict[str, Any]:
    """Register one model version: artifact fields plus "metadata" (and "line")."""
    registration = ModelRegistration.from_dict(body)
    record = await blocking(found.register_model, registration, dry_run=dry_run)
    if not dry_run:
        response.headers["Location"] = f"/api/v1/models/{record.id}"
    return record.to_dict()


@router.post(
    "/models/batch",
    status_code=201,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=BATCH_BODY,
)
async def register_models(
    body: Any = Depends(json_body),
    found: Registry = Depends(registry),
    _caller: Caller = Depends(writer("register")),
) -> dict[str, Any]:
    """Register many versions in one transaction: all of them, or none."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationError(
            "the body is invalid", [Violation("items", "must be a non-empty list of registrations")]
        )
    registrations = [ModelRegistration.from_dict(item) for item in items]
    return {"ids": await blocking(found.register_models, registrations)}


@router.post(
    "/validate", responses=responses(400, 401, 413, 415, 503), openapi_extra=ANY_DOCUMENT_BODY
)
async def validate(
    body: Any = Depends(json_body),
    found: Registry = Depends(registry),
    _caller: Caller = Depends(reader),
) -> dict[str, Any]:
    """Check a metadata document, or a whole registration (one with "metadata"); writes nothing."""
    try:
        if isinstance(body, dict) and "metadata" in body:
            await blocking(found.validate_registration, body)
        else:
            await blocking(found.validate_metadata, body)
    except ValidationError as error:
        violations = [{"path": v.path, "message": v.message} for v in error.violations]
        return {"valid": False, "violations": violations}
    return {"valid": True, "violations": []}


@router.get("/models/{model_ref}", responses=responses(400, 401, 404, 503))
async def get_model(
    model_ref: str,
    request: Request,
    found: Registry = Depends(registry),
    _caller: Caller = Depends(reader),
) -> Response:
    """One model version; ``model_ref`` is an id, an id prefix, NAME, NAME@N or NAME@promoted."""
    record = (await blocking(found.get_model, model_ref)).to_dict()
    body = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


@router.get("/models/{model_ref}/lineage", responses=responses(400, 401, 404, 503))
async def lineage(
    model_ref: str, found: Registry = Depends(registry), _caller: Caller = Depends(reader)
) -> dict[str, Any]:
    """The version chain, fine-tune ancestors and descendants (with the depth limit)."""
    return (await blocking(found.lineage, model_ref)).to_dict()


@router.get("/models/{model_ref}/history", responses=responses(400, 401, 404, 503))
async def history(
    model_ref: str, found: Registry = Depends(registry), _caller: Caller = Depends(reader)
) -> dict[str, Any]:
    """Every transition of one model, oldest first."""
    return {"items": [event.to_dict() for event in await blocking(found.history, model_ref)]}


@router.get("/models/{model_ref}/pin-checks", responses=responses(400, 401, 404, 503))
async def pin_checks(
    model_ref: str, found: Registry = Depends(registry), _caller: Caller = Depends(reader)
) -> dict[str, Any]:
    """The model's recorded code-pin checks (`pins verify`), newest first."""
    return {"items": [check.to_dict() for check in await blocking(found.pin_checks, model_ref)]}


@router.get(
    "/models/{model_ref}/card",
    responses=responses(400, 401, 404, 503),
    response_class=PlainTextResponse,
)
async def model_card(
    model_ref: str, found: Registry = Depends(registry), _caller: Caller = Depends(reader)
) -> PlainTextResponse:
    """The model as a Hugging Face model card: README.md text with YAML front matter."""
    card = await blocking(found.model_card, model_ref)
    return PlainTextResponse(card, media_type="text/markdown; charset=utf-8")


@router.get("/models/{model_ref}/promoted", responses=responses(400, 401, 404, 503))
async def promoted(
    model_ref: str, found: Registry = Depends(registry), _caller: Caller = Depends(reader)
) -> Response:
    """The promoted version of the model's line (404 when none is)."""
    record = await blocking(found.promoted_version, model_ref)
    if record is None:
        raise NotFoundError(f"the line of {model_ref!r:.100} has no promoted version")
    return JSONResponse(record.to_dict())


def _override(fields: dict[str, Any], caller: Caller) -> bool:
    """The body's ``override`` flag; bypassing the gate needs the override scope."""
    override = fields.get("override", False)
    if not isinstance(override, bool):
        raise ValidationError(
            "the body is invalid", [Violation("override", "must be true or false")]
        )
    if override:
        require_scope(caller, "override")
    return override


@router.post(
    "/models/{model_ref}/promote",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=PROMOTE_BODY,
)
async def promote(
    model_ref: str,
    body: Any = Depends(json_body),
    found: Registry = Depends(registry),
    caller: Caller = Depends(writer("promote")),
) -> dict[str, Any]:
    """Promote through the gate (422 lists unmet conditions); an override needs its scope."""
    fields = _object(body, {"notes", "override"})
    override = _override(fields, caller)
    assert caller.name is not None
    result = await blocking(
        found.promote, model_ref, actor=caller.name, notes=_text(fields, "notes"), override=override
    )
    return result.to_dict()


@router.post(
    "/models/{model_ref}/reject",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=NOTES_BODY,
)
async def reject(
    model_ref: str,
    body: Any = Depends(json_body),
    found: Registry = Depends(registry),
    caller: Caller = Depends(writer("promote")),
) -> dict[str, Any]:
    """Reject a candidate for good; the notes say why."""
    fields = _object(body, {"notes"})
    assert caller.name is not None
    notes = _text(fields, "notes")
    return (await blocking(found.reject, model_ref, actor=caller.name, notes=notes)).to_dict()


@router.post(
    "/models/{model_ref}/supersede",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=NOTES_BODY,
)
async def supersede(
    model_ref: str,
    body: Any = Depends(json_body),
    found: Registry = Depends(registry),
    caller: Caller = Depends(writer("admin")),
) -> dict[str, Any]:
    """Retire a promoted model without a successor; the notes say why."""
    fields = _object(body, {"notes"})
    assert caller.name is not None
    notes = _text(fields, "notes")
    return (await blocking(found.supersede, model_ref, actor=caller.name, notes=notes)).to_dict()


@router.get("/lines", responses=responses(400, 401, 503))
async def lines(
    found: Registry = Depends(registry), _caller: Caller = Depends(reader)
) -> dict[str, Any]:
    """Every named line with its latest and promoted version."""
    return {"items": [summary.to_dict() for summary in await blocking(found.lines)]}


@router.get("/lines/{name}", responses=responses(400, 401, 404, 503))
async def line(
    name: str,
    request: Request,
    page_size: int = Query(50, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    found: Registry = Depends(registry),
    _caller: Caller = Depends(reader),
) -> Response:
    """One line: its summary and its versions, newest first, paged."""
    summaries = await blocking(found.lines, name=name)
    if not summaries:
        raise NotFoundError(f"no model line named {name!r:.100}")
    page = await blocking(found.list_page, page_size=page_size, page_token=page_token, line=name)
    return _page_response(request, page, {"line": summaries[0].to_dict()})


@router.post(
    "/lines/{name}",
    status_code=201,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=NAME_LINE_BODY,
)
async def name_line(
    name: str,
    response: Response,
    body: Any = Depends(json_body),
    found: Registry = Depends(registry),
    _caller: Caller = Depends(writer("register")),
) -> dict[str, Any]:
    """Name the line of ``model`` (a line registered before it had a name)."""
    fields = _object(body, {"model"})
    model = _text(fields, "model")
    if not model:
        raise ValidationError("the body is invalid", [Violation("model", "is required")])
    summary = await blocking(found.name_line, model, name)
    response.headers["Location"] = f"/api/v1/lines/{summary.name}"
    return summary.to_dict()


@router.post(
    "/lines/{name}/rollback",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=ROLLBACK_BODY,
)
async def rollback(
    name: str,
    body: Any = Depends(json_body),
    found: Registry = Depends(registry),
    caller: Caller = Depends(writer("promote")),
) -> dict[str, Any]:
    """Re-promote an earlier version of the line (``to_version``), superseding the current one."""
    fields = _object(body, {"notes", "override", "to_version"})
    to_version = fields.get("to_version")
    if to_version is not None and (isinstance(to_version, bool) or not isinstance(to_version, int)):
        raise ValidationError("the body is invalid", [Violation("to_version", "must be a number")])
    override = _override(fields, caller)
    assert caller.name is not None
    result = await blocking(
        found.rollback,
        name,
        to_version=to_version,
        actor=caller.name,
        notes=_text(fields, "notes"),
        override=override,
    )
    return result.to_dict()
