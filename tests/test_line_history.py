"""A line's whole history: every version's transitions, each named ``line@N``.

One version's history cannot show a rollback: the version put back and the one
it retired each hold half of it. ``history LINE``, the API's line history and
the history page show the line whole.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_registry import ModelRegistration, NotFoundError, Registry
from atlas_registry.api import create_app
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _version(registry: Registry, line: str | None = "ad-risk", **fields: Any) -> str:
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), line=line, **{**PIN, **fields}
    )
    return registry.register_model(registration).id


def _rolled_back_line(registry: Registry) -> tuple[str, str, str]:
    """v1 promoted, v2 promoted over it, then rolled back to v1; v3 rejected."""
    v1, v2, v3 = _version(registry), _version(registry), _version(registry)
    registry.promote(v1, actor="eval")
    registry.promote(v2, actor="eval")
    registry.rollback("ad-risk", actor="oncall", notes="v2 miscalibrated")
    registry.reject(v3, actor="eval", notes="same run as v2")
    return v1, v2, v3


WHOLE_LINE = [
    ("ad-risk@1", "candidate", "promoted"),
    ("ad-risk@1", "promoted", "superseded"),
    ("ad-risk@2", "candidate", "promoted"),
    ("ad-risk@2", "promoted", "superseded"),
    ("ad-risk@1", "superseded", "promoted"),
    ("ad-risk@3", "candidate", "rejected"),
]


def test_a_lines_history_holds_every_version_and_the_rollback(registry: Registry) -> None:
    v1, v2, v3 = _rolled_back_line(registry)
    _version(registry, line="other")  # another line's events stay out
    registry.promote("other", actor="eval")
    for ref in ("ad-risk", "ad-risk@2", v3):  # a line, or any of its versions
        events = registry.line_history(ref)
        assert [(e.version.label, e.event.from_state, e.event.to_state) for e in events] == (
            WHOLE_LINE
        )
    assert [e.event.artifact_id for e in registry.line_history("ad-risk")][-2:] == [v1, v3]
    assert registry.line_history(v2)[4].to_dict()["version"] == "ad-risk@1"
    # A supersession's note names its successor as a person does, not by its id.
    assert registry.line_history(v2)[1].event.notes == "superseded by ad-risk@2"
    # `history LINE` is the whole line; `history LINE@N` and an id one version.
    assert len(registry.history_of("ad-risk")) == 6
    assert [e.version.label for e in registry.history_of("ad-risk@2")] == ["ad-risk@2"] * 2
    assert [e.event.to_state for e in registry.history_of(v1)] == [
        "promoted",
        "superseded",
        "promoted",
    ]
    with pytest.raises(NotFoundError, match="similar names: ad-risk"):
        registry.history_of("ad-ris")


def test_a_version_outside_any_named_line_is_named_by_its_id(registry: Registry) -> None:
    lone = _version(registry, line=None)
    registry.promote(lone, actor="eval")
    [event] = registry.line_history(lone)
    assert event.version.label == lone
    assert event.to_dict()["line_name"] is None
    assert registry.version_names([lone, "no-such-id"])[lone].label == lone
    assert list(registry.version_names([lone, "no-such-id"])) == [lone]


def test_history_line_on_the_command_line_shows_the_rollback(
    registry: Registry, db_url: str
) -> None:
    _rolled_back_line(registry)
    code, out, _ = invoke("history", "ad-risk", "--db", db_url, "--json")
    assert code == 0
    shown = [(e["version"], e["from_state"], e["to_state"]) for e in json.loads(out)]
    assert shown == WHOLE_LINE
    code, out, _ = invoke("history", "ad-risk", "--db", db_url)
    assert code == 0
    assert "ad-risk@2" in out
    assert "superseded -> promoted" in out
    code, out, _ = invoke("history", "ad-risk@3", "--db", db_url, "--json")
    assert [e["version"] for e in json.loads(out)] == ["ad-risk@3"]


def test_the_api_serves_a_lines_history(registry: Registry) -> None:
    _rolled_back_line(registry)
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        response = client.get("/api/v1/lines/ad-risk/history")
        assert response.status_code == 200
        items = response.json()["items"]
        assert [(e["version"], e["from_state"], e["to_state"]) for e in items] == WHOLE_LINE
        assert items[-2]["notes"] == "v2 miscalibrated"
        missing = client.get("/api/v1/lines/ad-ris/history")
        assert missing.status_code == 404
        assert "similar names: ad-risk" in missing.json()["detail"]
        version = client.get("/api/v1/lines/ad-risk@1/history")
        assert version.status_code == 404  # a line's name, not one of its versions
