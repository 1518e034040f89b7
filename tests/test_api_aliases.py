"""A line's aliases over HTTP, on both databases: who moved one is the token, writes are guarded.

Setting and deleting need a token with the promote scope (overriding an
alias's gate, the override scope); the token's name is recorded as who moved
it; reads are open; errors are the same problems the rest of the API sends.
"""

from __future__ import annotations

from typing import Any

from tests.test_api import (
    Service,
    assert_problem,
    svc,  # noqa: F401  (the fixture)
)

ALIASES = "/api/v1/lines/idem/aliases"


def _line(svc: Service, versions: int = 2) -> list[str]:  # noqa: F811
    return [svc.register(line="idem")["id"] for _ in range(versions)]


def _set(svc: Service, alias: str, body: Any, scope: str = "promote") -> Any:  # noqa: F811
    return svc.post(f"{ALIASES}/{alias}", body, scope)


def test_a_token_moves_an_alias_and_its_name_is_who_moved_it(svc: Service) -> None:  # noqa: F811
    ids = _line(svc)
    made = _set(svc, "champion", {"to_version": 1, "notes": "first"})
    assert made.status_code == 200, made.text
    assert made.json() | {"moved_at": None} == made.json() | {
        "kind": "set",
        "changed": True,
        "moved_by": "agent-promote",
        "to_artifact_id": ids[0],
        "to_version": 1,
        "moved_at": None,
    }
    assert _set(svc, "champion", {"to_version": 2}).json()["from_version"] == 1
    assert _set(svc, "champion", {"to_version": 2}).json()["changed"] is False
    assert svc.client.get("/api/v1/models/idem@champion").json()["id"] == ids[1]
    listed = svc.client.get(ALIASES).json()["items"]
    assert [(a["alias"], a["version"], a["moved_by"]) for a in listed] == [
        ("champion", "idem@2", "agent-promote")
    ]
    one = svc.client.get(f"{ALIASES}/champion").json()
    assert (one["artifact_id"], one["notes"]) == (ids[1], None)
    deleted = svc.post(f"{ALIASES}/champion/delete", {"notes": "retired"}, "promote")
    assert deleted.json()["kind"] == "delete"
    moves = svc.client.get("/api/v1/lines/idem/alias-moves").json()["items"]
    assert [m["kind"] for m in moves] == ["set", "move", "delete"]
    only = svc.client.get("/api/v1/lines/idem/alias-moves", params={"alias": "champion"})
    assert len(only.json()["items"]) == 3


def test_writes_need_a_token_with_the_promote_scope(svc: Service) -> None:  # noqa: F811
    _line(svc, 1)
    anonymous = svc.client.post(f"{ALIASES}/champion", json={"to_version": 1})
    assert_problem(anonymous, 401, "authentication_error")
    assert_problem(
        _set(svc, "champion", {"to_version": 1}, "register"), 403, "permission_denied_error"
    )
    plain = svc.client.post(
        f"{ALIASES}/champion",
        content='{"to_version": 1}',
        headers={**svc.auth("promote"), "Content-Type": "text/plain"},
    )
    assert_problem(plain, 415, "unsupported_media_type_error")
    assert svc.client.get(ALIASES).json()["items"] == []


def test_bad_bodies_names_and_references_get_clear_problems(svc: Service) -> None:  # noqa: F811
    _line(svc, 1)
    for body, path in (
        ({}, "to_version"),
        ({"to_version": "1"}, "to_version"),
        ({"to_version": True}, "to_version"),
        ({"to_version": 1, "extra": 1}, "extra"),
        ({"to_version": 1, "notes": 5}, "notes"),
    ):
        problem = assert_problem(_set(svc, "champion", body), 422, "validation_error")
        assert problem["violations"][0]["path"] == path
    for name in ("latest", "promoted", "12", "Champion", "%3Cb%3E"):
        assert_problem(_set(svc, name, {"to_version": 1}), 422, "validation_error")
    missing = assert_problem(_set(svc, "champion", {"to_version": 7}), 404, "not_found_error")
    assert "has no version 7" in missing["detail"]
    no_line = svc.post("/api/v1/lines/nope/aliases/champion", {"to_version": 1}, "promote")
    assert_problem(no_line, 404, "not_found_error")
    unknown = assert_problem(svc.client.get(f"{ALIASES}/ghost"), 404, "not_found_error")
    assert "has no alias 'ghost'" in unknown["detail"]
    assert_problem(svc.client.get(f"{ALIASES}/promoted"), 404, "not_found_error")
    delete = svc.post(f"{ALIASES}/ghost/delete", {}, "promote")
    assert_problem(delete, 404, "not_found_error")
    assert svc.client.get("/api/v1/lines/idem/alias-moves").json()["items"] == []


GATED = """
[aliases.production]
require_promoted = true
"""


def test_a_gated_alias_is_refused_as_a_promotion_is_and_overriding_needs_its_scope(
    migrated_url: str, tmp_path: Any
) -> None:
    from fastapi.testclient import TestClient

    from atlas_registry import Registry
    from atlas_registry.api import create_app
    from atlas_registry.lifecycle.policy import parse_policy
    from tests.payloads import logistic_regression
    from tests.test_api import BASE, PIN

    registry = Registry.open(migrated_url, policy=parse_policy(GATED, "gated.toml"))
    promote = registry.create_token("deployer", ["promote"]).token
    override = registry.create_token("lead", ["register", "promote", "override"]).token
    with TestClient(create_app(registry), base_url=BASE) as client:
        body = {"title": "m", "metadata": logistic_regression(), "line": "idem", **PIN}
        auth = {"Authorization": f"Bearer {override}"}
        assert client.post("/api/v1/models", json=body, headers=auth).status_code == 201
        refused = client.post(
            f"{ALIASES}/production",
            json={"to_version": 1},
            headers={"Authorization": f"Bearer {promote}"},
        )
        problem = assert_problem(refused, 422, "promotion_gate_error")
        assert problem["unmet_conditions"][0]["path"] == "promotion_state"
        forced = client.post(
            f"{ALIASES}/production",
            json={"to_version": 1, "override": True, "notes": "x"},
            headers={"Authorization": f"Bearer {promote}"},
        )
        assert_problem(forced, 403, "permission_denied_error")
        done = client.post(
            f"{ALIASES}/production",
            json={"to_version": 1, "override": True, "notes": "incident 42"},
            headers=auth,
        )
        assert (done.status_code, done.json()["override"], done.json()["moved_by"]) == (
            200,
            True,
            "lead",
        )
    registry.close()
