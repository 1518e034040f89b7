"""Following the event log from outside: the API's cursor, long poll and SSE, real servers, CLI.

A consumer that keeps the last id it saw never misses an event and never sees
one twice: across a restart of the server it reads from, across two server
processes on one PostgreSQL (where a long poll on one is woken by a write
through the other, by NOTIFY), and when it reconnects a stream with
``Last-Event-ID``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from atlas_registry import EVENT_TYPES, ModelRegistration, Registry
from atlas_registry.api import create_app
from tests.cli_helpers import invoke
from tests.event_soak_helpers import PLAIN_HTTP, Server
from tests.payloads import logistic_regression
from tests.server_helpers import call, served, served_in_thread

BASE = "http://127.0.0.1"


def _body(artifact_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "title": "ad risk",
        "metadata": logistic_regression(),
        "artifact_id": artifact_id,
        **fields,
    }


@pytest.fixture
def api(migrated_url: str) -> Iterator[tuple[Registry, TestClient, str]]:
    registry = Registry.open(migrated_url)
    token = registry.create_token("trainer", ["register", "promote", "override"]).token
    client = TestClient(create_app(registry), base_url=BASE)
    yield registry, client, token
    client.close()
    registry.close()


def _register(client: TestClient, token: str, artifact_id: str, **fields: Any) -> None:
    response = client.post(
        "/api/v1/models",
        json=_body(artifact_id, **fields),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text


def test_the_log_is_read_in_order_after_a_cursor(api: tuple[Registry, TestClient, str]) -> None:
    _registry, client, token = api
    for name in ("m-1", "m-2", "m-3"):
        _register(client, token, name, line="ad-risk")
    whole = client.get("/api/v1/events", params={"after": 0}).json()
    types = [e["type"] for e in whole["items"]]
    assert types[0] == "token.created"
    assert types.count("model.registered") == 3
    ids = [e["id"] for e in whole["items"]]
    assert ids == sorted(ids)
    assert whole["next_after"] == ids[-1]
    page = client.get("/api/v1/events", params={"after": ids[0], "limit": 2})
    assert [e["id"] for e in page.json()["items"]] == ids[1:3]
    assert page.headers["link"] == f'</api/v1/events?after={ids[2]}&limit=2>; rel="next"'
    registered = client.get(
        "/api/v1/events", params={"after": 0, "types": "model.registered", "line": "ad-risk"}
    ).json()["items"]
    assert [e["model_id"] for e in registered] == ["m-1", "m-2", "m-3"]
    assert registered[0]["actor"] == "trainer"
    caught_up = client.get("/api/v1/events", params={"after": ids[-1]}).json()
    assert caught_up == {"items": [], "next_after": ids[-1]}


def test_the_promotion_feed_keeps_its_shape_without_a_cursor(
    api: tuple[Registry, TestClient, str],
) -> None:
    registry, client, token = api
    _register(client, token, "m-1")
    registry.promote("m-1", actor="ci", notes="ok", override=True)
    feed = client.get("/api/v1/events").json()
    assert list(feed) == ["items"]
    assert feed["items"][0]["to_state"] == "promoted"
    assert set(feed["items"][0]) == {
        "id", "artifact_id", "from_state", "to_state", "actor", "notes", "override", "created_at"
    }  # fmt: skip


def test_an_unknown_type_is_refused_naming_every_valid_type(
    api: tuple[Registry, TestClient, str],
) -> None:
    _registry, client, _token = api
    for path in ("/api/v1/events", "/api/v1/events/stream"):
        response = client.get(path, params={"after": 0, "types": "model.promoted,bogus.type"})
        assert response.status_code == 422, response.text
        violations = response.json()["violations"]
        assert {v["path"] for v in violations} == {"types"}  # the parameter as the API spells it
        assert violations[0]["message"] == "'bogus.type' is not an event type"
        named = ", ".join(v["message"] for v in violations[1:])
        assert "more character" not in named
        assert sorted(t for t in re.findall(r"[a-z_]+\.[a-z_]+", named)) == sorted(EVENT_TYPES)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"after": 0, "types": "model.promotd"}, 422, "validation_error"),
        ({"after": 0, "line": "no-such-line"}, 404, "not_found_error"),
        ({"after": 0, "line": "<script>"}, 404, "not_found_error"),
        ({"after": 0, "before_id": 3}, 422, "validation_error"),
        ({"after": -1}, 400, "bad_request"),
        ({"after": "9" * 30}, 400, "bad_request"),
        ({"after": 0, "wait": 61}, 400, "bad_request"),
        ({"after": 0, "limit": 1001}, 400, "bad_request"),
        ({"after": 0, "since": 1}, 400, "bad_request"),
    ],
)
def test_bad_follow_queries_are_refused_with_a_problem(
    api: tuple[Registry, TestClient, str], params: dict[str, Any], status: int, code: str
) -> None:
    _registry, client, _token = api
    response = client.get("/api/v1/events", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_reads_of_the_log_need_the_read_scope_where_reads_are_closed(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        token = registry.create_token("reader", ["register"]).token
        client = TestClient(create_app(registry, anonymous_read=False), base_url=BASE)
        for path in ("/api/v1/events?after=0", "/api/v1/events/stream"):
            assert client.get(path).status_code == 401
        ok = client.get("/api/v1/events?after=0", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        client.close()


def _waits_its_second_and_returns_nothing(client: TestClient) -> None:
    last = client.get("/api/v1/events", params={"after": 0}).json()["next_after"]
    start = time.monotonic()
    answer = client.get("/api/v1/events", params={"after": last, "wait": 1})
    assert answer.json() == {"items": [], "next_after": last}
    assert 0.9 <= time.monotonic() - start < 5


def test_a_long_poll_returns_when_its_time_is_up(api: tuple[Registry, TestClient, str]) -> None:
    _registry, client, _token = api
    _waits_its_second_and_returns_nothing(client)


def test_a_long_poll_wakes_when_an_event_commits(api: tuple[Registry, TestClient, str]) -> None:
    registry, client, _token = api
    last = registry.last_event_id()
    timer = threading.Timer(0.5, lambda: registry.create_token("late", ["register"]))
    timer.start()
    start = time.monotonic()
    answer = client.get("/api/v1/events", params={"after": last, "wait": 30}).json()
    timer.join()
    assert [e["type"] for e in answer["items"]] == ["token.created"]
    assert time.monotonic() - start < 5


def _stream_events(
    base: str,
    count: int,
    headers: dict[str, str] | None = None,
    params: Any = None,
    path: str = "/api/v1/events/stream",
) -> list[dict[str, Any]]:
    """The first ``count`` SSE messages of ``path`` as {id, event, data}."""
    got: list[dict[str, Any]] = []
    message: dict[str, Any] = {}
    with httpx.stream(
        "GET", f"{base}{path}", headers=headers, params=params, timeout=30, verify=PLAIN_HTTP
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if "id" in message:
                    got.append(message)
                    if len(got) == count:
                        return got
                message = {}
                continue
            field, _, value = line.partition(": ")
            message[field] = json.loads(value) if field == "data" else value
    return got


def _token(url: str, name: str = "writer") -> str:
    with Registry.open(url) as registry:
        return registry.create_token(name, ["register", "promote", "override"]).token


def _post(base: str, token: str, artifact_id: str) -> None:
    status, body = call(base, "POST", "/api/v1/models", _body(artifact_id), token)
    assert status == 201, body


def test_a_stream_resumes_after_last_event_id_and_after_a_restart(migrated_url: str) -> None:
    token = _token(migrated_url)
    with served(migrated_url) as base:
        for name in ("m-1", "m-2", "m-3"):
            _post(base, token, name)
        first = _stream_events(base, 2, params={"types": "model.registered"})
        assert [m["data"]["model_id"] for m in first] == ["m-1", "m-2"]
        assert [m["event"] for m in first] == ["model.registered"] * 2
        assert [int(m["id"]) for m in first] == [m["data"]["id"] for m in first]
        resumed = _stream_events(
            base,
            1,
            headers={"Last-Event-ID": first[-1]["id"]},
            params={"types": "model.registered"},
        )
        assert [m["data"]["model_id"] for m in resumed] == ["m-3"]
        negotiated = _stream_events(
            base,
            1,
            headers={"Accept": "text/event-stream"},
            params={"after": first[0]["id"], "types": "model.registered"},
            path="/api/v1/events",
        )
        assert [m["data"]["model_id"] for m in negotiated] == ["m-2"]
        last = call(base, "GET", "/api/v1/events?after=0")[1]["next_after"]
    with served(migrated_url) as base:  # the same database, a new server process
        assert call(base, "GET", f"/api/v1/events?after={last}")[1]["items"] == []
        _post(base, token, "m-4")
        page = call(base, "GET", f"/api/v1/events?after={last}")[1]
        assert [e["model_id"] for e in page["items"]] == ["m-4"]
        bad = httpx.get(
            f"{base}/api/v1/events/stream", headers={"Last-Event-ID": "12a"}, verify=PLAIN_HTTP
        )
        assert bad.status_code == 400


def _follow(base: str, after: int, stop: threading.Event, seen: list[int]) -> None:
    """A follower over HTTP: long polls from ``after`` until ``stop``, then one last read."""
    while True:
        finished = stop.is_set()
        with httpx.Client(timeout=60, verify=PLAIN_HTTP) as client:
            page = client.get(
                f"{base}/api/v1/events", params={"after": after, "wait": 0 if finished else 2}
            ).json()
        for event in page["items"]:
            seen.append(event["id"])
        after = page["next_after"]
        if finished and not page["items"]:
            return


def _writes(bases: list[str], token: str, writers: int, each: int) -> None:
    def write(w: int) -> None:
        base = bases[w % len(bases)]
        for i in range(each):
            model = f"w{w}-{i}"
            _post(base, token, model)
            status, body = call(
                base,
                "POST",
                f"/api/v1/models/{model}/promote",
                {"notes": "ok", "override": True},
                token,
            )
            assert status == 200, body

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))


def test_a_follower_started_before_concurrent_writers_sees_each_event_once(
    migrated_url: str, backend: str
) -> None:
    """Writers of several kinds through one server (two on PostgreSQL); a follower of the other."""
    token = _token(migrated_url)
    with served(migrated_url) as first, _second(migrated_url, first, backend) as second:
        start = call(second, "GET", "/api/v1/events?after=0")[1]["next_after"]
        stop, seen = threading.Event(), list[int]()
        follower = threading.Thread(target=_follow, args=(second, start, stop, seen))
        follower.start()
        _writes([first, second], token, writers=8, each=4)
        stop.set()
        follower.join(timeout=120)
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 8 * 4 * 2  # each registration and its promotion


@contextmanager
def _second(url: str, first: str, backend: str) -> Iterator[str]:
    """A second server process on PostgreSQL; the first again on SQLite (one writer anyway)."""
    if backend != "postgresql":
        yield first
        return
    with served(url) as second:
        yield second


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_write_through_one_server_wakes_a_long_poll_on_the_other(migrated_url: str) -> None:
    token = _token(migrated_url)
    with served(migrated_url) as writer, served(migrated_url) as reader:
        last = call(reader, "GET", "/api/v1/events?after=0")[1]["next_after"]
        call(reader, "GET", f"/api/v1/events?after={last}&wait=1")  # its listener is up
        woken: list[float] = []
        answers: list[Any] = []

        def wait() -> None:
            answers.append(call(reader, "GET", f"/api/v1/events?after={last}&wait=30")[1])
            woken.append(time.monotonic())

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.5)
        written = time.monotonic()
        _post(writer, token, "m-1")
        waiter.join(timeout=60)
        assert [e["model_id"] for e in answers[0]["items"]] == ["m-1"]
        # Far under the 5 s a listening waiter sleeps between reads: NOTIFY woke it.
        assert woken[0] - written < 1.5


def test_events_follow_prints_json_lines_from_the_cursor(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        for name in ("m-1", "m-2"):
            registry.register_model(
                ModelRegistration(title="<b>x</b>\x1b[31m", metadata=logistic_regression(),
                                  artifact_id=name, line="ad-risk")
            )  # fmt: skip
    code, out, _err = invoke("events", "follow", "--db", migrated_url, "--idle", "0.3")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [e["type"] for e in lines] == ["model.registered", "line.named", "model.registered"]
    assert "\x1b" not in out
    code, out, _err = invoke(
        "events", "follow", "--db", migrated_url, "--after", str(lines[0]["id"]),
        "--type", "model.registered", "--line", "ad-risk", "--count", "1",
    )  # fmt: skip
    assert code == 0
    assert [json.loads(line)["model_id"] for line in out.splitlines()] == ["m-2"]
    code, _out, err = invoke("events", "follow", "--db", migrated_url, "--type", "nope")
    assert code != 0
    assert "unknown event type" in err
    assert "--type: 'nope' is not an event type" in err  # the option as the command spells it
    assert "types:" not in err
    assert "more character" not in err
    assert sorted(re.findall(r"[a-z_]+\.[a-z_]+", err.split("'nope'", 2)[-1])) == sorted(
        EVENT_TYPES
    )  # every valid type, none cut off


@pytest.mark.slow
def test_sigterm_ends_open_streams_and_long_polls_and_serve_exits_0(migrated_url: str) -> None:
    """A service manager's stop is not held by followers: uvicorn would wait 30 s for them."""
    server = Server(migrated_url)
    server.start()
    try:
        polled: list[httpx.Response] = []
        poll = threading.Thread(
            target=lambda: polled.append(
                httpx.get(f"{server.base}/api/v1/events", params={"after": 0, "wait": 60,
                          "types": "model.promoted"}, timeout=90, verify=PLAIN_HTTP)
            )
        )  # fmt: skip
        with httpx.stream(
            "GET",
            f"{server.base}/api/v1/events/stream",
            params={"after": 0},
            timeout=90,
            verify=PLAIN_HTTP,
        ) as response:
            lines = response.iter_lines()
            assert next(lines) == ": following the event log"
            poll.start()
            time.sleep(0.5)  # the long poll is waiting too
            status = server.stop(within=10)
            list(lines)  # the stream ends whole: a cut chunked body would raise here
        poll.join(timeout=30)
        assert status == 0, server.output()
        assert polled[0].status_code == 200
        assert polled[0].json()["items"] == []
    finally:
        server.close()


def test_a_server_stopped_in_this_process_leaves_the_next_ones_followers_waiting(
    api: tuple[Registry, TestClient, str], migrated_url: str
) -> None:
    """Its stop ends its own streams and long polls, not those of a server started after it."""
    with httpx.Client(verify=PLAIN_HTTP) as kept_open, served_in_thread(migrated_url) as base:
        assert kept_open.get(f"{base}/api/v1/events").status_code == 200  # open at the stop
    _registry, client, _token = api
    _waits_its_second_and_returns_nothing(client)
