"""Running the CLI in-process, the way every CLI test does."""

from __future__ import annotations

from typer.testing import CliRunner

from atlas_registry.cli import app

runner = CliRunner()


def invoke(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    """Run ``atlas-registry ARGS``; returns (exit code, stdout, stderr).

    An exception that escaped the CLI's error boundary is a bug (a user would
    see a traceback), so it is raised here instead of passing as exit code 1.
    """
    result = runner.invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
