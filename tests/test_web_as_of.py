"""The model page reads ``?at=T`` as ``show --at`` and the API's ``?at=`` do.

``/models/NAME@ALIAS?at=T`` (or ``NAME@promoted``) is the page of the version
the alias named at T, saying so in words; a time that is not one is a 400
page naming the parameter; ``?at=`` on a version that does not move with time
is refused the same way the API refuses it.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from atlas_registry import Registry
from atlas_registry.api import create_app
from tests.test_alias_as_of import Clock, clock  # noqa: F401  (the fixture)
from tests.test_aliases import line_of


def _subtitle(html: str) -> str:
    found = re.search(r'<p class="subtitle">(.*?)</p>', html, re.S)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_the_model_page_as_of_a_time_shows_what_the_alias_named_then(
    registry: Registry,
    clock: Clock,  # noqa: F811
) -> None:
    ids = line_of(registry, versions=3)
    clock("2026-05-01 10:00:00")
    registry.set_alias("ad-risk", "champion", to_version=1, actor="ada")
    registry.promote(ids[1], actor="release", override=True, notes="first")
    clock("2026-05-01 12:00:00")
    registry.set_alias("ad-risk", "champion", to_version=3, actor="bob")
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        then = client.get("/models/ad-risk@champion", params={"at": "2026-05-01T11:00Z"})
        assert then.status_code == 200
        assert "ad-risk@1" in _subtitle(then.text)
        said = re.sub(r"<[^>]+>", "", then.text)
        assert "As of 2026-05-01 11:00:00 UTC, champion named ad-risk@1" in said
        assert "since 2026-05-01 10:00:00 UTC, moved there by ada" in said
        assert 'href="/models/ad-risk@champion"' in then.text  # what it names now
        assert "/api/v1/models/ad-risk@champion?at=2026-05-01T11%3A00Z" in then.text
        # The same time in another zone is the same moment.
        other_zone = client.get("/models/ad-risk@champion", params={"at": "2026-05-01T13:30+02:00"})
        assert "ad-risk@1" in _subtitle(other_zone.text)
        now = client.get("/models/ad-risk@champion")
        assert "ad-risk@3" in _subtitle(now.text)
        assert "As of" not in now.text
        promoted = client.get("/models/ad-risk@promoted", params={"at": "2026-05-01T11:00Z"})
        assert "ad-risk@2" in _subtitle(promoted.text)
        assert "promoted named ad-risk@2" in re.sub(r"<[^>]+>", "", promoted.text)
        for bad in ("2026-05-01T11:00", "yesterday", "<script>alert(1)</script>"):
            refused = client.get("/models/ad-risk@champion", params={"at": bad})
            assert refused.status_code == 400, bad
            assert "query value error" in refused.text
            assert "/problems/query_value_error" in refused.text
            assert "<script>alert(1)" not in refused.text  # echoed as text, never markup
        fixed = client.get("/models/ad-risk@2", params={"at": "2026-05-01T11:00Z"})
        api = client.get("/api/v1/models/ad-risk@2", params={"at": "2026-05-01T11:00Z"})
        assert fixed.status_code == api.status_code == 422
        before = client.get("/models/ad-risk@champion", params={"at": "2020-01-01T00:00Z"})
        assert before.status_code == 404
        assert "named nothing" in before.text
