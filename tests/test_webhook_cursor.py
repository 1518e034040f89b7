"""A new subscription is owed what happens after it: never its own creation, always the next."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from atlas_registry import Registry
from atlas_registry.webhooks.keys import KEY_ENV_VAR
from tests.webhook_receiver import receiving

LOOPBACK = ("127.0.0.1",)


def test_a_webhook_is_not_sent_its_own_creation(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV_VAR, Fernet.generate_key().decode())
    with receiving() as receiver:
        first = registry.create_webhook(
            receiver.url, ["webhook.created"], actor="admin", allow_http=True
        )
        worker = registry.webhook_worker(allowed_hosts=LOOPBACK)
        assert worker.run_once() == 0
        second = registry.create_webhook(
            receiver.url, ["webhook.created"], actor="admin", allow_http=True
        )
        worker.run_once()
        bodies = [json.loads(r.body) for r in receiver.acknowledged]
    # The first is told of the second's creation; neither of its own.
    assert [(b["type"], b["payload"]["webhook_id"]) for b in bodies] == [
        ("webhook.created", second.webhook.id)
    ]
    assert first.webhook.id != second.webhook.id
