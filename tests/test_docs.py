"""The docs describe the house as it is: commands, exit codes and modules.

A README line that names a command, an exit code or a module the code does
not have (or leaves one out) fails here, in the change that made it false.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from atlas_registry import errors
from atlas_registry.cli import app

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text("utf-8")
PACKAGE = ROOT / "src" / "atlas_registry"


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """Every (sub-)command of the app by its full name, e.g. ``migrate status``."""
    found = []
    for name, command in getattr(group, "commands", {}).items():
        path = (*prefix, name)
        found.append((" ".join(path), command))
        found += _commands(command, path)
    return found


COMMANDS = _commands(typer.main.get_command(app))


def _section(heading: str) -> str:
    start = README.index(heading)
    following = README.find("\n## ", start + len(heading))
    following_sub = README.find("\n### ", start + len(heading))
    ends = [i for i in (following, following_sub) if i != -1]
    return README[start : min(ends) if ends else len(README)]


def test_the_cli_has_the_commands_this_test_expects() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"register", "leaderboard", "migrate status", "review resolve"} <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(name: str, command: Any) -> None:
    assert (command.help or "").strip(), f"`atlas-registry {name}` has no help text"
    assert f"atlas-registry {name}" in README, f"`atlas-registry {name}` is not in the README"


def _registry_errors() -> list[type[errors.RegistryError]]:
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.RegistryError)
    ]


def test_the_exit_code_table_matches_the_error_classes() -> None:
    rows = re.findall(
        r"^\| (\d+) \| (\d+) \| `(\w+)` \|", _section("### Exit codes"), flags=re.MULTILINE
    )
    documented = {code: (int(exit_code), int(status)) for exit_code, status, code in rows}
    actual = {cls.code(): (cls.exit_code, cls.http_status) for cls in _registry_errors()}
    assert documented == actual


def test_every_error_class_is_exported_from_the_public_face() -> None:
    import atlas_registry

    missing = {cls.__name__ for cls in _registry_errors()} - set(atlas_registry.__all__)
    assert not missing


def test_every_room_is_in_the_design_table() -> None:
    design = _section("## Design")
    for entry in sorted(PACKAGE.iterdir()):
        if entry.name.startswith((".", "__pycache__")) or entry.name == "py.typed":
            continue
        name = f"atlas_registry/{entry.name}{'/' if entry.is_dir() else ''}"
        assert f"`{name}`" in design, f"{name} is missing from the README's design table"


def test_the_design_table_names_no_room_that_is_gone() -> None:
    for name in re.findall(r"`atlas_registry/([\w.]+/?)`", _section("## Design")):
        assert (PACKAGE / name).exists(), f"the design table names {name}, which does not exist"
