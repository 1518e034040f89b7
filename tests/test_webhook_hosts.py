"""A URL whose host is neither a host name (LDH labels) nor an IP address is refused when the
webhook is created, not at every delivery."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from atlas_registry import Registry, ValidationError
from atlas_registry.webhooks.keys import KEY_ENV_VAR

TYPES = ["model.registered"]


@pytest.fixture(autouse=True)
def webhook_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv(KEY_ENV_VAR, key)
    return key


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://exa<script>mple.com/", "bad host name"),
        ("https://exa_mple.com/", "bad host name"),
        ("https://-hooks.example.com/", "bad host name"),
        ("https://hooks..example.com/", "bad host name"),
        ("https://" + "a" * 64 + ".example.com/", "bad host name"),
        ("https://exa%41mple.com/", "bad host name"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
    ],
)
def test_a_host_that_is_no_host_name_is_refused_at_create(
    registry: Registry, url: str, why: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        registry.create_webhook(url, TYPES, actor="a")
    assert why in str(refused.value.violations[0])
    assert registry.webhooks() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/x",
        "https://HOOKS.example.com./x",
        "https://xn--bcher-kva.example/x",
        "https://203.0.113.9:8443/x",
        "https://[2001:db8::1]/x",
    ],
)
def test_host_names_and_ip_addresses_are_accepted(registry: Registry, url: str) -> None:
    assert registry.create_webhook(url, TYPES, actor="a").webhook.url == url
