"""An option that takes one value, given twice, is a usage error (not its last value)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer

from atlas_registry.cli import app
from atlas_registry.cli.one_value import OneValueCommand, OneValueGroup
from atlas_registry.store.db import Database
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

USAGE = 2


def every_command(command: Any, path: str = "atlas-registry") -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += every_command(sub, f"{path} {name}")
    return found


def test_every_command_and_group_refuses_repeats() -> None:
    """A command added later gets the check without asking for it."""
    commands = every_command(typer.main.get_command(app))
    assert len(commands) > 30
    wrong = [
        path
        for path, command in commands
        if not isinstance(command, OneValueGroup | OneValueCommand)
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["list", "--state", "promoted", "--state", "candidate"], "--state was given"),
        (["list", "--state=promoted", "--state", "candidate"], "--state was given"),
        (["list", "--limit", "3", "--family", "x", "--limit", "4"], "--limit was given"),
        (
            ["list", "--state", "a", "--limit", "1", "--state", "b", "--limit", "2"],
            "--state, --limit were",
        ),
        (["migrate", "--to", "1", "--to", "2"], "--to was given"),
        (["leaderboard", "b", "m", "--limit", "1", "--limit", "2"], "--limit was given"),
    ],
)
def test_a_single_valued_option_given_twice_is_refused(
    tmp_path: Path, args: list[str], named: str
) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    code, out, err = invoke(*args, "--db", url)
    assert code == USAGE
    assert named in err
    assert "one value" in err
    assert out == ""
    assert not (tmp_path / "never.db").exists()  # refused before the database was opened


def test_a_refused_registration_writes_nothing(
    migrated_db: Database, db_url: str, tmp_path: Path
) -> None:
    document = tmp_path / "model.json"
    document.write_text(json.dumps({"title": "M", "metadata": logistic_regression()}))
    code, _, err = invoke(
        "register", str(document), "--line", "a-line", "--line", "b-line", "--db", db_url
    )
    assert code == USAGE
    assert "--line was given more than once" in err
    code, out, _ = invoke("list", "--json", "--db", db_url)
    assert code == 0
    assert json.loads(out)["items"] == []


def test_options_that_keep_every_value_and_flags_may_repeat(
    migrated_db: Database, db_url: str
) -> None:
    code, out, _ = invoke("list", "--json", "--json", "--db", db_url)
    assert code == 0
    assert json.loads(out)["items"] == []
    # --set keeps each value: the reference is looked up, not the option refused.
    code, _, err = invoke(
        "review",
        "resolve",
        "model-nothing-here",
        "--set",
        "a=1",
        "--set",
        "b=2",
        "--db",
        db_url,
    )
    assert code != USAGE
    assert "more than once" not in err
