"""Stored text printed by the CLI cannot drive the reader's terminal.

A title is whatever someone registered. Printed raw, ``ESC [ ...`` would
recolour or rewrite the terminal and ``[link=...]`` would become a Rich
hyperlink; the CLI shows both as inert text.
"""

from __future__ import annotations

from atlas_registry import ModelRegistration, Registry
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

HOSTILE = "risk \x1b[2J\x1b]0;pwned\x07 [link=https://evil.example]click[/link] [bold]x :warning:"


def test_titles_reach_the_terminal_as_inert_text(registry: Registry, db_url: str) -> None:
    model = registry.register_model(
        ModelRegistration(title=HOSTILE, metadata=logistic_regression())
    )
    for command in (["show", model.id], ["list"]):
        code, out, _ = invoke(*command, "--db", db_url)
        assert code == 0
        assert "\x1b" not in out
        assert "\x07" not in out
        assert "\\x1b[2J" in out
        assert "[link=https://evil.example]" in out
        assert "\u26a0" not in out  # an emoji code stays the text it is, title included
    code, _, err = invoke("show", "nope\x1b[31m", "--db", db_url)
    assert code == 3
    assert "\x1b" not in err
    assert "\\x1b[31m" in err
    code, _, err = invoke("show", "gone:x:", "--db", db_url)
    assert "'gone:x:'" in err


def test_bidirectional_overrides_reach_the_terminal_as_escapes(
    registry: Registry, db_url: str
) -> None:
    model = registry.register_model(
        ModelRegistration(title="report\u202egnp.exe", metadata=logistic_regression())
    )
    for command in (["show", model.id], ["list"]):
        code, out, _ = invoke(*command, "--db", db_url)
        assert code == 0
        assert "\u202e" not in out
        assert "report\\u202egnp.exe" in out
