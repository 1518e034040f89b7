"""One HTTP session to a registry server: the token, retries, and each write's Idempotency-Key.

A write is sent with a fresh ``Idempotency-Key`` and, when its answer is lost
(the connection drops, the server answers 503, or 429 with ``Retry-After``),
sent again with the same key: the server keeps a write's answer with the write,
so a retry of a write it already saved gets that first answer back instead of
writing twice (``store/idempotency.py``). Waits between tries grow
exponentially, are capped, and are jittered so many clients do not retry in
step. Reads are retried the same way; they change nothing. A refused TLS
handshake (an untrusted certificate, a server not speaking TLS) is not an
answer lost: it fails at once.
"""

from __future__ import annotations

import math
import os
import random
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import orjson

from atlas_registry.client.problems import RemoteError, error_from_problem
from atlas_registry.errors import ConfigurationError, DatabaseNotFoundError


@dataclass(frozen=True)
class RetryPolicy:
    """How many times, and how long between, a request whose answer was lost is sent again."""

    attempts: int = 6  # tries in all, the first included
    base_delay: float = 0.2  # seconds before the first retry; doubled each time
    max_delay: float = 10.0  # no wait is longer, whatever Retry-After asks

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int):
            raise ConfigurationError(f"attempts is a whole number of tries, not {self.attempts!r}")
        if self.attempts < 1:
            raise ConfigurationError(
                f"attempts counts the first try: at least 1, not {self.attempts}"
            )
        for name in ("base_delay", "max_delay"):
            value = getattr(self, name)
            number = not isinstance(value, bool) and isinstance(value, int | float)
            if not (number and math.isfinite(value) and value >= 0):
                raise ConfigurationError(f"{name} is seconds, 0 or more, not {value!r}")

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """The wait before retry number ``retry`` (0 for the first), with full jitter."""
        backoff = min(self.max_delay, self.base_delay * 2**retry)
        jittered = random.uniform(backoff / 2, backoff)
        return min(self.max_delay, max(jittered, retry_after or 0.0))


