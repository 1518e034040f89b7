"""An https receiver gets a delivery only when its certificate is one the system trusts.

The receiver is a loopback TLS server with a certificate of its own making;
the operator trusts it the way a private CA is trusted, through
``SSL_CERT_FILE``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_registry.webhooks.transport import Transport, parse_target
from tests.tls_certificate import loopback_certificate, server_context
from tests.webhook_receiver import receiving


def test_an_untrusted_certificate_is_a_failed_attempt_and_nothing_is_posted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = loopback_certificate(tmp_path)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with receiving(tls=server_context(cert, key)) as receiver:
        transport = Transport(allowed_hosts=["127.0.0.1"], timeout=5)
        outcome = transport.post(parse_target(receiver.url, allow_http=False), {}, b"{}")
    assert not outcome.delivered
    assert outcome.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in (outcome.error or "")
    assert receiver.requests == []


def test_a_trusted_certificate_gets_the_delivery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = loopback_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with receiving(tls=server_context(cert, key)) as receiver:
        transport = Transport(allowed_hosts=["127.0.0.1"], timeout=5)
        outcome = transport.post(
            parse_target(receiver.url, allow_http=False), {"x-test": "1"}, b'{"n": 1}'
        )
    assert outcome.delivered, outcome.error
    assert outcome.status_code == 200
    assert [r.body for r in receiver.acknowledged] == [b'{"n": 1}']
