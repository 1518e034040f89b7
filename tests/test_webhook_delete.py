"""Deleting a webhook cancels what it was still owed; deleting it again is refused, on every
face (library, API, command line)."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from atlas_registry import ModelRegistration, Registry, ValidationError
from atlas_registry.webhooks.keys import KEY_ENV_VAR
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_webhook_api import Api

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


def test_deleting_cancels_what_was_owed_and_a_second_delete_is_refused(
    registry: Registry,
) -> None:
    made = registry.create_webhook("https://hooks.example.com/a", TYPES, actor="a")
    _register(registry, "m-1")
    registry.webhook_worker(allowed_hosts=()).enqueue()
    assert registry.webhook(made.webhook.id).pending == 1
    gone = registry.delete_webhook(made.webhook.id, actor="ops")
    assert gone.pending == 0
    assert [d.state for d in registry.webhook_deliveries(made.webhook.id)] == ["cancelled"]
    with pytest.raises(ValidationError) as again:
        registry.delete_webhook(made.webhook.id, actor="ops")
    assert "already deleted" in again.value.message
    assert "by ops" in str(again.value.violations[0])
    api = Api(registry)
    twice = api.client.request(
        "DELETE",
        f"/api/v1/webhooks/{made.webhook.id}",
        headers={**api.admin, "Content-Type": "application/json"},
    )
    assert twice.status_code == 422, twice.text
    api.client.close()
    deleted = registry.events_after(0, types=["webhook.deleted"])
    assert len(deleted) == 1  # the refused second delete recorded nothing


def test_a_second_delete_on_the_command_line_says_it_was_deleted(migrated_url: str) -> None:
    db = ("--db", migrated_url)
    url = "https://hooks.example.com/a"
    made = invoke("webhook", "create", "--url", url, "--type", TYPES[0], "--json", *db)
    assert made[0] == 0, made[2]
    hook = str(json.loads(made[1])["id"])
    first = invoke("webhook", "delete", hook, *db)
    assert first[0] == 0, first[2]
    assert f"webhook {hook} deleted" in first[1]
    code, out, err = invoke("webhook", "delete", hook, *db)
    assert code != 0
    assert "already deleted" in out + err
    assert f"webhook {hook} deleted" not in out
