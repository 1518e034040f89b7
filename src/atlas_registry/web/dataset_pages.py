"""The dataset pages: ``/datasets`` (every dataset) and ``/datasets/{id}`` (one, with the
models trained and evaluated on it).

A dataset's page answers "this dataset was withdrawn: which promoted models are
affected?": the promoted versions come first in each list, are counted at the
top, and ``?state=promoted`` shows only them. Each count and list says what
it counts: "evaluated on it" is the registration's evaluation data *or* any
evaluation recorded since, which a reader would not guess from the words
alone. Legacy rows show their metadata as stored.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from atlas_registry import MAX_PAGE, Registry
from atlas_registry.api.deps import Access, reader
from atlas_registry.web.pages import guarded, router
from atlas_registry.web.render import page

DATASETS_PER_PAGE = 100
MODELS_PER_LIST = 200
# What each list holds, said where it is counted (short) and above the list (whole):
# the registration's own references, and for evaluations also every one recorded
# since on this dataset by its catalog id (a card's results name their data by URL).
_COUNTED = {
    "trained_on": (
        "its training data names it",
        "Versions whose registration names this dataset in its training data.",
    ),
    "evaluated_on": (
        "its registration's evaluation data, or an evaluation recorded since",
        "Versions whose registration names this dataset as its evaluation data, and "
        "versions with an evaluation recorded on it since (by its catalog id).",
    ),
}


@router.get("/datasets", response_class=HTMLResponse)
def datasets_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        token = request.query_params.get("page_token") or None
        listed = found.datasets(page_size=DATASETS_PER_PAGE, page_token=token)
        next_url = None
        if listed.next_page_token:
            next_url = "/datasets?" + urlencode({"page_token": listed.next_page_token})
        return page(
            request,
            "datasets.html",
            title="Datasets",
            datasets=listed.items,
            next_url=next_url,
            json_url="/api/v1/datasets" + (f"?{urlencode({'page_token': token})}" if token else ""),
        )

    return guarded(request, access, build)


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(
    dataset_id: str, request: Request, access: Access = Depends(reader)
) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        promoted_only = request.query_params.get("state") == "promoted"
        use = found.dataset_use(dataset_id, limit=min(MODELS_PER_LIST, MAX_PAGE))
        lists = []
        for key, title, models, more in (
            ("trained_on", "Trained on it", use.trained, use.trained_more),
            ("evaluated_on", "Evaluated on it", use.evaluated, use.evaluated_more),
        ):
            reason, counted = _COUNTED[key]
            promoted = [m for m in models if m.promotion_state == "promoted"]
            shown = promoted if promoted_only else models
            every = {
                key: use.dataset.id,
                **({"promotion_state": "promoted"} if promoted_only else {}),
            }
            lists.append(
                {
                    "key": key,
                    "title": title,
                    "reason": reason,
                    "counted": counted,
                    "models": shown,
                    "promoted": len(promoted),
                    "more": more,
                    "every_url": "/versions?" + urlencode(every),
                }
            )
        return page(
            request,
            "dataset.html",
            title=use.dataset.title,
            dataset=use.dataset,
            lists=lists,
            promoted_only=promoted_only,
            json_url=f"/api/v1/datasets/{use.dataset.id}",
        )

    return guarded(request, access, build)
