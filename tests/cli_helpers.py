"""Running the CLI in-process, the way every CLI test does."""

from __future__ import annotations

from typer.testing import CliRunner

from atlas_registry.cli import app

runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run ``atlas-registry ARGS``; returns (exit code, stdout, stderr)."""
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr
