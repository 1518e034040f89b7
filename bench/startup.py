"""CLI start-up: whole processes, as a user or a script runs them.

``list`` and ``show`` read one page or one row of a small SQLite catalog, so
nearly all of their time is starting Python and importing what the command
needs. ``mlflow --help`` is the nearest MLflow figure (its CLI has no
registry read command that works without a tracking server).

The package is compiled first, as a user's first run (or ``scripts/bootstrap.sh``)
leaves it: where ``PYTHONDONTWRITEBYTECODE`` is set, every run would otherwise
compile the registry's modules again, and that is not start-up.
"""

from __future__ import annotations

import compileall
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


def _seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs of ``command`` (output discarded)."""
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def startup(folder: Path, runs: int) -> dict[str, Any]:
    compileall.compile_dir(Path(atlas_registry.__file__).parent, quiet=2)
    url = f"sqlite:///{folder / 'startup.db'}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    with Registry.open(url) as registry:
        model_id = registry.register_model(atlas_side.registration(1, None)).id
    cli = [sys.executable, "-m", "atlas_registry"]
    found: dict[str, Any] = {
        "python_only_s": _seconds([sys.executable, "-c", "pass"], runs),
        "help_s": _seconds([*cli, "--help"], runs),
        "list_s": _seconds([*cli, "list", "--db", url], runs),
        "show_s": _seconds([*cli, "show", model_id, "--db", url], runs),
    }
    mlflow = shutil.which("mlflow", path=str(Path(sys.executable).parent))
    if mlflow:
        found["mlflow_help_s"] = _seconds([mlflow, "--help"], runs)
    return found
