"""Bodies as they stream: bounded in size and time while they arrive, a hang-up is one log line."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import ModelRegistration, Registry
from atlas_registry.api.guards import MAX_BODY_BYTES, Guards, Message
from atlas_registry.web.problem_types import HTTP_PROBLEMS
from tests import test_api
from tests.conftest import migrated_copy
from tests.payloads import logistic_regression
from tests.test_api import PIN, Service, _api_routes, assert_problem
from tests.transport_server import Served, read_answer, serve, wait_for

CHUNK = 64 * 1024
# The API in-process over a migrated database of each backend, with tokens of each scope.
svc = test_api.svc


def _chunks(total: int) -> Iterator[bytes]:
    """A body sent chunked: no Content-Length, so only counting as it streams can bound it."""
    for start in range(0, total, CHUNK):
        yield b" " * min(CHUNK, total - start)


def _body_routes(svc: Service) -> list[tuple[str, str]]:
    """Every (method, path) of the API that takes a body, with each path parameter filled."""
    routes = []
    for route in _api_routes(svc.client.app.fastapi.routes):  # type: ignore[attr-defined]
        for method in sorted((route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            routes.append((method, re.sub(r"\{[^}]+\}", "x", route.path)))
    return routes


def test_a_chunked_body_over_the_limit_is_a_413_on_every_route(svc: Service) -> None:
    """It was a 500 and two tracebacks: the limit was passed inside the route, mid-read."""
    routes = _body_routes(svc)
    assert ("POST", "/api/v1/models") in routes
    assert ("POST", "/api/v1/validate") in routes
    for method, path in routes:
        for headers in ({}, svc.auth("admin")):
            response = svc.client.request(
                method,
                path,
                content=_chunks(MAX_BODY_BYTES + 1),
                headers={**headers, "Content-Type": "application/json"},
            )
            assert "content-length" not in response.request.headers
            assert_problem(response, 413, "payload_too_large")


def test_a_chunked_body_within_the_limit_is_read_whole(svc: Service) -> None:
    body = json.dumps({"title": "chunked", "metadata": logistic_regression(), **PIN}).encode()
    pieces = [body[i : i + 100] for i in range(0, len(body), 100)]
    response = svc.client.post(
        "/api/v1/models",
        content=iter(pieces),
        headers={**svc.auth("register"), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    padded = svc.client.post(  # exactly at the limit: not refused for its size
        "/api/v1/validate",
        content=_chunks(MAX_BODY_BYTES),
        headers={"Content-Type": "application/json"},
    )
    assert padded.status_code != 413, padded.text


def _run_guard(
    messages: list[Message], timeout: float = 5, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> list[Message]:
    """The guard over an app that echoes the body, fed ``messages`` (then nothing)."""

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/validate",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 5000),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # a client that stopped sending
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    guarded = Guards(echo, frozenset({"127.0.0.1"}), body_timeout=timeout)
    # In a thread of its own: after a page test, pytest-playwright's event loop
    # is still running in this one, and asyncio.run refuses to start under it.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, guarded(scope, receive, send)).result()
    return sent


def test_a_body_that_stops_arriving_is_a_408_and_the_connection_closes() -> None:
    sent = _run_guard([{"type": "http.request", "body": b"{", "more_body": True}], timeout=0.3)
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]
    problem = json.loads(sent[1]["body"])
    assert problem["code"] == "request_timeout"
    assert "within 0.3 s (1 bytes received)" in problem["detail"]
    assert HTTP_PROBLEMS["request_timeout"].status == 408  # its page at /problems/request_timeout


@pytest.mark.parametrize("length", [b"\xb2", b"-1", b"1e3", b" ", b"1048577"])
def test_a_content_length_that_is_not_a_number_in_range_is_refused(length: bytes) -> None:
    """``"²".isdigit()`` is true: the check passed it on to int(), which raised."""
    sent = _run_guard([], headers=((b"content-length", length),))
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "payload_too_large"


def test_a_body_in_pieces_reaches_the_app_whole() -> None:
    pieces = [{"type": "http.request", "body": b"ab", "more_body": True}] * 3
    sent = _run_guard([*pieces, {"type": "http.request", "body": b"c", "more_body": False}])
    assert [sent[0]["status"], sent[1]["body"]] == [200, b"abababc"]


def test_a_hang_up_mid_body_is_one_log_line_and_no_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="atlas_registry")
    sent = _run_guard(
        [{"type": "http.request", "body": b"{}", "more_body": True}, {"type": "http.disconnect"}]
    )
    assert sent == []
    assert [r.getMessage() for r in caplog.records] == [
        "127.0.0.1:5000 POST '/api/v1/validate': the client hung up after 2 bytes of its body; "
        "nothing was done"
    ]


def _chunked_request(path: str, total: int, token: str = "") -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{auth}Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    return head + b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in _chunks(total)) + b"0\r\n\r\n"


def _one_more_line(served: Served, before: int) -> list[str]:
    """The lines logged after the first ``before``, once one came and a moment passed."""
    wait_for(lambda: len(served.log_lines()) > before, 10, "a log line")
    time.sleep(1)  # time for a traceback, or any other line, to follow
    return served.log_lines()[before:]


@pytest.mark.slow  # a server process
def test_a_real_server_refuses_big_chunked_bodies_and_logs_a_hang_up_once(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = migrated_copy("sqlite", tmp_path, request)
    with Registry.open(url) as registry:
        token = registry.create_token("uploader", ["admin"]).token
    with serve(url, tmp_path / "serve.log") as served:
        for path in ("/api/v1/models", "/api/v1/validate"):
            for sent_token in ("", token):
                with served.connect() as conn:
                    conn.sendall(_chunked_request(path, MAX_BODY_BYTES + CHUNK, sent_token))
                    status, body = read_answer(conn)
                assert (status, json.loads(body)["code"]) == (413, "payload_too_large")
        assert not [line for line in served.log_lines() if "Traceback" in line]

        before = len(served.log_lines())
        with served.connect() as conn:  # hangs up after 5 of the 1000 bytes it announced
            conn.sendall(
                b"POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":'
            )
        lines = _one_more_line(served, before)
        assert len(lines) == 1, lines
        assert "hung up after 5 bytes of its body" in lines[0]

        before = len(served.log_lines())
        body = json.dumps({"title": "gone", "metadata": logistic_regression(), **PIN}).encode()
        with served.connect() as conn:  # sends a whole write, hangs up before the answer
            conn.sendall(
                b"POST /api/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nAuthorization: Bearer "
                + token.encode()
                + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
                + body
            )
        lines = _one_more_line(served, before)
        assert len(lines) == 1, lines
        assert "Traceback" not in lines[0]


@pytest.mark.slow  # a server process
def test_a_client_that_hangs_up_before_its_answer_is_logged_once(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A read answered on the event loop gives the loop no turn to see the hang-up itself."""
    url = migrated_copy("sqlite", tmp_path, request)
    with Registry.open(url) as registry:
        token = registry.create_token("reader", ["register"]).token
        model = registry.register_model(
            ModelRegistration(title="m", metadata=logistic_regression(), line="hang-up")
        )
    with serve(url, tmp_path / "serve.log") as served:
        before = len(served.log_lines())
        with served.connect() as conn:
            conn.sendall(
                f"GET /api/v1/models/{model.id} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\n\r\n".encode()
            )
            conn.shutdown(socket.SHUT_WR)  # said all it will say, and stops listening
            status, _body = read_answer(conn)
        assert status == 200
        lines = _one_more_line(served, before)
    assert len(lines) == 1, lines
    assert f"GET '/api/v1/models/{model.id}'" in lines[0]
    assert "the client hung up before its answer (200); the request was carried out" in lines[0]
