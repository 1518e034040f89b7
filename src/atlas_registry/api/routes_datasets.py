"""Datasets over HTTP: register one, list them, read one with the models that use it.

The models trained or evaluated on a dataset are also a filter of the model
list (``GET /api/v1/models?trained_on=D``, ``?evaluated_on=D``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from atlas_registry import MAX_PAGE, DatasetRecord, Registry
from atlas_registry.api.bodies import OBJECT, answer, answered, json_response
from atlas_registry.api.deps import Access, Caller, reader, writer
from atlas_registry.api.openapi import responses, write_body
from atlas_registry.api.paging import link_next
from atlas_registry.api.strict_query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)

_TEXT = {"type": "string"}
DATASET_BODY = write_body(
    {
        "type": "object",
        "required": ["title", "uri", "license"],
        "additionalProperties": False,
        # The full rules of uri, revision, sha256 and license: the dataset schema
        # (schemas/dataset_artifact_metadata), checked by the registry.
        "properties": {
            "title": _TEXT,
            "uri": _TEXT,
            "license": _TEXT,
            **{
                name: {"type": ["string", "null"]}
                for name in ("revision", "sha256", "description", "artifact_id", "created_by")
            },
        },
    }
)


@router.post(
    "/datasets",
    status_code=201,
    responses=responses(400, 401, 403, 409, 413, 415, 422, 503),
    openapi_extra=DATASET_BODY,
    response_model=OBJECT,
)
async def register_dataset(access: Access = Depends(writer("register"))) -> Response:
    """Register a dataset: title, uri, license, and a revision or a sha256 (or both).

    Its author is the token's name. 201 with ``Location``; 422 lists every
    problem with its path; 409 when the id is in use.
    """

    def register(found: Registry, caller: Caller) -> DatasetRecord:
        return found.register_dataset(access.document(), actor=caller.actor)

    return answered(
        await access.write(
            register,
            lambda done: answer(done.to_dict(), 201, f"/api/v1/datasets/{done.id}"),
        )
    )


@router.get("/datasets", responses=responses(400, 401, 422, 503), response_model=OBJECT)
async def datasets(
    request: Request,
    page_size: int = Query(50, ge=1, le=MAX_PAGE),
    page_token: str | None = None,
    access: Access = Depends(reader),
) -> Response:
    """Every dataset artifact in id order (legacy rows too, as stored), paged."""
    page = await access.run(
        lambda found, _caller: found.datasets(page_size=page_size, page_token=page_token)
    )
    return link_next(request, json_response(page.to_dict()), "page_token", page.next_page_token)


@router.get("/datasets/{dataset_id}", responses=responses(400, 401, 404, 422, 503))
async def dataset(
    dataset_id: str,
    limit: int = Query(100, ge=1, le=MAX_PAGE),
    access: Access = Depends(reader),
) -> Response:
    """One dataset, with the models trained and evaluated on it, promoted ones first.

    Each list holds up to ``limit`` models; ``trained_more``/``evaluated_more``
    say there are more, which ``GET /api/v1/models?trained_on=ID`` pages through.
    """

    def read(found: Registry, _caller: Caller) -> Any:
        return found.dataset_use(dataset_id, limit=limit)

    use = await access.run(read)
    return json_response({**use.dataset.to_dict(), **_models(use.to_dict())})


def _models(use: dict[str, Any]) -> dict[str, Any]:
    return {key: use[key] for key in ("trained", "evaluated", "trained_more", "evaluated_more")}
