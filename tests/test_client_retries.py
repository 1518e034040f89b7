"""Writes retried safely: one Idempotency-Key per write, the same on every try.

The unit half drives the session through a scripted transport; the slow half
drops the first answer of a write a real server has committed, and the retry
gets that write's first answer instead of a second write.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from atlas_registry import ModelRegistration, Registry, connect
from atlas_registry.client import RemoteRegistry, RetryPolicy, Session
from atlas_registry.errors import (
    ConfigurationError,
    DatabaseNotFoundError,
    InputError,
    NotFoundError,
)
from tests.payloads import logistic_regression
from tests.server_helpers import served

OK = {"ids": ["m-1"]}
NOT_FOUND = {"code": "not_found_error", "detail": "no model m-9", "status": 404}


def scripted(answers: list[Any]) -> tuple[Session, list[httpx2.Request], list[float]]:
    """A session whose transport answers ``answers`` in turn (an exception is raised)."""
    sent: list[httpx2.Request] = []
    slept: list[float] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        return httpx2.Response(status, json=body, headers=headers)

    session = Session(
        "http://registry.test",
        "atl_token",
        transport=httpx2.MockTransport(handle),
        sleep=slept.append,
        retry=RetryPolicy(attempts=4, base_delay=0.1, max_delay=2.0),
    )
    return session, sent, slept


def test_a_write_is_retried_with_the_same_key_after_a_lost_answer_and_a_503() -> None:
    session, sent, slept = scripted(
        [
            httpx2.ReadError("connection reset"),
            (503, {"code": "lock_timeout_error", "detail": "busy"}, {"Retry-After": "1"}),
            (201, OK, {}),
        ]
    )
    assert session.post("/api/v1/models/batch", {"items": []}) == OK
    keys = [r.headers["idempotency-key"] for r in sent]
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert [r.headers["authorization"] for r in sent] == ["Bearer atl_token"] * 3
    assert len(slept) == 2
    assert slept[1] >= 1.0
    assert all(0 < wait <= 2.0 for wait in slept)


def test_each_write_has_its_own_key_and_reads_send_none() -> None:
    session, sent, _ = scripted([(201, OK, {}), (201, OK, {}), (200, {"items": []}, {})])
    session.post("/api/v1/models/batch", {})
    session.post("/api/v1/models/batch", {})
    session.get("/api/v1/models")
    first, second, read = (r.headers.get("idempotency-key") for r in sent)
    assert first
    assert second
    assert first != second
    assert read is None


def test_a_429_is_retried_only_when_it_says_when() -> None:
    session, sent, slept = scripted(
        [(429, {"detail": "slow down"}, {"Retry-After": "2"}), (200, {"items": []}, {})]
    )
    assert session.get("/api/v1/models") == {"items": []}
    assert len(sent) == 2
    assert slept == [2.0]
    session, _sent, slept = scripted([(429, {"detail": "slow down"}, {})])
    with pytest.raises(Exception, match="slow down"):
        session.get("/api/v1/models")
    assert slept == []


def test_a_client_error_is_not_retried_and_keeps_its_class() -> None:
    session, sent, slept = scripted([(404, NOT_FOUND, {})])
    with pytest.raises(NotFoundError, match="no model m-9"):
        session.get("/api/v1/models/m-9")
    assert len(sent) == 1
    assert slept == []


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(attempts=10, base_delay=0.5, max_delay=4.0)
    waits = [policy.delay(retry) for retry in range(8)]
    assert all(0.25 <= w <= 4.0 for w in waits)
    assert waits[0] <= 0.5
    assert min(waits[4:]) >= 2.0
    assert len({policy.delay(3) for _ in range(20)}) > 1  # jittered


def test_an_unreachable_server_is_said_after_the_last_try() -> None:
    session, sent, slept = scripted([httpx2.ConnectError("refused")] * 4)
    with pytest.raises(DatabaseNotFoundError, match="cannot be reached"):
        session.get("/api/v1/models")
    assert len(sent) == 4
    assert len(slept) == 3


@pytest.mark.parametrize(
    "url", ["ftp://host", "http://user:secret@host", "https://host/?token=x", "registry.example"]
)
def test_a_server_url_with_credentials_or_another_scheme_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        Session(url)


class DropsFirstAnswer(httpx2.BaseTransport):
    """Sends each request to the server; the first write's answer is lost on the way back."""

    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.dropped = False
        self.replayed: list[str | None] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        if request.method != "POST":
            return response
        response.read()
        self.replayed.append(response.headers.get("idempotent-replayed"))
        if not self.dropped:
            self.dropped = True
            response.close()
            raise httpx2.ReadError("the answer was lost after the server committed")
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.mark.slow  # a server process
def test_a_write_whose_answer_is_lost_is_made_once_and_answered_as_the_first_time(
    migrated_url: str,
) -> None:
    with Registry.open(migrated_url) as local:
        token = local.create_token("trainer", ["register"]).token
        with served(migrated_url) as base:
            transport = DropsFirstAnswer()
            session = Session(base, token, transport=transport, sleep=lambda _s: None)
            with RemoteRegistry(session) as remote:
                registration = ModelRegistration(
                    title="AD risk", line="ad-risk", metadata=logistic_regression()
                )
                record = remote.register_model(registration)
        assert transport.replayed == [None, "true"]  # the retry got the kept answer
        assert local.list_models(line="ad-risk") == [record]  # one version, not two


def test_connect_refuses_database_options_for_a_server() -> None:
    with pytest.raises(TypeError):
        connect("http://registry.test", policy="gate.toml")


def test_dot_references_stay_one_path_segment() -> None:
    session, sent, _ = scripted([(404, NOT_FOUND, {})] * 3)
    remote = RemoteRegistry(session)
    for ref in ("..", ".", "a/../b"):
        with pytest.raises(NotFoundError):
            remote.get_model(ref)
    assert [r.url.raw_path.decode() for r in sent] == [
        "/api/v1/models/%2E%2E",
        "/api/v1/models/%2E",
        "/api/v1/models/a%2F..%2Fb",
    ]


def test_a_wait_longer_than_a_server_holds_is_refused_as_the_library_refuses_it() -> None:
    session, sent, _ = scripted([])
    with pytest.raises(InputError, match="between 0 and 60"):
        RemoteRegistry(session).wait_for_events(0, timeout=61)
    assert sent == []
