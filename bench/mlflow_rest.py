"""MLflow's tracking server, over its REST API, beside ``atlas-registry serve``.

``mlflow-skinny`` (the bench extra) has no server, and the full ``mlflow``
package pins libraries the registry does not, so the server runs from an
environment of its own: ``ATLAS_BENCH_MLFLOW`` names its ``mlflow`` command.
Without it the comparison is left out and the report says why.

The server gets a database of the same kind as the registry's: on SQLite a
file beside nothing else, in WAL with ``synchronous=NORMAL`` as the registry
runs (a ``sitecustomize`` sets both on every SQLite connection its processes
open), on PostgreSQL a fresh database on the same server. A register is
MLflow's best case, one ``model-versions/create`` call on an existing
registered model with the same facts as tags; a get is ``model-versions/get``.
On PostgreSQL its environment needs ``psycopg2``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.synthetic import facts

ENV = "ATLAS_BENCH_MLFLOW"
LINES = 10
SITECUSTOMIZE = """\
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _wal_normal(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
"""

Request = tuple[str, str, bytes | None, int]


def note() -> str:
    return f"not measured: set {ENV} to the mlflow command of an environment with mlflow installed"


@dataclass(frozen=True)
class MlflowServer:
    port: int
    pid: int
    version: str
    get_target: str = "bench-0"

    def requests(self, operation: str, first: int, count: int, _target: str) -> list[Request]:
        if operation == "get":
            path = "/api/2.0/mlflow/model-versions/get?name=bench-0&version=1"
            return [("GET", path, None, 200)] * count
        return [
            ("POST", "/api/2.0/mlflow/model-versions/create", _version(first + i), 200)
            for i in range(count)
        ]


def _version(index: int) -> bytes:
    tags = [{"key": k, "value": str(v)} for k, v in facts(index).items()]
    tags.append({"key": "state", "value": "candidate"})
    body = {"name": f"bench-{index % LINES}", "source": f"s3://models/{index}", "tags": tags}
    return json.dumps(body).encode()


@contextmanager
def _store(url: str, folder: Path) -> Iterator[str]:
    """A fresh MLflow database of the same kind as ``url``; its URI."""
    if not url.startswith("postgresql"):
        yield f"sqlite:///{folder / 'mlflow.db'}"
        return
    import psycopg

    server = make_url(url).set(drivername="postgresql")
    name = f"bench_mlflow_rest_{os.getpid()}"
    admin = server.render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        # psycopg2: what MLflow's own PostgreSQL instructions install.
        yield server.set(drivername="postgresql+psycopg2", database=name).render_as_string(False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def mlflow_served(url: str) -> Iterator[MlflowServer | None]:
    """MLflow's server on a free port with its registered models made; None without one."""
    command = os.environ.get(ENV) or ""
    if not command or shutil.which(command) is None:
        yield None
        return
    from bench.http_side import _free_port, _process, send_all

    with (
        tempfile.TemporaryDirectory(prefix="bench-mlflow-rest-") as folder,
        _store(url, Path(folder)) as store,
    ):
        (Path(folder) / "sitecustomize.py").write_text(SITECUSTOMIZE)
        env = {**os.environ, "PYTHONPATH": folder, "MLFLOW_ENABLE_TELEMETRY": "false"}
        env.pop("MLFLOW_TRACKING_URI", None)
        port = _free_port()
        server = [command, "server", "--backend-store-uri", store]
        server += ["--default-artifact-root", str(Path(folder) / "artifacts")]
        server += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        version = subprocess.run(
            [command, "--version"], capture_output=True, text=True, env=env, check=False
        ).stdout.strip()
        with _process(server, port, env) as pid:
            made = [
                (
                    "POST",
                    "/api/2.0/mlflow/registered-models/create",
                    json.dumps({"name": f"bench-{line}"}).encode(),
                    200,
                )
                for line in range(LINES)
            ]
            errors, *_ = send_all(
                port, "-", [*made, *MlflowServer(port, pid, "").requests("register", 0, 1, "")]
            )
            if errors:
                raise RuntimeError("MLflow's server refused the set-up requests")
            time.sleep(0.1)
            yield MlflowServer(port, pid, version)
