"""Webhooks over HTTP: an admin's alone, reads included; the secret in the create answer only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import text
from standardwebhooks import Webhook as Verifier

from atlas_registry import ModelRegistration, Registry
from atlas_registry.api import create_app
from atlas_registry.webhooks.keys import KEY_ENV_VAR
from tests.payloads import logistic_regression
from tests.webhook_receiver import receiving

BASE = "http://127.0.0.1"


@pytest.fixture(autouse=True)
def webhook_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV_VAR, Fernet.generate_key().decode())


class Api:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.admin = {"Authorization": f"Bearer {registry.create_token('root', ['admin']).token}"}
        self.other = {
            "Authorization": f"Bearer {registry.create_token('ci', ['register', 'promote']).token}"
        }
        self.client = TestClient(create_app(registry), base_url=BASE)


@pytest.fixture
def api(registry: Registry) -> Iterator[Api]:
    made = Api(registry)
    yield made
    made.client.close()


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    found: dict[str, Any] = response.json()
    return found


def test_an_admin_subscribes_reads_replays_and_deletes(api: Api) -> None:
    with receiving() as receiver:
        made = api.client.post(
            "/api/v1/webhooks",
            json={"url": receiver.url, "types": ["model.registered"], "allow_http": True},
            headers=api.admin,
        )
        assert made.status_code == 201, made.text
        hook = made.json()
        assert made.headers["location"] == f"/api/v1/webhooks/{hook['id']}"
        assert hook["secret"].startswith("whsec_")
        assert hook["state"] == "active"
        assert hook["created_by"] == "root"
        api.registry.register_model(
            ModelRegistration(title="t", metadata=logistic_regression(), artifact_id="m-1"),
            actor="trainer",
        )
        api.registry.webhook_worker(allowed_hosts=["127.0.0.1"]).run_once()
        Verifier(hook["secret"]).verify(receiver.requests[0].body, receiver.requests[0].headers)

        listed = api.client.get("/api/v1/webhooks", headers=api.admin).json()["items"]
        assert [w["id"] for w in listed] == [hook["id"]]
        assert "secret" not in listed[0]
        one = api.client.get(f"/api/v1/webhooks/{hook['id']}", headers=api.admin).json()
        assert one["url"] == receiver.url
        log = api.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=api.admin)
        (delivery,) = log.json()["items"]
        assert delivery["state"] == "delivered"
        assert delivery["event_type"] == "model.registered"
        (attempt,) = delivery["attempt_log"]
        assert attempt["status_code"] == 200
        assert attempt["outcome"] == "delivered"
        assert attempt["latency_ms"] >= 0
        assert attempt["response_excerpt"] == "thanks"

        replayed = api.client.post(
            f"/api/v1/webhooks/deliveries/{delivery['id']}/replay", json={}, headers=api.admin
        )
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["state"] == "pending"
        api.registry.webhook_worker(allowed_hosts=["127.0.0.1"]).run_once()
        assert len(receiver.requests) == 2

    gone = api.client.request(
        "DELETE",
        f"/api/v1/webhooks/{hook['id']}",
        headers={**api.admin, "Content-Type": "application/json"},
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["state"] == "deleted"
    assert api.client.get("/api/v1/webhooks", headers=api.admin).json()["items"] == []
    types = [e.type for e in api.registry.events_after(0) if e.type.startswith("webhook.")]
    assert types == ["webhook.created", "webhook.replayed", "webhook.deleted"]


def test_every_webhook_route_needs_the_admin_scope(api: Api) -> None:
    body = {"url": "https://h.example.com/", "types": ["model.promoted"]}
    for method, path in [
        ("GET", "/api/v1/webhooks"),
        ("GET", "/api/v1/webhooks/1"),
        ("GET", "/api/v1/webhooks/1/deliveries"),
        ("POST", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks/deliveries/1/replay"),
        ("DELETE", "/api/v1/webhooks/1"),
    ]:
        json_body = body if method != "GET" else None
        anonymous = api.client.request(method, path, json=json_body)
        assert _problem(anonymous, 401)["code"] == "authentication_error", path
        other = api.client.request(method, path, json=json_body, headers=api.other)
        assert _problem(other, 403)["code"] == "permission_denied_error", path
    assert api.registry.webhooks() == []


def test_bad_bodies_are_problems_saying_what_and_where(api: Api) -> None:
    def create(body: Any) -> dict[str, Any]:
        return _problem(api.client.post("/api/v1/webhooks", json=body, headers=api.admin), 422)

    unknown = create({"url": "https://h.example.com/", "types": ["model.registred"]})
    paths = {v["path"] for v in unknown["violations"]}
    assert paths == {"types"}
    assert "'model.registred' is not an event type" in unknown["violations"][0]["message"]
    missing = create({"types": "model.promoted"})
    assert {v["path"] for v in missing["violations"]} == {"url", "types"}
    http = create({"url": "http://h.example.com/", "types": ["model.promoted"]})
    assert "must be https" in http["violations"][0]["message"]
    extra = create({"url": "https://h.example.com/", "types": ["model.promoted"], "x": 1})
    assert extra["violations"]
    assert _problem(api.client.get("/api/v1/webhooks/42", headers=api.admin), 404)
    assert api.registry.webhooks() == []


def test_the_pages_show_origins_and_escaped_answers_never_paths_or_secrets(api: Api) -> None:
    def hostile(_n: int) -> tuple[int, dict[str, str], bytes]:
        return 500, {}, b"<script>alert(1)</script>"

    with receiving(hostile) as receiver:
        url = receiver.url.replace("team=ml", "token=s3cret-capability")
        made = api.registry.create_webhook(url, ["model.registered"], actor="root", allow_http=True)
        api.registry.register_model(
            ModelRegistration(title="t", metadata=logistic_regression(), artifact_id="m-1"),
            actor="trainer",
        )
        api.registry.webhook_worker(allowed_hosts=["127.0.0.1"]).run_once()
    listing = api.client.get("/webhooks")
    assert listing.status_code == 200
    one = api.client.get(f"/webhooks/{made.webhook.id}")
    assert one.status_code == 200
    for html in (listing.text, one.text):
        assert receiver.url.split("/hook")[0] in html  # the origin
        assert "s3cret-capability" not in html
        assert "/hook" not in html
        assert made.secret not in html
        assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in one.text
    assert "answered 500" in one.text
    assert api.client.get("/webhooks/77").status_code == 404
    for not_an_id in ("nosuch", "1.5", "9" * 40, "<b>x"):  # the 404 page, not JSON
        missing = api.client.get(f"/webhooks/{not_an_id}")
        assert missing.status_code == 404, not_an_id
        assert missing.headers["content-type"].startswith("text/html")
        assert "<b>x" not in missing.text


def test_a_keyed_create_keeps_no_secret_and_a_retry_does_not_show_it(api: Api) -> None:
    body = {"url": "https://hooks.example.com/x", "types": ["model.promoted"]}
    headers = {**api.admin, "Idempotency-Key": "create-hook-1"}
    first = api.client.post("/api/v1/webhooks", json=body, headers=headers)
    assert first.status_code == 201, first.text
    secret = first.json()["secret"]
    assert secret.startswith("whsec_")
    again = api.client.post("/api/v1/webhooks", json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["secret"] is None
    assert again.json()["id"] == first.json()["id"]
    assert len(api.registry.webhooks()) == 1
    with api.registry.database.transaction() as conn:
        kept = [str(row) for row in conn.execute(text("SELECT * FROM idempotency_keys"))]
    assert kept
    assert not any(secret in row or secret[6:] in row for row in kept)
