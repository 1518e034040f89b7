"""`files verify` over https, against a loopback TLS server this test starts.

The server holds the weights, a copy with one byte changed, and a path that
answers too slowly: each becomes a check (passed, mismatch, unreachable), on
both databases. The test's own certificate authority is trusted through
``SSL_CERT_FILE``, as an operator's private CA would be.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from atlas_registry import ModelRegistration, Registry
from tests.payloads import logistic_regression
from tests.tls_certificate import loopback_certificate, server_context

pytestmark = pytest.mark.slow

WEIGHTS = bytes(range(256)) * 4096  # 1 MiB: read in more than one chunk by the server
SLOW_SECONDS = 3.0


class _Files(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow.bin":
            time.sleep(SLOW_SECONDS)
        body = {
            "/weights.bin": WEIGHTS,
            "/tampered.bin": WEIGHTS[:-1] + b"\x00",
            "/slow.bin": WEIGHTS,
        }.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.send_error(405)  # a store may refuse HEAD: the check streams the GET anyway

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def https_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    cert, key = loopback_certificate(tmp_path_factory.mktemp("tls"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    server.socket = server_context(cert, key).wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_verify_over_https(
    migrated_url: str, https_base: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, cert = https_base
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    digest = hashlib.sha256(WEIGHTS).hexdigest()
    listed = [
        {"uri": f"{base}/{name}", "sha256": digest, "size_bytes": len(WEIGHTS)}
        for name in ("weights.bin", "tampered.bin", "missing.bin", "slow.bin")
    ]
    with Registry.open(migrated_url) as registry:
        registration = ModelRegistration(
            title="t",
            metadata=logistic_regression(),
            code_repo_url="https://github.com/lab/ad-risk",
            code_commit_sha="3f1c2a9",
            files=listed,
        )
        model_id = registry.register_model(registration).id
        started = time.monotonic()
        checks = registry.verify_files([model_id], actor="operator", timeout=1.0)
        assert time.monotonic() - started < SLOW_SECONDS + 5  # the slow read was cut off
    assert [c.status for c in checks] == ["passed", "mismatch", "unreachable", "unreachable"]
    assert checks[0].sha256_found == digest
    assert checks[0].size_found == len(WEIGHTS)
    assert "404" in checks[2].detail
    assert "Timeout" in checks[3].detail or "timeout" in checks[3].detail.lower()
