"""No webhook URL can be turned against the network the registry runs in.

The transport resolves the host when it connects and checks every address it
got, then connects to a checked one; each test here sends a delivery at one
form of an internal address and expects it refused before any byte leaves.
Where a listener exists (loopback), it must receive nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from atlas_registry import ValidationError
from atlas_registry.webhooks.transport import Transport, parse_target, refusal
from tests.webhook_receiver import receiving


def _send(url: str, transport: Transport | None = None) -> Any:
    sender = transport or Transport(allowed_hosts=())
    return sender.post(parse_target(url, allow_http=True), {}, b"{}")


def test_loopback_is_refused_and_the_listener_gets_nothing() -> None:
    with receiving() as receiver:
        outcome = _send(receiver.url)
    assert not outcome.delivered
    assert outcome.error.startswith("refused: 127.0.0.1 resolves to 127.0.0.1, loopback")
    assert receiver.requests == []


def test_the_allow_list_is_what_lets_a_loopback_receiver_in() -> None:
    with receiving() as receiver:
        outcome = _send(receiver.url, Transport(allowed_hosts=["127.0.0.1"]))
    assert outcome.delivered
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.1/", "private"),
        ("http://10.255.255.254:8080/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://172.31.255.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::1]/", "loopback"),
        ("http://[::]/", "unspecified"),
        ("http://[::ffff:127.0.0.1]/", "loopback (as 127.0.0.1"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://[::127.0.0.1]/", "loopback (as 127.0.0.1"),
        ("http://[fd00:ec2::254]/", "unique-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[64:ff9b::a00:1]/", "private (as 10.0.0.1"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one decimal number
        ("http://0x7f.1/", "loopback"),  # hex, short form
        ("http://0x7f000001/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),  # octal
        ("http://127.1/", "loopback"),
        ("https://localhost/", "loopback"),  # a DNS name resolving to loopback
    ],
)
def test_each_internal_address_form_is_refused(url: str, why: str) -> None:
    outcome = _send(url)
    assert not outcome.delivered
    assert outcome.status_code is None
    assert outcome.error.startswith("refused:"), outcome.error
    assert why in outcome.error


def test_the_address_is_checked_when_connecting_not_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: a name that looked public at creation resolves to loopback at send time."""
    with receiving() as receiver:
        port = int(receiver.url.split(":")[2].split("/")[0])
        target = parse_target(f"http://rebind.example.com:{port}/", allow_http=True)
        answers = iter([[("93.184.216.34", port)], [("127.0.0.1", port)]])
        real = socket.getaddrinfo

        def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
            if host != "rebind.example.com":
                return real(host, *args, **kwargs)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", a) for a in next(answers)]

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        socket.getaddrinfo("rebind.example.com", port)  # a pre-check would have seen this
        outcome = Transport(allowed_hosts=()).post(target, {}, b"{}")
    assert outcome.error == "refused: rebind.example.com resolves to 127.0.0.1, loopback"
    assert receiver.requests == []


def test_a_name_with_one_internal_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def mixed(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in ("93.184.216.34", "10.1.2.3")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    outcome = _send("https://mixed.example.com/")
    assert outcome.error == "refused: mixed.example.com resolves to 10.1.2.3, private"


def test_a_redirect_to_loopback_is_not_followed() -> None:
    with receiving() as inner:

        def redirect(_n: int) -> tuple[int, dict[str, str], bytes]:
            return 302, {"location": inner.url}, b""

        with receiving(redirect) as outer:
            outcome = _send(outer.url, Transport(allowed_hosts=["127.0.0.1"]))
    assert not outcome.delivered
    assert outcome.status_code == 302
    assert outcome.error == "a redirect, not followed"
    assert len(outer.requests) == 1
    assert inner.requests == []  # allow-listed, yet never reached: nothing follows a Location


def test_the_answer_is_read_only_up_to_the_cap() -> None:
    def huge(_n: int) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, b"y" * 1_000_000

    with receiving(huge) as receiver:
        outcome = _send(
            receiver.url, Transport(allowed_hosts=["127.0.0.1"], max_response_bytes=1024)
        )
    assert outcome.delivered
    assert outcome.excerpt == "y" * 200


def test_a_receiver_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        outcome = _send(f"http://127.0.0.1:{port}/", Transport(["127.0.0.1"], timeout=0.3))
    assert not outcome.delivered
    assert "timed out" in (outcome.error or "")


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/", "https://u:p@hooks.example.com/", "https://@h.example/"]
)
def test_http_without_consent_and_userinfo_are_refused_at_creation(url: str) -> None:
    with pytest.raises(ValidationError):
        parse_target(url, allow_http=False)


def test_public_addresses_pass_the_check() -> None:
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"):
        assert refusal(ipaddress.ip_address(address)) is None
