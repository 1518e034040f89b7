"""Subscriptions and their delivery log: created, listed, deleted, replayed, read.

Every write is one transaction that also records its event. A new
subscription starts after the newest event at its creation (its own
``webhook.created`` included): it is owed what happens from then on. Its URL
is checked for form here (:func:`~.transport.parse_target`); where it leads
is checked when the worker connects, every time.

Its secret is sealed with the key in force (:mod:`.keys`), and only when that
is the key every live webhook of the database was sealed with: a second key
would make webhooks the worker cannot open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from atlas_registry.errors import ConfigurationError, NotFoundError, ValidationError, Violation
from atlas_registry.store.db import TIMESTAMP_FORMAT, Database, utc_timestamp
from atlas_registry.store.events.feed import NEWEST_EVENT_ID_SQL, check_types
from atlas_registry.store.events.record import record_event, write_now
from atlas_registry.store.events.types import EventType
from atlas_registry.webhooks.keys import (
    KEY_ENV_VAR,
    KEY_FILE_ENV_VAR,
    SecretBox,
    key_file,
    load_key,
)
from atlas_registry.webhooks.records import Attempt, Delivery, NewWebhook, Webhook
from atlas_registry.webhooks.signing import check_secret, new_secret
from atlas_registry.webhooks.transport import parse_target

MAX_DELIVERIES = 500

_WEBHOOK = (
    "SELECT w.id, w.url, w.event_types, w.allow_http, w.state, w.created_at, w.created_by, "
    "w.deleted_at, w.deleted_by, w.failing_reason, "
    "(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id "
    "AND d.state = 'pending') AS pending, "
    "(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id "
    "AND d.state = 'failed') AS failed "
    "FROM webhooks w"
)


def _webhook(row: Any) -> Webhook:
    try:
        origin = parse_target(row.url, allow_http=True).origin
    except ValidationError:  # stored before a rule tightened: the worker refuses it too
        origin = "(a refused URL)"
    return Webhook(
        id=int(row.id),
        url=row.url,
        origin=origin,
        types=tuple(row.event_types.split(",")),
        allow_http=bool(row.allow_http),
        state=row.state,
        created_at=row.created_at,
        created_by=row.created_by,
        deleted_at=row.deleted_at,
        deleted_by=row.deleted_by,
        failing_reason=row.failing_reason,
        pending=int(row.pending),
        failed=int(row.failed),
    )


def _one(conn: Connection, webhook_id: int) -> Webhook:
    row = conn.execute(text(f"{_WEBHOOK} WHERE w.id = :id"), {"id": webhook_id}).first()
    if row is None:
        raise NotFoundError(f"no webhook has id {webhook_id}")
    return _webhook(row)


def create(
    db: Database,
    url: str,
    types: Sequence[str],
    *,
    actor: str,
    secret: str | None = None,
    allow_http: bool = False,
) -> NewWebhook:
    """Subscribe ``url`` to ``types``; the answer holds the secret, shown this once."""
    target = parse_target(url, allow_http=allow_http)
    if not types:
        raise ValidationError(
            "the webhook needs event types", [Violation("types", "name at least one event type")]
        )
    wanted = check_types(types)
    chosen = check_secret(secret) if secret is not None else new_secret()
    box = _sealing_key(db)
    row = {
        "url": url,
        "types": ",".join(wanted),
        "secret": box.seal(chosen),
        "fingerprint": box.fingerprint,
        "allow_http": int(allow_http),
        "now": utc_timestamp(),
        "actor": actor,
    }
    with db.transaction(write=True) as conn:
        _check_same_key(conn, box)  # again, in the write: another create may have run meanwhile
        webhook_id = conn.execute(
            text(
                "INSERT INTO webhooks (url, event_types, secret_encrypted, key_fingerprint, "
                "allow_http, state, event_cursor, created_at, created_by) VALUES (:url, :types, "
                ":secret, :fingerprint, :allow_http, 'active', 0, :now, :actor) RETURNING id"
            ),
            row,
        ).scalar_one()
        said = {"webhook_id": webhook_id, "types": wanted, "origin": target.origin}
        record_event(conn, EventType.WEBHOOK_CREATED, actor=actor, payload=said)
        # Owed only what comes after it: its cursor is the newest event, its own,
        # which is therefore written now rather than at COMMIT.
        write_now(conn)
        conn.execute(
            text(f"UPDATE webhooks SET event_cursor = ({NEWEST_EVENT_ID_SQL}) WHERE id = :id"),
            {"id": webhook_id},
        )
        return NewWebhook(chosen, _one(conn, webhook_id))


def _sealed_with(conn: Connection) -> dict[int, str | None]:
    """Each live webhook's id and the fingerprint of the key that sealed its secret."""
    found = conn.execute(
        text("SELECT id, key_fingerprint FROM webhooks WHERE state <> 'deleted' ORDER BY id")
    )
    return {int(r.id): r.key_fingerprint for r in found}


