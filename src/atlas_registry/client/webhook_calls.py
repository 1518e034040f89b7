"""Webhook subscriptions over HTTP: an admin token's verbs (``/api/v1/webhooks``).

The worker that sends deliveries runs beside the database (``webhooks run``,
``serve --webhooks``), so only the subscriptions and their log are here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from atlas_registry.client import decode
from atlas_registry.client.review_calls import ReviewCalls

if TYPE_CHECKING:
    from atlas_registry import NewWebhook, Webhook, WebhookDelivery


class WebhookCalls(ReviewCalls):
    """Subscribe, list, read deliveries, replay one, delete: as the library's verbs."""

    def create_webhook(
        self,
        url: str,
        types: Sequence[str],
        *,
        actor: str,
        secret: str | None = None,
        allow_http: bool = False,
    ) -> NewWebhook:
        """Subscribe ``url``; the answer holds the secret, the only time it is shown.
        ``actor`` is the token's name on a server (not sent)."""
        del actor
        body: dict[str, Any] = {"url": url, "types": list(types), "allow_http": allow_http}
        body |= {"secret": secret} if secret is not None else {}
        made = self.session.post("/api/v1/webhooks", body)
        secret_shown = made.pop("secret")
        webhook = decode.record(decode.kind("Webhook"), made)
        new: NewWebhook = decode.kind("NewWebhook")(secret=secret_shown, webhook=webhook)
        return new

    def webhooks(self, *, deleted: bool = False) -> list[Webhook]:
        items = self._items("/api/v1/webhooks", {"deleted": str(deleted).lower()})
        return decode.records(decode.kind("Webhook"), items)

    def webhook(self, webhook_id: int) -> Webhook:
        found: Webhook = decode.record(
            decode.kind("Webhook"), self.session.get(f"/api/v1/webhooks/{int(webhook_id)}")
        )
        return found

    def delete_webhook(self, webhook_id: int, *, actor: str) -> Webhook:
        del actor
        gone: Webhook = decode.record(
            decode.kind("Webhook"), self.session.delete(f"/api/v1/webhooks/{int(webhook_id)}")
        )
        return gone

    def webhook_deliveries(self, webhook_id: int, *, limit: int = 100) -> list[WebhookDelivery]:
        path = f"/api/v1/webhooks/{int(webhook_id)}/deliveries"
        return decode.records(decode.kind("WebhookDelivery"), self._items(path, {"limit": limit}))

    def replay_delivery(
        self, delivery_id: int, *, actor: str, clock: Any = None
    ) -> WebhookDelivery:
        """Queue one delivery again; ``clock`` is the local worker's and ``actor`` the
        token's name on a server: neither is sent."""
        del actor, clock
        path = f"/api/v1/webhooks/deliveries/{int(delivery_id)}/replay"
        done: WebhookDelivery = decode.record(
            decode.kind("WebhookDelivery"), self.session.post(path, {})
        )
        return done
