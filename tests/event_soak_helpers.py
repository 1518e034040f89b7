"""What the follow-the-log soak test drives: real servers that can be killed, writers, followers.

A :class:`Server` is one ``atlas-registry serve`` process on a fixed loopback
port, so it can be killed (SIGKILL: no goodbye to its clients) and started
again where its clients look for it, or stopped as a service manager stops it
(SIGTERM: its streams and long polls end, it exits 0). Writers send mixed writes over plain
HTTP, each with an ``Idempotency-Key`` and retried on a lost connection (a
retry of a write that committed is answered as the first time, not made
twice). Followers keep the id of the last event they saw: one long-polls
``GET /api/v1/events?after=&wait=``, one reads the Server-Sent Events stream
and reconnects with ``Last-Event-ID``.
"""

from __future__ import annotations

import abc
import json
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx

from atlas_registry.client.transport import tls_context
from tests.payloads import logistic_regression
from tests.server_helpers import ForkedServer, _wait_ready, fork_serve, free_port

# Every client of these tests speaks plain http to a server on loopback. httpx
# builds a TLS context for each one all the same, reading every certificate the
# system trusts (48 ms of CPU a client); the registry's client gives a plain http
# session one that trusts none and is never used.
PLAIN_HTTP = tls_context("http://127.0.0.1")

# What a write meets while its server restarts: it is sent again with its key.
LOST = (httpx.TransportError, httpx.RemoteProtocolError)


class Server:
    """``atlas-registry serve`` on one port, for as long as it is not killed.

    Forked from the worker's warm interpreter (``tests.server_helpers.fork_serve``),
    a process of its own as the installed command's would be, with its exit status.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._process: ForkedServer | None = None
        self._terminated = False
        self._folder = tempfile.TemporaryDirectory()  # kept across restarts, removed in close
        self._log = Path(self._folder.name) / "serve.log"

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process without waiting for it (servers started together start faster)."""
        self._terminated = False
        argv = ["atlas-registry", "serve", "--db", self.url, "--port", str(self.port)]
        self._process = fork_serve(argv, self._log)

    def wait_ready(self) -> None:
        with self._log.open("rb") as log:
            _wait_ready(self.base, log)

    def kill(self) -> None:
        """SIGKILL: the process ends mid-request, its streams and long polls cut."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=30)
            self._process = None

    def terminate(self) -> None:
        """Send SIGTERM, as a service manager stops it, without waiting (see :meth:`stop`)."""
        if self._process is not None and not self._terminated:
            self._process.terminate()
            self._terminated = True

    def stop(self, within: float = 30) -> int | None:
        """:meth:`terminate`, then its exit status (None if it was not running).

        A server still running ``within`` seconds later is killed: its status is then -9.
        """
        self.terminate()
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            return process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return process.wait(timeout=30)

    def close(self) -> int | None:
        """:meth:`stop` it (if it runs) and drop its output; its exit status."""
        try:
            return self.stop()
        finally:
            self._folder.cleanup()

    def output(self) -> str:
        """The end of what the server printed (for a failure's message)."""
        return self._log.read_bytes()[-3000:].decode("utf-8", "replace")


def send(client: httpx.Client, method: str, path: str, body: Any, token: str) -> Any:
    """One write, sent until it is answered (same key each time); its JSON answer."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    deadline = time.monotonic() + 120
    delay = 0.05
    while True:
        try:
            response = client.request(method, path, json=body, headers=headers)
        except LOST:
            response = None
        if response is not None and response.status_code != 503:
            if response.status_code >= 300:
                raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
            return response.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"{method} {path}: no answer for 120 s")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def mixed_writes(base: str, token: str, writer: int, claim: Callable[[], int | None]) -> None:
    """Units of five writes on the writer's own line, until ``claim`` says none are left.

    A unit: register the line's next version, promote it (its predecessor is
    superseded), add an evaluation, move the ``champion`` alias to it, tag it.
    """
    line = f"line-{writer}"
    with httpx.Client(base_url=base, timeout=60, verify=PLAIN_HTTP) as client:
        version = 0
        while (unit := claim()) is not None:
            model = f"w{writer}-u{unit}"
            body = {
                "title": "soak",
                "metadata": logistic_regression(),
                "artifact_id": model,
                "line": line,
            }
            version = send(client, "POST", "/api/v1/models", body, token)["version_number"]
            promote = {"notes": "soak", "override": True}
            send(client, "POST", f"/api/v1/models/{model}/promote", promote, token)
            evaluation = {
                "benchmark_id": "soak",
                "dataset_id": "soak-data",
                "metrics": {"auroc": 0.8},
            }
            send(client, "POST", f"/api/v1/models/{model}/evaluations", evaluation, token)
            alias = {"to_version": version}
            send(client, "POST", f"/api/v1/lines/{line}/aliases/champion", alias, token)
            send(
                client, "POST", f"/api/v1/models/{model}/tags", {"set": {"unit": str(unit)}}, token
            )


class Follower(abc.ABC):
    """A consumer that keeps its cursor; ``seen`` is every event it was given, in order."""

    def __init__(self, base: str, until: Callable[[], int | None]) -> None:
        self.base = base
        self.until = until  # the last id to read, once the writers are done; None before
        self.seen: list[dict[str, Any]] = []
        self.reconnects = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._guarded, daemon=True)

    @property
    def after(self) -> int:
        return int(self.seen[-1]["id"]) if self.seen else 0

    def _done(self) -> bool:
        last = self.until()
        return last is not None and self.after >= last

    def _guarded(self) -> None:
        try:
            self.run()
        except BaseException as exc:  # the test reports it
            self.error = exc

    @abc.abstractmethod
    def run(self) -> None:
        """Read until :meth:`_done`, reconnecting when the server goes away."""


class LongPoller(Follower):
    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30, verify=PLAIN_HTTP) as client:
            while not self._done():
                try:
                    page = client.get(
                        "/api/v1/events", params={"after": self.after, "wait": 1, "limit": 1000}
                    )
                except LOST:
                    self.reconnects += 1
                    time.sleep(0.1)
                    continue
                if page.status_code == 503:
                    time.sleep(0.1)
                    continue
                assert page.status_code == 200, page.text
                self.seen.extend(page.json()["items"])


class StreamReader(Follower):
    def run(self) -> None:
        while not self._done():
            headers = {"Accept": "text/event-stream"}
            if self.seen:
                headers["Last-Event-ID"] = str(self.after)
            try:
                self._read(headers)
            except httpx.ReadTimeout:
                continue  # a quiet stream: see whether the writers are done, then read on
            except LOST:
                self.reconnects += 1
                time.sleep(0.1)

    def _read(self, headers: dict[str, str]) -> None:
        timeout = httpx.Timeout(30, read=1)
        with httpx.stream(
            "GET",
            f"{self.base}/api/v1/events/stream",
            headers=headers,
            timeout=timeout,
            verify=PLAIN_HTTP,
        ) as response:
            if response.status_code == 503:
                return
            assert response.status_code == 200, response.read()
            message: dict[str, str] = {}
            for line in response.iter_lines():
                if line == "":
                    if "data" in message:
                        event = json.loads(message["data"])
                        assert int(message["id"]) == event["id"]
                        self.seen.append(event)
                        if self._done():
                            return
                    message = {}
                elif not line.startswith(":"):
                    field, _, value = line.partition(":")
                    message[field] = value[1:] if value.startswith(" ") else value
