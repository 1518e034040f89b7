"""Invisible format characters in stored text are shown as escapes, in the terminal and on pages."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from fastapi.testclient import TestClient

from atlas_registry import ModelRegistration, Registry, visible_text
from atlas_registry.api import create_app
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

# Marks that steer direction, an Arabic letter mark, and zero-width characters.
HIDDEN = "a\u200fb\u200ec\u061cd\u200be\u2060f\ufeffg\u00adh\U000e0041"
SHOWN = "a\\u200fb\\u200ec\\u061cd\\u200be\\u2060f\\ufeffg\\xadh\\U000e0041"


def test_every_format_character_this_python_knows_is_escaped() -> None:
    found = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert found, "no format characters: unicodedata is not what this test expects"
    assert [c for c in found if visible_text(f"x{c}y") == f"x{c}y"] == []


def test_direction_marks_and_zero_width_characters_are_escaped() -> None:
    assert visible_text(HIDDEN) == SHOWN
    assert visible_text("\u202ereport") == "\\u202ereport"  # as before


def test_an_emoji_joined_sequence_stays_one_emoji_and_a_stray_joiner_is_escaped() -> None:
    coder = "\U0001f469\u200d\U0001f4bb"  # woman technologist
    flag = "\U0001f3f3\ufe0f\u200d\U0001f308"  # rainbow flag: the joiner follows a selector
    dark = "\U0001f469\U0001f3ff\u200d\U0001f52c"  # with a skin tone
    for emoji in (coder, flag, dark):
        assert visible_text(f"team {emoji}") == f"team {emoji}"
    assert visible_text("ad\u200dmin") == "ad\\u200dmin"
    assert visible_text("\u200d\U0001f4bb") == "\\u200d\U0001f4bb"
    assert visible_text("\U0001f469\u200d") == "\U0001f469\\u200d"


@pytest.fixture
def tagged(registry: Registry) -> tuple[Registry, str]:
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), line="ad-risk"
    )
    model = registry.register_model(registration).id
    registry.set_tags(model, {"owner": HIDDEN}, actor="ana")
    return registry, model


def test_a_tag_with_invisible_characters_is_shown_escaped_in_the_cli(
    tagged: tuple[Registry, str],
) -> None:
    registry, model = tagged
    url = str(registry.database.engine.url.render_as_string(hide_password=False))
    for args in (("tag", "list", model), ("tag", "history", model)):
        code, out, err = invoke(*args, "--db", url)
        assert code == 0, err
        assert SHOWN in out
        for character in ("\u200f", "\u200e", "\u061c", "\u200b", "\ufeff"):
            assert character not in out
    assert registry.tags_of(model).own == {"owner": HIDDEN}  # stored as given


def test_a_tag_with_invisible_characters_is_shown_escaped_on_the_page(
    tagged: tuple[Registry, str],
) -> None:
    registry, model = tagged
    html = TestClient(create_app(registry), base_url="http://127.0.0.1").get(f"/models/{model}")
    assert html.status_code == 200
    assert SHOWN in html.text
    for character in ("\u200f", "\u200e", "\u061c", "\u200b", "\ufeff"):
        assert character not in html.text
