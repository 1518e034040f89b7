"""Within a line, versions are listed by version number everywhere, never by id.

Registration times have whole seconds: versions registered in the same second
must not fall back to the order of their ids (the listing once read v1, v3, v2).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from atlas_registry import ModelRegistration, Registry, ValidationError
from atlas_registry.api import create_app
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_indexes import statements_sent

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


# Chosen ids whose order (alpha, bravo, mike, zulu) is not the version order.
CHOSEN_IN_VERSION_ORDER = ["model-qa-zulu", "model-qa-alpha", "model-qa-mike", "model-qa-bravo"]


def _batch(registry: Registry, line: str, ids: list[str | None]) -> list[str]:
    """One batch: every version of it registered in the same second, in ``ids``' order."""
    registrations = [
        ModelRegistration(
            title=line, metadata=logistic_regression(), artifact_id=i, line=line, **PIN
        )
        for i in ids
    ]
    return list(registry.register_models(registrations))


def _two_lines_in_one_second(registry: Registry) -> dict[str, list[str]]:
    """Line chosen-ids (ids chosen out of order) and line fast-asr (5 generated ids),
    interleaved, every version registered in the same second."""
    chosen = _batch(registry, "chosen-ids", list(CHOSEN_IN_VERSION_ORDER))
    generated = _batch(registry, "fast-asr", [None] * 5)
    with registry.database.transaction(write=True) as conn:
        conn.execute(text("UPDATE model_versions SET created_at = '2026-03-01 12:00:00'"))
    return {"chosen-ids": chosen, "fast-asr": generated}


def _in_version_order(items: list[dict[str, Any]] | list[Any]) -> None:
    """Each line's versions appear newest first, by version number."""
    rows = [i if isinstance(i, dict) else i.to_dict() for i in items]
    for line in {r["line_name"] for r in rows}:
        numbers = [r["version_number"] for r in rows if r["line_name"] == line]
        assert numbers == sorted(numbers, reverse=True), (line, numbers)


def _every_page(read: Any) -> list[Any]:
    seen, token = [], None
    while True:
        items, token = read(token)
        seen += items
        if token is None:
            return seen


def test_every_listing_keeps_a_lines_versions_in_version_order(registry: Registry) -> None:
    ids = _two_lines_in_one_second(registry)
    unfiltered = registry.list_models()
    assert [m.id for m in unfiltered if m.line_name == "chosen-ids"] == ids["chosen-ids"][::-1]
    assert [m.version_number for m in unfiltered if m.line_name == "fast-asr"] == [5, 4, 3, 2, 1]
    for filters in (
        {},
        {"promotion_state": "candidate"},
        {"promotion_state": "candidate", "model_family": "logistic_regression"},
        {"model_family": "logistic_regression"},
        {"framework": "scikit-learn"},
        {"is_external": False},
        {"line": "fast-asr"},
    ):
        listed = registry.list_models(**filters)
        assert len(listed) == (5 if filters.get("line") else 9), filters
        _in_version_order(listed)
        for size in (1, 2, 3, 4):
            paged = _every_page(
                lambda token, f=filters, s=size: (
                    (p := registry.list_page(page_size=s, page_token=token, **f)).items,
                    p.next_page_token,
                )
            )
            assert [m.id for m in paged] == [m.id for m in listed], (filters, size)
    offsets = [registry.list_models(limit=1, offset=n)[0].id for n in range(9)]
    assert offsets == [m.id for m in unfiltered]
    assert [m.version_number for m in registry.list_models(latest_only=True)] == [5, 4]


def test_cli_api_and_pages_list_every_line_in_version_order(
    registry: Registry, db_url: str
) -> None:
    ids = _two_lines_in_one_second(registry)
    code, out, _ = invoke("list", "--db", db_url, "--json")
    assert code == 0
    _in_version_order(json.loads(out)["items"])
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:

        def api_page(token: str | None) -> tuple[list[Any], str | None]:
            params: dict[str, str | int] = {"page_size": 3}
            if token:
                params["page_token"] = token
            body = client.get("/api/v1/models", params=params).json()
            return body["items"], body["next_page_token"]

        pages = _every_page(api_page)
        assert len(pages) == 9
        _in_version_order(pages)
        html = client.get("/versions").text
    shown = [html.index(i) for i in ids["chosen-ids"][::-1] + ids["fast-asr"][::-1]]
    assert shown[:4] == sorted(shown[:4])
    assert shown[4:] == sorted(shown[4:])


def test_a_token_from_the_old_order_is_refused_as_stale(registry: Registry) -> None:
    _two_lines_in_one_second(registry)
    token = registry.list_page(page_size=2).next_page_token
    assert token is not None
    created, _, artifact_id, made_for = json.loads(base64.urlsafe_b64decode(token + "=="))
    old = base64.urlsafe_b64encode(json.dumps([created, artifact_id, made_for]).encode())
    with pytest.raises(ValidationError) as refused:
        registry.list_page(page_size=2, page_token=old.decode().rstrip("="))
    [problem] = refused.value.violations
    assert (problem.path, problem.message) == (
        "page_token",
        "is from an earlier order of this listing; start again",
    )
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        answer = client.get("/api/v1/models", params={"page_token": old.decode().rstrip("=")})
    assert answer.status_code == 400  # as every bad page token is refused
    assert "earlier order of this listing" in answer.text


def test_the_newest_first_index_serves_every_listing(registry: Registry) -> None:
    """The rows come from the newest-first index in time order; only one second's
    registrations are sorted by version number (never the whole catalog)."""
    _two_lines_in_one_second(registry)
    with statements_sent(registry) as sent:
        registry.list_models()
        token = registry.list_page(page_size=2).next_page_token
        registry.list_page(page_size=2, page_token=token)
    listings = [s for s in sent if "ORDER BY model_versions.created_at DESC" in s[0]]
    assert len(listings) == 3
    for sql, params in listings:
        raw = registry.database.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if registry.database.dialect == "sqlite":
                rows = cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
                plan = " | ".join(str(row[-1]) for row in rows)
                assert "INDEX idx_model_versions_recent" in plan, plan
                assert "RIGHT PART OF ORDER BY" in plan, plan
            else:
                cursor.execute("SET enable_sort = off")  # as on a catalog too big to sort
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = " | ".join(row[0] for row in cursor.fetchall())
                assert "idx_model_versions_recent" in plan, plan
                assert "Presorted Key: model_versions.created_at" in plan, plan
        finally:
            raw.close()
