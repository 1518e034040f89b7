"""Named lines over HTTP: list and search them, read one and its history, name one, roll back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from atlas_registry import (
    MAX_PAGE,
    NotFoundError,
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
    override_flag,
    page_response,
    text_field,
)
from atlas_registry.api.deps import Access, Caller, reader, writer
from atlas_registry.api.openapi import (
    NAME_LINE_BODY,
    ROLLBACK_BODY,
    responses,
)
from atlas_registry.api.paging import link_next
from atlas_registry.api.strict_query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)


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
    return link_next(request, json_response(page.to_dict()), "page_token", page.next_page_token)


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
    return page_response(request, page, line=summary.to_dict())


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
    return json_response({"items": [event.to_dict() for event in events]})


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

    def name_it(found: Registry, caller: Caller) -> Any:
        model = text_field(body_fields(access, {"model"}), "model")
        if not model:
            raise ValidationError("the body is invalid", [Violation("model", "is required")])
        return found.name_line(model, name, actor=caller.actor)

    return answered(
        await access.write(
            name_it, lambda done: answer(done.to_dict(), 201, f"/api/v1/lines/{done.name}")
        )
    )


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
        fields = body_fields(access, {"notes", "override", "to_version"})
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
            notes=text_field(fields, "notes"),
            override=override_flag(fields, caller),
        )

    return answered(await access.write(roll_back, lambda done: answer(done.to_dict())))
