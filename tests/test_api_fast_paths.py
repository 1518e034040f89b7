"""Register and get by ref, answered in front of FastAPI: the same answers as FastAPI's routes.

Each request is sent to the service as ``serve`` builds it and to the same
app without its fast paths (FastAPI behind the same guards); status, headers
and body must agree, errors included, on both backends.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_registry import Registry
from atlas_registry.api import create_app
from atlas_registry.api.fast_paths import FastPaths
from atlas_registry.api.guards import Guards
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
BASE = "http://127.0.0.1"


class Pair:
    """One registry served twice: with the fast paths, and by FastAPI alone."""

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.registry = Registry.open(url)
        self.tokens = {
            scope: self.registry.create_token(f"fast-{scope}", [scope]).token
            for scope in ("register", "promote")
        }
        app = create_app(self.registry, read_only=read_only)
        self.framework_calls: list[str] = []
        fast = app.app
        assert isinstance(fast, FastPaths)
        framework = fast.framework

        async def counted(scope: Any, receive: Any, send: Any) -> None:
            self.framework_calls.append(f"{scope.get('method')} {scope['path']}")
            await framework(scope, receive, send)

        fast.framework = counted
        plain = Guards(framework, app.allowed_hosts, app.body_timeout)
        self.fast = TestClient(app, base_url=BASE)
        self.plain = TestClient(plain, base_url=BASE)

    def close(self) -> None:
        self.fast.close()
        self.plain.close()
        self.registry.close()

    def both(self, method: str, path: str, **kw: Any) -> tuple[Any, Any]:
        return self.fast.request(method, path, **kw), self.plain.request(method, path, **kw)


@pytest.fixture
def pair(migrated_url: str) -> Iterator[Pair]:
    served = Pair(migrated_url)
    yield served
    served.close()


def registration(**fields: Any) -> bytes:
    return json.dumps(
        {"title": "AD risk", "metadata": logistic_regression(), **PIN, **fields}
    ).encode()


def same(fast: Any, plain: Any) -> None:
    assert (fast.status_code, fast.content) == (plain.status_code, plain.content)
    assert list(fast.headers.items()) == list(plain.headers.items())


def auth(pair: Pair, scope: str = "register", **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair.tokens[scope]}", **more}


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, registration(), 401),  # no token
        ({"Authorization": "Basic abc"}, registration(), 401),
        ({"Authorization": "Bearer atl_0000000000000000_" + "x" * 43}, registration(), 401),
        ("promote", registration(), 403),  # a token without the register scope
        ("register-text", registration(), 415),
        # mtime=0: gzip stamps the second it ran, and a body in the test's id must be
        # the same in every pytest-xdist worker, or the workers' collections differ.
        ("register-gzip", gzip.compress(registration(), mtime=0), 415),
        ("register", b"{not json", 400),
        ("register", registration(metadata={"task": 7}), 422),
        ("register", json.dumps(["a", "list"]).encode(), 422),
        ("register-bad-key", registration(), 400),
    ],
)
def test_a_refused_registration_is_the_same_problem(
    pair: Pair, headers: Any, body: bytes, status: int
) -> None:
    sent = (
        {
            "promote": {**auth(pair, "promote"), **JSON},
            "register": {**auth(pair), **JSON},
            "register-text": {**auth(pair), "Content-Type": "text/plain"},
            "register-gzip": {**auth(pair), **JSON, "Content-Encoding": "gzip"},
            "register-bad-key": {**auth(pair), **JSON, "Idempotency-Key": "k" * 201},
        }.get(headers, headers)
        if isinstance(headers, str)
        else {**headers, **JSON}
    )
    fast, plain = pair.both("POST", "/api/v1/models", content=body, headers=sent)
    assert fast.status_code == status, fast.text
    assert fast.headers["content-type"] == "application/problem+json"
    same(fast, plain)
    assert pair.framework_calls == []


def test_a_registration_answers_as_the_route_does(pair: Pair) -> None:
    headers = {**auth(pair), **JSON}
    fast, plain = pair.both("POST", "/api/v1/models", content=registration(), headers=headers)
    assert fast.status_code == plain.status_code == 201
    assert [k for k, _ in fast.headers.items()] == [k for k, _ in plain.headers.items()]
    assert fast.headers["location"] == f"/api/v1/models/{fast.json()['id']}"
    made, expected = fast.json(), plain.json()
    assert made.keys() == expected.keys()
    assert made["created_by"] == expected["created_by"] == "fast-register"
    assert pair.framework_calls == []


def test_an_idempotency_key_is_honoured_on_the_fast_path(pair: Pair) -> None:
    headers = {**auth(pair), **JSON, "Idempotency-Key": "fast-path-1"}
    first = pair.fast.post("/api/v1/models", content=registration(), headers=headers)
    again = pair.fast.post("/api/v1/models", content=registration(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    other = pair.fast.post("/api/v1/models", content=registration(title="x"), headers=headers)
    assert other.status_code == 422, other.text  # the key is bound to the first body


def test_a_get_answers_as_the_route_does_with_its_etag(pair: Pair) -> None:
    made = pair.fast.post(
        "/api/v1/models", content=registration(line="fast-line"), headers={**auth(pair), **JSON}
    ).json()
    for ref in (made["id"], made["id"][:8], "fast-line", "fast-line@1"):
        fast, plain = pair.both("GET", f"/api/v1/models/{ref}")
        assert fast.status_code == 200, fast.text
        same(fast, plain)
    fast, plain = pair.both("GET", f"/api/v1/models/{made['id']}", headers=auth(pair))
    same(fast, plain)
    etag = fast.headers["etag"]
    fast, plain = pair.both("GET", f"/api/v1/models/{made['id']}", headers={"If-None-Match": etag})
    assert fast.status_code == 304
    same(fast, plain)
    assert pair.framework_calls == []


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/models/no-such-model", {}),
        ("/api/v1/models/%00", {}),
        ("/api/v1/models/x", {"Authorization": "Bearer nonsense"}),
        ("/api/v1/models/x", {"Authorization": "Bearer"}),
    ],
)
def test_a_refused_get_is_the_same_problem(pair: Pair, path: str, headers: dict[str, str]) -> None:
    fast, plain = pair.both("GET", path, headers=headers)
    assert fast.status_code in (400, 401, 404), fast.text
    same(fast, plain)
    assert pair.framework_calls == []


def test_other_requests_go_to_the_framework(pair: Pair) -> None:
    """A query string, a deeper path, another method: FastAPI's routes answer them."""
    pair.fast.get("/api/v1/models/x?at=2026-01-01T00:00:00Z")
    pair.fast.get("/api/v1/models/x/lineage")
    pair.fast.get("/api/v1/models/", follow_redirects=False)
    pair.fast.put("/api/v1/models")
    pair.fast.post("/api/v1/models?dry_run=true", content=registration(), headers=auth(pair))
    assert pair.framework_calls == [
        "GET /api/v1/models/x",
        "GET /api/v1/models/x/lineage",
        "GET /api/v1/models/",
        "PUT /api/v1/models",
        "POST /api/v1/models",
    ]


def test_a_read_only_server_refuses_on_the_fast_path_too(migrated_url: str) -> None:
    served = Pair(migrated_url, read_only=True)
    try:
        headers = {**auth(served), **JSON}
        fast, plain = served.both("POST", "/api/v1/models", content=registration(), headers=headers)
        assert fast.status_code == 403
        same(fast, plain)
    finally:
        served.close()