def _ids(ids: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:10])
    return f"{shown} (and {len(ids) - 10} more)" if len(ids) > 10 else shown


def _sealing_key(db: Database) -> SecretBox:
    """The key to seal a new secret with: the one in force, made only for a database with no
    live webhook; refused where it is not the key the live webhooks were sealed with."""
    with db.transaction() as conn:
        sealed = _sealed_with(conn)
    if not sealed:
        return load_key(create=True)
    try:
        box = load_key()
    except ConfigurationError as missing:
        raise ConfigurationError(
            f"webhook(s) {_ids(list(sealed))} of this database were sealed with a key that is "
            f"not here: {missing.message}. Create webhooks where that key is, or point "
            f"{KEY_FILE_ENV_VAR} at it (expected at {key_file()} unless {KEY_ENV_VAR} is set); "
            "no new key is made, as the worker could not open webhooks sealed with two keys"
        ) from None
    with db.transaction() as conn:
        _check_same_key(conn, box)
    return box


def _check_same_key(conn: Connection, box: SecretBox) -> None:
    others = [i for i, f in _sealed_with(conn).items() if f is not None and f != box.fingerprint]
    if others:
        raise ConfigurationError(
            f"the webhook key from {box.source} is not the key that sealed webhook(s) "
            f"{_ids(others)} of this database: set {KEY_ENV_VAR} or {KEY_FILE_ENV_VAR} to that "
            "key (a webhook sealed with a second key could not be delivered beside them)"
        )


def list_all(db: Database, *, deleted: bool = False) -> list[Webhook]:
    where = "" if deleted else " WHERE w.state <> 'deleted'"
    with db.transaction() as conn:
        return [_webhook(r) for r in conn.execute(text(f"{_WEBHOOK}{where} ORDER BY w.id"))]


def get(db: Database, webhook_id: int) -> Webhook:
    with db.transaction() as conn:
        return _one(conn, webhook_id)


def delete(db: Database, webhook_id: int, *, actor: str) -> Webhook:
    """Stop the subscription for good and destroy its secret; its delivery log stays, what it
    was still owed ``cancelled``. Deleting it again is refused, saying when it was."""
    with db.transaction(write=True) as conn:
        found = _one(conn, webhook_id)
        if found.state == "deleted":
            raise ValidationError(
                "the webhook is already deleted",
                [
                    Violation(
                        "webhook",
                        f"{webhook_id} was deleted at {found.deleted_at} by {found.deleted_by}",
                    )
                ],
            )
        now = utc_timestamp()
        conn.execute(
            text(
                "UPDATE webhooks SET state = 'deleted', secret_encrypted = NULL, "
                "lease_owner = NULL, leased_until = NULL, deleted_at = :now, deleted_by = :actor "
                "WHERE id = :id"
            ),
            {"id": webhook_id, "now": now, "actor": actor},
        )
        conn.execute(
            text(
                "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = :now "
                "WHERE webhook_id = :id AND state = 'pending'"
            ),
            {"id": webhook_id, "now": now},
        )
        said = {"webhook_id": webhook_id, "origin": found.origin}
        record_event(conn, EventType.WEBHOOK_DELETED, actor=actor, payload=said)
        return _one(conn, webhook_id)


