"""Sending one delivery without letting its URL reach the network the registry runs in.

SSRF is refused by construction, not by a look at the URL beforehand:

- only ``https`` (``http`` only for a subscription an admin allowed it on), no
  user name or password in the URL;
- the address is resolved AT CONNECT TIME, every address the name resolves
  to is checked, and the socket connects to an address that was checked: a
  name whose DNS answer changes between a check and the connect (DNS
  rebinding) cannot slip through, because there is no separate check. TLS
  still names the host (SNI and the certificate check use the URL's name);
- refused: private (10/8, 172.16/12, 192.168/16), loopback, link-local
  (169.254/16, the cloud metadata address 169.254.169.254 among them),
  CGNAT (100.64/10), multicast, unspecified (0.0.0.0, ::), reserved and
  benchmark ranges, IPv6 unique-local (fc00::/7, the metadata fd00:ec2::254
  among them), and IPv6 forms that carry an IPv4 address (IPv4-mapped
  ``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d``, 6to4, NAT64), checked
  as the IPv4 address they carry. Every spelling of an IPv4 address
  (``2130706433``, ``0x7f.1``, ``0177.0.0.1``) is resolved to the address
  before the check, so it meets the same rule;
- unless the host is on the operator's allow-list (``$ATLAS_REGISTRY_WEBHOOK_ALLOW_HOSTS``,
  or ``--allow-host``): the tests reach their loopback receiver that way;
- a redirect is never followed (a 3xx is a failed attempt), the whole
  exchange has a short timeout, and at most :data:`MAX_RESPONSE_BYTES` of the
  answer are read, of which :data:`EXCERPT_CHARS` characters are kept.

The standard library's ``http.client`` sends it: it reads no proxy settings
from the environment (a proxy would connect for us, unchecked) and follows no
redirect.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import os
import re
import socket
import ssl
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from atlas_registry.errors import ValidationError, Violation

ALLOW_HOSTS_ENV_VAR = "ATLAS_REGISTRY_WEBHOOK_ALLOW_HOSTS"
TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 200
MAX_URL_CHARS = 2048

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_REFUSED_V4 = [
    (ipaddress.ip_network(net), why)
    for net, why in [
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local (cloud metadata)"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    ]
]
_REFUSED_V6 = [
    (ipaddress.ip_network(net), why)
    for net, why in [
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("fc00::/7", "unique-local (cloud metadata among them)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
        ("100::/64", "discard"),
        ("2001:db8::/32", "documentation"),
    ]
]


def refusal(address: IPAddress) -> str | None:
    """Why a delivery may not connect to ``address``; None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = _carried_v4(address)
        if carried is not None:
            why = refusal(carried)
            return None if why is None else f"{why} (as {carried}, carried in {address})"
        for network, why in _REFUSED_V6:
            if address in network:
                return why
        return None if address.is_global else "not a global address"
    for network, why in _REFUSED_V4:
        if address in network:
            return why
    return None if address.is_global else "not a global address"


def _carried_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form stands for: mapped, compatible, 6to4, NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    packed = address.packed
    if packed[:12] == bytes(12) and int(address) > 1:  # ::a.b.c.d, the deprecated form
        return ipaddress.IPv4Address(packed[12:])
    if packed[:12] == bytes.fromhex("0064ff9b0000000000000000"):  # 64:ff9b::/96, NAT64
        return ipaddress.IPv4Address(packed[12:])
    return None


