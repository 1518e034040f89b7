"""The ``webhook`` commands and ``webhooks run --once``, over the same verbs as the API."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from standardwebhooks import Webhook as Verifier

from atlas_registry import ValidationError
from atlas_registry.webhooks.keys import KEY_ENV_VAR
from tests.cli_helpers import invoke
from tests.webhook_receiver import receiving


@pytest.fixture(autouse=True)
def webhook_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV_VAR, Fernet.generate_key().decode())


def _ok(*args: str) -> str:
    code, out, err = invoke(*args)
    assert code == 0, err
    return out


def test_create_deliver_list_replay_and_delete_from_the_command_line(migrated_url: str) -> None:
    db = ("--db", migrated_url)
    with receiving() as receiver:
        made = json.loads(
            _ok(
                "webhook",
                "create",
                "--url",
                receiver.url,
                "--type",
                "model.registered",
                "--allow-http",
                "--actor",
                "ops",
                "--json",
                *db,
            )
        )
        secret = made["secret"]
        _ok("register", "examples/registration.json", *db)
        out = _ok("webhooks", "run", "--once", "--allow-host", "127.0.0.1", *db)
        assert "2 deliveries owed or attempted" in out
        body = Verifier(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
        assert body["type"] == "model.registered"
        listed = _ok("webhook", "list", *db)
        assert receiver.url in listed
        assert secret not in listed
        assert secret not in _ok("webhook", "list", "--json", *db)
        found = json.loads(_ok("webhook", "deliveries", str(made["id"]), "--json", *db))
        assert [d["state"] for d in found] == ["delivered"]
        assert found[0]["attempt_log"][0]["status_code"] == 200
        assert "delivered" in _ok("webhook", "deliveries", str(made["id"]), *db)
        said = _ok("webhook", "replay", str(found[0]["id"]), *db)
        assert "queued to be sent again" in said
        _ok("webhooks", "run", "--once", "--allow-host", "127.0.0.1", *db)
        assert len(receiver.requests) == 2
        assert (
            receiver.requests[1].headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]
        )
        assert "deleted" in _ok("webhook", "delete", str(made["id"]), *db)
    assert _ok("webhook", "list", "--json", *db).strip() == "[]"


def test_an_unknown_type_is_refused_with_the_valid_ones(migrated_url: str) -> None:
    code, _, err = invoke(
        "webhook",
        "create",
        "--url",
        "https://h.example.com/",
        "--type",
        "model.registred",
        "--db",
        migrated_url,
    )
    assert code == ValidationError.exit_code
    assert "'model.registred' is not an event type" in err
    assert "webhook.created" in err
