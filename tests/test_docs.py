"""The docs describe the house as it is: commands, exit codes, modules and links.

A line of the README or of ``docs/`` that names a command, an exit code or a
module the code does not have (or leaves one out), or links to a page or a
heading that is not there, fails here, in the change that made it false.
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
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEXTS = {page: page.read_text("utf-8") for page in PAGES}
EVERY_PAGE = "\n".join(TEXTS.values())
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


def _section(page: str, heading: str) -> str:
    """The text of ``page`` from ``heading`` to the next heading of level 2 or 3."""
    text = TEXTS[ROOT / page]
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    following_sub = text.find("\n### ", start + len(heading))
    ends = [i for i in (following, following_sub) if i != -1]
    return text[start : min(ends) if ends else len(text)]


def test_the_cli_has_the_commands_this_test_expects() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"register", "leaderboard", "migrate status", "review resolve"} <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_docs(name: str, command: Any) -> None:
    assert (command.help or "").strip(), f"`atlas-registry {name}` has no help text"
    assert f"atlas-registry {name}" in EVERY_PAGE, (
        f"`atlas-registry {name}` is in neither the README nor a page of docs/"
    )


def _registry_errors() -> list[type[errors.RegistryError]]:
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.RegistryError)
    ]


def test_the_exit_code_table_matches_the_error_classes() -> None:
    rows = re.findall(
        r"^\| (\d+) \| (\d+) \| `(\w+)` \|",
        _section("docs/command_line.md", "## Exit codes"),
        flags=re.MULTILINE,
    )
    documented = {code: (int(exit_code), int(status)) for exit_code, status, code in rows}
    actual = {cls.code(): (cls.exit_code, cls.http_status) for cls in _registry_errors()}
    assert documented == actual


def test_every_error_class_is_exported_from_the_public_face() -> None:
    import atlas_registry

    missing = {cls.__name__ for cls in _registry_errors()} - set(atlas_registry.__all__)
    assert not missing


def test_every_room_is_in_the_design_table() -> None:
    design = _section("docs/design.md", "## Modules")
    for entry in sorted(PACKAGE.iterdir()):
        if entry.name.startswith((".", "__pycache__")) or entry.name == "py.typed":
            continue
        name = f"atlas_registry/{entry.name}{'/' if entry.is_dir() else ''}"
        assert f"`{name}`" in design, f"{name} is missing from docs/design.md's module table"


def test_the_design_table_names_no_room_that_is_gone() -> None:
    for name in re.findall(
        r"`atlas_registry/([\w.]+/?)`", _section("docs/design.md", "## Modules")
    ):
        assert (PACKAGE / name).exists(), f"the design table names {name}, which does not exist"


def _without_fences(text: str) -> str:
    """The page without its fenced blocks, whose lines are neither headings nor links."""
    return re.sub(r"^ *```.*?^ *```", "", text, flags=re.DOTALL | re.MULTILINE)


def _without_code(text: str) -> str:
    """The page without fenced blocks and inline code, where brackets are not links."""
    return re.sub(r"`[^`\n]*`", "", _without_fences(text))


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, - for space."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#* *$", _without_fences(text), flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


def _relative_links() -> list[tuple[Path, str]]:
    links = []
    for page, text in TEXTS.items():
        for target in re.findall(r"\]\(([^)\s]+)\)", _without_code(text)):
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):
                links.append((page, target))
    return links


LINKS = _relative_links()


def test_the_docs_have_links_to_check() -> None:
    assert len(LINKS) >= 40
    assert any("#" in target for _, target in LINKS)


@pytest.mark.parametrize(
    ("page", "target"), LINKS, ids=[f"{p.relative_to(ROOT)}->{t}" for p, t in LINKS]
)
def test_every_relative_link_resolves(page: Path, target: str) -> None:
    path, _, anchor = target.partition("#")
    linked = (page.parent / path).resolve() if path else page
    where = f"{page.relative_to(ROOT)} links to {target}"
    assert linked.exists(), f"{where}, which does not exist"
    assert linked.is_relative_to(ROOT), f"{where}, outside the repository"
    if anchor:
        assert linked.suffix == ".md", f"{where}: an anchor in a file that is not a page"
        assert anchor in _anchors(linked.read_text("utf-8")), f"{where}: no such heading"
