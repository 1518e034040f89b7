"""Which certificates a client session trusts: the system's for https, none for plain http.

The server is a loopback TLS receiver with a certificate of its own making,
trusted the way an operator trusts a private CA: through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from atlas_registry.client import RemoteError, RetryPolicy, Session
from atlas_registry.errors import ConfigurationError, DatabaseNotFoundError
from tests.tls_certificate import loopback_certificate, server_context
from tests.webhook_receiver import receiving

ONCE = RetryPolicy(attempts=1)


def origin(url: str) -> str:
    """The receiver's scheme, host and port (its URL ends in a path and a query)."""
    return url.partition("/hook")[0]


def json_answer(_n: int) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, b'{"ok": true}'


def test_an_https_session_trusts_what_the_system_trusts_as_it_is_when_the_session_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = loopback_certificate(tmp_path)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with receiving(json_answer, tls=server_context(cert, key)) as receiver:
        untrusting = Session(origin(receiver.url), retry=ONCE)
        with pytest.raises(DatabaseNotFoundError) as refused:
            untrusting.post("/hook", {"n": 1})
        assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value.__cause__)
        assert receiver.requests == []

        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        trusting = Session(origin(receiver.url), retry=ONCE)
        assert trusting.post("/hook", {"n": 2}) == {"ok": True}
        with pytest.raises(DatabaseNotFoundError):
            untrusting.post("/hook", {"n": 3})  # a session keeps what it trusted when made
        untrusting.close()
        trusting.close()
    assert [r.body for r in receiver.requests] == [b'{"n":2}']


def test_a_plain_http_session_trusts_no_certificate_even_one_the_system_trusts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = loopback_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with receiving(json_answer, tls=server_context(cert, key)) as receiver:
        plain = Session("http://127.0.0.1:9", retry=ONCE)
        with pytest.raises(DatabaseNotFoundError) as refused:
            plain.send("POST", f"{origin(receiver.url)}/hook", body={"n": 1})  # an absolute URL
        plain.close()
        assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value.__cause__)
    assert receiver.requests == []


def test_trust_withdrawn_from_the_store_holds_for_the_next_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = loopback_certificate(tmp_path)
    (tmp_path / "other").mkdir()
    other, _ = loopback_certificate(tmp_path / "other")
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(cert.read_bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    with receiving(json_answer, tls=server_context(cert, key)) as receiver:
        trusting = Session(origin(receiver.url), retry=ONCE)
        assert trusting.post("/hook", {"n": 1}) == {"ok": True}
        bundle.write_bytes(other.read_bytes())  # the operator withdraws it, same file
        withdrawn = Session(origin(receiver.url), retry=ONCE)
        with pytest.raises(DatabaseNotFoundError) as refused:
            withdrawn.post("/hook", {"n": 2})
        assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value.__cause__)
        trusting.close()
        withdrawn.close()
    assert [r.body for r in receiver.requests] == [b'{"n":1}']


@pytest.mark.parametrize(
    ("case", "reason", "way_out"),
    [
        ("untrusted", "signed by no authority this client trusts", "SSL_CERT_FILE"),
        ("another name", "not valid for localhost", "use a name the certificate carries"),
        ("expired", "has expired", "needs renewing"),
        ("not yet valid", "is not valid yet", "clock is behind"),
    ],
)
def test_a_refused_certificate_fails_at_once_and_says_why(
    case: str, reason: str, way_out: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = loopback_certificate(
        tmp_path, expired=case == "expired", not_yet_valid=case == "not yet valid"
    )
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    if case == "untrusted":
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    else:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # its authority trusted
    waits: list[float] = []
    with receiving(json_answer, tls=server_context(cert, key)) as receiver:
        url = origin(receiver.url)
        if case == "another name":  # the certificate is for 127.0.0.1 only
            url = url.replace("127.0.0.1", "localhost")
        session = Session(url, sleep=waits.append)  # six tries by default
        with pytest.raises(DatabaseNotFoundError) as refused:
            session.post("/hook", {"n": 1})
        session.close()
    assert waits == []  # a refused certificate is not sent again
    message = str(refused.value)
    assert message.startswith(f"the registry server at {url} cannot be reached: its TLS")
    assert reason in message
    assert way_out in message
    assert ".)" not in message  # OpenSSL's full stop is not carried into the parentheses
    assert receiver.requests == []


def test_an_https_url_to_a_plain_http_server_fails_at_once_and_says_so() -> None:
    waits: list[float] = []
    with receiving(json_answer) as receiver:
        session = Session(origin(receiver.url).replace("http://", "https://"), sleep=waits.append)
        with pytest.raises(DatabaseNotFoundError, match=r"does not answer in TLS .*http://"):
            session.get("/hook")
        session.close()
    assert waits == []
    assert receiver.requests == []


def test_a_server_that_is_not_there_is_still_tried_again() -> None:
    waits: list[float] = []
    session = Session("https://127.0.0.1:9", retry=RetryPolicy(attempts=3), sleep=waits.append)
    with pytest.raises(
        DatabaseNotFoundError, match=r"cannot be reached \(ConnectError: .+, 3 tries\)"
    ):
        session.get("/api/v1/models")
    session.close()
    assert len(waits) == 2


@pytest.mark.parametrize("content", [None, b"not a certificate\n"])
def test_a_trust_store_that_cannot_be_read_is_named(
    content: bytes | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "bundle.pem"
    if content is not None:
        bundle.write_bytes(content)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    with pytest.raises(ConfigurationError) as refused:
        Session("https://127.0.0.1:9")
    message = str(refused.value)
    assert message.startswith("the certificates to trust cannot be read from SSL_CERT_FILE=")
    assert str(bundle) in message
    Session("http://127.0.0.1:9").close()  # a plain http session reads no trust store


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"attempts": 0}, "attempts counts the first try: at least 1, not 0"),
        ({"attempts": 2.5}, "attempts is a whole number of tries, not 2.5"),
        ({"base_delay": -1}, "base_delay is seconds, 0 or more, not -1"),
        ({"max_delay": float("nan")}, "max_delay is seconds, 0 or more, not nan"),
        ({"base_delay": float("inf")}, "base_delay is seconds, 0 or more, not inf"),
    ],
)
def test_a_retry_policy_that_could_not_send_is_refused(fields: dict[str, Any], wrong: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(wrong)):
        RetryPolicy(**fields)


def test_one_try_is_one_try() -> None:
    session = Session("http://127.0.0.1:9", retry=RetryPolicy(attempts=1))
    with pytest.raises(DatabaseNotFoundError, match=r"\(ConnectError: .+, 1 try\)$"):
        session.get("/api/v1/models")
    session.close()


def test_a_trust_folder_that_is_not_there_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no such folder"))
    with pytest.raises(
        ConfigurationError, match=r"SSL_CERT_DIR=.*no such folder.* is not a folder"
    ):
        Session("https://127.0.0.1:9")


def test_an_answer_that_is_not_json_is_a_remote_error_saying_so() -> None:
    def login_page(_n: int) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/html"}, b"<html>sign in</html>"

    with receiving(login_page) as receiver:
        session = Session(origin(receiver.url))
        with pytest.raises(RemoteError) as answered:
            session.post("/hook", {"n": 1})
        session.close()
    assert answered.value.status == 200
    assert str(answered.value) == (
        f"{origin(receiver.url)}/hook answered 200 with 'text/html', not JSON: "
        "is the base URL the registry server's?"
    )
