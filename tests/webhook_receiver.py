"""A webhook receiver on a loopback port, for the webhook tests: it keeps what it acknowledged.

``answer`` decides each request's status (and may redirect); only requests it
answered 2xx are in ``acknowledged``, the way a real receiver would have
processed them.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    answer: Callable[[int], tuple[int, dict[str, str], bytes]]
    requests: list[Received] = field(default_factory=list)
    acknowledged: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def ok(_n: int) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, b"thanks"


@contextmanager
def receiving(
    answer: Callable[[int], tuple[int, dict[str, str], bytes]] = ok,
    tls: ssl.SSLContext | None = None,
) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 at a free port, for as long as the block runs; https with ``tls``."""
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            got = Received({k.lower(): v for k, v in self.headers.items()}, body)
            with receiver.lock:
                receiver.requests.append(got)
                status, headers, text = receiver.answer(len(receiver.requests))
                if 200 <= status < 300:
                    receiver.acknowledged.append(got)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    receiver = Receiver(f"{scheme}://127.0.0.1:{server.server_address[1]}/hook?team=ml", answer)
    # Polled every 20 ms for shutdown(), not every 0.5 s: each receiver stopped
    # cost a test half a second.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
