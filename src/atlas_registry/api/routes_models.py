"""Models and lines: register, read, list, lineage, history, transitions, rollback."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from atlas_registry import (
    MAX_PAGE,
    ModelRecord,
    ModelRegistration,
    NotFoundError,
    Page,
    Registry,
    ValidationError,
    Violation,
    batch_registrations,
)
from atlas_registry.api.deps import Access, Caller, body_reader, reader, writer
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
from atlas_registry.api.paging import link_next
from atlas_registry.api.strict_query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)
# What routes that answer with a prepared Response declare they answer: a JSON object.
OBJECT = dict[str, Any]


def _json(document: Any, status_code: int = 200) -> Response:
    """The document as JSON, serialised once by orjson (FastAPI's encoder would walk it again)."""
    return Response(orjson.dumps(document), status_code=status_code, media_type="application/json")


def _page_response(request: Request, page: Page, **extra: Any) -> Response:
    response = Response(page.to_json(**extra), media_type="application/json")
    return link_next(request, response, "page_token", page.next_page_token)


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
    access: Access = Depends(reader),
) -> Response:
    """Models matching every filter, newest first, paged by an opaque keyset cursor."""
    page = await access.run(
        lambda found, _caller: found.list_page(
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
    )
    return _page_response(request, page)


@router.post(
    "/models",
    status_code=201,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=REGISTRATION_BODY,
    response_model=OBJECT,
)
async def register_model(
    dry_run: bool = False,
    access: Access = Depends(writer("register")),
) -> Response:
    """Register one model version: artifact fields plus "metadata" (and "line")."""

    def register(found: Registry, _caller: Caller) -> ModelRecord:
        registration = ModelRegistration.from_dict(access.document())
        return found.register_model(registration, dry_run=dry_run)

    record = await access.run(register)
    response = _json(record.to_dict(), status_code=201)
    if not dry_run:
        response.headers["Location"] = f"/api/v1/models/{record.id}"
    return response


@router.post(
    "/models/batch",
    status_code=201,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=BATCH_BODY,
    response_model=OBJECT,
)
async def register_models(
    access: Access = Depends(writer("register")),
) -> Response:
    """Register many versions in one transaction: all of them, or none."""

    def register(found: Registry, _caller: Caller) -> list[str]:
        body = access.document()
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationError(
                "the body is invalid",
                [Violation("items", "must be a non-empty list of registrations")],
            )
        return found.register_models(batch_registrations(items))

    return _json({"ids": await access.run(register)}, status_code=201)


@router.post(
    "/validate",
    responses=responses(400, 401, 413, 415, 503),
    openapi_extra=ANY_DOCUMENT_BODY,
    response_model=OBJECT,
)
async def validate(access: Access = Depends(body_reader)) -> Response:
    """Check a metadata document, or a whole registration (one with "metadata"); writes nothing."""

    def check(found: Registry, _caller: Caller) -> dict[str, Any]:
        body = access.document()
        try:
            if isinstance(body, dict) and "metadata" in body:
                found.validate_registration(body)
            else:
                found.validate_metadata(body)
        except ValidationError as error:
            violations = [{"path": v.path, "message": v.message} for v in error.violations]
            return {"valid": False, "violations": violations}
        return {"valid": True, "violations": []}

    return _json(await access.run(check))


@router.get("/models/{model_ref}", responses=responses(400, 401, 404, 503))
async def get_model(model_ref: str, request: Request, access: Access = Depends(reader)) -> Response:
    """One model version; ``model_ref`` is an id, an id prefix, NAME, NAME@N or NAME@promoted."""
    record = (await access.run(lambda found, _caller: found.get_model(model_ref))).to_dict()
    body = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


@router.get(
    "/models/{model_ref}/lineage", responses=responses(400, 401, 404, 503), response_model=OBJECT
)
async def lineage(model_ref: str, access: Access = Depends(reader)) -> Response:
    """The version chain, fine-tune ancestors and descendants (with the depth limit)."""
    return _json((await access.run(lambda found, _caller: found.lineage(model_ref))).to_dict())


@router.get(
    "/models/{model_ref}/history", responses=responses(400, 401, 404, 503), response_model=OBJECT
)
async def history(model_ref: str, access: Access = Depends(reader)) -> Response:
    """Every transition of one model, oldest first."""
    events = await access.run(lambda found, _caller: found.history(model_ref))
    return _json({"items": [event.to_dict() for event in events]})


@router.get(
    "/models/{model_ref}/pin-checks", responses=responses(400, 401, 404, 503), response_model=OBJECT
)
async def pin_checks(model_ref: str, access: Access = Depends(reader)) -> Response:
    """The model's recorded code-pin checks (`pins verify`), newest first."""
    checks = await access.run(lambda found, _caller: found.pin_checks(model_ref))
    return _json({"items": [check.to_dict() for check in checks]})


@router.get(
    "/models/{model_ref}/card",
    responses=responses(400, 401, 404, 503),
    response_class=PlainTextResponse,
)
async def model_card(model_ref: str, access: Access = Depends(reader)) -> PlainTextResponse:
    """The model as a Hugging Face model card: README.md text with YAML front matter."""
    card = await access.run(lambda found, _caller: found.model_card(model_ref))
    return PlainTextResponse(card, media_type="text/markdown; charset=utf-8")


@router.get("/models/{model_ref}/promoted", responses=responses(400, 401, 404, 503))
async def promoted(model_ref: str, access: Access = Depends(reader)) -> Response:
    """The promoted version of the model's line (404 when none is)."""
    record = await access.run(lambda found, _caller: found.promoted_version(model_ref))
    if record is None:
        raise NotFoundError(f"the line of {model_ref!r:.100} has no promoted version")
    return _json(record.to_dict())


def _fields(access: Access, allowed: set[str]) -> dict[str, Any]:
    """The body as an object holding only ``allowed`` fields."""
    return _object(access.document(), allowed)


def _override(fields: dict[str, Any], caller: Caller) -> bool:
    """The body's ``override`` flag; bypassing the gate needs the override scope."""
    override = fields.get("override", False)
    if not isinstance(override, bool):
        raise ValidationError(
            "the body is invalid", [Violation("override", "must be true or false")]
        )
    if override:
        caller.require("override")
    return override


@router.post(
    "/models/{model_ref}/promote",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=PROMOTE_BODY,
    response_model=OBJECT,
)
async def promote(
    model_ref: str,
    access: Access = Depends(writer("promote")),
) -> Response:
    """Promote through the gate (422 lists unmet conditions); an override needs its scope."""

    def promote(found: Registry, caller: Caller) -> Any:
        fields = _fields(access, {"notes", "override"})
        return found.promote(
            model_ref,
            actor=caller.actor,
            notes=_text(fields, "notes"),
            override=_override(fields, caller),
        )

    return _json((await access.run(promote)).to_dict())


async def _noted(access: Access, transition: Callable[..., Any], model_ref: str) -> Response:
    """A transition whose body is only ``{"notes": ...}`` (reject, supersede)."""

    def run(found: Registry, caller: Caller) -> Any:
        notes = _text(_fields(access, {"notes"}), "notes")
        return transition(found, model_ref, actor=caller.actor, notes=notes)

    return _json((await access.run(run)).to_dict())


@router.post(
    "/models/{model_ref}/reject",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=NOTES_BODY,
    response_model=OBJECT,
)
async def reject(
    model_ref: str,
    access: Access = Depends(writer("promote")),
) -> Response:
    """Reject a candidate for good; the notes say why."""
    return await _noted(access, Registry.reject, model_ref)


@router.post(
    "/models/{model_ref}/supersede",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=NOTES_BODY,
    response_model=OBJECT,
)
async def supersede(
    model_ref: str,
    access: Access = Depends(writer("admin")),
) -> Response:
    """Retire a promoted model without a successor; the notes say why."""
    return await _noted(access, Registry.supersede, model_ref)


@router.get("/lines", responses=responses(400, 401, 422, 503), response_model=OBJECT)
async def lines(
    request: Request,
    page_size: int = Query(MAX_PAGE, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    search: str | None = None,
    access: Access = Depends(reader),
) -> Response:
    """Named lines in name order, each with its latest and promoted version, paged.

    ``search``: only the lines whose name, or a version's title, holds it
    (ASCII letters in either case).
    """
    page = await access.run(
        lambda found, _caller: found.lines_page(
            page_size=page_size, page_token=page_token, search=search
        )
    )
    return link_next(request, _json(page.to_dict()), "page_token", page.next_page_token)


@router.get("/lines/{name}", responses=responses(400, 401, 404, 503))
async def line(
    name: str,
    request: Request,
    page_size: int = Query(50, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    access: Access = Depends(reader),
) -> Response:
    """One line: its summary and its versions, newest first, paged."""

    def read(found: Registry, _caller: Caller) -> tuple[Any, Any]:
        summaries = found.lines(name=name)  # NotFoundError when there is no such line
        if not summaries:  # named, but none of its versions is registered yet
            raise NotFoundError(f"model line {name} has no registered version")
        page = found.list_page(page_size=page_size, page_token=page_token, line=name)
        return summaries[0], page

    summary, page = await access.run(read)
    return _page_response(request, page, line=summary.to_dict())


@router.get("/lines/{name}/history", responses=responses(400, 401, 404, 503), response_model=OBJECT)
async def line_history(name: str, access: Access = Depends(reader)) -> Response:
    """Every transition of every version of the line, oldest first, each naming ``line@N``.

    A rollback shows whole: the version put back and the one it retired.
    """

    def read(found: Registry, _caller: Caller) -> Any:
        if not found.lines(name=name):  # NotFoundError when there is no such line
            raise NotFoundError(f"model line {name} has no registered version")
        return found.line_history(name)

    events = await access.run(read)
    return _json({"items": [event.to_dict() for event in events]})


@router.post(
    "/lines/{name}",
    status_code=201,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=NAME_LINE_BODY,
    response_model=OBJECT,
)
async def name_line(
    name: str,
    access: Access = Depends(writer("register")),
) -> Response:
    """Name the line of ``model`` (a line registered before it had a name)."""

    def name_it(found: Registry, _caller: Caller) -> Any:
        model = _text(_fields(access, {"model"}), "model")
        if not model:
            raise ValidationError("the body is invalid", [Violation("model", "is required")])
        return found.name_line(model, name)

    summary = await access.run(name_it)
    response = _json(summary.to_dict(), status_code=201)
    response.headers["Location"] = f"/api/v1/lines/{summary.name}"
    return response


@router.post(
    "/lines/{name}/rollback",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=ROLLBACK_BODY,
    response_model=OBJECT,
)
async def rollback(
    name: str,
    access: Access = Depends(writer("promote")),
) -> Response:
    """Re-promote an earlier version of the line (``to_version``), superseding the current one."""

    def roll_back(found: Registry, caller: Caller) -> Any:
        fields = _fields(access, {"notes", "override", "to_version"})
        to_version = fields.get("to_version")
        if to_version is not None and (
            isinstance(to_version, bool) or not isinstance(to_version, int)
        ):
            raise ValidationError(
                "the body is invalid",
                [Violation("to_version", "must be a whole version number, such as 2")],
            )
        return found.rollback(
            name,
            to_version=to_version,
            actor=caller.actor,
            notes=_text(fields, "notes"),
            override=_override(fields, caller),
        )

    return _json((await access.run(roll_back)).to_dict())
