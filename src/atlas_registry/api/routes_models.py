"""Models over HTTP: register, validate, read, list, lineage, history, pins, card, transitions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from atlas_registry import (
    MAX_PAGE,
    ModelFilters,
    ModelRegistration,
    NotFoundError,
    RegisteredModel,
    Registry,
    ValidationError,
    Violation,
    batch_registrations,
)
from atlas_registry.api.bodies import (
    OBJECT,
    answer,
    answered,
    body_fields,
    json_response,
    override_flag,
    page_response,
    text_field,
)
from atlas_registry.api.deps import Access, Caller, body_reader, reader, writer
from atlas_registry.api.filters import model_filters
from atlas_registry.api.openapi import (
    ANY_DOCUMENT_BODY,
    BATCH_BODY,
    NOTES_BODY,
    PROMOTE_BODY,
    REGISTRATION_BODY,
    responses,
)
from atlas_registry.api.strict_query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)


@router.get("/models", responses=responses(400, 401, 404, 422, 503))
async def list_models(
    request: Request,
    filters: ModelFilters = Depends(model_filters),
    page_size: int = Query(50, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    access: Access = Depends(reader),
) -> Response:
    """Models matching every filter, newest first, paged by an opaque keyset cursor."""
    page = await access.run(
        lambda found, _caller: found.list_page(
            page_size=page_size, page_token=page_token, **filters.to_dict()
        )
    )
    return page_response(request, page)


DRY_RUN_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A dry run: every check passed, nothing was written; the record that "
        'would have been stored, marked "dry_run": true (no Location: its id names nothing)',
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post(
    "/models",
    status_code=201,
    responses={**DRY_RUN_ANSWER, **responses(400, 401, 403, 404, 409, 413, 415, 422, 503)},
    openapi_extra=REGISTRATION_BODY,
    response_model=OBJECT,
)
async def register_model(
    dry_run: bool = False,
    access: Access = Depends(writer("register")),
) -> Response:
    """Register one model version: artifact fields plus "metadata" (and "line").

    ``dry_run=true`` checks everything, the database included, and writes
    nothing: 200 with the would-be record marked ``"dry_run": true``.
    """

    def register(found: Registry, caller: Caller) -> RegisteredModel:
        registration = ModelRegistration.from_dict(access.document())
        record = found.register_model(registration, dry_run=dry_run, actor=caller.actor)
        return RegisteredModel(record, dry_run)

    if dry_run:  # writes nothing, so keeps nothing under an Idempotency-Key
        return json_response((await access.run(register)).to_dict())
    return answered(
        await access.write(
            register,
            lambda done: answer(done.to_dict(), 201, f"/api/v1/models/{done.record.id}"),
        )
    )


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

    def register(found: Registry, caller: Caller) -> list[str]:
        body = access.document()
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationError(
                "the body is invalid",
                [Violation("items", "must be a non-empty list of registrations")],
            )
        return found.register_models(batch_registrations(items), actor=caller.actor)

    return answered(await access.write(register, lambda ids: answer({"ids": ids}, 201)))


@router.post(
    "/validate",
    # 422: a body past the document limits (a NUL in a key, too deep) is refused before it is read.
    responses=responses(400, 401, 413, 415, 422, 503),
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

    return json_response(await access.run(check))


@router.get("/models/{model_ref}", responses=responses(400, 401, 404, 422, 503))
async def get_model(
    model_ref: str, request: Request, at: str | None = None, access: Access = Depends(reader)
) -> Response:
    """One model version; ``model_ref`` is an id, a short id, an id prefix, NAME, NAME@N,
    NAME@promoted or NAME@ALIAS. With ``at`` (ISO 8601 with a zone) and NAME@ALIAS or
    NAME@promoted, the version it named at that time, and ``as_of`` says since when."""

    def read(found: Registry, _caller: Caller) -> dict[str, Any]:
        if at is None:
            return found.get_model(model_ref).to_dict()
        with found.snapshot():  # the version named then, as it is now: read at one moment
            named = found.named_at(model_ref, at)
            return {**found.get_model(named.artifact_id).to_dict(), "as_of": named.to_dict()}

    record = await access.run(read)
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
    return json_response(
        (await access.run(lambda found, _caller: found.lineage(model_ref))).to_dict()
    )


@router.get(
    "/models/{model_ref}/history", responses=responses(400, 401, 404, 503), response_model=OBJECT
)
async def history(model_ref: str, access: Access = Depends(reader)) -> Response:
    """Every transition of one model, oldest first."""
    events = await access.run(lambda found, _caller: found.history(model_ref))
    return json_response({"items": [event.to_dict() for event in events]})


@router.get(
    "/models/{model_ref}/pin-checks", responses=responses(400, 401, 404, 503), response_model=OBJECT
)
async def pin_checks(
    model_ref: str,
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    access: Access = Depends(reader),
) -> Response:
    """The model's newest `limit` recorded code-pin checks (`pins verify`), newest first."""
    checks = await access.run(lambda found, _caller: found.pin_checks(model_ref, limit))
    return json_response({"items": [check.to_dict() for check in checks]})


@router.get(
    "/models/{model_ref}/pin-changes",
    responses=responses(400, 401, 404, 503),
    response_model=OBJECT,
)
async def pin_changes(model_ref: str, access: Access = Depends(reader)) -> Response:
    """The model's code-pin history: each change through the review queue, newest first."""
    changes = await access.run(lambda found, _caller: found.pin_changes(model_ref))
    return json_response({"items": [change.to_dict() for change in changes]})


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
    return json_response(record.to_dict())


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
        fields = body_fields(access, {"notes", "override"})
        return found.promote(
            model_ref,
            actor=caller.actor,
            notes=text_field(fields, "notes"),
            override=override_flag(fields, caller),
        )

    return answered(await access.write(promote, lambda done: answer(done.to_dict())))


async def _noted(access: Access, transition: Callable[..., Any], model_ref: str) -> Response:
    """A transition whose body is only ``{"notes": ...}`` (reject, supersede)."""

    def run(found: Registry, caller: Caller) -> Any:
        notes = text_field(body_fields(access, {"notes"}), "notes")
        return transition(found, model_ref, actor=caller.actor, notes=notes)

    return answered(await access.write(run, lambda done: answer(done.to_dict())))


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
