"""A dry run registration is marked as one on every surface, and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from atlas_registry import ModelRegistration, RegisteredModel, Registry
from atlas_registry.api import create_app
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
BODY = {"title": "AD risk", "metadata": logistic_regression(), "line": "ad-risk", **PIN}


def test_library_answer_says_whether_it_was_a_dry_run(registry: Registry) -> None:
    registration = ModelRegistration(**BODY)  # type: ignore[arg-type]
    record = registry.register_model(registration, dry_run=True)
    assert RegisteredModel(record, True).to_dict()["dry_run"] is True
    assert registry.list_models() == []


def test_api_dry_run_answers_200_marked_without_location(registry: Registry) -> None:
    token = registry.create_token("agent-register", ["register"]).token
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        dry = client.post("/api/v1/models?dry_run=true", json=BODY, headers=headers)
        assert dry.status_code == 200, dry.text
        assert dry.json()["dry_run"] is True
        assert dry.json()["version_number"] == 1
        assert "Location" not in dry.headers
        assert client.get(f"/api/v1/models/{dry.json()['id']}").status_code == 404
        assert client.get("/api/v1/models").json()["items"] == []
        real = client.post("/api/v1/models", json=BODY, headers=headers)
        assert real.status_code == 201
        assert real.json()["dry_run"] is False
        assert real.headers["Location"] == f"/api/v1/models/{real.json()['id']}"


def test_cli_dry_run_says_it_is_one(registry: Registry, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "registration.json"
    source.write_text(json.dumps(BODY), encoding="utf-8")
    code, out, _ = invoke("register", str(source), "--dry-run", "--db", db_url)
    assert code == 0
    assert out.startswith("dry run, nothing written: would register version 1 of ad-risk")
    code, out, _ = invoke("register", str(source), "--dry-run", "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out)["dry_run"] is True
    code, out, _ = invoke("register", str(source), "--dry-run", "--quiet", "--db", db_url)
    assert (code, out) == (0, "")  # no id: none was made
    assert registry.list_models() == []
    code, out, _ = invoke("register", str(source), "--db", db_url, "--json")
    assert json.loads(out)["dry_run"] is False
