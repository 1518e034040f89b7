"""The registry as a whole: health, version, events, benchmarks, leaderboards, review, schema."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from atlas_registry import (
    MAX_EVENTS,
    MAX_PAGE,
    PIN_STATUSES,
    Registry,
    RegistryError,
    ValidationError,
    Violation,
    asking_how,
)
from atlas_registry.api.bodies import OBJECT, answer, answered
from atlas_registry.api.deps import (
    Access,
    Caller,
    Settings,
    reader,
    registry,
    settings,
    writer,
)
from atlas_registry.api.events import (
    AFTER,
    LINE,
    MAX_WAIT,
    SSE_MEDIA,
    TYPES,
    WAIT,
    event_responses,
    follow_of,
    resume_from,
    stream,
    waited_page,
)
from atlas_registry.api.openapi import RESOLVE_BODY, responses
from atlas_registry.api.paging import link_next
from atlas_registry.api.problems import registry_problem
from atlas_registry.api.strict_query import StrictQueryRoute

if TYPE_CHECKING:
    from atlas_registry import ReviewItem

health_router = APIRouter()
router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)


@health_router.get("/-/health", responses=responses())
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@health_router.get("/-/ready", responses=responses(503))
async def ready(found: Registry = Depends(registry)) -> JSONResponse:
    """Readiness: the database answers and is at this version's migration head."""
    try:
        await run_in_threadpool(found.check_ready)
    except RegistryError as error:
        response = registry_problem(error)
        response.status_code = 503
        return response
    return JSONResponse({"status": "ready"})


@router.get("/version", responses=responses(401))
async def version(
    config: Settings = Depends(settings), access: Access = Depends(reader)
) -> dict[str, Any]:
    """The server's version, the metadata schema's id, the migration head, read-only or not."""
    about = await access.run(lambda found, _caller: found.about())
    return {**about, "read_only": config.read_only}


@router.get("/events", responses=responses(400, 401, 404, 422, 503) | event_responses())
async def events(
    request: Request,
    actor: str | None = None,
    page_size: int = Query(50, ge=1, le=MAX_PAGE),
    before_id: int | None = Query(None, ge=1, le=2**63 - 1),
    overrides_only: bool = False,
    after: int | None = Query(None, ge=0, le=2**63 - 1, description=AFTER),
    types: str | None = Query(None, description=TYPES),
    line: str | None = Query(None, description=LINE),
    limit: int = Query(100, ge=1, le=MAX_EVENTS, description="Events per answer (log only)."),
    wait: int = Query(0, ge=0, le=MAX_WAIT, description=WAIT),
    access: Access = Depends(reader),
) -> Response:
    """Without ``after``: every promotion transition, newest first; ``before_id`` pages back.

    With ``after`` (or ``types``, ``line``, ``wait``, or ``Accept: text/event-stream``):
    the log of every change, oldest first after the cursor, which a follower
    reads again from the ``next_after`` it was given; ``wait`` long-polls.
    """
    as_log = {"after", "types", "line", "limit", "wait"} & set(request.query_params)
    streaming = SSE_MEDIA in request.headers.get("accept", "")
    if as_log or streaming:
        if {"actor", "page_size", "before_id", "overrides_only"} & set(request.query_params):
            raise ValidationError(
                "a query of the promotion feed and of the event log at once",
                [
                    Violation(
                        "after",
                        "actor, page_size, before_id and overrides_only page the promotion "
                        "feed; after, types, line, limit and wait read the event log: use one set",
                    )
                ],
            )
        follow = follow_of(after, types, line, limit)
        if streaming:
            return await stream(request, access, replace(follow, after=resume_from(request, after)))
        return await waited_page(request, access, follow, wait)
    items = await access.run(
        lambda found, _caller: found.recent_events(
            page_size, before_id=before_id, actor=actor, overrides_only=overrides_only
        )
    )
    response = JSONResponse({"items": [event.to_dict() for event in items]})
    more = len(items) == page_size
    return link_next(request, response, "before_id", str(items[-1].id) if more else None)


@router.get("/events/stream", responses=responses(401, 404, 422, 503) | event_responses())
async def event_stream(
    request: Request,
    after: int | None = Query(None, ge=0, le=2**63 - 1, description=AFTER),
    types: str | None = Query(None, description=TYPES),
    line: str | None = Query(None, description=LINE),
    access: Access = Depends(reader),
) -> StreamingResponse:
    """The log of every change as Server-Sent Events, from the cursor on, as it grows.

    Each message has ``id:`` (the event's id), ``event:`` (its type) and
    ``data:`` (the event as JSON); a client that reconnects with
    ``Last-Event-ID`` resumes after that id.
    """
    follow = follow_of(resume_from(request, after), types, line, MAX_EVENTS)
    return await stream(request, access, follow)


@router.get("/benchmarks", responses=responses(401, 503))
async def benchmarks(access: Access = Depends(reader)) -> dict[str, Any]:
    """Every benchmark with registered models: its metrics and the gate's threshold."""
    return {"items": await access.run(lambda found, _caller: found.benchmarks())}


