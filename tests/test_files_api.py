"""A version's files over HTTP: listed, added with a token, checked, located; both databases."""

from __future__ import annotations

from typing import Any

from tests.test_api import Service, assert_problem, svc  # noqa: F401

DIGEST = "ab" * 32
ENTRY = {"uri": "s3://lab-models/ad-risk/w.safetensors", "sha256": DIGEST, "size_bytes": 10}


def _files(svc: Service, ref: str, **params: Any) -> list[dict[str, Any]]:  # noqa: F811
    response = svc.client.get(f"/api/v1/models/{ref}/files", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_files_given_at_registration_are_listed_and_located(svc: Service) -> None:  # noqa: F811
    model = svc.register(line="files-line", files=[{**ENTRY, "role": "weights"}])
    [listed] = _files(svc, "files-line@1")
    assert listed["uri"] == ENTRY["uri"]
    assert listed["added_by"] == "agent-register"  # the token's name, not a claim
    assert listed["verification"] == "not_checked"
    located = svc.client.get("/api/v1/models/files-line@latest/locate").json()
    assert located["model_id"] == model["id"]
    assert located["uris"] == [ENTRY["uri"]]


def test_adding_a_file_needs_a_write_token_and_is_made_once(svc: Service) -> None:  # noqa: F811
    model = svc.register()["id"]
    path = f"/api/v1/models/{model}/files"
    assert_problem(svc.client.post(path, json=ENTRY), 401, "authentication_error")
    assert_problem(svc.post(path, ENTRY, "promote"), 403, "permission_denied_error")
    first = svc.post(path, {**ENTRY, "notes": "from the pipeline"}, "register")
    assert first.status_code == 201, first.text
    assert first.json()["written"] is True
    again = svc.post(path, ENTRY, "register")
    assert again.status_code == 200
    assert again.json()["written"] is False
    assert again.json()["id"] == first.json()["id"]
    fixed = svc.post(path, {**ENTRY, "size_bytes": 11}, "register").json()
    assert fixed["replaces_id"] == first.json()["id"]
    assert [f["size_bytes"] for f in _files(svc, model)] == [11]
    assert [f["size_bytes"] for f in _files(svc, model, replaced="true")] == [10, 11]


def test_a_bad_file_is_refused_with_every_problem(svc: Service) -> None:  # noqa: F811
    model = svc.register()["id"]
    body = {"uri": "https://u:p@host/w", "sha256": "xyz", "size_bytes": -3, "role": "<script>"}
    problem = assert_problem(
        svc.post(f"/api/v1/models/{model}/files", body, "register"), 422, "validation_error"
    )
    paths = sorted(v["path"] for v in problem["violations"])
    assert paths == ["role", "sha256", "size_bytes", "uri"]
    assert _files(svc, model) == []
    problem = assert_problem(
        svc.post(f"/api/v1/models/{model}/files", {**ENTRY, "extra": 1}, "register"),
        422,
        "validation_error",
    )
    assert problem["violations"][0]["path"] == "extra"


def test_unknown_models_and_empty_lists_are_not_found(svc: Service) -> None:  # noqa: F811
    assert_problem(svc.client.get("/api/v1/models/nobody/files"), 404, "not_found_error")
    assert_problem(svc.post("/api/v1/models/nobody/files", ENTRY), 404, "not_found_error")
    svc.register(line="bare-line")
    assert_problem(svc.client.get("/api/v1/models/bare-line@latest/locate"), 404, "not_found_error")
    assert_problem(
        svc.client.get("/api/v1/models/bare-line@promoted/locate"), 404, "not_found_error"
    )


def test_checks_recorded_by_the_operator_are_served(svc: Service, tmp_path: Any) -> None:  # noqa: F811
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"0123456789")
    model = svc.register(files=[{**ENTRY, "uri": weights.as_uri()}])["id"]
    svc.registry.verify_files([model], actor="operator")
    [check] = svc.client.get(f"/api/v1/models/{model}/file-checks").json()["items"]
    assert check["status"] == "mismatch"
    assert check["checked_by"] == "operator"
    assert _files(svc, model)[0]["newest_check"]["id"] == check["id"]
