"""A real ``atlas-registry serve`` on a free loopback port, and plain HTTP calls to it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
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


class ForkedServer:
    """A ``serve`` process the worker's forker started: signalled and waited for by pid.

    Its exit status is what the forker wrote to ``LOG.exit`` when it reaped it.
    """

    def __init__(self, pid: int, log: Path) -> None:
        self.pid = pid
        self._exit_file = Path(f"{log}.exit")

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def poll(self) -> int | None:
        """None while it runs; once it ended, its exit status (``-N``: ended by signal N)."""
        try:
            return int(self._exit_file.read_text())
        except FileNotFoundError:
            return None

    def wait(self, timeout: float) -> int:
        """Its exit status once it ended; killed, and ``TimeoutExpired``, after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                self.kill()
                raise subprocess.TimeoutExpired(f"serve (pid {self.pid})", timeout)
            time.sleep(0.02)
        return code


class _Forker:
    """This worker's ``python -m tests.serve_forker``, started at its first server."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None

    def start(self, argv: list[str], log: Path, env: dict[str, str]) -> ForkedServer:
        if self.process is not None and self.process.poll() is not None:
            self.close()
        if self.process is None:
            self.process = subprocess.Popen(
                [sys.executable, "-u", "-m", "tests.serve_forker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).resolve().parent.parent,
            )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        request = {"argv": argv, "env": env, "cwd": str(Path.cwd()), "log": str(log)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return ForkedServer(int(json.loads(self.process.stdout.readline())["pid"]), log)

    def close(self) -> None:
        """End the forker (it ends on its input closing), its pipes closed too."""
        if self.process is not None:
            with self.process:  # closes the pipes and waits for the process
                pass
            self.process = None


_FORKER = _Forker()


def fork_serve(argv: list[str], log: Path, env: dict[str, str] | None = None) -> ForkedServer:
    """``argv`` (``atlas-registry serve ...``) run by a child of the forker, logging to ``log``."""
    log.touch()
    Path(f"{log}.exit").unlink(missing_ok=True)  # a restart logging to the same file
    return _FORKER.start(argv, log, dict(os.environ) if env is None else env)


# Servers told to stop whose exit nobody needed to wait for (see ``served``).
_STOPPING: list[ForkedServer] = []


# Where ``served`` logs: a folder that outlives the servers left stopping (their
# exit statuses are written beside their logs), removed at the run's end.
_LOGS: list[tempfile.TemporaryDirectory[str]] = []


def _log_path() -> Path:
    if not _LOGS:
        _LOGS.append(tempfile.TemporaryDirectory(prefix="atlas-serve-"))
    descriptor, name = tempfile.mkstemp(suffix=".log", dir=_LOGS[0].name)
    os.close(descriptor)
    return Path(name)


def reap_stopped_servers() -> None:
    """Wait for every server ``served`` left stopping, then end the forker; the run's end."""
    while _STOPPING:
        _STOPPING.pop().wait(timeout=60)
    _FORKER.close()
    while _LOGS:
        _LOGS.pop().cleanup()


@contextmanager
def served(url: str, port: int | None = None) -> Iterator[str]:
    """``atlas-registry serve`` on ``port`` (else a free one) until the block ends; its base URL.

    The process is forked from a warm interpreter (``tests.serve_forker``)
    and runs the command line as the installed command does, without starting
    Python and importing the stack again.

    A port given again serves the same address: a restart, as a client sees it,
    so a server on a given port is waited for until it has exited. One on a
    port of its own is told to stop (SIGTERM) and left to finish while the
    test goes on: its exit (uvicorn's shutdown, the interpreter's) takes half
    a second to a second, which no test reads; ``reap_stopped_servers`` waits
    for them all at the end.
    """
    chosen = port is not None
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    path = _log_path()
    server = fork_serve(["atlas-registry", "serve", "--db", url, "--port", str(port)], path)
    try:
        with path.open("rb") as log:
            _wait_ready(base, log)
        yield base
    finally:
        server.terminate()
        if chosen:
            server.wait(timeout=30)
        else:
            _STOPPING.append(server)


def _wait_ready(base: str, log: Any) -> None:
    # A server takes one to two seconds to import and listen: polled every 50 ms,
    # a test waits at most that much longer than the server took.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(base, "GET", "/-/ready")[0] == 200:
                return
        except OSError:
            time.sleep(0.05)
    log.seek(0)
    pytest.fail(f"the server did not become ready in 60 s: {log.read()[-2000:]!r}")


@contextmanager
def served_in_thread(url: str) -> Iterator[str]:
    """The app ``serve`` runs, served by uvicorn on a thread of this process: its base URL.

    For pages in a browser, which read what a server answers and not how its
    process starts or stops: the same app (``create_app`` with ``serve``'s
    defaults), the same connection protocol, on a real loopback socket,
    without a new interpreter importing the whole stack (a second or two of
    CPU per module).
    """
    import asyncio

    import uvicorn

    from atlas_registry import Registry
    from atlas_registry.api import create_app
    from atlas_registry.api.server import PROTOCOL

    port = free_port()
    with Registry.open(url) as registry:
        config = uvicorn.Config(
            create_app(registry),
            host="127.0.0.1",
            port=port,
            http=PROTOCOL,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        server = uvicorn.Server(config)
        # uvicorn installs signal handlers only on the main thread; this one has none.
        thread = threading.Thread(
            target=lambda: asyncio.run(server.serve()), name=f"serve-{port}", daemon=True
        )
        thread.start()
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    pytest.fail(f"the in-process server on port {port} did not start")
                time.sleep(0.02)
            yield base
        finally:
            server.should_exit = True
            thread.join(timeout=30)
