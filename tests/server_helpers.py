"""A real ``atlas-registry serve`` on a free loopback port, and plain HTTP calls to it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CLI = str(Path(sys.executable).parent / "atlas-registry")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(base: str, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@contextmanager
def served(url: str, port: int | None = None) -> Iterator[str]:
    """``atlas-registry serve`` on ``port`` (else a free one) until the block ends; its base URL.

    A port given again serves the same address: a restart, as a client sees it.
    """
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [CLI, "serve", "--db", url, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            _wait_ready(base, log)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_ready(base: str, log: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(base, "GET", "/-/ready")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    pytest.fail(f"the server did not become ready in 60 s: {log.read()[-2000:]!r}")
