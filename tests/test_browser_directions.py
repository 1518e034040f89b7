"""The leaderboard page in a real Chromium: ranked by the metric's direction, at 1280 and 390 px.

A person choosing a lower-is-better metric sees the best model first; choosing
a metric of unknown direction, they are asked which way is better, answer on
the form, and get the board, all without JavaScript and without the page
scrolling sideways on a phone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import POLICY_ENV_VAR, ModelRegistration, Registry
from tests import test_browser as shared
from tests.conftest import copy_migrated
from tests.payloads import logistic_regression
from tests.server_helpers import served_in_thread
from tests.test_metric_directions import (
    BENCHMARK,
    BEST_FIRST,
    MODELS,
    ODD_LOWEST_FIRST,
    PIN,
    PLATFORM_POLICY,
)

WIDTHS = (1280, 390)

# The page tests' fixtures (test_browser skips every page test without chromium):
# Debian's chromium, and a page that fails on any request leaving localhost.
browser_type_launch_args = shared.browser_type_launch_args
guarded_page = shared.guarded_page

# A browser each: the fast lane (-m "not slow") leaves them out.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[str]:
    """A server whose policy declares hausdorff95, over the three models of BENCHMARK."""
    folder = tmp_path_factory.mktemp("directions")
    url = copy_migrated(migrated_sqlite, folder / "site.db")
    policy = folder / "gate.toml"
    policy.write_text(PLATFORM_POLICY, "utf-8")
    with Registry.open(url) as registry:
        for title, metrics in MODELS.items():
            metadata = {**logistic_regression(), "benchmark_id": BENCHMARK}
            metadata["evaluation_metrics"] = metrics
            model = registry.register_model(
                ModelRegistration(title=title, metadata=metadata, **PIN)
            )
            if title == "bad-model":
                registry.reject(model.id, actor="reviewer", notes="worst calibrated")
    before = os.environ.get(POLICY_ENV_VAR)
    os.environ[POLICY_ENV_VAR] = str(policy)  # the server reads its policy from here
    try:
        with served_in_thread(url) as base:
            yield base
    finally:
        if before is None:
            del os.environ[POLICY_ENV_VAR]
        else:
            os.environ[POLICY_ENV_VAR] = before


def _ranked(page: Any) -> list[str]:
    titles: list[str] = page.locator("tr.entry td:nth-child(3) .title").all_inner_texts()
    return [t.strip() for t in titles]


def _fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_a_lower_is_better_metric_ranks_lowest_first(
    guarded_page: Any, site: str, width: int
) -> None:
    page = guarded_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{site}/leaderboards?benchmark={BENCHMARK}&metric=brier")
    assert _ranked(page) == BEST_FIRST
    assert "lower is better" in page.locator("table.leaderboard th").nth(1).inner_text()
    _fits(page, width)
    # The platform's own metric, declared in its policy, ranks without asking.
    page.goto(f"{site}/leaderboards?benchmark={BENCHMARK}&metric=hausdorff95")
    assert _ranked(page) == BEST_FIRST
    assert page.locator("tr.threshold").count() == 1  # its gate: hausdorff95 <= 5.0


@pytest.mark.parametrize("width", WIDTHS)
def test_an_unknown_direction_is_asked_for_on_the_form(
    guarded_page: Any, site: str, width: int
) -> None:
    page = guarded_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{site}/leaderboards?benchmark={BENCHMARK}")
    page.select_option("select[name=metric]", "odd_score")
    page.click("button[type=submit]")
    page.wait_for_url("**metric=odd_score**")
    question = page.locator("p.direction-question")
    assert "is not in the metric vocabulary" in question.inner_text()
    assert page.locator("tr.entry").count() == 0
    _fits(page, width)
    page.select_option("select[name=direction]", "lower")
    page.click("button[type=submit]")
    page.wait_for_url("**direction=lower**")
    assert _ranked(page) == ODD_LOWEST_FIRST
    assert page.locator("p.direction-question").count() == 0
    _fits(page, width)
    # Back to a metric whose direction is known: no choice, the fact ranks it.
    page.select_option("select[name=metric]", "auroc")
    page.click("button[type=submit]")
    page.wait_for_url("**metric=auroc**")
    assert _ranked(page) == BEST_FIRST
    assert page.locator("select[name=direction]").count() == 0
    # The form sent the direction chosen for odd_score: the page says it was not used.
    note = page.locator("p.note").inner_text()
    assert "Ranked highest first: higher is better for auroc" in note
    assert "(lower is better) was not used" in note
    _fits(page, width)
