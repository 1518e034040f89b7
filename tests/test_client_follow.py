"""``follow()`` over HTTP: each event once, in order, across a restart of the server it reads."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from atlas_registry import Event, ModelRegistration, Registry, RemoteRegistry, connect
from tests.payloads import logistic_regression
from tests.server_helpers import free_port, served

pytestmark = pytest.mark.slow  # server processes


def _register(remote: Any, count: int) -> None:
    for _ in range(count):
        remote.register_model(
            ModelRegistration(title="AD risk", line="ad-risk", metadata=logistic_regression())
        )


def _wait_for(seen: list[Event], count: int) -> None:
    deadline = time.monotonic() + 90
    while len(seen) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_follower_sees_each_event_once_in_order_across_a_server_restart(
    migrated_url: str,
) -> None:
    with Registry.open(migrated_url) as local:
        token = local.create_token("trainer", ["register"]).token
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        seen: list[Event] = []
        stop = threading.Event()
        follower_client = connect(base, token=token)
        assert isinstance(follower_client, RemoteRegistry)

        def follow() -> None:
            for event in follower_client.follow(0, types=["model.registered"], stop=stop, poll=1):
                seen.append(event)

        with served(migrated_url, port):
            follower = threading.Thread(target=follow)
            follower.start()
            with connect(base, token=token) as writer:
                _register(writer, 5)
            _wait_for(seen, 5)
        # The server is gone: the follower's polls fail and are retried until it is back.
        time.sleep(1.5)
        with served(migrated_url, port), connect(base, token=token) as writer:
            _register(writer, 4)
            _wait_for(seen, 9)
            stop.set()
            follower.join(timeout=30)
        follower_client.close()
        expected = local.events_after(0, types=["model.registered"], limit=1000)
    assert not follower.is_alive()
    assert seen == expected
    assert len(seen) == 9
    assert [e.id for e in seen] == sorted({e.id for e in seen})
