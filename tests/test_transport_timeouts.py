"""Slow and idle connections end: a real ``serve``, raw sockets that send nothing or dribble."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import migrated_copy
from tests.transport_server import read_answer, serve

TIMEOUT = 2  # --request-timeout for these tests; 30 s by default
HEAD = (
    b"POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
)


def _dribble(conn: socket.socket, data: bytes, stop: threading.Event) -> None:
    """Send ``data`` a byte every 0.2 s (and then spaces), until told to stop or refused."""
    for i in range(10_000):
        if stop.wait(0.2):
            return
        try:
            conn.send(data[i : i + 1] if i < len(data) else b" ")
        except OSError:
            return


def _held_for(
    conn: socket.socket, start: float, dribbled: bytes | None = None
) -> tuple[float, bytes]:
    """Seconds from ``start`` (before connecting) until the server closed ``conn``; its answer."""
    stop = threading.Event()
    if dribbled is not None:
        threading.Thread(target=_dribble, args=(conn, dribbled, stop), daemon=True).start()
    conn.settimeout(TIMEOUT + 20)
    answered = b""
    try:
        while chunk := conn.recv(65536):
            answered += chunk
    except ConnectionResetError:  # bytes dribbled after the close: what came before is kept
        pass
    finally:
        stop.set()
    return time.monotonic() - start, answered


@pytest.mark.slow  # a server process, and seconds of waiting
def test_slow_and_idle_connections_are_closed_in_bounded_time(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = migrated_copy("sqlite", tmp_path, request)
    options = ("--request-timeout", str(TIMEOUT))
    with serve(url, tmp_path / "serve.log", *options) as served:
        start = time.monotonic()  # no deadline can pass before this plus the timeout
        silent, head_by_bytes, body_by_bytes = [served.connect() for _ in range(3)]
        results: dict[str, tuple[float, bytes]] = {}
        threads = [
            threading.Thread(
                target=lambda: results.__setitem__("silent", _held_for(silent, start))
            ),
            threading.Thread(
                target=lambda: results.__setitem__("head", _held_for(head_by_bytes, start, HEAD))
            ),
            threading.Thread(
                target=lambda: results.__setitem__("body", _held_for(body_by_bytes, start, b""))
            ),
        ]
        body_by_bytes.sendall(HEAD)  # the head at once, then the body a byte at a time
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for conn in (silent, head_by_bytes, body_by_bytes):
            conn.close()
        for name in ("silent", "head", "body"):
            held, _ = results[name]
            assert TIMEOUT - 0.05 < held < TIMEOUT + 5, (name, held)
        assert results["silent"][1] == results["head"][1] == b""
        assert results["body"][1].startswith(b"HTTP/1.1 408 "), results["body"][1][:200]
        assert b'"code": "request_timeout"' in results["body"][1]

        # A prompt request is answered as ever, and its idle keep-alive connection ends too.
        with served.connect() as conn:
            conn.sendall(b"GET /-/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert read_answer(conn)[0] == 200
            answered = time.monotonic()
            assert _held_for(conn, answered)[0] < TIMEOUT + 5
        log = "\n".join(served.log_lines())
        assert log.count(f"sent no complete request within {TIMEOUT} s") == 2
        assert "Traceback" not in log
