"""``serve --webhooks``: a real server delivers what its own API wrote, signed, to a receiver."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from standardwebhooks import Webhook as Verifier

from atlas_registry import ModelRegistration, Registry
from atlas_registry.webhooks.keys import KEY_ENV_VAR
from atlas_registry.webhooks.transport import ALLOW_HOSTS_ENV_VAR
from tests.payloads import logistic_regression
from tests.server_helpers import _wait_ready, call, fork_serve, free_port
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
    with receiving() as receiver, tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "serve.log"
        argv = ["atlas-registry", "serve", "--db", migrated_url, "--port", str(port), "--webhooks"]
        server = fork_serve(argv, log, env)
        try:
            with log.open("rb") as output:
                _wait_ready(base, output)
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


@pytest.mark.slow
def test_a_server_stopped_mid_send_leaves_no_lease_and_the_delivery_is_sent_again(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM while a receiver has not answered yet: the lease is given up at the stop, so
    the next worker sends the delivery at once (its attempt was never recorded)."""
    import threading

    answered = threading.Event()

    def slow(n: int) -> tuple[int, dict[str, str], bytes]:
        if n == 1:
            answered.wait(30)  # the first request hangs until the server is gone
        return 200, {}, b"thanks"

    key = Fernet.generate_key().decode()
    env = {**os.environ, KEY_ENV_VAR: key, ALLOW_HOSTS_ENV_VAR: "127.0.0.1"}
    port = free_port()
    monkeypatch.setenv(KEY_ENV_VAR, key)
    with receiving(slow) as receiver, tempfile.TemporaryDirectory() as folder:
        try:
            with Registry.open(migrated_url) as registry:
                made = registry.create_webhook(
                    receiver.url, ["model.registered"], actor="a", allow_http=True
                )
                registry.register_model(
                    ModelRegistration(title="t", metadata=logistic_regression(), artifact_id="m"),
                    actor="trainer",
                )
            log = Path(folder) / "serve.log"
            argv = ["atlas-registry", "serve", "--db", migrated_url, "--port", str(port)]
            server = fork_serve([*argv, "--webhooks"], log, env)
            try:
                with log.open("rb") as output:
                    _wait_ready(f"http://127.0.0.1:{port}", output)
                deadline = time.monotonic() + 20
                while not receiver.requests and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert len(receiver.requests) == 1
            finally:
                server.terminate()
                server.wait(timeout=30)
            answered.set()
            with Registry.open(migrated_url) as registry:
                with registry.database.transaction() as conn:
                    lease = conn.execute(
                        text("SELECT lease_owner, leased_until FROM webhooks")
                    ).one()
                assert tuple(lease) == (None, None)
                (owed,) = registry.webhook_deliveries(made.webhook.id)
                assert (owed.state, owed.attempts) == ("pending", 0)
                registry.webhook_worker(allowed_hosts=["127.0.0.1"]).run_once()
                (sent,) = registry.webhook_deliveries(made.webhook.id)
                assert sent.state == "delivered"
        finally:
            answered.set()
    assert len(receiver.requests) == 2  # sent again: at least once
