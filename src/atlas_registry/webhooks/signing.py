"""Signing a delivery the Standard Webhooks way (https://www.standardwebhooks.com).

Each delivery carries ``webhook-id`` (the same on every retry, so a receiver
can drop a repeat), ``webhook-timestamp`` (seconds since the epoch, when it
was sent: receivers refuse old ones) and ``webhook-signature``: ``v1,`` and
the base64 HMAC-SHA256 of ``id.timestamp.body`` under the secret. The
``standardwebhooks`` package computes it, so the registry signs exactly what
receivers' verifiers check.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from datetime import datetime

from standardwebhooks import Webhook

from atlas_registry.errors import ValidationError, Violation

PREFIX = "whsec_"
SECRET_BYTES = 32
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def new_secret() -> str:
    """A fresh ``whsec_`` secret: 32 random bytes, base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def check_secret(secret: str) -> str:
    """``secret`` if it is ``whsec_`` and base64 of 24 to 64 bytes, else a ValidationError."""
    body = secret.removeprefix(PREFIX)
    ok = secret.startswith(PREFIX) and len(body) <= 100 and _BASE64.fullmatch(body) is not None
    if ok:
        try:
            ok = 24 <= len(base64.b64decode(body, validate=True)) <= 64
        except (binascii.Error, ValueError):
            ok = False
    if not ok:
        raise ValidationError(
            "the webhook secret is not valid",
            [Violation("secret", "must be whsec_ then base64 of 24 to 64 random bytes")],
        )
    return secret


def signed_headers(secret: str, message_id: str, body: bytes, sent_at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers of ``body`` sent at ``sent_at``."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }
