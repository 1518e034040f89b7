"""Running the CLI in-process, the way every CLI test does."""

from __future__ import annotations

from typing import Any

import typer.main
import typer.testing
from typer.testing import CliRunner

from atlas_registry.cli import app

runner = CliRunner()

# Typer turns the app into Click commands on every invoke, reading the type
# hints of all its commands again: a third of a CLI test's time. The commands
# are built once here and handed to each invoke instead; building them is
# the same on every call, so nothing a user's run would do is left out.
_COMMAND = typer.main.get_command(app)
assert hasattr(typer.testing, "_get_command"), "typer.testing no longer builds commands per invoke"


def _built_once(typer_app: Any) -> Any:
    return _COMMAND if typer_app is app else typer.main.get_command(typer_app)


typer.testing._get_command = _built_once


def invoke(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    """Run ``atlas-registry ARGS``; returns (exit code, stdout, stderr).

    An exception that escaped the CLI's error boundary is a bug (a user would
    see a traceback), so it is raised here instead of passing as exit code 1.
    """
    result = runner.invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
