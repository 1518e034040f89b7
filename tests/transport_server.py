"""A real ``atlas-registry serve`` whose log the test reads, and raw sockets to talk to it."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.server_helpers import ForkedServer, fork_serve, free_port


class Served:
    """One ``serve`` process: its port, its process, and everything it logged so far."""

    def __init__(self, process: ForkedServer, port: int, log: Path) -> None:
        self.process, self.port, self.log_path = process, port, log

    def log_lines(self) -> list[str]:
        return self.log_path.read_text("utf-8", errors="replace").splitlines()

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def request(self, raw: bytes) -> bytes:
        """Send ``raw`` on a new connection and read the answer until the server closes it."""
        with self.connect() as conn:
            conn.sendall(raw)
            return read_until_closed(conn)


def read_answer(conn: socket.socket, limit: float = 10) -> tuple[int, bytes]:
    """One answer's status and body (framed by its Content-Length), leaving the connection open."""
    conn.settimeout(limit)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {received[:200]!r}")
        received += chunk
    head, body = received.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(v) for k, _, v in (x.partition(":") for x in lines) if k.lower() == "content-length"
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the middle of an answer")
        body += chunk
    return int(lines[0].split()[1]), body


def read_until_closed(conn: socket.socket, limit: float = 10) -> bytes:
    conn.settimeout(limit)
    received = b""
    while chunk := conn.recv(65536):
        received += chunk
    return received


def wait_for(condition: Callable[[], bool], within: float, what: str) -> float:
    """Seconds until ``condition`` held; fails the test after ``within`` seconds."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > within:
            pytest.fail(f"{what} did not happen within {within} s")
        time.sleep(0.05)
    return time.monotonic() - start


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"GET /-/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return read_until_closed(conn).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@contextmanager
def serve(url: str, log: Path, *options: str, port: int | None = None) -> Iterator[Served]:
    """``atlas-registry serve`` with ``options`` until the block ends, once it answers.

    A process of its own, forked from the worker's warm interpreter
    (``tests.server_helpers.fork_serve``): the command line as the installed
    command runs it, without a new interpreter importing the stack again.
    """
    port = port or free_port()
    argv = ["atlas-registry", "serve", "--db", url, "--port", str(port), *options]
    process = fork_serve(argv, log)
    served = Served(process, port, log)
    try:
        wait_for(lambda: answers(port) or process.poll() is not None, 60, "serving")
        if process.poll() is not None:
            pytest.fail(f"serve ended: {served.log_lines()[-20:]}")
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)
