"""CLI start-up: whole processes, as a user or a script runs them, side by side.

``list`` and ``show`` read one page or one row of a SQLite catalog, so nearly
all of their time is starting Python and importing what the command needs.
Each round runs every process once, in turn, so a machine whose load changes
during the run slows every figure alike; the medians over the rounds are
compared as ratios in the same run:

- ``typer_help``: a bare Typer application's ``--help`` (the floor of any
  ``--help`` built on Typer and Rich);
- ``sqlite_utils_rows``: ``sqlite-utils rows`` on the same file and table, a
  peer command-line reader of SQLite;
- ``import_sqlalchemy``: ``python -c "import sqlalchemy"``, what a command pays
  before it can ask the library anything through SQLAlchemy.

``mlflow --help`` is the nearest MLflow figure (its CLI has no registry read
command that works without a tracking server). The package is compiled first,
as a user's first run (or ``scripts/bootstrap.sh``) leaves it: where
``PYTHONDONTWRITEBYTECODE`` is set, every run would otherwise compile the
registry's modules again, and that is not start-up.
"""

from __future__ import annotations

import compileall
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import atlas_registry
from atlas_registry import Registry, SchemaAdmin
from bench import atlas_side

VERSIONS = 1000
LINES = 100

_BARE_TYPER = """
import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str) -> None:
    \"\"\"Say hello.\"\"\"


@app.command()
def bye(name: str) -> None:
    \"\"\"Say goodbye.\"\"\"


app()
"""


def _once(command: list[str]) -> tuple[float, float]:
    """The wall time and the CPU time (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _medians(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """The median wall and CPU time of each command over ``runs`` rounds, each round running
    all in turn.

    On a shared machine the wall time follows the load; the CPU time a process
    used moves much less, so both are reported.
    """
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # one warm-up each: the page cache, the .pyc files
        _once(command)
    for _ in range(runs):
        for name, command in commands.items():
            wall, cpu = _once(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    found = {f"{name}_s": statistics.median(times) for name, times in walls.items()}
    found |= {f"{name}_cpu_s": statistics.median(times) for name, times in cpus.items()}
    return found


def _registry(folder: Path) -> tuple[str, str, str]:
    """A SQLite registry of :data:`VERSIONS` versions on :data:`LINES` lines: its URL, its file,
    and one version's id."""
    path = folder / "startup.db"
    url = f"sqlite:///{path}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    with Registry.open(url) as registry:
        ids = registry.register_models(
            atlas_side.registration(index, None, line=f"line-{index % LINES}")
            for index in range(VERSIONS)
        )
    return url, str(path), ids[len(ids) // 2]


def startup(folder: Path, runs: int) -> dict[str, Any]:
    compileall.compile_dir(Path(atlas_registry.__file__).parent, quiet=2)
    url, path, model_id = _registry(folder)
    typer_app = folder / "bare_typer.py"
    typer_app.write_text(_BARE_TYPER, "utf-8")
    cli = [sys.executable, "-m", "atlas_registry"]
    commands = {
        "python_only": [sys.executable, "-c", "pass"],
        "typer_help": [sys.executable, str(typer_app), "--help"],
        "import_sqlalchemy": [sys.executable, "-c", "import sqlalchemy"],
        "help": [*cli, "--help"],
        "list": [*cli, "list", "--db", url],
        "show": [*cli, "show", model_id, "--db", url],
    }
    sqlite_utils = shutil.which("sqlite-utils", path=str(Path(sys.executable).parent))
    if sqlite_utils:
        # The same rows `list` shows by default: 50 versions, newest first.
        commands["sqlite_utils_rows"] = [
            sqlite_utils,
            "rows",
            path,
            "model_versions",
            "--limit",
            "50",
            "--table",
        ]
    mlflow = shutil.which("mlflow", path=str(Path(sys.executable).parent))
    if mlflow:
        commands["mlflow_help"] = [mlflow, "--help"]
    found: dict[str, Any] = {"versions": VERSIONS, "runs": runs, **_medians(commands, runs)}
    found.update(ratios(found))
    return found


def ratios(found: dict[str, Any]) -> dict[str, float]:
    """Each Atlas process against its floor or peer, measured in the same run."""
    pairs = {
        "help_vs_typer_help": ("help_s", "typer_help_s"),
        "list_vs_sqlite_utils": ("list_s", "sqlite_utils_rows_s"),
        "show_vs_sqlite_utils": ("show_s", "sqlite_utils_rows_s"),
    }
    wall = {
        name: found[mine] / found[theirs]
        for name, (mine, theirs) in pairs.items()
        if mine in found and theirs in found
    }
    cpu = {
        f"{name}_cpu": found[mine.replace("_s", "_cpu_s")] / found[theirs.replace("_s", "_cpu_s")]
        for name, (mine, theirs) in pairs.items()
        if mine in found and theirs in found
    }
    return wall | cpu


if __name__ == "__main__":
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        print(json.dumps(startup(Path(scratch), args.runs), indent=2))
