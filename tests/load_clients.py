"""Clients that write through ``serve`` with an Idempotency-Key, retry, and keep every answer.

A client sends each write with its own key and, on a 503 or a lost
connection, sends the same request again (same key, same body), to either
server, a bounded number of times. Every attempt's answer is kept, so a test
can compare what the servers said with what the database holds.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
MAX_ATTEMPTS = 12
OUTCOME_UNKNOWN = "commit_outcome_unknown_error"


@dataclass(frozen=True)
class Attempt:
    """One request and what came back: a status and problem code, or a lost connection."""

    port: int
    status: int | None  # None: the connection failed before an answer came
    code: str | None = None  # the problem's code, for an error answer
    replayed: bool = False  # Idempotent-Replayed: true
    body: Any = None
    error: str | None = None

    @property
    def saved(self) -> bool:
        return self.status in (200, 201)

    @property
    def outcome_unknown(self) -> bool:
        """The answer leaves open whether this attempt was saved."""
        return self.status is None or self.code == OUTCOME_UNKNOWN

    @property
    def retry(self) -> bool:
        return self.status is None or self.status == 503


@dataclass
class Write:
    """One logical write (a registration or a promotion) and every attempt at it."""

    key: str
    kind: str  # "register" or "promote"
    path: str
    body: dict[str, Any]
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]

    @property
    def acknowledged(self) -> bool:
        return self.final.saved

    @property
    def may_be_saved(self) -> bool:
        """True when some attempt's answer left open whether it was saved."""
        return any(a.outcome_unknown for a in self.attempts)


def send(port: int, path: str, body: dict[str, Any], key: str, token: str) -> Attempt:
    """One POST with ``key``; a lost connection is an attempt with no status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=45)
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": key,
    }
    try:
        conn.request("POST", path, json.dumps(body).encode("utf-8"), headers)
        response = conn.getresponse()
        raw = response.read()
        replayed = response.getheader("Idempotent-Replayed") == "true"
    except (OSError, http.client.HTTPException) as error:
        return Attempt(port, None, error=f"{type(error).__name__}: {error}")
    finally:
        conn.close()
    try:
        parsed = json.loads(raw or b"null")
    except ValueError:  # not the problem+json every answer should be: kept as text
        parsed = raw.decode("utf-8", errors="replace")
    code = parsed.get("code") if response.status >= 400 and isinstance(parsed, dict) else None
    return Attempt(port, response.status, code, replayed, parsed)


class Client:
    """Registers ``count`` versions over ``lines``, promoting every third of them.

    Its number fixes its lines and keys, its seed the server each write starts
    on and its pauses: only the timing of the faults varies from run to run.
    ``failure`` is whatever ended it early.
    """

    def __init__(self, number: int, ports: list[int], token: str, lines: int, count: int) -> None:
        self.number, self.ports, self.token = number, ports, token
        self.lines, self.count = lines, count
        self.random = random.Random(number)
        self.writes: list[Write] = []
        self.acknowledged = 0  # writes answered as saved, read by the faults' thread
        self.failure: str | None = None

    def run(self, start: threading.Barrier) -> None:
        start.wait()
        try:
            self._run()
        except BaseException as error:
            self.failure = repr(error)
            raise

    def _run(self) -> None:
        for index in range(self.count):
            line = f"load-{(self.number + index) % self.lines}"
            key = f"client-{self.number:02d}-write-{index:02d}"
            body = {"title": key, "line": line, **PIN, "metadata": logistic_regression()}
            registered = self._write(Write(key, "register", "/api/v1/models", body))
            if index % 3 == 2 and registered.acknowledged:
                model = registered.final.body["id"]
                promote_key = f"{key}-promote"
                path = f"/api/v1/models/{model}/promote"
                self._write(Write(promote_key, "promote", path, {"notes": promote_key}))

    def _write(self, write: Write) -> Write:
        self.writes.append(write)
        first = self.random.randrange(len(self.ports))
        for attempt in range(MAX_ATTEMPTS):
            port = self.ports[(first + attempt) % len(self.ports)]  # a retry may go elsewhere
            answer = send(port, write.path, write.body, write.key, self.token)
            write.attempts.append(answer)
            if not answer.retry:
                self.acknowledged += answer.saved
                break
            time.sleep(0.02 * (attempt + 1) + self.random.uniform(0, 0.03))
        return write


# What a driver sends to end a transaction: a simple query, or (in a pipeline)
# a Parse of the unnamed statement.
_COMMITS = (b"Q\x00\x00\x00\x0bCOMMIT\x00", b"P\x00\x00\x00\x0e\x00COMMIT\x00")
_KEYED = b"INSERT INTO idempotency_keys"


class CommitCutter:
    """A loopback TCP proxy to PostgreSQL that can lose the answer to a keyed write's COMMIT.

    Armed, it lets the next COMMIT of a transaction that saved an idempotency
    key reach the database, waits for the database's answer, and drops it
    with the connection: the write is saved and its server never hears so.
    Ending sessions with ``pg_terminate_backend`` cannot do that at will (the
    session ends before the COMMIT, or after its answer was sent).
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.lock = threading.Lock()
        self.armed = 0
        self.cut = 0  # answers to a COMMIT dropped

    def arm(self, armed: bool = True) -> None:
        """Lose the answer to the next keyed COMMIT (``armed=False``: to none)."""
        with self.lock:
            self.armed = int(armed)

    def start(self) -> None:
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        _close(self.listener)  # the shutdown wakes the accepting thread

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            doomed = threading.Event()
            threading.Thread(target=self._up, args=(client, server, doomed), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, doomed), daemon=True).start()

    def _take(self) -> bool:
        with self.lock:
            taken, self.armed = self.armed, 0
            self.cut += taken
            return bool(taken)

    def _up(self, client: socket.socket, server: socket.socket, doomed: threading.Event) -> None:
        """Client to database; marks the connection doomed as an armed COMMIT goes out."""
        keyed, tail = False, b""
        try:
            while data := client.recv(65536):
                seen = tail + data
                keyed = keyed or _KEYED in seen
                tail = seen[-64:]
                if keyed and any(c in seen for c in _COMMITS):
                    keyed, tail = False, b""
                    if self._take():
                        doomed.set()
                server.sendall(data)
        except OSError:
            pass
        _close(client, server)

    def _down(self, server: socket.socket, client: socket.socket, doomed: threading.Event) -> None:
        """Database to client; once doomed, the next answer is dropped with the connection."""
        try:
            while data := server.recv(65536):
                if doomed.is_set():
                    break
                client.sendall(data)
        except OSError:
            pass
        _close(client, server)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
