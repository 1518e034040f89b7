"""As-of reads: which version an alias, or promoted, named at a time (the feedback loop's join).

Moves and transitions are written at chosen times (the clock the writers read
is replaced), then read back at times between them, on both databases,
through the library, the command line and the API's ``?at=``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from atlas_registry import NotFoundError, QueryValueError, Registry, ValidationError
from atlas_registry.lifecycle import alias_moves, moves
from tests.cli_helpers import invoke
from tests.test_aliases import line_of

Clock = Callable[[str], None]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Set the time the next alias moves and transitions are recorded at."""

    def set_time(when: str) -> None:
        monkeypatch.setattr(alias_moves, "utc_timestamp", lambda: when)
        monkeypatch.setattr(moves, "utc_timestamp", lambda: when)

    return set_time


def test_an_alias_answers_what_it_named_at_each_time(registry: Registry, clock: Clock) -> None:
    ids = line_of(registry)
    clock("2026-05-01 10:00:00")
    registry.set_alias("ad-risk", "champion", to_version=1, actor="ada")
    clock("2026-05-01 12:00:00")
    registry.set_alias("ad-risk", "champion", to_version=2, actor="bob")
    clock("2026-05-02 09:30:00")
    registry.delete_alias("ad-risk", "champion", actor="cy")
    clock("2026-05-03 00:00:00")
    registry.set_alias("ad-risk", "champion", to_version=3, actor="dee")

    def at(when: str) -> str:
        return registry.named_at("ad-risk@champion", when).version

    with pytest.raises(NotFoundError, match="named nothing at 2026-05-01 09:59:59 UTC: it was"):
        registry.named_at("ad-risk@champion", "2026-05-01T09:59:59Z")
    assert at("2026-05-01T10:00:00Z") == "ad-risk@1"  # a move counts from its own second
    assert at("2026-05-01T11:59:59Z") == "ad-risk@1"
    assert at("2026-05-01T12:00Z") == "ad-risk@2"
    assert at("2026-05-01T14:00:00+02:00") == "ad-risk@2"  # 12:00 UTC, in another zone
    assert at("2026-05-01T11:30:00-01:00") == "ad-risk@2"  # 12:30 UTC
    with pytest.raises(NotFoundError, match="it was deleted at 2026-05-02 09:30:00 UTC by cy"):
        registry.named_at("ad-risk@champion", "2026-05-02T23:00Z")
    assert at("2030-01-01T00:00Z") == "ad-risk@3"
    found = registry.named_at("ad-risk@champion", "2026-05-01T13:00:00.999Z")
    assert (found.artifact_id, found.since, found.by) == (ids[1], "2026-05-01 12:00:00", "bob")
    assert registry.model_at("ad-risk@champion", "2026-05-01T10:30Z").id == ids[0]


def test_promoted_is_read_at_a_time_through_promotions_rollbacks_and_supersessions(
    registry: Registry, clock: Clock
) -> None:
    line_of(registry)
    clock("2026-05-01 10:00:00")
    registry.promote("ad-risk@1", actor="ada")
    clock("2026-05-02 10:00:00")
    registry.promote("ad-risk@2", actor="ada")  # supersedes version 1
    clock("2026-05-03 10:00:00")
    registry.rollback("ad-risk", actor="bob", notes="v2 misbehaves")  # version 1 again
    clock("2026-05-04 10:00:00")
    registry.supersede("ad-risk@1", actor="cy", notes="withdrawn")  # nothing promoted
    clock("2026-05-05 10:00:00")
    registry.promote("ad-risk@3", actor="dee")

    def at(when: str) -> str:
        return registry.named_at("ad-risk@promoted", when).version

    with pytest.raises(NotFoundError, match="no version of the line had been promoted by then"):
        registry.named_at("ad-risk@promoted", "2026-04-30T00:00Z")
    assert at("2026-05-01T10:00Z") == "ad-risk@1"
    assert at("2026-05-02T09:59:59Z") == "ad-risk@1"
    assert at("2026-05-02T10:00Z") == "ad-risk@2"
    assert at("2026-05-03T12:00Z") == "ad-risk@1"
    assert registry.named_at("ad-risk@promoted", "2026-05-03T12:00Z").by == "bob"
    with pytest.raises(NotFoundError, match="ad-risk@1 stopped being promoted at 2026-05-04"):
        registry.named_at("ad-risk@promoted", "2026-05-04T12:00Z")
    assert at("2026-05-06T00:00Z") == "ad-risk@3"


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("2026-05-01T12:00", "has no zone"),
        ("2026-05-01", "has no zone"),
        ("yesterday", "is not an ISO 8601 time"),
        ("2026-13-01T00:00Z", "is not an ISO 8601 time"),
        ("", "must be a time with its zone"),
        ("2026-05-01T12:00Z" + "0" * 10_000, "characters"),
        ("<script>2026</script>", "is not an ISO 8601 time"),
        ("0001-01-01T00:00+01:00", "out of range"),
    ],
)
def test_a_time_without_a_zone_or_not_a_time_is_refused_saying_why(
    registry: Registry, when: str, words: str
) -> None:
    line_of(registry, versions=1)
    registry.set_alias("ad-risk", "champion", to_version=1, actor="ada")
    with pytest.raises(ValidationError, match=words) as refused:
        registry.named_at("ad-risk@champion", when)
    assert refused.value.paths == ["at"]
    assert len(str(refused.value)) < 1000


