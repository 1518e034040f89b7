"""Webhooks delivered: signed the Standard Webhooks way, in order, at least once, never twice
once acknowledged, retried for about a day, replayed on demand; secrets never shown again.

A receiver on a loopback port (allow-listed: loopback is otherwise refused,
see test_webhook_ssrf.py) verifies each delivery with the standardwebhooks
package's own verifier. Time is an injectable clock, so a day of retries takes
no waiting.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from standardwebhooks import Webhook as Verifier

from atlas_registry import (
    EVENT_TYPES,
    ConfigurationError,
    ModelRegistration,
    NotFoundError,
    Registry,
    ValidationError,
)
from atlas_registry.webhooks.keys import KEY_ENV_VAR, KEY_FILE_ENV_VAR
from tests.payloads import logistic_regression
from tests.webhook_receiver import Receiver, ok, receiving

LOOPBACK = ("127.0.0.1",)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@pytest.fixture(autouse=True)
def webhook_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv(KEY_ENV_VAR, key)
    return key


def _register(registry: Registry, *ids: str) -> None:
    for artifact_id in ids:
        registry.register_model(
            ModelRegistration(title="t", metadata=logistic_regression(), artifact_id=artifact_id),
            actor="trainer",
        )


def _event_ids(receiver_list: list[Any]) -> list[int]:
    return [json.loads(r.body)["id"] for r in receiver_list]


def _verify_all(receiver: Receiver, secret: str) -> list[dict[str, Any]]:
    return [Verifier(secret).verify(r.body, r.headers) for r in receiver.acknowledged]


def test_each_delivery_is_the_event_signed_and_verifies(registry: Registry) -> None:
    with receiving() as receiver:
        made = registry.create_webhook(
            receiver.url, ["model.registered"], actor="admin", allow_http=True
        )
        assert made.secret.startswith("whsec_")
        _register(registry, "m-1", "m-2", "m-3")
        registry.promote("m-1", actor="gate", override=True, notes="n")  # not subscribed
        worker = registry.webhook_worker(allowed_hosts=LOOPBACK)
        assert worker.run_once() == 6  # three owed, three sent
        bodies = _verify_all(receiver, made.secret)
    events = registry.events_after(0, types=["model.registered"])
    assert bodies == [e.to_dict() for e in events]  # the events API's shape, in order
    assert [b["model_id"] for b in bodies] == ["m-1", "m-2", "m-3"]
    first = receiver.acknowledged[0].headers
    assert first["webhook-signature"].startswith("v1,")
    assert first["content-type"] == "application/json"
    # Tampering with the body breaks the signature.
    forged = receiver.acknowledged[0].body.replace(b"m-1", b"m-9")
    with pytest.raises(Exception, match="signature"):
        Verifier(made.secret).verify(forged, first)
    deliveries = registry.webhook_deliveries(made.webhook.id)
    assert [d.state for d in deliveries] == ["delivered"] * 3
    assert all(d.attempt_log[0].status_code == 200 for d in deliveries)
    assert deliveries[0].attempt_log[0].response_excerpt == "thanks"


def test_a_receiver_that_fails_for_a_while_gets_everything_in_order(registry: Registry) -> None:
    def flaky(n: int) -> tuple[int, dict[str, str], bytes]:
        return (500, {}, b"x" * 5000) if n <= 4 else ok(n)

    clock = Clock()
    with receiving(flaky) as receiver:
        made = registry.create_webhook(
            receiver.url, ["model.registered"], actor="a", allow_http=True
        )
        _register(registry, "m-1", "m-2", "m-3")
        worker = registry.webhook_worker(allowed_hosts=LOOPBACK, clock=clock)
        worker.run_once()
        for _ in range(10):
            clock.advance(timedelta(minutes=5))
            worker.run_once()
        ordered = _verify_all(receiver, made.secret)
    # Four failures, all of them of the first event: the ones behind it waited.
    assert [json.loads(r.body)["model_id"] for r in receiver.requests[:5]] == ["m-1"] * 5
    assert [b["model_id"] for b in ordered] == ["m-1", "m-2", "m-3"]
    first = registry.webhook_deliveries(made.webhook.id)[-1]
    assert [a.outcome for a in first.attempt_log] == ["failed"] * 4 + ["delivered"]
    failed = first.attempt_log[0]
    assert failed.status_code == 500
    assert failed.response_excerpt == "x" * 200  # never more than a short excerpt
    assert failed.error == "answered 500"
    assert len({r.headers["webhook-id"] for r in receiver.requests[:5]}) == 1  # same message


def test_after_a_day_of_failures_the_webhook_is_failing_until_a_replay(
    registry: Registry,
) -> None:
    healthy = threading.Event()

    def down_until_fixed(n: int) -> tuple[int, dict[str, str], bytes]:
        return ok(n) if healthy.is_set() else (503, {}, b"down")

    clock = Clock()
    with receiving(down_until_fixed) as receiver:
        made = registry.create_webhook(
            receiver.url, ["model.registered"], actor="a", allow_http=True
        )
        hook = made.webhook.id
        _register(registry, "m-1", "m-2")
        worker = registry.webhook_worker(allowed_hosts=LOOPBACK, clock=clock)
        worker.run_once()
        for _ in range(40):  # retries back off: 5 s, 10 s, 20 s ... 4 h
            clock.advance(timedelta(hours=1))
            worker.run_once()
        assert registry.webhook(hook).state == "failing"
        given_up = registry.webhook_deliveries(hook)[-1]
        assert given_up.state == "failed"
        spent = _parsed(given_up.attempt_log[-1].attempted_at) - _parsed(
            given_up.attempt_log[0].attempted_at
        )
        assert timedelta(days=1) <= spent < timedelta(days=1, hours=5)
        gaps = [
            _parsed(b.attempted_at) - _parsed(a.attempted_at)
            for a, b in zip(given_up.attempt_log, given_up.attempt_log[1:], strict=False)
        ]
        assert gaps[:3] == sorted(gaps[:3])  # exponential at first (then an hour per step here)
        # Nothing more is sent while failing, but new events are still owed.
        tried = len(receiver.requests)
        _register(registry, "m-3")
        clock.advance(timedelta(hours=1))
        worker.run_once()
        assert len(receiver.requests) == tried
        assert registry.webhook(hook).pending == 2
        healthy.set()
        registry.replay_delivery(given_up.id, actor="admin", clock=clock)
        assert registry.webhook(hook).state == "active"
        worker.run_once()
        delivered = _verify_all(receiver, made.secret)
    assert [b["model_id"] for b in delivered] == ["m-1", "m-2", "m-3"]
    assert registry.webhook(hook).pending == 0
    assert [e.type for e in registry.events_after(0, types=["webhook.replayed"])] == [
        "webhook.replayed"
    ]


def _parsed(stored: str) -> datetime:
    return datetime.strptime(stored, "%Y-%m-%d %H:%M:%S")


def test_a_restarted_worker_neither_loses_nor_resends_what_was_acknowledged(
    migrated_url: str,
) -> None:
    with receiving() as receiver:
        with Registry.open(migrated_url) as first:
            made = first.create_webhook(
                receiver.url, ["model.registered"], actor="a", allow_http=True
            )
            _register(first, "m-1", "m-2")
            first.webhook_worker(allowed_hosts=LOOPBACK).run_once()
            _register(first, "m-3")  # owed, not yet sent when the worker stops
        with Registry.open(migrated_url) as again:
            _register(again, "m-4")
            again.webhook_worker(allowed_hosts=LOOPBACK).run_once()
            again.webhook_worker(allowed_hosts=LOOPBACK).run_once()
        delivered = _verify_all(receiver, made.secret)
    assert [b["model_id"] for b in delivered] == ["m-1", "m-2", "m-3", "m-4"]
    assert len(receiver.requests) == 4


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_workers_on_postgresql_never_deliver_one_event_twice(migrated_url: str) -> None:
    import time

    def slowly(n: int) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.005)
        return ok(n)

    with receiving(slowly) as receiver, receiving(slowly) as other:
        with Registry.open(migrated_url) as setup:
            made = setup.create_webhook(
                receiver.url, ["model.registered"], actor="a", allow_http=True
            )
            setup.create_webhook(other.url, ["model.registered"], actor="a", allow_http=True)
            _register(setup, *(f"m-{n}" for n in range(30)))
        handles = [Registry.open(migrated_url) for _ in range(2)]
        try:
            workers = [h.webhook_worker(allowed_hosts=LOOPBACK) for h in handles]
            start = threading.Barrier(2)

            def drain(index: int) -> None:
                start.wait()
                for _ in range(200):
                    workers[index].run_once()
                    if len(receiver.acknowledged) + len(other.acknowledged) >= 60:
                        return

            threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        finally:
            for handle in handles:
                handle.close()
        delivered = _verify_all(receiver, made.secret)
    assert [b["model_id"] for b in delivered] == [f"m-{n}" for n in range(30)]
    assert len(receiver.requests) == 30
    assert len(other.requests) == 30
    assert _event_ids(other.requests) == sorted(set(_event_ids(other.requests)))


def test_unknown_event_types_are_refused_naming_the_valid_ones(registry: Registry) -> None:
    with pytest.raises(ValidationError) as refused:
        registry.create_webhook("https://hooks.example.com/x", ["model.registred"], actor="a")
    said = [str(v) for v in refused.value.violations]
    assert said[0] == "types: 'model.registred' is not an event type"
    listed = ", ".join(said[1:])
    assert all(t in listed for t in EVENT_TYPES)
    with pytest.raises(ValidationError):
        registry.create_webhook("https://hooks.example.com/x", [], actor="a")
    assert registry.webhooks() == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/x", "must be https"),
        ("https://user:pw@hooks.example.com/x", "user name or password"),
        ("ftp://hooks.example.com/x", "https"),
        ("https:///x", "names no host"),
        ("https://hooks.example.com:99999/x", "bad host or port"),
        ("https://hooks.example.com/a b", "space"),
    ],
)
def test_bad_urls_are_refused_saying_why(registry: Registry, url: str, why: str) -> None:
    with pytest.raises(ValidationError) as refused:
        registry.create_webhook(url, ["model.registered"], actor="a")
    assert why in str(refused.value.violations[0])


def test_the_secret_is_shown_once_and_kept_encrypted(registry: Registry, webhook_key: str) -> None:
    given = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    made = registry.create_webhook(
        "https://hooks.example.com/x", ["model.promoted"], actor="a", secret=given
    )
    assert made.secret == given
    assert "secret" not in made.webhook.to_dict()
    assert given not in json.dumps([w.to_dict() for w in registry.webhooks()])
    with registry.database.transaction() as conn:
        everything = [
            str(row)
            for table in ("webhooks", "registry_events")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        ]
    assert not any(given in row or given[6:] in row for row in everything)
    with pytest.raises(ValidationError):
        registry.create_webhook("https://h.example.com/", ["model.promoted"], actor="a", secret="x")


def test_a_wrong_or_missing_key_is_a_clear_error(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    with receiving() as receiver:
        registry.create_webhook(receiver.url, ["model.registered"], actor="a", allow_http=True)
        _register(registry, "m-1")
        monkeypatch.setenv(KEY_ENV_VAR, Fernet.generate_key().decode())
        registry.webhook_worker(allowed_hosts=LOOPBACK).run_once()  # fences, does not stop
        [fenced] = registry.webhooks()
        assert fenced.state == "failing"
        assert "sealed with another key" in (fenced.failing_reason or "")
        monkeypatch.setenv(KEY_ENV_VAR, "not-a-key")
        with pytest.raises(ConfigurationError, match="not a Fernet key"):
            registry.webhook_worker(allowed_hosts=LOOPBACK)
        monkeypatch.delenv(KEY_ENV_VAR)
        monkeypatch.setenv(KEY_FILE_ENV_VAR, str(tmp_path / "missing.key"))
        with pytest.raises(ConfigurationError, match="no webhook key"):
            registry.webhook_worker(allowed_hosts=LOOPBACK)
        assert receiver.requests == []


def test_the_key_file_is_made_owner_only_on_first_create(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.delenv(KEY_ENV_VAR)
    path = tmp_path / "keys" / "webhook.key"
    monkeypatch.setenv(KEY_FILE_ENV_VAR, str(path))
    registry.create_webhook("https://hooks.example.com/x", ["model.promoted"], actor="a")
    assert path.stat().st_mode & 0o777 == 0o600
    registry.webhook_worker()  # the same key opens it
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        registry.webhook_worker()


def test_creating_and_deleting_a_webhook_are_events(registry: Registry) -> None:
    made = registry.create_webhook(
        "https://hooks.example.com/x?token=s3cret", ["model.promoted"], actor="root"
    )
    gone = registry.delete_webhook(made.webhook.id, actor="root")
    assert gone.state == "deleted"
    assert registry.webhooks() == []
    assert [w.id for w in registry.webhooks(deleted=True)] == [made.webhook.id]
    events = registry.events_after(0, types=["webhook.created", "webhook.deleted"])
    assert [(e.type, e.actor) for e in events] == [
        ("webhook.created", "root"),
        ("webhook.deleted", "root"),
    ]
    assert events[0].payload == {
        "webhook_id": made.webhook.id,
        "types": ["model.promoted"],
        "origin": "https://hooks.example.com",  # never the path or query: they may hold secrets
    }
    with registry.database.transaction() as conn:
        sealed = conn.execute(text("SELECT secret_encrypted FROM webhooks")).scalar_one()
    assert sealed is None  # the secret is destroyed with the subscription
    with pytest.raises(NotFoundError):
        registry.delete_webhook(999, actor="root")
    with pytest.raises(NotFoundError):
        registry.webhook_deliveries(999)


def test_a_new_webhook_is_owed_only_what_comes_after_it(registry: Registry) -> None:
    _register(registry, "m-1")
    with receiving() as receiver:
        registry.create_webhook(receiver.url, ["model.registered"], actor="a", allow_http=True)
        _register(registry, "m-2")
        registry.webhook_worker(allowed_hosts=LOOPBACK).run_once()
    assert [json.loads(r.body)["model_id"] for r in receiver.requests] == ["m-2"]


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_the_running_worker_wakes_on_new_events(registry: Registry, stop: threading.Event) -> None:
    with receiving() as receiver:
        registry.create_webhook(receiver.url, ["model.registered"], actor="a", allow_http=True)
        thread = threading.Thread(
            target=registry.run_webhooks, args=(stop,), kwargs={"allowed_hosts": LOOPBACK}
        )
        thread.start()
        try:
            _register(registry, "m-1")
            for _ in range(200):
                if receiver.acknowledged:
                    break
                threading.Event().wait(0.05)
        finally:
            stop.set()
            thread.join(timeout=10)
    assert [json.loads(r.body)["model_id"] for r in receiver.acknowledged] == ["m-1"]


def test_a_refused_address_and_a_redirect_are_failed_attempts_in_the_log(
    registry: Registry,
) -> None:
    with receiving() as inner:

        def redirect(_n: int) -> tuple[int, dict[str, str], bytes]:
            return 307, {"location": inner.url}, b"moved"

        with receiving(redirect) as outer:
            redirected = registry.create_webhook(
                outer.url, ["model.registered"], actor="a", allow_http=True
            )
            port = inner.url.split(":")[2].split("/")[0]
            refused = registry.create_webhook(
                f"http://localhost:{port}/hook", ["model.registered"], actor="a", allow_http=True
            )
            _register(registry, "m-1")
            registry.webhook_worker(allowed_hosts=LOOPBACK).run_once()  # localhost is not listed
    (bounced,) = registry.webhook_deliveries(redirected.webhook.id)[0].attempt_log
    assert (bounced.outcome, bounced.status_code, bounced.error) == (
        "failed",
        307,
        "a redirect, not followed",
    )
    assert bounced.response_excerpt == "moved"
    (stopped,) = registry.webhook_deliveries(refused.webhook.id)[0].attempt_log
    assert stopped.outcome == "failed"
    assert stopped.status_code is None
    assert stopped.error is not None
    assert stopped.error.startswith("refused: localhost resolves to")
    assert len(outer.requests) == 1
    assert inner.requests == []
