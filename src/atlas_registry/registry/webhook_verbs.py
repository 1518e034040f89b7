"""The registry handle's verbs on webhooks: subscribe, list, delete, read deliveries, replay, run.

Every shell (``webhook`` commands, ``/api/v1/webhooks``, the pages) calls
these; the rules live in :mod:`atlas_registry.webhooks`. Managing webhooks is
an admin's: the shells ask for the admin scope before calling.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence

from atlas_registry.registry.base import Verbs
from atlas_registry.webhooks import subscriptions
from atlas_registry.webhooks.keys import load_key
from atlas_registry.webhooks.records import Delivery, NewWebhook, Webhook
from atlas_registry.webhooks.transport import Transport
from atlas_registry.webhooks.worker import Clock, Worker, utc_now


class WebhookVerbs(Verbs):
    """Webhook subscriptions, their delivery log, and the worker that sends them."""

    def create_webhook(
        self,
        url: str,
        types: Sequence[str],
        *,
        actor: str,
        secret: str | None = None,
        allow_http: bool = False,
    ) -> NewWebhook:
        """Subscribe ``url`` to ``types``; the secret (made unless given) is in the answer only."""
        return subscriptions.create(
            self.database, url, types, actor=actor, secret=secret, allow_http=allow_http
        )

    def webhooks(self, *, deleted: bool = False) -> list[Webhook]:
        """Every subscription (``deleted``: the deleted ones too), oldest first."""
        return subscriptions.list_all(self.database, deleted=deleted)

    def webhook(self, webhook_id: int) -> Webhook:
        return subscriptions.get(self.database, webhook_id)

    def delete_webhook(self, webhook_id: int, *, actor: str) -> Webhook:
        """Stop delivering to the subscription and destroy its secret; its log stays."""
        return subscriptions.delete(self.database, webhook_id, actor=actor)

    def webhook_deliveries(self, webhook_id: int, *, limit: int = 100) -> list[Delivery]:
        """The subscription's newest deliveries, each with every attempt made."""
        return subscriptions.deliveries(self.database, webhook_id, limit=limit)

    def replay_delivery(self, delivery_id: int, *, actor: str, clock: Clock = utc_now) -> Delivery:
        """Queue one delivery to be sent again (a given-up one reactivates its subscription)."""
        return subscriptions.replay(self.database, delivery_id, actor=actor, now=clock())

    def webhook_worker(
        self,
        *,
        allowed_hosts: Collection[str] | None = None,
        clock: Clock = utc_now,
        timeout: float | None = None,
    ) -> Worker:
        """A worker delivering this database's webhooks (call ``run_once`` or ``run(stop)``).

        ``allowed_hosts`` may be reached whatever they resolve to (default:
        ``$ATLAS_REGISTRY_WEBHOOK_ALLOW_HOSTS``); the secrets' key must be
        configured (:mod:`atlas_registry.webhooks.keys`).
        """
        transport = (
            Transport(allowed_hosts)
            if timeout is None
            else Transport(allowed_hosts, timeout=timeout)
        )
        return Worker(self.database, load_key(), transport, clock=clock)

    def run_webhooks(
        self, stop: threading.Event, *, allowed_hosts: Collection[str] | None = None
    ) -> None:
        """Deliver until ``stop`` is set (``atlas-registry webhooks run``, ``serve --webhooks``)."""
        self.webhook_worker(allowed_hosts=allowed_hosts).run(stop)
