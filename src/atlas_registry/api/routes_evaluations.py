"""Evaluations over HTTP: add one to a version, list a version's."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from atlas_registry import MAX_PAGE, Evaluation, EvaluationInput, Registry
from atlas_registry.api.bodies import OBJECT, answer, answered, json_response
from atlas_registry.api.deps import Access, Caller, reader, writer
from atlas_registry.api.openapi import responses, write_body
from atlas_registry.api.paging import link_next
from atlas_registry.api.strict_query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)

_TEXT = {"type": "string"}
EVALUATION_BODY = write_body(
    {
        "type": "object",
        "required": ["benchmark_id", "dataset_id", "metrics"],
        "additionalProperties": False,
        "properties": {
            "benchmark_id": _TEXT,
            "dataset_id": {**_TEXT, "description": "The catalog id of a dataset artifact."},
            "dataset_revision": {
                **_TEXT,
                "description": "Its revision or digest (default: the one its catalog entry names).",
            },
            "split": _TEXT,
            "metrics": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": "number"},
                "description": "Metric name -> finite number; directions come from the "
                "metric vocabulary, never from here.",
            },
            "harness_repo_url": _TEXT,
            "harness_commit_sha": _TEXT,
            "notes": _TEXT,
        },
    }
)


@router.post(
    "/models/{model_ref}/evaluations",
    status_code=201,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=EVALUATION_BODY,
    response_model=OBJECT,
)
async def add_evaluation(
    model_ref: str,
    access: Access = Depends(writer("register")),
) -> Response:
    """Add an evaluation to a version; the token's name is who evaluated (201 + Location).

    The token's scopes are kept with it: a gate rule may count only evaluations
    recorded by a token holding a given scope."""

    def evaluate(found: Registry, caller: Caller) -> Evaluation:
        given = EvaluationInput.from_dict(access.document())
        return found.add_evaluation(model_ref, given, by=caller.actor, scopes=caller.scopes)

    return answered(
        await access.write(
            evaluate,
            lambda done: answer(done.to_dict(), 201, f"/api/v1/models/{done.model_id}/evaluations"),
        )
    )


@router.get(
    "/models/{model_ref}/evaluations",
    responses=responses(400, 401, 404, 503),
    response_model=OBJECT,
)
async def evaluations(
    request: Request,
    model_ref: str,
    page_size: int = Query(50, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    access: Access = Depends(reader),
) -> Response:
    """A version's evaluations, newest first, paged; the last is its registration's metrics.

    ``next_page_token`` (and the ``Link`` header) name the next page; a token
    made for another version, or not given out at all, is 400.
    """
    page = await access.run(
        lambda registry, _caller: registry.evaluation_page(
            model_ref, page_size=page_size, page_token=page_token
        )
    )
    return link_next(request, json_response(page.to_dict()), "page_token", page.next_page_token)
