"""The HTTP API in-process on both backends: every endpoint, every problem type, the guards."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from atlas_registry import Registry, SchemaAdmin
from atlas_registry.api import create_app, deps
from atlas_registry.api.deps import WRITE_GUARD
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
BASE = "http://127.0.0.1"
# POST because a document is sent, but it writes nothing: a read, open like every read.
READS_BY_POST = {"/api/v1/validate"}


class Service:
    """The legacy models in a migrated database, its registry, tokens of each scope, a client."""

    def __init__(self, url: str) -> None:
        with SchemaAdmin.open(url) as admin:
            admin.load_legacy()
        self.registry = Registry.open(url)
        scopes = {
            "register": ["register"],
            "promote": ["promote"],
            "override": ["promote", "override"],  # an override is a promotion past the gate
            "review": ["review"],
            "admin": ["admin"],
        }
        self.tokens = {
            name: self.registry.create_token(f"agent-{name}", granted).token
            for name, granted in scopes.items()
        }
        self.client = TestClient(create_app(self.registry), base_url=BASE)

    def auth(self, scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}

    def post(self, path: str, body: Any, scope: str = "admin", **kw: Any) -> Any:
        return self.client.post(path, json=body, headers=self.auth(scope), **kw)

    def register(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "AD risk", "metadata": logistic_regression(), **PIN, **fields}
        response = self.post("/api/v1/models", body, "register")
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def svc(migrated_url: str) -> Iterator[Service]:
    service = Service(migrated_url)
    yield service
    service.client.close()
    service.registry.close()


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"/problems/{code}"
    assert body["detail"]
    return body


def test_health_ready_and_version(svc: Service) -> None:
    assert svc.client.get("/-/health").json() == {"status": "ok"}
    assert svc.client.get("/-/ready").json() == {"status": "ready"}
    version = svc.client.get("/api/v1/version").json()
    assert version["migration_head"] >= 11
    assert version["schema_version"] == "1.0.0"
    assert version["read_only"] is False
    with svc.registry.database.transaction(write=True) as conn:
        conn.execute(text("DELETE FROM schema_migrations WHERE number = 11"))
    body = assert_problem(svc.client.get("/-/ready"), 503, "schema_out_of_date_error")
    assert "atlas-registry migrate" in body["detail"]


def test_register_read_and_list(svc: Service) -> None:
    created = svc.post(
        "/api/v1/models",
        {"title": "m", "line": "api-line", "metadata": logistic_regression(), **PIN},
        "register",
    )
    assert created.status_code == 201
    record = created.json()
    assert created.headers["Location"] == f"/api/v1/models/{record['id']}"
    assert record["line_name"] == "api-line"
    got = svc.client.get("/api/v1/models/api-line@1")
    assert got.json()["id"] == record["id"]
    etag = got.headers["ETag"]
    assert (
        svc.client.get(
            f"/api/v1/models/{record['id']}", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    listed = svc.client.get("/api/v1/models", params={"line": "api-line"}).json()
    assert [m["id"] for m in listed["items"]] == [record["id"]]
    assert listed["next_page_token"] is None
    dry = svc.post(
        "/api/v1/models?dry_run=true", {"title": "d", "metadata": logistic_regression()}, "register"
    )
    assert dry.status_code == 200
    assert dry.json()["dry_run"] is True
    assert "Location" not in dry.headers
    assert svc.client.get(f"/api/v1/models/{dry.json()['id']}").status_code == 404


def test_paging_with_a_link_header_and_refused_foreign_tokens(svc: Service) -> None:
    ids = {svc.register()["id"] for _ in range(5)}
    first = svc.client.get("/api/v1/models", params={"page_size": 2, "framework": "scikit-learn"})
    assert len(first.json()["items"]) == 2
    link = first.headers["Link"]
    assert link.endswith('; rel="next"')
    seen = [m["id"] for m in first.json()["items"]]
    next_url = link[1 : link.index(">")]
    while next_url:
        page = svc.client.get(next_url)
        seen += [m["id"] for m in page.json()["items"]]
        link = page.headers.get("Link", "")
        next_url = link[1 : link.index(">")] if link else ""
    assert set(seen) == ids
    assert len(seen) == len(set(seen))
    token = first.json()["next_page_token"]
    other = svc.client.get("/api/v1/models", params={"page_size": 2, "page_token": token})
    problem = assert_problem(other, 400, "page_token_error")  # SPEC: a replayed token is 400
    assert problem["type"] == "/problems/page_token_error"
    assert [v["path"] for v in problem["violations"]] == ["page_token"]


def test_an_unknown_query_parameter_is_refused_not_ignored(svc: Service) -> None:
    svc.register()
    # ?state= is not the filter (promotion_state is): ignored, it would list every model.
    misspelt = svc.client.get("/api/v1/models", params={"state": "promoted", "limit": 5})
    body = assert_problem(misspelt, 400, "bad_request")
    assert [v["path"] for v in body["violations"]] == ["state", "limit"]
    message = body["violations"][0]["message"]
    assert message.startswith("is not a parameter of this route; it takes ")
    assert "promotion_state" in message
    assert "page_size" in message
    typo = svc.client.get("/api/v1/models", params={"line": "no-such-line"})
    assert "no model line named" in assert_problem(typo, 404, "not_found_error")["detail"]
    filtered = svc.client.get("/api/v1/models", params={"promotion_state": "promoted"})
    assert filtered.status_code == 200
    assert filtered.json()["items"] == []
    takes = {
        "/api/v1/models/anything": "at",
        "/api/v1/benchmarks": "none",
        "/api/v1/version": "none",
    }
    for path, parameters in takes.items():
        refused = assert_problem(svc.client.get(path, params={"x": "1"}), 400, "bad_request")
        assert refused["violations"] == [
            {"path": "x", "message": f"is not a parameter of this route; it takes {parameters}"}
        ]
    # A write too, before anything is written.
    before = len(svc.client.get("/api/v1/models").json()["items"])
    write = svc.client.post(
        "/api/v1/models?dryrun=true",
        json={"title": "AD risk", "metadata": logistic_regression(), **PIN},
        headers=svc.auth("register"),
    )
    assert assert_problem(write, 400, "bad_request")["violations"][0]["path"] == "dryrun"
    assert len(svc.client.get("/api/v1/models").json()["items"]) == before
    # The pages are not the API: a link may carry what a mail client adds.
    assert svc.client.get("/", params={"utm_source": "mail"}).status_code == 200


def test_a_parameter_given_twice_is_refused_not_read_as_its_last_value(svc: Service) -> None:
    svc.register()
    # It reads like "promoted or candidate"; the framework would keep "candidate" only.
    twice = svc.client.get(
        "/api/v1/models?promotion_state=promoted&promotion_state=candidate&page_size=5"
    )
    body = assert_problem(twice, 400, "bad_request")
    assert body["violations"] == [
        {"path": "promotion_state", "message": "is given 2 times; it takes one value"}
    ]
    once = svc.client.get("/api/v1/models?promotion_state=candidate&page_size=5")
    assert once.status_code == 200
    assert len(once.json()["items"]) == 1


def test_validation_problems_list_every_violation(svc: Service) -> None:
    bad = {**logistic_regression(), "parameter_count": -1}
    del bad["framework"]
    response = svc.post("/api/v1/models", {"title": "x", "metadata": bad}, "register")
    body = assert_problem(response, 422, "validation_error")
    paths = {v["path"] for v in body["violations"]}
    assert paths == {"metadata.framework", "metadata.parameter_count"}
    checked = svc.client.post("/api/v1/validate", json=bad).json()
    assert checked["valid"] is False
    assert {v["path"] for v in checked["violations"]} == {"framework", "parameter_count"}
    assert svc.client.post("/api/v1/validate", json=logistic_regression()).json()["valid"]
    raw = '{"title": "x", "title": "y", "metadata": {}}'
    dup = svc.client.post(
        "/api/v1/models",
        content=raw,
        headers={**svc.auth("register"), "Content-Type": "application/json"},
    )
    assert "title" in json.dumps(assert_problem(dup, 422, "validation_error")["violations"])


def test_exists_and_not_found(svc: Service) -> None:
    svc.register(artifact_id="model-fixed")
    again = svc.post(
        "/api/v1/models",
        {"title": "t", "artifact_id": "model-fixed", "metadata": logistic_regression()},
        "register",
    )
    assert_problem(again, 409, "already_exists_error")
    assert_problem(svc.client.get("/api/v1/models/model-nope-nope"), 404, "not_found_error")
    assert_problem(svc.client.get("/api/v1/nowhere"), 404, "not_found")
    assert_problem(
        svc.client.delete("/api/v1/models/x", headers={"Content-Type": "application/json"}),
        405,
        "method_not_allowed",
    )


def test_promotion_gate_override_and_actor(svc: Service) -> None:
    unpinned = svc.register(code_repo_url=None, code_commit_sha=None)["id"]
    refused = svc.post(f"/api/v1/models/{unpinned}/promote", {}, "promote")
    body = assert_problem(refused, 422, "promotion_gate_error")
    assert {c["path"] for c in body["unmet_conditions"]} == {"code_repo_url", "code_commit_sha"}
    no_scope = svc.post(
        f"/api/v1/models/{unpinned}/promote", {"override": True, "notes": "n"}, "promote"
    )
    assert_problem(no_scope, 403, "permission_denied_error")
    done = svc.post(
        f"/api/v1/models/{unpinned}/promote", {"override": True, "notes": "pilot"}, "override"
    )
    assert done.status_code == 200
    [event] = svc.client.get(f"/api/v1/models/{unpinned}/history").json()["items"]
    assert event["actor"] == "agent-override"
    assert event["override"] is True
    illegal = svc.post(f"/api/v1/models/{unpinned}/reject", {"notes": "n"}, "promote")
    body = assert_problem(illegal, 409, "illegal_transition_error")
    assert (body["from_state"], body["to_state"]) == ("promoted", "rejected")
    assert svc.client.get(f"/api/v1/models/{unpinned}/promoted").json()["id"] == unpinned


def test_lines_and_rollback(svc: Service) -> None:
    v1 = svc.register(line="roll")["id"]
    v2 = svc.register(line="roll")["id"]
    for model_id in (v1, v2):
        assert svc.post(f"/api/v1/models/{model_id}/promote", {}, "promote").status_code == 200
    lines = svc.client.get("/api/v1/lines").json()["items"]
    assert [line["name"] for line in lines if line["name"] == "roll"] == ["roll"]
    svc.register(line="second")
    first = svc.client.get("/api/v1/lines", params={"page_size": 1})
    assert [line["name"] for line in first.json()["items"]] == ["roll"]
    token = first.json()["next_page_token"]
    assert first.headers["Link"] == f'</api/v1/lines?page_size=1&page_token={token}>; rel="next"'
    last = svc.client.get("/api/v1/lines", params={"page_size": 1, "page_token": token}).json()
    assert ([line["name"] for line in last["items"]], last["next_page_token"]) == (["second"], None)
    assert_problem(
        svc.client.get("/api/v1/lines", params={"page_token": "x"}), 400, "page_token_error"
    )
    line = svc.client.get("/api/v1/lines/roll").json()
    assert line["line"]["promoted_id"] == v2
    assert [m["id"] for m in line["items"]] == [v2, v1]
    rolled = svc.post("/api/v1/lines/roll/rollback", {"notes": "v2 bad"}, "promote")
    assert rolled.json()["model"]["id"] == v1
    assert_problem(svc.client.get("/api/v1/lines/nope"), 404, "not_found_error")
    unnamed = svc.register()["id"]
    named = svc.post("/api/v1/lines/late-name", {"model": unnamed}, "register")
    assert named.status_code == 201
    assert named.headers["Location"] == "/api/v1/lines/late-name"
    assert svc.client.get("/api/v1/models/late-name").json()["id"] == unnamed
    taken = svc.post("/api/v1/lines/late-name", {"model": v1}, "register")
    assert_problem(taken, 409, "already_exists_error")
    assert_problem(svc.post("/api/v1/lines/roll/rollback", {}, "promote"), 422, "validation_error")
    fractional = svc.post(
        "/api/v1/lines/roll/rollback", {"notes": "n", "to_version": 1.5}, "promote"
    )
    [violation] = assert_problem(fractional, 422, "validation_error")["violations"]
    assert violation == {
        "path": "to_version",
        "message": "must be a whole version number, such as 2",
    }


def test_events_benchmarks_leaderboards_schema_policy(svc: Service) -> None:
    model = svc.register()["id"]
    svc.post(f"/api/v1/models/{model}/promote", {}, "promote")
    events = svc.client.get("/api/v1/events", params={"page_size": 1}).json()["items"]
    huge = svc.client.get("/api/v1/events", params={"before_id": "9" * 30})
    assert_problem(huge, 400, "bad_request")
    assert events[0]["artifact_id"] == model
    [bench] = [
        b
        for b in svc.client.get("/api/v1/benchmarks").json()["items"]
        if b["benchmark_id"] == "adni-conversion-v1"
    ]
    assert bench["gate"]["metric"] == "auroc"
    board = svc.client.get(
        "/api/v1/leaderboards/adni-conversion-v1", params={"metric": "auroc"}
    ).json()
    assert board["items"][0]["model"]["id"] == model
    assert_problem(
        svc.client.get("/api/v1/leaderboards/none", params={"metric": "auroc"}),
        404,
        "not_found_error",
    )
    assert_problem(svc.client.get("/api/v1/leaderboards/adni-conversion-v1"), 400, "bad_request")
    assert svc.client.get("/api/v1/schemas/model-metadata").json()["$id"].endswith("1.0.0")
    assert (
        "adni-conversion-v1" in svc.client.get("/api/v1/policy/promotion-gate").json()["benchmarks"]
    )


def test_review_queue_and_resolution(svc: Service) -> None:
    svc.registry.backfill()
    [item] = svc.client.get("/api/v1/review-queue").json()["items"]
    target = item["artifact_id"]
    assert svc.client.get(f"/api/v1/review-queue/{target}").json()["status"] == "open"
    body = {
        "set": {
            "code_repo_url": "https://github.com/atlas-platform/glia-models",
            "code_commit_sha": "1a2b3c4d5e6f",
        }
    }
    assert_problem(
        svc.post(f"/api/v1/review-queue/{target}/resolve", body, "register"),
        403,
        "permission_denied_error",
    )
    resolved = svc.post(f"/api/v1/review-queue/{target}/resolve", body, "review")
    assert resolved.json()["resolved_by"] == "agent-review"
    assert svc.client.get(f"/api/v1/models/{target}").json()["code_commit_sha"] == "1a2b3c4d5e6f"


def test_auth_and_browser_guards(svc: Service) -> None:
    body = {"title": "m", "metadata": logistic_regression()}
    assert_problem(svc.client.post("/api/v1/models", json=body), 401, "authentication_error")
    response = svc.client.post(
        "/api/v1/models", json=body, headers={"Authorization": "Bearer atl_nope"}
    )
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(svc.post("/api/v1/models", body, "promote"), 403, "permission_denied_error")
    plain = svc.client.post(
        "/api/v1/models",
        content=json.dumps(body),
        headers={**svc.auth("register"), "Content-Type": "text/plain"},
    )
    assert_problem(plain, 415, "unsupported_media_type_error")
    zipped = svc.client.post(
        "/api/v1/models",
        content=gzip.compress(json.dumps(body).encode()),
        headers={
            **svc.auth("register"),
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )
    assert (
        "Content-Encoding: 'gzip'"
        in assert_problem(zipped, 415, "unsupported_media_type_error")["detail"]
    )
    huge = {"title": "m", "description": "x" * (1024 * 1024), "metadata": {}}
    assert_problem(svc.post("/api/v1/models", huge, "register"), 413, "payload_too_large")
    foreign = svc.client.get("/api/v1/models", headers={"Host": "evil.example"})
    assert_problem(foreign, 400, "host_not_allowed")
    cors = svc.client.get("/api/v1/models", headers={"Origin": "https://evil.example"})
    assert not [h for h in cors.headers if h.lower().startswith("access-control")]
    assert cors.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in cors.headers["Content-Security-Policy"]
    svc.registry.revoke_token("agent-register")
    revoked = svc.post("/api/v1/models", body, "register")
    assert "revoked" in assert_problem(revoked, 401, "authentication_error")["detail"]


def test_a_caller_is_refused_before_the_body_is_read(svc: Service) -> None:
    """A refused caller learns nothing from the body: 401/403 even when it is not JSON."""
    json_type = {"Content-Type": "application/json"}

    def post(path: str, headers: dict[str, str]) -> Any:
        return svc.client.post(path, content=b"{not json", headers={**json_type, **headers})

    assert_problem(post("/api/v1/models", {}), 401, "authentication_error")
    bad_token = {"Authorization": "Bearer atl_nope"}
    assert_problem(post("/api/v1/models", bad_token), 401, "authentication_error")
    register = svc.auth("register")
    assert_problem(post("/api/v1/lines/x/rollback", register), 403, "permission_denied_error")
    assert_problem(post("/api/v1/models", register), 400, "input_error")


def test_tokens_are_stored_only_as_hashes(svc: Service) -> None:
    with svc.registry.database.transaction() as conn:
        stored = json.dumps([list(r) for r in conn.execute(text("SELECT * FROM api_tokens"))])
    for token in svc.tokens.values():
        secret = token[len("atl_") + 16 + 1 :]  # atl_<16 hex id>_<secret>
        assert len(secret) == 43
        assert token not in stored
        assert secret not in stored


def test_an_expired_token_is_refused(svc: Service) -> None:
    created = svc.registry.create_token("short", ["register"], expires_days=1)
    with svc.registry.database.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE api_tokens SET expires_at = '2000-01-01 00:00:00' WHERE name = 'short'")
        )
    response = svc.client.post(
        "/api/v1/models",
        json={"title": "t", "metadata": {}},
        headers={"Authorization": f"Bearer {created.token}"},
    )
    assert "expired" in assert_problem(response, 401, "authentication_error")["detail"]


def test_read_only_and_closed_reads(svc: Service) -> None:
    closed = TestClient(
        create_app(svc.registry, read_only=True, anonymous_read=False), base_url=BASE
    )
    assert_problem(closed.get("/api/v1/models"), 401, "authentication_error")
    assert closed.get("/api/v1/models", headers=svc.auth("register")).status_code == 200
    write = closed.post(
        "/api/v1/models", json={"title": "t", "metadata": {}}, headers=svc.auth("admin")
    )
    assert_problem(write, 403, "permission_denied_error")
    assert closed.get("/api/v1/version", headers=svc.auth("register")).json()["read_only"] is True
    closed.close()


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every route of the app, through included routers however FastAPI nests them."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None) or getattr(route, "router", None)
        if nested is not None and nested is not route:
            yield from _api_routes(list(nested.routes))


def test_every_write_route_is_guarded(svc: Service) -> None:
    fastapi_app = svc.client.app.fastapi  # type: ignore[attr-defined]
    writes = [
        r
        for r in _api_routes(fastapi_app.routes)
        if (r.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"} and r.path not in READS_BY_POST
    ]
    assert len(writes) >= 7
    for route in writes:
        calls = [d.call for d in route.dependant.dependencies]
        assert [c for c in calls if hasattr(c, WRITE_GUARD)], f"{route.path} has no write guard"
        # The guard's Access is the only way to the registry: no route takes it around the check.
        assert deps.registry not in calls, f"{route.path} reaches the registry past its guard"


def test_every_operation_declares_its_problem_statuses(svc: Service) -> None:
    spec = svc.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert "500" in declared, (method, path)
            if path.startswith("/api/"):  # an unknown query parameter
                assert "400" in declared, (method, path)
            if method == "post":
                assert {"401", "413", "415"} <= declared, (method, path)
            if method == "post" and path not in READS_BY_POST:
                assert "403" in declared, (method, path)


def test_serve_refuses_open_writes_on_a_public_address(svc: Service, db_url: str) -> None:
    from atlas_registry import ConfigurationError
    from tests.cli_helpers import invoke

    for name in list(svc.tokens):
        svc.registry.revoke_token(f"agent-{name}")
    code, _, err = invoke("serve", "--host", "0.0.0.0", "--db", db_url)
    assert code == ConfigurationError.exit_code
    assert "no API token exists" in err


def test_serve_on_a_port_in_use_says_so_before_serving(svc: Service, db_url: str) -> None:
    """uvicorn alone logged the failure after the "serving" line and exited 3 (not found)."""
    import socket

    from atlas_registry import ConfigurationError
    from tests.cli_helpers import invoke

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, out, err = invoke("serve", "--port", port, "--read-only", "--db", db_url)
    assert code == ConfigurationError.exit_code
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in err
    assert "serving" not in out


def test_a_revoked_tokens_name_is_not_reused_and_the_refusal_says_so(svc: Service) -> None:
    """The refusal once said "revoke it or pick another": revoking never frees a name."""
    from atlas_registry import AlreadyExistsError

    svc.registry.revoke_token("agent-register")
    with pytest.raises(AlreadyExistsError, match="never reused") as refused:
        svc.registry.create_token("agent-register", ["register"])
    suggested = str(refused.value).rsplit("such as ", 1)[1]
    assert svc.registry.create_token(suggested, ["register"]).info.name == suggested


def test_a_batch_is_all_or_nothing_and_names_each_bad_item(svc: Service) -> None:
    good = {"title": "AD risk", "metadata": logistic_regression(), "line": "batch-line", **PIN}
    before = len(svc.client.get("/api/v1/models", params={"page_size": 1000}).json()["items"])
    refused = svc.post(
        "/api/v1/models/batch",
        {"items": [good, 1, {"titel": "x", "metadata": {}}]},
        "register",
    )
    body = assert_problem(refused, 422, "validation_error")
    assert [v["path"] for v in body["violations"]] == ["[1]", "[2].titel", "[2].title"]
    after = svc.client.get("/api/v1/models", params={"page_size": 1000}).json()["items"]
    assert len(after) == before  # nothing was written, the good item included
    created = svc.post("/api/v1/models/batch", {"items": [good, good]}, "register")
    assert created.status_code == 201, created.text
    [first, second] = created.json()["ids"]
    versions = [
        svc.client.get(f"/api/v1/models/{i}").json()["version_number"] for i in (first, second)
    ]
    assert versions == [1, 2]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/models?trained_by=a%00", 422, "validation_error"),
        ("/api/v1/models?line=a%00", 422, "validation_error"),
        ("/api/v1/events?actor=a%00", 422, "validation_error"),
        ("/api/v1/leaderboards/a%00?metric=auroc", 422, "validation_error"),
        ("/api/v1/lines/a%00", 404, "not_found_error"),
        ("/api/v1/models/a%00", 404, "not_found_error"),
        ("/api/v1/models/a%00/card", 404, "not_found_error"),
        ("/api/v1/review-queue/a%00", 404, "not_found_error"),
    ],
)
def test_a_lookup_holding_a_nul_answers_alike_on_both_databases(
    svc: Service, path: str, status: int, code: str
) -> None:
    """Nothing stored holds a NUL: PostgreSQL refused it as a value, SQLite matched nothing."""
    problem = assert_problem(svc.client.get(path), status, code)
    assert "PostgreSQL" not in problem["detail"]
