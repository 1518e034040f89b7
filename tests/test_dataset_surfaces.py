"""Datasets through the shells: the command line, the HTTP API and the pages, on both databases.

Each is thin over the same verbs, so an error means the same on all three:
a bad dataset is exit code 1 / HTTP 422 with every violation, an id in use
exit 4 / 409, an unknown dataset exit 3 / 404. Hostile text (markup, scripts) is shown
as text everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from atlas_registry import DatasetRegistration, ModelRegistration, Registry
from atlas_registry.api import create_app
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_api import Service, assert_problem, svc  # noqa: F401  (the fixture)

HOSTILE = "<script>alert(1)</script>[bold]x[/bold]"
DATASET = {
    "title": "SEA-AD MTG",
    "uri": "https://portal.brain-map.org/sea-ad",
    "license": "CC-BY-4.0",
    "revision": "2024-05-01",
    "artifact_id": "dataset-sea-ad",
}


def _model(registry: Registry, line: str, *, trained: str, evaluated: str | None = None) -> str:
    metadata = logistic_regression()
    metadata["training_data"] = [{"artifact_id": trained, "description": HOSTILE}]
    if evaluated:
        metadata["evaluation_dataset"] = {"artifact_id": evaluated, "description": "held out"}
    return registry.register_model(ModelRegistration(title=line, metadata=metadata, line=line)).id


# ------------------------------------------------------------------ the command line


def test_the_dataset_commands(migrated_url: str) -> None:
    db = ("--db", migrated_url)
    code, out, err = invoke(
        "dataset", "register", "--title", HOSTILE, "--uri", "s3://atlas/sea-ad.h5ad",
        "--license", "CC-BY-4.0", "--sha256", "a" * 64, "--id", "dataset-sea-ad", *db,
    )  # fmt: skip
    assert (code, out.strip()) == (0, "registered dataset dataset-sea-ad"), err
    code, _, err = invoke(
        "dataset", "register", "--title", "t", "--uri", "no uri", "--license", "MIT", *db
    )
    assert code == 1
    assert "uri: must be a URI" in err
    assert "revision: is required" in err
    code, _, err = invoke(
        "dataset", "register", "--title", "t", "--uri", "s3://x", "--license", "MIT",
        "--revision", "v1", "--id", "dataset-sea-ad", *db,
    )  # fmt: skip
    assert code == 4
    assert "already in use" in err
    with Registry.open(migrated_url) as registry:
        model = _model(registry, "cli-line", trained="dataset-sea-ad")
        registry.promote(model, actor="agent-eval", override=True, notes="test")
    code, out, _ = invoke("dataset", "list", *db)
    assert code == 0
    assert HOSTILE in out
    code, out, _ = invoke("dataset", "show", "dataset-sea-ad", *db)
    assert code == 0
    assert "Trained on it: 1 model(s), 1 promoted" in out
    assert "cli-line" in out
    assert "Evaluated on it: no model" in out
    code, out, _ = invoke("dataset", "show", "dataset-sea-ad", "--json", *db)
    shown = json.loads(out)
    assert shown["dataset"]["sha256"] == "a" * 64
    assert [m["id"] for m in shown["trained"]] == [model]
    code, out, _ = invoke("list", "--trained-on", "dataset-sea-ad", "--json", *db)
    assert [m["id"] for m in json.loads(out)["items"]] == [model]
    code, _, err = invoke("list", "--evaluated-on", "dataset-nope", *db)
    assert code == 3
    assert "no dataset 'dataset-nope'" in err
    code, _, err = invoke("dataset", "show", model, *db)
    assert code == 3
    assert "a model artifact, not a dataset" in err


# ------------------------------------------------------------------ the HTTP API


def test_registering_a_dataset_over_http(svc: Service) -> None:  # noqa: F811
    refused = svc.client.post("/api/v1/datasets", json=DATASET)
    assert_problem(refused, 401, "authentication_error")
    answer = svc.post("/api/v1/datasets", {**DATASET, "created_by": "someone"}, "register")
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"] == "/api/v1/datasets/dataset-sea-ad"
    assert answer.json()["created_by"] == "agent-register"  # the token's name is the author
    again = svc.post("/api/v1/datasets", DATASET, "register")
    assert_problem(again, 409, "already_exists_error")
    bad = svc.post(
        "/api/v1/datasets",
        {"title": "t", "uri": "x y", "license": "MIT", "sha256": "F" * 64, "extra": 1},
        "register",
    )
    problem = assert_problem(bad, 422, "validation_error")
    assert [v["path"] for v in problem["violations"]] == ["extra"]
    bad = svc.post("/api/v1/datasets", {"title": "t", "uri": "x y", "license": "MIT"}, "register")
    problem = assert_problem(bad, 422, "validation_error")
    assert sorted(v["path"] for v in problem["violations"]) == ["revision", "uri"]
    wrong_scope = svc.post("/api/v1/datasets", {**DATASET, "artifact_id": "d2"}, "promote")
    assert wrong_scope.status_code == 403


def test_a_dataset_registered_over_http_keeps_the_author_its_body_claimed(
    svc: Service,  # noqa: F811
) -> None:
    answer = svc.post("/api/v1/datasets", {**DATASET, "created_by": "someone"}, "register")
    assert (answer.json()["created_by"], answer.json()["claimed_by"]) == (
        "agent-register",
        "someone",
    )
    read = svc.client.get("/api/v1/datasets/dataset-sea-ad").json()
    assert (read["created_by"], read["claimed_by"]) == ("agent-register", "someone")
    # Claiming the token's own name, or nothing, claims nothing apart.
    for n, claim in enumerate(({"created_by": "agent-register"}, {})):
        body = {**DATASET, **claim, "artifact_id": f"dataset-{n}"}
        assert svc.post("/api/v1/datasets", body, "register").json()["claimed_by"] is None
    # A claim is checked as an author would be, and a bad one writes nothing.
    long_claim = {**DATASET, "artifact_id": "dataset-long", "created_by": "x" * 10_000}
    problem = assert_problem(
        svc.post("/api/v1/datasets", long_claim, "register"), 422, "validation_error"
    )
    assert [v["path"] for v in problem["violations"]] == ["created_by"]
    assert svc.client.get("/api/v1/datasets/dataset-long").status_code == 404
    # Without a token (the library, the command line) the document's word stands.
    local = svc.registry.register_dataset({**DATASET, "artifact_id": "d-local", "created_by": "me"})
    assert (local.created_by, local.claimed_by) == ("me", None)


def test_reading_datasets_and_their_models_over_http(svc: Service) -> None:  # noqa: F811
    for index in range(3):
        svc.registry.register_dataset({**DATASET, "artifact_id": f"dataset-{index}"})
    model = _model(svc.registry, "http-line", trained="dataset-0", evaluated="dataset-1")
    first = svc.client.get("/api/v1/datasets", params={"page_size": 2})
    assert [d["id"] for d in first.json()["items"]] == ["dataset-0", "dataset-1"]
    assert 'rel="next"' in first.headers["Link"]
    rest = svc.client.get(
        "/api/v1/datasets", params={"page_size": 2, "page_token": first.json()["next_page_token"]}
    )
    assert [d["id"] for d in rest.json()["items"]] == ["dataset-2"]
    one = svc.client.get("/api/v1/datasets/dataset-0").json()
    assert one["license"] == "CC-BY-4.0"
    assert [m["id"] for m in one["trained"]] == [model]
    assert one["evaluated"] == []
    assert one["trained_more"] is False
    listed = svc.client.get("/api/v1/models", params={"evaluated_on": "dataset-1"}).json()
    assert [m["id"] for m in listed["items"]] == [model]
    assert_problem(svc.client.get(f"/api/v1/datasets/{model}"), 404, "not_found_error")
    assert_problem(
        svc.client.get("/api/v1/models", params={"trained_on": "dataset-nope"}),
        404,
        "not_found_error",
    )
    assert_problem(
        svc.client.get("/api/v1/datasets", params={"page_token": "x"}), 400, "page_token_error"
    )


# ------------------------------------------------------------------ the pages


@pytest.fixture
def site(registry: Registry) -> Iterator[tuple[Registry, TestClient]]:
    client = TestClient(create_app(registry), base_url="http://127.0.0.1")
    yield registry, client
    client.close()


def test_the_dataset_page_puts_the_affected_promoted_models_first(
    site: tuple[Registry, TestClient],
) -> None:
    registry, client = site
    registry.register_dataset(
        DatasetRegistration(
            title=HOSTILE,
            uri="javascript:alert(1)",
            license=HOSTILE,
            revision="v1",
            artifact_id="dataset-sea-ad",
        )
    )
    candidate = _model(registry, "page-a", trained="dataset-sea-ad")
    promoted = _model(registry, "page-b", trained="dataset-sea-ad", evaluated="dataset-sea-ad")
    registry.promote(promoted, actor="agent-eval", override=True, notes="test")
    page = client.get("/datasets/dataset-sea-ad")
    assert page.status_code == 200
    assert HOSTILE not in page.text
    assert "&lt;script&gt;" in page.text
    assert 'href="javascript' not in page.text  # only http(s) URIs become links
    trained = page.text.split('id="trained_on"')[1].split("</section>")[0]
    assert re.findall(r'<a href="/models/([^"]+)">', trained) == [promoted, candidate]
    assert "<strong>1</strong> promoted model trained on it" in page.text
    assert 'href="/api/v1/datasets/dataset-sea-ad"' in page.text  # its JSON twin
    only = client.get("/datasets/dataset-sea-ad", params={"state": "promoted"}).text
    trained = only.split('id="trained_on"')[1].split("</section>")[0]
    assert re.findall(r'<a href="/models/([^"]+)">', trained) == [promoted]
    model_page = client.get(f"/models/{candidate}").text
    assert '<a href="/datasets/dataset-sea-ad">dataset-sea-ad</a>' in model_page
    listing = client.get("/datasets").text
    assert '<a href="/datasets/dataset-sea-ad">' in listing
    assert HOSTILE not in listing
    missing = client.get("/datasets/dataset-nope")
    assert missing.status_code == 404
    assert "no dataset" in missing.text


def test_a_legacy_dataset_page_shows_its_metadata_as_stored(
    site: tuple[Registry, TestClient],
) -> None:
    registry, client = site
    with registry.database.transaction(write=True) as conn:
        conn.execute(
            text(
                "INSERT INTO artifacts (id, artifact_type, title, metadata) "
                "VALUES ('legacy-data', 'dataset', 'Legacy cohort', :m)"
            ),
            {"m": "{" + HOSTILE},
        )
    page = client.get("/datasets/legacy-data")
    assert page.status_code == 200
    assert "does not follow the dataset schema" in page.text
    assert "{&lt;script&gt;" in page.text
    assert HOSTILE not in page.text
    assert client.get("/api/v1/datasets/legacy-data").json()["metadata"] == "{" + HOSTILE
