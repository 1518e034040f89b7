"""The model page's tags and edited text, in a real Chromium, with hostile values.

Tags and text are stored text: markup stays text, right-to-left text stays in
its box, and a 64-character key or a 500-character value wraps instead of
widening the page (no sideways scroll at 390 px). The history of the
description and changelog is one click away, in a ``<details>``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import ModelRegistration, Registry
from tests import test_browser as shared
from tests.conftest import copy_migrated
from tests.payloads import logistic_regression
from tests.server_helpers import served_in_thread

browser_type_launch_args = shared.browser_type_launch_args
guarded_page = shared.guarded_page

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
LOOKS = os.environ.get("ATLAS_REGISTRY_PAGE_LOOKS")

MARKUP = "<img src=x onerror=alert(1)><b>bold</b>{{ 7*7 }}"
RTL = "\u05e9\u05dc\u05d5\u05dd \u202eevil\u202c \u0645\u0631\u062d\u0628\u0627"
LONG_KEY = "k" * 64
PIN = {
    "code_repo_url": "https://github.com/example-lab/ad-risk",
    "code_commit_sha": "ca805a0e57cf09a543ee743d5220dfc4bb87b36c",
}


@pytest.fixture(scope="module")
def annotated(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[tuple[str, str]]:
    url = copy_migrated(migrated_sqlite, tmp_path_factory.mktemp("notes") / "notes.db")
    with Registry.open(url) as registry:
        model = registry.register_model(
            ModelRegistration(
                title="Annotated", line="annotated", metadata=logistic_regression(), **PIN
            )
        ).id
        registry.set_tags("annotated", {"team": "vision", "nightly": ""}, actor="ana")
        registry.set_tags(
            model,
            {
                "markup": MARKUP,
                "rtl": RTL,
                "emoji": "\U0001f680\U0001f525\U0001f9ea" * 10,
                LONG_KEY: "v" * 500,
                "team": "audio",
            },
            actor="\u05d0\u05e0\u05d4" * 20,
        )
        registry.edit_text(model, {"description": MARKUP + " " + RTL}, actor="bo")
        registry.edit_text(model, {"changelog": "c" * 3000}, actor="a" * 200)
        registry.register_model(
            ModelRegistration(title="Plain", line="plain", metadata=logistic_regression(), **PIN)
        )
    with served_in_thread(url) as base:
        yield base, model


def _fits(page: Any) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if LOOKS:
            page.screenshot(path=str(Path(LOOKS) / f"annotations-{width}.png"), full_page=True)
            section = page.locator("#annotations")
            section.screenshot(path=str(Path(LOOKS) / f"annotations-section-{width}.png"))


def test_the_model_page_shows_tags_and_the_text_history_safely(
    guarded_page: Any, annotated: tuple[str, str]
) -> None:
    base, model = annotated
    page = guarded_page
    page.goto(f"{base}/models/{model}")
    tags = page.locator("#annotations ul.tags li")
    shown = tags.all_inner_texts()
    assert len(shown) == 6  # five of its own (team overrides the line's) and the line's nightly
    assert any(MARKUP in text for text in shown)  # the markup is text
    assert page.locator("#annotations img").count() == 0
    assert any(text.startswith("team=audio") for text in shown)
    assert page.locator("#annotations li.from-line").all_inner_texts() == ["nightly (line)"]
    history = page.locator("details.text-history")
    assert not history.evaluate("d => d.open")
    assert "2 edits" in history.locator("summary").inner_text()
    history.locator("summary").click()
    assert history.evaluate("d => d.open")
    assert "c" * 3000 in history.inner_text()
    assert MARKUP in page.locator("main > p").nth(1).inner_text()  # the current description
    _fits(page)


def test_a_version_with_nothing_said_of_it_gets_one_line(
    guarded_page: Any, annotated: tuple[str, str]
) -> None:
    base, _model = annotated
    page = guarded_page
    page.goto(f"{base}/models/plain@1")
    assert page.locator("section.annotations").count() == 0
    note = page.locator("p.annotations").inner_text()
    assert note.startswith("No tags. atlas-registry tag set plain@1 KEY=VALUE")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if LOOKS:
            page.screenshot(path=str(Path(LOOKS) / f"plain-{width}.png"))
