"""Every ``atlas-registry`` command in the README runs, in order, on a fresh database.

The README is the first thing a new user copies from; a command there that
fails as written is a trap. Each bash block's ``atlas-registry`` lines are run
through the CLI from a copy of the repository's examples, on SQLite and
PostgreSQL, and must succeed.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import invoke

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text("utf-8")


def readme_commands() -> list[list[str]]:
    """The argument lists of every ``atlas-registry`` line of the README's bash blocks."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "atlas-registry":
                commands.append(words[1:])
    return commands


COMMANDS = readme_commands()


def test_the_readme_shows_every_kind_of_command() -> None:
    shown = {words[0] for words in COMMANDS}
    assert {"migrate", "register", "show", "list", "promote", "rollback", "backfill"} <= shown
    assert len(COMMANDS) >= 30


def test_every_readme_command_runs_as_written(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATLAS_REGISTRY_DB", db_url)
    for words in COMMANDS:
        code, out, err = invoke(*words)
        assert code == 0, f"`atlas-registry {shlex.join(words)}` exited {code}:\n{out}\n{err}"
