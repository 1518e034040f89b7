"""A version's evaluations page like every listing; every bad page token is a 400.

Pages follow each other in the list's own order (newest first, ties in one
second included) with nothing repeated or skipped; a token is good only for
the version it was made for; over HTTP the envelope is ``items`` plus
``next_page_token`` and a ``Link: rel="next"`` header, and a page token no
listing gave out is ``400 page_token_error`` naming ``page_token`` on every
paged route.
"""

from __future__ import annotations

import pytest

from atlas_registry import PageTokenError, Registry
from tests.catalog_helpers import add_artifact
from tests.test_api import Service, assert_problem, svc  # noqa: F401  (the fixture)
from tests.test_evaluations import _evaluate, _version


def test_pages_of_evaluations_hold_each_once_in_the_list_order(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        add_artifact(registry.database, "dataset-holdout", "dataset")
        model = _version(registry)
        other = _version(registry, line="other-line")
        for n in range(6):  # most in the same second as the registration: ties to order
            _evaluate(registry, model, metrics={"auroc": 0.5 + n / 100})
        every = [e.id for e in registry.evaluations(model)]
        assert len(every) == 7
        assert every[-1] == f"reg-{model}"
        seen, token, pages = [], None, 0
        while True:
            page = registry.evaluation_page(model, page_size=3, page_token=token)
            seen += [e.id for e in page.items]
            pages += 1
            token = page.next_page_token
            if token is None:
                break
        assert (seen, pages) == (every, 3)
        first = registry.evaluation_page(model, page_size=3)
        assert [e.metrics for e in first.items] == [
            e.metrics for e in registry.evaluations(model)[:3]
        ]
        with pytest.raises(PageTokenError) as refused:
            registry.evaluation_page(other, page_token=first.next_page_token)
        assert refused.value.paths == ["page_token"]
        with pytest.raises(PageTokenError):
            registry.evaluation_page(model, page_token="not-a-token")


def test_the_evaluations_of_a_version_page_over_http(svc: Service) -> None:  # noqa: F811
    add_artifact(svc.registry.database, "dataset-holdout", "dataset")
    model = svc.register(line="paged-evals")["id"]
    for n in range(4):
        body = {"benchmark_id": "b", "dataset_id": "dataset-holdout", "metrics": {"auroc": n / 10}}
        assert svc.post(f"/api/v1/models/{model}/evaluations", body, "register").status_code == 201
    first = svc.client.get(f"/api/v1/models/{model}/evaluations", params={"page_size": 2})
    body = first.json()
    assert set(body) == {"items", "next_page_token"}
    assert [e["metrics"]["auroc"] for e in body["items"]] == [0.3, 0.2]
    seen = [e["id"] for e in body["items"]]
    link = first.headers["Link"]
    while link:
        page = svc.client.get(link[1 : link.index(">")])
        seen += [e["id"] for e in page.json()["items"]]
        link = page.headers.get("Link", "")
    every = [e.id for e in svc.registry.evaluations(model)]
    assert seen == every
    assert len(every) == 5
    assert svc.client.get(f"/api/v1/models/{model}/evaluations").json()["next_page_token"] is None
    for bad in ({"page_size": 0}, {"page_size": 1001}, {"limit": 5}):
        assert_problem(
            svc.client.get(f"/api/v1/models/{model}/evaluations", params=bad), 400, "bad_request"
        )


def test_a_page_token_no_listing_gave_out_is_400_on_every_paged_route(svc: Service) -> None:  # noqa: F811
    model = svc.register(line="paged-line")["id"]
    routes = [
        "/api/v1/models",
        "/api/v1/lines",
        "/api/v1/lines/paged-line",
        "/api/v1/datasets",
        "/api/v1/review-queue",
        "/api/v1/pin-checks",
        f"/api/v1/models/{model}/evaluations",
    ]
    for route in routes:
        for token in ("x", "eyJhIjogMX0", "W10"):  # not base64 JSON; an object; an empty list
            answer = svc.client.get(route, params={"page_token": token})
            problem = assert_problem(answer, 400, "page_token_error")
            assert problem["type"] == "/problems/page_token_error", route
            assert [v["path"] for v in problem["violations"]] == ["page_token"], route
    # The page that explains the problem type exists and says what to do.
    explained = svc.client.get("/problems/page_token_error")
    assert explained.status_code == 200
    assert "Link header" in explained.text
