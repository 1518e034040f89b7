"""What crosses the public face about webhooks: a subscription, a delivery, an attempt.

None of them carries the secret: it is shown once, in :class:`NewWebhook`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

STATES = ("active", "failing", "deleted")
DELIVERY_STATES = ("pending", "delivered", "failed", "cancelled")


@dataclass(frozen=True)
class Webhook:
    """A subscription as listed. ``origin`` is its URL without path and query, for pages;
    ``failing_reason`` says why a ``failing`` one stopped (None otherwise)."""

    id: int
    url: str
    origin: str
    types: tuple[str, ...]
    allow_http: bool
    state: str
    created_at: str
    created_by: str
    deleted_at: str | None
    deleted_by: str | None
    failing_reason: str | None
    pending: int
    failed: int

    def to_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["types"] = list(self.types)
        return found


@dataclass(frozen=True)
class NewWebhook:
    """A subscription just created: the one time its secret is shown."""

    secret: str
    webhook: Webhook

    def to_dict(self) -> dict[str, Any]:
        return {"secret": self.secret, **self.webhook.to_dict()}


@dataclass(frozen=True)
class Attempt:
    """One attempt to deliver, as the append-only log keeps it."""

    id: int
    delivery_id: int
    attempted_at: str
    outcome: str
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Delivery:
    """One event owed to one subscription, with every attempt so far (oldest first)."""

    id: int
    webhook_id: int
    event_id: int
    event_type: str
    state: str
    attempts: int
    next_attempt_at: str | None
    delivered_at: str | None
    attempt_log: tuple[Attempt, ...]

    def to_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["attempt_log"] = [a.to_dict() for a in self.attempt_log]
        return found