_DELIVERY = (
    "SELECT d.id, d.webhook_id, d.event_id, e.event_type, d.state, d.attempts, "
    "d.next_attempt_at, d.delivered_at FROM webhook_deliveries d "
    "JOIN registry_events e ON e.id = d.event_id"
)
_ATTEMPT = (
    "SELECT id, delivery_id, attempted_at, outcome, status_code, latency_ms, response_excerpt, "
    "error FROM webhook_attempts"
)


def _deliveries(conn: Connection, rows: list[Any]) -> list[Delivery]:
    ids = [int(r.id) for r in rows]
    attempts: dict[int, list[Attempt]] = {i: [] for i in ids}
    if ids:
        marks = ", ".join(f":d{n}" for n in range(len(ids)))
        found = conn.execute(
            text(f"{_ATTEMPT} WHERE delivery_id IN ({marks}) ORDER BY id"),
            {f"d{n}": i for n, i in enumerate(ids)},
        )
        for a in found:
            attempts[int(a.delivery_id)].append(Attempt(*a))
    return [
        Delivery(
            id=int(r.id),
            webhook_id=int(r.webhook_id),
            event_id=int(r.event_id),
            event_type=r.event_type,
            state=r.state,
            attempts=int(r.attempts),
            next_attempt_at=r.next_attempt_at if r.state == "pending" else None,
            delivered_at=r.delivered_at,
            attempt_log=tuple(attempts[int(r.id)]),
        )
        for r in rows
    ]


def deliveries(db: Database, webhook_id: int, *, limit: int = 100) -> list[Delivery]:
    """The subscription's newest ``limit`` deliveries (newest first), each with its attempts."""
    if not 1 <= limit <= MAX_DELIVERIES:
        raise ValidationError(
            "the limit is out of range", [Violation("limit", f"must be 1 to {MAX_DELIVERIES}")]
        )
    with db.transaction() as conn:
        _one(conn, webhook_id)
        rows = list(
            conn.execute(
                text(f"{_DELIVERY} WHERE d.webhook_id = :id ORDER BY d.event_id DESC LIMIT :n"),
                {"id": webhook_id, "n": limit},
            )
        )
        return _deliveries(conn, rows)


def delivery(conn: Connection, delivery_id: int) -> Delivery:
    rows = list(conn.execute(text(f"{_DELIVERY} WHERE d.id = :id"), {"id": delivery_id}))
    if not rows:
        raise NotFoundError(f"no webhook delivery has id {delivery_id}")
    return _deliveries(conn, rows)[0]


def replay(db: Database, delivery_id: int, *, actor: str, now: datetime) -> Delivery:
    """Queue one delivery to be sent again, now, in its event's place in the order.

    A delivery the worker gave up on makes its subscription ``active`` again,
    and the ones behind it follow once it is acknowledged; a delivered one is
    sent once more (receivers drop a repeated ``webhook-id`` if they wish).
    """
    with db.transaction(write=True) as conn:
        found = delivery(conn, delivery_id)
        owner = _one(conn, found.webhook_id)
        if owner.state == "deleted":
            raise ValidationError(
                "the delivery cannot be replayed",
                [Violation("delivery", f"webhook {owner.id} is deleted")],
            )
        conn.execute(
            text(
                "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, "
                "first_attempt_at = NULL, next_attempt_at = :now WHERE id = :id"
            ),
            {"id": delivery_id, "now": now.strftime(TIMESTAMP_FORMAT)},
        )
        conn.execute(
            text("UPDATE webhooks SET state = 'active', failing_reason = NULL WHERE id = :id"),
            {"id": owner.id},
        )
        said = {"webhook_id": owner.id, "delivery_id": delivery_id, "event_id": found.event_id}
        record_event(conn, EventType.WEBHOOK_REPLAYED, actor=actor, payload=said)
        return delivery(conn, delivery_id)