def check_base_url(url: str) -> str:
    """The server's base URL without a trailing slash; refused when it is not http(s) or
    carries credentials (a token goes in ``token=``, never in a URL that ends up in logs)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"a server URL is http:// or https:// and a host, not {url!r:.200}"
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError("a server URL must not carry credentials: pass token= instead")
    if parts.query or parts.fragment:
        raise ConfigurationError("a server URL has no query or fragment")
    return url.rstrip("/")


def tls_context(base_url: str) -> ssl.SSLContext:
    """The certificate authorities a session to ``base_url`` trusts.

    Why not httpx's default for every session: it reads every certificate of
    the system's store (48 ms of CPU), even for a plain http server. A plain
    http session gets a context that trusts no authority: it never makes a
    TLS connection (its requests go to its base URL and redirects are not
    followed), and were it ever to, every certificate would be refused, never
    accepted unchecked. An https session reads the system's store as it is
    when the session is made (``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` as
    httpx reads them), so trust withdrawn from the store holds for the next
    session.
    """
    if urlsplit(base_url).scheme == "http":
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    folder = os.environ.get("SSL_CERT_DIR")
    if folder and not os.environ.get("SSL_CERT_FILE") and not Path(folder).is_dir():
        # OpenSSL reads a folder lazily, so a missing one would only show as every
        # certificate refused.
        raise ConfigurationError(f"SSL_CERT_DIR={folder!r} is not a folder of certificates")
    try:
        return httpx2.create_ssl_context()
    except (OSError, ssl.SSLError) as error:  # a trust store named but unreadable
        named = [
            f"{v}={os.environ[v]!r}" for v in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(v)
        ]
        where = " and ".join(named) if named else "the system's certificate store"
        raise ConfigurationError(
            f"the certificates to trust cannot be read from {where}: {error}"
        ) from error


# TLS errors that a retry cannot heal: the server's certificate refused, or an
# answer that is not TLS at all. (An EOF in the middle of a handshake is a
# server going away, or one hanging up on TLS: a retry may well find it back.)
_LASTING_TLS_ERRORS = (ssl.SSLCertVerificationError,)
_PASSING_TLS_ERRORS = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
# OpenSSL's verification codes (X509_V_ERR_*), by what would make the certificate pass.
_UNKNOWN_AUTHORITY = {2, 18, 19, 20, 21}  # self-signed, or an issuer not in the trust store
_WRONG_NAME = {62, 64}  # the certificate names another host, or another IP address
_EXPIRED, _NOT_YET_VALID = 10, 9


def _certificate_refusal(error: ssl.SSLCertVerificationError, host: str) -> str:
    detail = (getattr(error, "verify_message", "") or str(error)).rstrip(".")
    code = getattr(error, "verify_code", None)
    if code in _UNKNOWN_AUTHORITY:
        return (
            f"its TLS certificate is signed by no authority this client trusts ({detail}): "
            "name a PEM bundle holding that authority in SSL_CERT_FILE, which replaces the "
            "system's store (or, with SSL_CERT_FILE unset, a hashed folder in SSL_CERT_DIR)"
        )
    if code in _WRONG_NAME:
        return (
            f"its TLS certificate is not valid for {host} ({detail}): use a name the "
            "certificate carries, or have the certificate issued for this one"
        )
    if code == _EXPIRED:
        return (
            f"its TLS certificate has expired ({detail}): the server's certificate needs "
            "renewing (or this machine's clock is ahead)"
        )
    if code == _NOT_YET_VALID:
        return (
            f"its TLS certificate is not valid yet ({detail}): this machine's clock is behind, "
            "or the certificate was issued with a start date still to come"
        )
    return f"its TLS certificate was refused ({detail})"


def _tls_refusal(error: BaseException, host: str) -> str | None:
    """Why the TLS handshake behind ``error`` failed for good; None when it may heal."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, _LASTING_TLS_ERRORS):
            return _certificate_refusal(cause, host)
        if isinstance(cause, ssl.SSLError) and not isinstance(cause, _PASSING_TLS_ERRORS):
            reason = getattr(cause, "reason", None) or str(cause)
            if reason == "WRONG_VERSION_NUMBER":  # OpenSSL's word for "this is not TLS"
                return "it does not answer in TLS (is it an http:// server?)"
            return f"the TLS handshake failed ({reason})"
        cause = cause.__cause__ or cause.__context__
    return None


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


class Session:
    """Requests to one server, each answered with decoded JSON or raised as a registry error."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = check_base_url(base_url)
        headers = {"Accept": "application/json", "User-Agent": "atlas-registry-client"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx2.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            verify=tls_context(self.base_url),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        return _decoded(self.send("GET", path, params=params, **kw))

    def text(self, path: str) -> str:
        return self.send("GET", path).text

    def post(self, path: str, body: Any, params: Mapping[str, Any] | None = None) -> Any:
        """A write, with one Idempotency-Key for all of its tries."""
        return _decoded(self.send("POST", path, params=params, body=body, key=str(uuid.uuid4())))

    def delete(self, path: str) -> Any:
        """A write that removes, with an empty JSON body (every write is JSON) and one key."""
        return _decoded(self.send("DELETE", path, body={}, key=str(uuid.uuid4())))

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        key: str | None = None,
        timeout: float | None = None,
    ) -> httpx2.Response:
        """The answer to one request, sent again while its answer is lost; a problem raised."""
        headers = {"Idempotency-Key": key} if key else {}
        content = None
        if body is not None:
            content = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        for retry in range(self.retry.attempts):
            last = retry == self.retry.attempts - 1
            try:
                response = self._http.request(
                    method, path, params=query, content=content, headers=headers, **extra
                )
            except httpx2.TransportError as error:
                refusal = _tls_refusal(error, urlsplit(self.base_url).hostname or "")
                if refusal:  # a refused certificate is refused again: not retried
                    raise DatabaseNotFoundError(
                        f"the registry server at {self.base_url} cannot be reached: {refusal}"
                    ) from error
                if last:
                    why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
                    tries = "1 try" if self.retry.attempts == 1 else f"{self.retry.attempts} tries"
                    raise DatabaseNotFoundError(
                        f"the registry server at {self.base_url} cannot be reached ({why}, {tries})"
                    ) from error
                self._sleep(self.retry.delay(retry))
                continue
            retry_after = _retry_after(response)
            retried = response.status_code == 503 or (
                response.status_code == 429 and retry_after is not None
            )
            if retried and not last:
                self._sleep(self.retry.delay(retry, retry_after))
                continue
            if response.is_success:
                return response
            raise error_from_problem(response.status_code, _problem_body(response))
        raise AssertionError("unreachable: the last try returns or raises")


def _problem_body(response: httpx2.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {"detail": f"the server answered {response.status_code}: {response.text[:200]}"}


def _decoded(response: httpx2.Response) -> Any:
    if not response.content:
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as error:  # a proxy's login page, a wrong base URL
        kind = response.headers.get("content-type", "no content type")
        raise RemoteError(
            f"{response.url.copy_with(query=None)} answered {response.status_code} with "
            f"{kind[:80]!r}, not JSON: is the base URL the registry server's?",
            status=response.status_code,
        ) from error
