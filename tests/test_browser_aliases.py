"""A line's aliases on the model page, in a real Chromium: what each names, every move of each.

The page of a version reached by ``NAME@ALIAS`` shows the line's aliases
(the ones naming it marked), and every move one click away in a ``details``
element (no JavaScript); hostile notes stay text; nothing scrolls sideways at
1280 or 390 px. The browser and the guard against requests leaving localhost
are those of tests/test_browser.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import ModelRegistration, Registry
from atlas_registry.lifecycle import alias_moves
from tests import test_browser as shared
from tests.conftest import copy_migrated
from tests.payloads import logistic_regression
from tests.server_helpers import served_in_thread

browser_type_launch_args = shared.browser_type_launch_args
guarded_page = shared.guarded_page

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> {{ 7*7 }} [b]x[/b]"


@pytest.fixture(scope="module")
def alias_site(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[str]:
    """A line of three versions with two live aliases, one deleted, and many moves."""
    url = copy_migrated(migrated_sqlite, tmp_path_factory.mktemp("aliases") / "site.db")
    with Registry.open(url) as registry:
        for _ in range(3):
            registry.register_model(
                ModelRegistration(
                    title="MCI-to-AD conversion risk",
                    line="ad-risk",
                    metadata=logistic_regression(),
                    **shared.REAL_PIN,
                )
            )
        with pytest.MonkeyPatch.context() as patch:  # the first move, at a time to ask about
            patch.setattr(alias_moves, "utc_timestamp", lambda: "2026-05-01 10:00:00")
            registry.set_alias("ad-risk", "champion", to_version=1, actor="agent-eval")
        for number in (2, 3, 1, 2):
            registry.set_alias("ad-risk", "champion", to_version=number, actor="agent-eval")
        registry.set_alias(
            "ad-risk", "challenger-" + "x" * 50, to_version=3, actor="a" * 200, notes=HOSTILE
        )
        registry.set_alias("ad-risk", "shadow", to_version=1, actor="ops", notes="n" * 2000)
        registry.delete_alias("ad-risk", "shadow", actor="ops", notes="done")
        registry.register_model(
            ModelRegistration(title="unnamed", metadata=logistic_regression(), artifact_id="lone")
        )
    with served_in_thread(url) as base:
        yield base


@pytest.mark.parametrize("width", [1280, 390])
def test_the_model_page_shows_the_lines_aliases_and_their_moves(
    guarded_page: Any, alias_site: str, width: int
) -> None:
    page = guarded_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(alias_site + "/models/ad-risk@champion")
    assert "ad-risk@2" in page.locator("p.subtitle").inner_text()
    panel = page.locator("section#aliases")
    rows = panel.locator("table.aliases tbody tr")
    assert rows.count() == 2  # the deleted alias is history, not a live one
    assert rows.nth(1).locator("td").first.inner_text() == "champion"
    assert "this version" in panel.locator("tr.current").inner_text()
    assert HOSTILE in panel.inner_text()  # shown as typed, never run or rendered
    assert page.locator("section#aliases script, section#aliases img").count() == 0
    moves = panel.locator("details.alias-moves")
    assert not moves.locator("ol").is_visible()  # one click away
    moves.locator("summary").click()
    items = moves.locator("ol.timeline li")
    assert items.count() == 8
    assert "(deleted)" in items.first.inner_text()  # newest first
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    looks = os.environ.get("ATLAS_REGISTRY_PAGE_LOOKS")
    if looks:
        page.screenshot(path=str(Path(looks) / f"model-aliases-{width}.png"), full_page=True)


def test_an_alias_link_leads_to_the_version_it_names(guarded_page: Any, alias_site: str) -> None:
    page = guarded_page
    page.goto(alias_site + "/models/ad-risk@1")
    page.locator("table.aliases a", has_text="challenger").first.click()
    page.wait_for_url("**/models/ad-risk%40challenger-*")
    assert "ad-risk@3" in page.locator("p.subtitle").inner_text()
    page.goto(alias_site + "/models/ad-risk@nope")
    assert "has no alias 'nope'" in page.locator("main").inner_text()
    page.goto(alias_site + "/models/lone")
    assert page.locator("section#aliases").count() == 0  # no name, so no NAME@ALIAS


@pytest.mark.parametrize("width", [1280, 390])
def test_the_model_page_as_of_a_time_says_what_the_alias_named_then(
    guarded_page: Any, alias_site: str, width: int
) -> None:
    page = guarded_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(alias_site + "/models/ad-risk@champion?at=2026-05-01T11:00Z")
    assert "ad-risk@1" in page.locator("p.subtitle").inner_text()
    said = page.locator("p.as-of")
    assert said.is_visible()
    assert said.inner_text().startswith("As of 2026-05-01 11:00:00 UTC, champion named ad-risk@1")
    box = said.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    looks = os.environ.get("ATLAS_REGISTRY_PAGE_LOOKS")
    if looks:
        page.screenshot(path=str(Path(looks) / f"model-as-of-{width}.png"), full_page=True)
    said.locator("a").click()  # what it names now
    page.wait_for_url("**/models/ad-risk@champion")
    assert "ad-risk@2" in page.locator("p.subtitle").inner_text()
    assert page.locator("p.as-of").count() == 0
    response = page.goto(alias_site + "/models/ad-risk@champion?at=2026-05-01T11:00")
    assert response is not None
    assert response.status == 400
    assert "has no zone" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
