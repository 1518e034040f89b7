"""Every ``atlas-registry`` command in the README and in ``docs/`` runs as written.

The README and the pages under ``docs/`` are what a new user copies from; a
command there that fails as written is a trap. Each page's ``bash`` blocks are
read in order and their ``atlas-registry`` lines run through the CLI, from a
copy of the repository's examples, on SQLite and PostgreSQL, and must succeed.
The README's run on an empty database. A page's run on a migrated one, as a
reader who has followed the README's first command has, unless the page's
first command is a ``migrate`` of its own: then on an empty one. A command
that is a form to fill in (``MODEL``, ``[--option]``) or needs what the
examples lack (a server, an MLflow store) is shown in a ``text`` block instead.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import invoke
from tests.conftest import fresh_url, migrated_copy

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def page_commands(page: Path) -> list[list[str]]:
    """The argument lists of every ``atlas-registry`` line of a page's bash blocks, in order."""
    commands = []
    text = page.read_text("utf-8")
    for block in re.findall(r"^ *```bash\n(.*?)^ *```", text, flags=re.DOTALL | re.MULTILINE):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "atlas-registry":
                commands.append(words[1:])
    return commands


COMMANDS = {page.relative_to(ROOT).as_posix(): page_commands(page) for page in PAGES}
RUNNABLE = {name: commands for name, commands in COMMANDS.items() if commands}


def test_the_readme_tours_the_lifecycle() -> None:
    shown = {words[0] for words in COMMANDS["README.md"]}
    assert {"migrate", "register", "show", "promote", "rollback", "history"} <= shown


def test_the_docs_show_every_kind_of_command() -> None:
    shown = {words[0] for commands in COMMANDS.values() for words in commands}
    assert {"migrate", "register", "show", "list", "promote", "rollback", "backfill"} <= shown
    assert sum(len(commands) for commands in COMMANDS.values()) >= 30


@pytest.mark.parametrize("doc", sorted(RUNNABLE))
def test_every_command_of_a_page_runs_as_written(
    doc: str,
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    commands = RUNNABLE[doc]
    # A reader past the README's `migrate` has the database the migrations
    # leave: the run's migrated template, copied (the README's own `migrate`,
    # and every page that starts with one, run the command itself).
    if doc == "README.md" or commands[0][0] == "migrate":
        db_url = fresh_url(backend, tmp_path, request)
    else:
        db_url = migrated_copy(backend, tmp_path, request)
    monkeypatch.setenv("ATLAS_REGISTRY_DB", db_url)
    for words in commands:
        code, out, err = invoke(*words)
        assert code == 0, (
            f"{doc}: `atlas-registry {shlex.join(words)}` exited {code}:\n{out}\n{err}"
        )