@dataclass(frozen=True)
class Target:
    """A subscription's URL, checked for form: what to connect to and what to ask for."""

    scheme: str
    host: str  # lower-case, an IPv6 literal without brackets
    port: int
    path: str  # path and query, never the fragment

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``: the URL without the path and query (which may hold a
        capability), fit for a page anyone may read."""
        shown = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return f"{self.scheme}://{shown}" + ("" if self.port == default else f":{self.port}")


def parse_target(url: str, *, allow_http: bool) -> Target:
    """The :class:`Target` of ``url``, or a ValidationError saying what is wrong with it."""

    def refuse(why: str) -> ValidationError:
        return ValidationError("the webhook URL is refused", [Violation("url", why)])

    if not url or len(url) > MAX_URL_CHARS:
        raise refuse(f"must be 1 to {MAX_URL_CHARS} characters")
    parts: SplitResult = urlsplit(url)
    if any(ord(c) < 0x21 or ord(c) == 0x7F or ord(c) > 0x7E for c in url):
        raise refuse(
            "may hold no space, control or non-ASCII character (percent-encode them"
            + _idna_hint(parts)
            + ")"
        )
    scheme = parts.scheme.lower()
    if scheme == "http" and not allow_http:
        raise refuse("must be https (an admin may allow http for one webhook: --allow-http)")
    if scheme not in ("http", "https"):
        raise refuse("must be an https (or, when allowed, http) URL")
    if "@" in parts.netloc:
        raise refuse("may not hold a user name or password (send credentials in no URL)")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise refuse(f"has a bad host or port: {exc}") from None
    if not host:
        raise refuse("names no host")
    why = _bad_host(host)
    if why is not None:
        raise refuse(why)
    path = parts.path or "/"
    return Target(
        scheme, host, port or (443 if scheme == "https" else 80), path + _query(parts.query)
    )


_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


def _bad_host(host: str) -> str | None:
    """Why ``host`` (lower-case, no brackets) is neither a host name of LDH labels nor an IP
    literal; None when it is one. Checked at create, so a mistyped URL fails there, not at
    every delivery."""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return f"has a bad IPv6 address {host[:100]!r} (write it as [2001:db8::1])"
        return None
    name = host[:-1] if host.endswith(".") else host
    if len(name) > 253:
        return "has a host name longer than 253 characters"
    for label in name.split("."):
        if not _LABEL.fullmatch(label):
            return (
                f"has a bad host name {host[:100]!r}: {label[:63]!r} is not a label of letters, "
                "digits and inner hyphens, 1 to 63 long (an IP address or a host name)"
            )
    return None


def _idna_hint(parts: SplitResult) -> str:
    """For a non-ASCII host name, how to write it: its IDNA (``xn--``) form."""
    try:
        host = parts.hostname
        if not host or host.isascii():
            return ""
        return f"; write the host as {host.encode('idna').decode('ascii')}"
    except (ValueError, UnicodeError):
        return ""


def _query(query: str) -> str:
    return f"?{query}" if query else ""


def allowed_hosts_from_env() -> frozenset[str]:
    """The operator's allow-list: hosts a delivery may reach whatever they resolve to."""
    given = os.environ.get(ALLOW_HOSTS_ENV_VAR, "")
    return frozenset(h.strip().lower().strip("[]") for h in given.split(",") if h.strip())


class RefusedAddressError(OSError):
    """The host resolved to an address no delivery may reach."""


def connect_checked(
    host: str, port: int, timeout: float, allowed_hosts: Collection[str]
) -> socket.socket:
    """A socket to ``host``: resolved now, every address checked, connected to a checked one."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc.strerror}") from None
    addresses = [(family, sockaddr) for family, _, _, _, sockaddr in found]
    if host not in allowed_hosts:
        for _, sockaddr in addresses:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            why = refusal(address)
            if why is not None:
                raise RefusedAddressError(f"refused: {host} resolves to {address}, {why}")
    last: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)  # the address just checked, not the name again
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last or OSError(f"{host} resolves to no address")


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: a status code and an excerpt, or the error that stopped it."""

    delivered: bool
    status_code: int | None
    latency_ms: int
    excerpt: str | None
    error: str | None


class Transport:
    """Posts deliveries under the rules in the module docstring."""

    def __init__(
        self,
        allowed_hosts: Collection[str] | None = None,
        *,
        timeout: float = TIMEOUT_SECONDS,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        hosts = allowed_hosts_from_env() if allowed_hosts is None else allowed_hosts
        self.allowed_hosts = frozenset(h.lower().strip("[]") for h in hosts)
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes

    @functools.cached_property
    def tls(self) -> ssl.SSLContext:
        """The certificate checks for https targets, made at the first one.

        Reading the system's certificate authorities takes about 20 ms; a
        worker that posts only to http receivers (a test's, one on localhost)
        never needs them.
        """
        return ssl.create_default_context()

    def post(self, target: Target, headers: dict[str, str], body: bytes) -> Outcome:
        started = time.monotonic()
        try:
            status, answer = self._exchange(target, headers, body)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return Outcome(False, None, _ms(started), None, _said(exc))
        excerpt = answer[: EXCERPT_CHARS * 4].decode("utf-8", "replace")[:EXCERPT_CHARS] or None
        if 200 <= status < 300:
            return Outcome(True, status, _ms(started), excerpt, None)
        why = "a redirect, not followed" if 300 <= status < 400 else f"answered {status}"
        return Outcome(False, status, _ms(started), excerpt, why)

    def _exchange(self, target: Target, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        deadline = time.monotonic() + self.timeout
        connection = self._connection(target)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            answer = b""
            while len(answer) <= self.max_response_bytes and time.monotonic() < deadline:
                chunk = response.read1(self.max_response_bytes + 1 - len(answer))
                if not chunk:
                    break
                answer += chunk
            return response.status, answer[: self.max_response_bytes]
        finally:
            connection.close()

    def _connection(self, target: Target) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection
        if target.scheme == "https":
            connection = http.client.HTTPSConnection(
                target.host, target.port, timeout=self.timeout, context=self.tls
            )
        else:
            connection = http.client.HTTPConnection(target.host, target.port, timeout=self.timeout)
        allowed = self.allowed_hosts

        def create_connection(address: tuple[str, int], timeout: Any, *_: Any) -> socket.socket:
            return connect_checked(address[0], address[1], self.timeout, allowed)

        # http.client opens every socket through this attribute; TLS then wraps the
        # socket naming target.host, so the certificate is checked for the name.
        connection._create_connection = create_connection  # type: ignore[attr-defined]
        return connection


def _ms(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))


def _said(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:300]