@pytest.mark.parametrize("ref", ["ad-risk", "ad-risk@1", "ad-risk@latest", "ad-risk@"])
def test_only_an_alias_or_promoted_moves_with_time(registry: Registry, ref: str) -> None:
    line_of(registry, versions=1)
    with pytest.raises(ValidationError, match="only what an alias or promoted named"):
        registry.named_at(ref, "2026-05-01T12:00Z")


def test_an_alias_that_never_existed_is_named_with_the_lines_aliases(
    registry: Registry, clock: Clock
) -> None:
    line_of(registry, versions=1)
    clock("2026-05-01 10:00:00")
    registry.set_alias("ad-risk", "staging", to_version=1, actor="ada")
    registry.delete_alias("ad-risk", "staging", actor="ada")
    with pytest.raises(NotFoundError, match=r"has no alias 'champion' \(its aliases are staging\)"):
        registry.named_at("ad-risk@champion", "2026-05-02T00:00Z")
    with pytest.raises(NotFoundError, match="no model line named 'nope'"):
        registry.named_at("nope@champion", "2026-05-02T00:00Z")


def test_show_at_and_the_apis_at_answer_the_same(
    registry: Registry, clock: Clock, migrated_url: str
) -> None:
    from fastapi.testclient import TestClient

    from atlas_registry.api import create_app

    ids = line_of(registry, versions=2)
    clock("2026-05-01 10:00:00")
    registry.set_alias("ad-risk", "champion", to_version=1, actor="ada")
    clock("2026-05-01 12:00:00")
    registry.set_alias("ad-risk", "champion", to_version=2, actor="bob")
    code, out, err = invoke(
        "show", "ad-risk@champion", "--at", "2026-05-01T11:00Z", "--json", "--db", migrated_url
    )
    assert code == 0, err
    shown = json.loads(out)
    assert (shown["id"], shown["as_of"]["version"]) == (ids[0], "ad-risk@1")
    code, out, _ = invoke(
        "show", "ad-risk@champion", "--at", "2026-05-01T11:00Z", "--db", migrated_url
    )
    assert "ad-risk@champion at 2026-05-01 11:00:00 UTC named ad-risk@1" in out
    code, _, err = invoke(
        "show", "ad-risk@champion", "--at", "2026-05-01 11:00", "--db", migrated_url
    )
    assert code == QueryValueError.exit_code
    assert "has no zone" in err
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        read = client.get("/api/v1/models/ad-risk@champion", params={"at": "2026-05-01T11:00Z"})
        assert read.status_code == 200
        assert (read.json()["id"], read.json()["as_of"]["since"]) == (ids[0], "2026-05-01 10:00:00")
        now = client.get("/api/v1/models/ad-risk@champion").json()
        assert now["id"] == ids[1]
        assert "as_of" not in now
        alias = client.get(
            "/api/v1/lines/ad-risk/aliases/champion", params={"at": "2026-05-01T12:00:00+00:00"}
        )
        assert alias.json()["version"] == "ad-risk@2"
        promoted = client.get(
            "/api/v1/lines/ad-risk/aliases/promoted", params={"at": "2026-05-01T12:00Z"}
        )
        assert promoted.status_code == 404
        assert "named nothing" in promoted.json()["detail"]
        bad = client.get("/api/v1/models/ad-risk@champion", params={"at": "2026-05-01T11:00"})
        assert (bad.status_code, bad.json()["violations"][0]["path"]) == (400, "at")
        assert bad.json()["code"] == "query_value_error"
        before = client.get("/api/v1/models/ad-risk@champion", params={"at": "2020-01-01T00:00Z"})
        assert before.status_code == 404
        assert "named nothing at 2020-01-01 00:00:00 UTC" in before.json()["detail"]
