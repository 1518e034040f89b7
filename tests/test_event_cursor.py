"""A cursor past the end of the log is refused: a follower holding one would wait for ever.

Every id a follower holds came from a committed event of this log, and the log
only grows; a bigger one came from another database or from before a restore.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from atlas_registry import InputError, ModelRegistration, Registry
from atlas_registry.api import create_app
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression


def _one_event(registry: Registry) -> int:
    registry.register_model(ModelRegistration(title="m", metadata=logistic_regression()))
    return registry.last_event_id()


def test_a_cursor_past_the_newest_event_is_refused_and_the_newest_is_not(
    migrated_url: str,
) -> None:
    with Registry.open(migrated_url) as registry:
        newest = _one_event(registry)
        assert registry.events_after(newest) == []  # caught up: nothing new, no error
        assert registry.wait_for_events(newest, timeout=0.0) == []
        with pytest.raises(InputError, match=rf"past the newest event of this log \({newest}\)"):
            registry.events_after(newest + 100)
        with pytest.raises(InputError, match="past the newest event"):
            registry.wait_for_events(newest + 1, timeout=0.5)


def test_over_http_and_on_the_command_line_the_same_cursor_is_a_400(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        newest = _one_event(registry)
        with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
            polled = client.get("/api/v1/events", params={"after": newest + 5, "wait": 1})
            assert polled.status_code == 400, polled.text
            assert "past the newest event" in polled.json()["detail"]
            streamed = client.get(
                "/api/v1/events/stream", headers={"Last-Event-ID": str(newest + 5)}
            )
            assert streamed.status_code == 400, streamed.text
            caught_up = client.get("/api/v1/events", params={"after": newest})
            assert caught_up.status_code == 200
            assert caught_up.json() == {"items": [], "next_after": newest}
    code, _out, err = invoke(
        "events", "follow", "--db", migrated_url, "--after", str(newest + 5), "--idle", "0.3"
    )
    assert code == 2
    assert "past the newest event" in err
