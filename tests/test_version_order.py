"""Within a line, versions are listed by version number everywhere, never by id.

Registration times have whole seconds: versions registered in the same second
must not fall back to the order of their ids (the listing once read v1, v3, v2).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from atlas_registry import ModelRegistration, Registry
from atlas_registry.api import create_app
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
# Chosen so that id order (a, b, c) differs from version order (c, a, b).
IDS_IN_VERSION_ORDER = ["model-c", "model-a", "model-b"]


def _line_in_one_second(registry: Registry) -> None:
    """Three versions of line ad-risk whose registration times are equal."""
    for artifact_id in IDS_IN_VERSION_ORDER:
        registration = ModelRegistration(
            title="AD risk",
            metadata=logistic_regression(),
            artifact_id=artifact_id,
            line="ad-risk",
            **PIN,
        )
        registry.register_model(registration)
    with registry.database.transaction(write=True) as conn:
        conn.execute(text("UPDATE model_versions SET created_at = '2026-03-01 12:00:00'"))


def _numbers(items: list[dict[str, Any]]) -> list[int]:
    return [item["version_number"] for item in items]


def test_library_lists_a_line_by_version_number(registry: Registry) -> None:
    _line_in_one_second(registry)
    listed = registry.list_models(line="ad-risk")
    assert [m.version_number for m in listed] == [3, 2, 1]
    assert [m.version_number for m in registry.list_models(line="ad-risk", offset=1)] == [2, 1]
    versions = registry.lineage("ad-risk").versions
    assert [v.id for v in versions] == IDS_IN_VERSION_ORDER


def test_pages_of_a_line_follow_the_version_number(registry: Registry) -> None:
    _line_in_one_second(registry)
    seen, token = [], None
    while True:
        page = registry.list_page(line="ad-risk", page_size=1, page_token=token)
        seen += [m.version_number for m in page.items]
        token = page.next_page_token
        if token is None:
            break
    assert seen == [3, 2, 1]
    # Other filters still page within the line's order.
    page = registry.list_page(line="ad-risk", promotion_state="candidate", page_size=2)
    assert [m.version_number for m in page.items] == [3, 2]


def test_cli_and_api_list_a_line_by_version_number(registry: Registry, db_url: str) -> None:
    _line_in_one_second(registry)
    code, out, _ = invoke("list", "--line", "ad-risk", "--db", db_url, "--json")
    assert code == 0
    assert _numbers(json.loads(out)["items"]) == [3, 2, 1]
    code, out, _ = invoke("list", "--line", "ad-risk", "--limit", "1", "--db", db_url, "--json")
    token = json.loads(out)["next_page_token"]
    code, out, _ = invoke(
        "list", "--line", "ad-risk", "--limit", "1", "--page-token", token, "--db", db_url, "--json"
    )
    assert _numbers(json.loads(out)["items"]) == [2]
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        assert _numbers(client.get("/api/v1/lines/ad-risk").json()["items"]) == [3, 2, 1]
        first = client.get("/api/v1/lines/ad-risk?page_size=2").json()
        assert _numbers(first["items"]) == [3, 2]
        token = first["next_page_token"]
        rest = client.get(f"/api/v1/lines/ad-risk?page_size=2&page_token={token}").json()
        assert _numbers(rest["items"]) == [1]
        lineage = client.get("/api/v1/models/ad-risk/lineage").json()
        assert [v["version_number"] for v in lineage["versions"]] == [1, 2, 3]
        listed = client.get("/api/v1/models?line=ad-risk").json()
        assert _numbers(listed["items"]) == [3, 2, 1]
