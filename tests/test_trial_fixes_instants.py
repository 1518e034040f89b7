"""A time whose '+' was sent unencoded in a URL is refused with the way to write it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from atlas_registry import Registry, ValidationError
from atlas_registry.api import create_app
from atlas_registry.catalog.instants import parse_instant
from tests.test_aliases import line_of


@pytest.mark.parametrize(
    ("given", "encoded"),
    [
        ("2026-05-01T14:00:00 02:00", "2026-05-01T14:00:00%2B02:00"),
        ("2026-05-01T14:00 0530", "2026-05-01T14:00%2B0530"),
        ("2026-05-01T14:00:00.5 02", "2026-05-01T14:00:00.5%2B02"),
    ],
)
def test_a_space_where_the_zone_sign_would_be_says_to_write_2b(given: str, encoded: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_instant(given)
    message = refused.value.violations[0].message
    assert "is not an ISO 8601 time" in message
    assert "a '+' is read as a space and must be written %2B" in message
    assert f"as in {encoded}" in message


@pytest.mark.parametrize("given", ["yesterday", "2026-13-01T00:00Z", "2026-05-01 14:00 x"])
def test_other_bad_times_get_no_url_hint(given: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_instant(given)
    assert "%2B" not in refused.value.violations[0].message


def test_the_api_hints_at_2b_for_a_plus_sent_raw(registry: Registry) -> None:
    line_of(registry, versions=1)
    registry.set_alias("ad-risk", "champion", to_version=1, actor="ada")
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        raw = client.get("/api/v1/models/ad-risk@champion?at=2026-05-01T14:00:00+02:00")
        assert raw.status_code == 400  # a query value that cannot be read, as SPEC §8 says
        [problem] = raw.json()["violations"]
        assert problem["path"] == "at"
        assert "must be written %2B" in problem["message"]
        encoded = client.get("/api/v1/models/ad-risk@champion?at=2099-05-01T14:00:00%2B02:00")
        assert encoded.status_code == 200, encoded.text
