"""Pages that lead somewhere, in a real Chromium with no JavaScript of ours: a form sent
as a person sends it (the leaderboard's, compare by ticking rows), a search, a line's history.

The server, the database and the guard against requests leaving localhost are
those of tests/test_browser.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests import test_browser as shared

# The fixtures of the page tests: Debian's chromium, the served site, the guarded page.
browser_type_launch_args = shared.browser_type_launch_args
site = shared.site
guarded_page = shared.guarded_page

# A browser each: the fast lane (-m "not slow") leaves them out.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
# A folder to keep what the pages looked like at 1280 and 390 px wide.
LOOKS = os.environ.get("ATLAS_REGISTRY_PAGE_LOOKS")


def _look(page: Any, name: str) -> None:
    if LOOKS:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(Path(LOOKS) / f"{name}-{width}.png"), full_page=True)


def test_choosing_another_benchmark_lands_on_its_board(guarded_page: Any, site: str) -> None:
    """The form sends the old benchmark's metric with the new benchmark: still a board."""
    page = guarded_page
    page.goto(site + "/leaderboards?benchmark=adni-conversion-v1&metric=auroc")
    options = page.locator("select[name=benchmark] option").all_inner_texts()
    other = next(name for name in options if name != "adni-conversion-v1")
    page.select_option("select[name=benchmark]", other)
    page.click("button[type=submit]")
    page.wait_for_url(f"**benchmark={other}**")
    assert page.locator("h1").inner_text() == "Leaderboards"
    assert page.locator("tr.entry").count() >= 1
    chosen = page.locator("select[name=metric]").input_value()
    assert f"ranked by {chosen}, its primary metric" in page.locator("p.note").inner_text()
    _look(page, "leaderboard-fallback")


def test_ticking_rows_compares_them(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.goto(site + "/")
    row = page.locator("table.lines tr", has=page.locator('a.line[href="/models/ad-risk"]'))
    assert "ad-risk@3" in row.inner_text()
    _look(page, "home")
    row.locator("input[type=checkbox]").first.check()
    page.locator("table.outside input[type=checkbox]").first.check()
    page.get_by_role("button", name="Compare ticked").click()
    page.wait_for_url("**/compare?ids=**")
    assert page.locator("table.compare thead th").count() == 3  # the labels' column and two
    assert "ad-risk@3" in page.locator("table.compare thead").inner_text()
    assert page.locator("table.compare tbody th").first.inner_text() == "State"
    _look(page, "compare")


def test_searching_lines_and_reading_a_lines_history(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.goto(site + "/")
    page.fill("input[name=search]", "AD-RISK")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**search=AD-RISK**")
    lines = page.locator("table.lines a.line").all_inner_texts()
    assert "ad-risk" in lines
    assert "long-words" not in lines
    page.locator("table.lines a", has_text="history").first.click()
    page.wait_for_url("**/history?line=**")
    versions = page.locator("table.history tbody td:nth-child(2) a").all_inner_texts()
    types = page.locator("table.history tbody td:nth-child(3)").all_inner_texts()
    assert versions[0] == "ad-risk@3"  # newest first: the last promotion
    assert types[0] == "model.promoted"
    assert set(versions) == {"ad-risk@1", "ad-risk@2", "ad-risk@3"}
    assert types.count("model.registered") == 3
    _look(page, "line-history")
    page.goto(site + "/models/ad-risk@2")
    assert "ad-risk@3" in page.locator("ol.timeline").inner_text()
    _look(page, "model")
    page.goto(site + "/review")
    _look(page, "review")
