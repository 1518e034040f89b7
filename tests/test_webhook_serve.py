"""``serve --webhooks``: a real server delivers what its own API wrote, signed, to a receiver."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time

import pytest
from cryptography.fernet import Fernet
from standardwebhooks import Webhook as Verifier

from atlas_registry import Registry
from atlas_registry.webhooks.keys import KEY_ENV_VAR
from atlas_registry.webhooks.transport import ALLOW_HOSTS_ENV_VAR
from tests.payloads import logistic_regression
from tests.server_helpers import CLI, _wait_ready, call, free_port
from tests.webhook_receiver import receiving


@pytest.mark.slow
def test_serve_with_webhooks_delivers_what_its_api_wrote(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        admin = registry.create_token("root", ["admin"]).token
        trainer = registry.create_token("trainer", ["register"]).token
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        KEY_ENV_VAR: Fernet.generate_key().decode(),
        ALLOW_HOSTS_ENV_VAR: "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    with receiving() as receiver, tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [CLI, "serve", "--db", migrated_url, "--port", str(port), "--webhooks"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            _wait_ready(base, log)
            status, made = call(
                base,
                "POST",
                "/api/v1/webhooks",
                {"url": receiver.url, "types": ["model.registered"], "allow_http": True},
                admin,
            )
            assert status == 201, made
            body = {"title": "t", "metadata": logistic_regression(), "artifact_id": "m-1"}
            assert call(base, "POST", "/api/v1/models", body, trainer)[0] == 201
            deadline = time.monotonic() + 20
            while not receiver.acknowledged and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            server.terminate()
            server.wait(timeout=30)
    (delivered,) = receiver.acknowledged
    event = Verifier(made["secret"]).verify(delivered.body, delivered.headers)
    assert (event["type"], event["model_id"], event["actor"]) == (
        "model.registered",
        "m-1",
        "trainer",
    )
