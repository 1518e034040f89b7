"""The shells import only the public face: a walk over their imports keeps it so.

``cli/`` (and the HTTP API and pages beside it) call library verbs through
``atlas_registry`` and catch ``atlas_registry.errors``; reaching past them into
the database layer, the tables or SQLAlchemy would let a shell grow its own
queries and rules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from atlas_registry import SchemaAdmin

PACKAGE = Path(__file__).parents[1] / "src" / "atlas_registry"
SHELLS = ("cli", "api", "web")
ALLOWED_INTERNAL = {"atlas_registry", "atlas_registry.errors"}
# `serve` starts the API: the CLI may import the API package's entry point, nothing inside it.
ALLOWED_BETWEEN_SHELLS = {
    "atlas_registry.cli": {"atlas_registry.api"},
    # The pages are served by the API app and share its caller check.
    "atlas_registry.web": {"atlas_registry.api.deps"},
    "atlas_registry.api": {"atlas_registry.web"},
}
FORBIDDEN_THIRD_PARTY = ("sqlalchemy", "psycopg")


def _imports(source: Path) -> list[str]:
    tree = ast.parse(source.read_text("utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


SHELL_MODULES = [
    p for shell in SHELLS if (PACKAGE / shell).is_dir() for p in (PACKAGE / shell).rglob("*.py")
]


def test_there_is_a_shell_to_check() -> None:
    assert any(p.parent.name == "cli" for p in SHELL_MODULES)


@pytest.mark.parametrize("module", SHELL_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shells_import_only_the_public_face(module: Path) -> None:
    shell = f"atlas_registry.{module.relative_to(PACKAGE).parts[0]}"
    for name in _imports(module):
        if name.startswith("atlas_registry"):
            allowed = ALLOWED_INTERNAL | ALLOWED_BETWEEN_SHELLS.get(shell, set())
            assert name in allowed or name.startswith(shell), (
                f"{module.name} imports {name}: use the public atlas_registry face"
            )
        assert not name.startswith(FORBIDDEN_THIRD_PARTY), f"{module.name} imports {name}"


def test_the_command_line_loads_no_server_stack_until_serve() -> None:
    """``atlas-registry --help`` and every command but ``serve`` start without the web stack."""
    import subprocess
    import sys

    probe = (
        "import sys; from atlas_registry.cli import app; "
        "web = ('fastapi', 'uvicorn', 'starlette', 'jinja2'); "
        "print(','.join(sorted(m for m in web if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_reading_one_model_loads_only_what_reading_needs(tmp_path: Path) -> None:
    """``list`` and ``show`` on SQLite load only what reading needs.

    No web stack, pydantic, driver, backfill, SQL parser, git, Hugging Face or
    MLflow library: each of these costs tens of milliseconds of start-up on every
    command; they are imported by the commands that use them (serve, PostgreSQL
    URLs, backfill and review, migrate).
    """
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'startup.db'}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    unwanted = (
        "fastapi",
        "uvicorn",
        "jinja2",
        "pydantic",
        "psycopg",
        "sqlparse",
        "rich.progress",
        "atlas_registry.backfill.runner",
        "atlas_registry.backfill.rules",
        "pygit2",
        "huggingface_hub",
        "mlflow",
        "atlas_registry.review.queue",
    )
    for command in (["list"], ["show", "model-none"]):
        probe = (
            "import sys; from atlas_registry.cli import app\n"
            f"sys.argv = ['atlas-registry', *{command!r}, '--db', {url!r}]\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', ','.join(m for m in {unwanted!r} if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
        )
        loaded = result.stdout.rsplit("LOADED", 1)[1].strip()
        assert loaded == "", (command, loaded)
