"""The Host guard reads the header as RFC 9110 writes it: a name or a bracketed IPv6, a port."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_registry.api.app import LOCAL_HOSTS
from atlas_registry.api.guards import Guards, host_name


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(Guards(_ok, frozenset(LOCAL_HOSTS)), base_url="http://127.0.0.1")


@pytest.mark.parametrize(
    "header",
    [
        "[::1]",
        "[::1]:8000",
        "localhost:8000",
        "localhost",
        "127.0.0.1",
        "127.0.0.1:80",
        "LOCALHOST",
    ],
)
def test_a_local_host_is_served(client: TestClient, header: str) -> None:
    """``[::1]`` without a port was refused: the port-stripping split cut it at its last colon."""
    assert client.get("/", headers={"Host": header}).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "evil.com",
        "evil.com:8000",
        "[::1]x",
        "[::1]:",
        "[::1]:abc",
        "localhost:abc",
        "localhost:80:80",
        "::1",  # an IPv6 literal must be bracketed
        "[::2]",
        "[localhost]",
        "127.0.0.1.evil.com",
        "",
    ],
)
def test_another_or_malformed_host_is_refused(client: TestClient, header: str) -> None:
    response = client.get("/", headers={"Host": header})
    assert response.status_code == 400, header
    assert response.json()["code"] == "host_not_allowed"
    assert repr(header) in response.json()["detail"]


def test_the_host_is_read_without_its_port() -> None:
    assert host_name("[::1]") == "::1"
    assert host_name("[::FFFF:127.0.0.1]:8000") == "::ffff:127.0.0.1"
    assert host_name("Registry.Example.org:443") == "registry.example.org"
    assert host_name("[::1]x") is None
    assert host_name("localhost:abc") is None