@router.get("/leaderboards/{benchmark_id}", responses=responses(400, 401, 404, 422, 503))
async def leaderboard(
    benchmark_id: str,
    metric: str,
    limit: int = Query(10, ge=1, le=MAX_PAGE),
    direction: Literal["higher", "lower"] | None = Query(
        None,
        description="Which way is better, for a metric of unknown direction only "
        "(a known one comes from the metric vocabulary and may not be reversed).",
    ),
    lower_is_better: bool | None = Query(
        None,
        deprecated=True,
        description="true: the same as direction=lower; false: the same as direction=higher.",
    ),
    dataset: str | None = Query(None, description="Only evaluations on this dataset (its id)."),
    split: str | None = Query(None, description="Only evaluations on this split of dataset."),
    access: Access = Depends(reader),
) -> dict[str, Any]:
    """The best models of one benchmark by one metric, best first by the metric's direction.

    Each version is ranked by its newest evaluation on the benchmark (on
    ``dataset`` and ``split`` when given); each entry says who evaluated it.

    A metric whose direction is unknown is refused (422) until ``direction`` is
    given, and a direction reversing a known one is refused too. The answer
    says which direction it was ranked by and where that came from
    (``direction_source``: ``vocabulary``, ``policy``, or ``request`` when it
    is the caller's choice). Tied values share a rank (1, 2, 2, 4).
    """

    def ranked(found: Registry, _caller: Caller) -> dict[str, Any]:
        given = _given_direction(direction, lower_is_better)
        try:
            board = found.leaderboard(
                benchmark_id, metric, limit=limit, direction=given, dataset=dataset, split=split
            )
        except RegistryError as error:
            raise asking_how(
                error, "add direction=higher or direction=lower to the query"
            ) from None
        return {
            "metric": metric,
            **found.ranked_by(metric, given).to_dict(),
            "items": [entry.to_dict() for entry in board],
        }

    return await access.run(ranked)


def _given_direction(direction: str | None, lower_is_better: bool | None) -> str | None:
    """The one direction the query asks for: ``direction``, or its deprecated spelling.

    ``lower_is_better=false`` asks for higher as surely as ``=true`` asks for
    lower; the two spellings disagreeing is refused, never settled by a rule.
    """
    if lower_is_better is None:
        return direction
    spelled = "lower" if lower_is_better else "higher"
    if direction is not None and direction != spelled:
        flag = "true" if lower_is_better else "false"
        raise ValidationError(
            "conflicting directions",
            [
                Violation(
                    "lower_is_better",
                    f"lower_is_better={flag} means direction={spelled}, which contradicts "
                    f"direction={direction}: give direction only",
                )
            ],
        )
    return spelled


@router.get("/review-queue", responses=responses(400, 401, 422, 503))
async def review_queue(
    request: Request,
    status: str | None = Query("open", pattern="^(open|resolved)$"),
    page_size: int = Query(MAX_PAGE, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    access: Access = Depends(reader),
) -> JSONResponse:
    """Legacy facts held for review, with each reason, by artifact id, paged."""
    page = await access.run(
        lambda found, _caller: found.review_page(status, page_size=page_size, page_token=page_token)
    )
    return link_next(request, JSONResponse(page.to_dict()), "page_token", page.next_page_token)


@router.get("/pin-checks", responses=responses(400, 401, 422, 503))
async def pin_checks(
    request: Request,
    status: str | None = Query(None, pattern=f"^({'|'.join(PIN_STATUSES)})$"),
    promoted: bool = False,
    page_size: int = Query(MAX_PAGE, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    access: Access = Depends(reader),
) -> JSONResponse:
    """The newest check of each model's current code pin (`pins report`), by model id, paged."""
    page = await access.run(
        lambda found, _caller: found.pin_report_page(
            status=status, promoted_only=promoted, page_size=page_size, page_token=page_token
        )
    )
    return link_next(request, JSONResponse(page.to_dict()), "page_token", page.next_page_token)


@router.get("/review-queue/{artifact_ref}", responses=responses(400, 401, 404, 503))
async def review_item(artifact_ref: str, access: Access = Depends(reader)) -> dict[str, Any]:
    """One review item."""
    return (await access.run(lambda found, _caller: found.get_review(artifact_ref))).to_dict()


@router.post(
    "/review-queue/{artifact_ref}/resolve",
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=RESOLVE_BODY,
    response_model=OBJECT,
)
async def resolve(
    artifact_ref: str,
    access: Access = Depends(writer("review")),
) -> Response:
    """Finish a held artifact: ``set`` maps fields to values (validated like a registration)."""

    def resolve(found: Registry, caller: Caller) -> ReviewItem:
        body = access.document()
        if not isinstance(body, dict) or set(body) - {"set", "notes"}:
            raise ValidationError(
                "the body is invalid", [Violation("$", 'must be {"set": {...}, "notes": "..."}')]
            )
        assignments = body.get("set") or {}
        notes = body.get("notes")
        if not isinstance(assignments, dict) or (notes is not None and not isinstance(notes, str)):
            raise ValidationError(
                "the body is invalid", [Violation("set", "must map field names to values")]
            )
        pairs = [f"{key}={_as_text(value)}" for key, value in assignments.items()]
        return found.resolve_review(artifact_ref, pairs, actor=caller.actor, notes=notes)

    return answered(await access.write(resolve, lambda done: answer(done.to_dict())))


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@router.get("/schemas/model-metadata", responses=responses(401))
async def schema(access: Access = Depends(reader)) -> dict[str, Any]:
    """The model metadata JSON Schema in force."""
    return await access.run(lambda found, _caller: found.schema())


@router.get("/policy/promotion-gate", responses=responses(401))
async def gate_policy(access: Access = Depends(reader)) -> dict[str, Any]:
    """The promotion gate's policy in force."""
    return await access.run(lambda found, _caller: found.policy.to_dict())
