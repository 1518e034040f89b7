"""One key seals every webhook of a database, and one it cannot open holds up no other.

A webhook is never sealed with a key other than the one the database's live
webhooks were sealed with: create refuses, naming where the key was looked
for, and makes no new key file (another ``XDG_CONFIG_HOME``, a server without
its key file). One sealed with another key anyway (a restored backup, an older
release) is fenced by the worker: given up with the reason, the webhook
``failing``, and the others delivered as usual.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from atlas_registry import ConfigurationError, ModelRegistration, Registry
from atlas_registry.webhooks.keys import KEY_ENV_VAR, KEY_FILE_ENV_VAR
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_webhook_api import Api
from tests.webhook_receiver import receiving

LOOPBACK = ("127.0.0.1",)
TYPES = ["model.registered"]


@pytest.fixture(autouse=True)
def webhook_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv(KEY_ENV_VAR, key)
    return key


def _register(registry: Registry, artifact_id: str) -> None:
    registration = ModelRegistration(
        title="t", metadata=logistic_regression(), artifact_id=artifact_id
    )
    registry.register_model(registration, actor="trainer")


def _key_file_elsewhere(monkeypatch: pytest.MonkeyPatch, where: Path) -> Path:
    """The key looked for where there is none: another XDG_CONFIG_HOME, no variable."""
    monkeypatch.delenv(KEY_ENV_VAR)
    monkeypatch.delenv(KEY_FILE_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(where))
    return where / "atlas-registry" / "webhook.key"


def test_create_where_the_key_is_not_is_refused_and_makes_no_key(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = registry.create_webhook("https://hooks.example.com/a", TYPES, actor="a")
    missing = _key_file_elsewhere(monkeypatch, tmp_path / "elsewhere")
    with pytest.raises(ConfigurationError) as refused:
        registry.create_webhook("https://hooks.example.com/b", TYPES, actor="a")
    assert str(missing) in refused.value.message
    assert f"webhook(s) {first.webhook.id} " in refused.value.message
    assert not missing.exists()  # no second key was made
    monkeypatch.setenv(KEY_ENV_VAR, Fernet.generate_key().decode())
    with pytest.raises(ConfigurationError, match="not the key that sealed webhook"):
        registry.create_webhook("https://hooks.example.com/b", TYPES, actor="a")
    assert [w.id for w in registry.webhooks()] == [first.webhook.id]  # nothing half-written
    # With no live webhook left, a new key may seal the next one.
    registry.delete_webhook(first.webhook.id, actor="a")
    registry.create_webhook("https://hooks.example.com/b", TYPES, actor="a")


def test_the_command_line_refuses_a_create_with_the_key_file_elsewhere(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = ("--db", migrated_url)
    made = invoke(
        "webhook", "create", "--url", "https://hooks.example.com/a", "--type", TYPES[0], *db
    )
    assert made[0] == 0, made[2]
    missing = _key_file_elsewhere(monkeypatch, tmp_path / "other")
    code, out, err = invoke(
        "webhook", "create", "--url", "https://hooks.example.com/b", "--type", TYPES[0], *db
    )
    assert code != 0
    assert "sealed with a key that is not here" in " ".join((out + err).split())
    assert not missing.exists()


def test_the_api_refuses_a_create_on_a_server_without_its_key_file(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    api = Api(registry)
    body = {"url": "https://hooks.example.com/a", "types": TYPES}
    assert api.client.post("/api/v1/webhooks", json=body, headers=api.admin).status_code == 201
    missing = _key_file_elsewhere(monkeypatch, tmp_path / "server")
    refused = api.client.post("/api/v1/webhooks", json=body, headers=api.admin)
    assert refused.status_code == 400, refused.text
    assert str(missing) in refused.json()["detail"]
    assert not missing.exists()
    api.client.close()


def _seal_with_another_key(registry: Registry, webhook_id: int) -> None:
    """What an older release or a restored backup may leave: a secret under another key."""
    other = Fernet(Fernet.generate_key()).encrypt(b"whsec_" + b"A" * 32).decode()
    with registry.database.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE webhooks SET secret_encrypted = :s WHERE id = :id"),
            {"s": other, "id": webhook_id},
        )


def test_a_webhook_the_key_cannot_open_is_fenced_and_the_others_delivered(
    registry: Registry,
) -> None:
    with receiving() as sealed_elsewhere, receiving() as fine:
        bad = registry.create_webhook(sealed_elsewhere.url, TYPES, actor="a", allow_http=True)
        good = registry.create_webhook(fine.url, TYPES, actor="a", allow_http=True)
        _seal_with_another_key(registry, bad.webhook.id)
        _register(registry, "m-1")
        worker = registry.webhook_worker(allowed_hosts=LOOPBACK)
        worker.run_once()
        _register(registry, "m-2")
        worker.run_once()
    assert len(fine.acknowledged) == 2  # not held up by the one before it
    assert sealed_elsewhere.requests == []
    fenced = registry.webhook(bad.webhook.id)
    assert fenced.state == "failing"
    assert fenced.failing_reason is not None
    assert "does not open this webhook's secret" in fenced.failing_reason
    assert "key" in fenced.failing_reason
    assert os.sep + "webhook" not in fenced.failing_reason  # no key file named: pages show it
    (given_up, *_) = registry.webhook_deliveries(bad.webhook.id)[::-1]
    assert given_up.state == "failed"
    assert given_up.attempt_log[0].error == fenced.failing_reason
    assert registry.webhook(good.webhook.id).failing_reason is None
    # The reason is in the API and on the pages, escaped like every stored text.
    api = Api(registry)
    listed = api.client.get("/api/v1/webhooks", headers=api.admin).json()["items"]
    assert [w["failing_reason"] for w in listed] == [fenced.failing_reason, None]
    page = api.client.get(f"/webhooks/{bad.webhook.id}").text
    assert "does not open this webhook&#39;s secret" in page
    assert "does not open this webhook" in api.client.get("/webhooks").text
    api.client.close()
