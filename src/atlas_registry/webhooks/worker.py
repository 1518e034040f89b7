"""The delivery worker: new events become deliveries, and deliveries are sent in order.

**Owed.** Each subscription keeps ``event_cursor``, the last event id it has
turned into deliveries. :meth:`Worker.enqueue` reads the newest event id, then
the subscribed events between the cursor and it, inserts one ``pending``
delivery per event and moves the cursor, in one transaction (the
subscription's row locked on PostgreSQL). Event ids are commit order
(:mod:`atlas_registry.store.events.record`), so no event can later appear
below a cursor: none is skipped, none is owed twice.

**Sent.** A subscription is delivered by one worker at a time: the worker
takes a lease on its row (a conditional UPDATE: only one of several workers,
on any number of machines, gets it) and renews it before each send. It sends
the subscription's pending deliveries in event order; the first that fails
stops the subscription until it is due again (a failing delivery blocks the
ones behind it). The attempt's record, the delivery's new state and, after
about a day of failures, the subscription's ``failing`` state are written in
one transaction. A delivery is acknowledged (``delivered``) only in the
transaction that records the 2xx attempt, so a worker that dies mid-send
leaves it pending: it is sent again (at least once), and a delivery whose
acknowledgement committed is never sent again except by a replay. A worker
that stops cleanly gives its leases up (:meth:`Worker.release_leases`), so the
next one starts at once rather than after the lease runs out. A secret the
worker's key cannot open (sealed with another key) fences its subscription:
the delivery is given up at once with the reason, the subscription is
``failing``, and every other subscription is delivered as usual.

**Retries** wait 5 s, 10 s, 20 s ... doubling up to 4 h; once the first attempt
is a day old, a failure gives the delivery up (``failed``) and marks the
subscription ``failing``: nothing more is sent to it until an admin replays
the failed delivery (:func:`~.subscriptions.replay`); new events keep being
owed meanwhile, so none is lost.

Time comes from an injectable clock, so tests drive a day of retries without
waiting for it; the ``webhook-timestamp`` a receiver checks is the real time of
sending.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, text

from atlas_registry.errors import ConfigurationError, ValidationError
from atlas_registry.store.db import TIMESTAMP_FORMAT, Database
from atlas_registry.store.events import wakeups
from atlas_registry.store.events.feed import (
    EVENT_COLUMNS,
    NEWEST_EVENT_ID_SQL,
    Event,
    event_from_row,
)
from atlas_registry.webhooks.keys import SecretBox
from atlas_registry.webhooks.signing import signed_headers
from atlas_registry.webhooks.transport import Outcome, Transport, parse_target

Clock = Callable[[], datetime]

FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=4)
GIVE_UP_AFTER = timedelta(days=1)
LEASE = timedelta(seconds=60)
ENQUEUE_BATCH = 500
IDLE_POLL_SECONDS = 1.0
OUTAGE_PAUSE_SECONDS = 5.0
# Why a webhook sealed with another key is fenced: said where anyone may read it, so
# it names no key file (the worker's log says which key it holds).
UNOPENED = (
    "the webhook key this worker holds does not open this webhook's secret: it was sealed "
    "with another key (give the server that key, or delete and create the webhook again)"
)

log = logging.getLogger("atlas_registry.webhooks")

# A subscription's events after its cursor, up to a committed top, of its types.
_OWED = text(
    "SELECT id FROM registry_events WHERE id > :after AND id <= :top "
    "AND event_type IN :types ORDER BY id LIMIT :n"
).bindparams(bindparam("types", expanding=True))
# What a delivery's head holds besides its event, in the order _head selects them.
_HEAD_FIELDS = (
    "id",
    "attempts",
    "first_attempt_at",
    "next_attempt_at",
    "url",
    "allow_http",
    "secret_encrypted",
)
_EVENT_COLUMNS = ", ".join(f"e.{column}" for column in EVENT_COLUMNS.split(", "))


def utc_now() -> datetime:
    return datetime.now(UTC)


def retry_delay(failures: int) -> timedelta:
    """How long to wait after the ``failures``-th failed attempt of a delivery."""
    delay: timedelta = FIRST_RETRY * 2 ** min(failures - 1, 20)
    return min(delay, LONGEST_RETRY)


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def _parsed(stored: str) -> datetime:
    return datetime.strptime(stored, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


class Worker:
    """Delivers every subscription of one database; see the module docstring."""

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        transport: Transport,
        *,
        clock: Clock = utc_now,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.box = box
        self.transport = transport
        self.clock = clock
        self.worker_id = worker_id or uuid.uuid4().hex

    # ------------------------------------------------------------ owed

    def enqueue(self) -> int:
        """New subscribed events of every live subscription as pending deliveries; how many."""
        # A read first: most rounds find nothing new, and on SQLite a write
        # transaction would take the database's one write lock for nothing.
        with self.db.transaction() as conn:
            top = int(conn.execute(text(NEWEST_EVENT_ID_SQL)).scalar_one())
            behind = [
                int(r[0])
                for r in conn.execute(
                    text(
                        "SELECT id FROM webhooks WHERE state <> 'deleted' AND event_cursor < :top"
                    ),
                    {"top": top},
                )
            ]
        return sum(self._enqueue_one(webhook_id, top) for webhook_id in behind)

    def _enqueue_one(self, webhook_id: int, top: int) -> int:
        """Owe the subscription its events up to ``top``, an id every event below had
        committed by (ids are taken at COMMIT, in order: see :mod:`.events.pending`)."""
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        with self.db.transaction(write=True) as conn:
            row = conn.execute(
                text(f"SELECT event_cursor, event_types, state FROM webhooks WHERE id = :id{lock}"),
                {"id": webhook_id},
            ).first()
            if row is None or row.state == "deleted" or top <= row.event_cursor:
                return 0
            events = [
                int(r[0])
                for r in conn.execute(
                    _OWED,
                    {
                        "after": row.event_cursor,
                        "top": top,
                        "n": ENQUEUE_BATCH,
                        "types": row.event_types.split(","),
                    },
                )
            ]
            cursor = events[-1] if len(events) == ENQUEUE_BATCH else top
            now = _at(self.clock())
            if events:
                conn.execute(
                    text(
                        "INSERT INTO webhook_deliveries (webhook_id, event_id, state, attempts, "
                        "next_attempt_at, created_at) VALUES (:w, :e, 'pending', 0, :now, :now)"
                    ),
                    [{"w": webhook_id, "e": e, "now": now} for e in events],
                )
            conn.execute(
                text("UPDATE webhooks SET event_cursor = :c WHERE id = :id"),
                {"c": cursor, "id": webhook_id},
            )
        return len(events)

    # ------------------------------------------------------------ sent

    def deliver_due(self) -> int:
        """Send what is due, subscription by subscription; the number of attempts made.

        One subscription's trouble does not hold up the others: it is logged and
        the pass goes on; only a pass where every subscription failed raises.
        """
        now = _at(self.clock())
        with self.db.transaction() as conn:
            due = [
                int(r[0])
                for r in conn.execute(
                    text(
                        "SELECT w.id FROM webhooks w WHERE w.state = 'active' "
                        "AND (w.leased_until IS NULL OR w.leased_until < :now) AND EXISTS "
                        "(SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = w.id "
                        "AND d.state = 'pending' AND d.next_attempt_at <= :now) ORDER BY w.id"
                    ),
                    {"now": now},
                )
            ]
        sent, troubles = 0, []
        for webhook_id in due:
            try:
                sent += self._deliver_one(webhook_id)
            except Exception as exc:
                log.warning("webhook %s not delivered for now: %s", webhook_id, exc)
                troubles.append(exc)
        if due and len(troubles) == len(due):
            raise troubles[0]
        return sent

    def _lease(self, webhook_id: int) -> bool:
        """Take or renew this worker's lease on the subscription; False if another holds it."""
        now = self.clock()
        with self.db.transaction(write=True) as conn:
            taken = conn.execute(
                text(
                    "UPDATE webhooks SET lease_owner = :me, leased_until = :until "
                    "WHERE id = :id AND state = 'active' AND (lease_owner = :me "
                    "OR leased_until IS NULL OR leased_until < :now)"
                ),
                {
                    "me": self.worker_id,
                    "until": _at(now + LEASE),
                    "now": _at(now),
                    "id": webhook_id,
                },
            )
            return bool(taken.rowcount == 1)

    def release_leases(self, webhook_id: int | None = None) -> None:
        """Give up this worker's lease on ``webhook_id``, or every lease it holds (at a stop,
        so a worker started next need not wait for them to run out). An attempt in flight
        and not recorded is simply sent again."""
        one = "" if webhook_id is None else " AND id = :id"
        with self.db.transaction(write=True) as conn:
            conn.execute(
                text(
                    "UPDATE webhooks SET lease_owner = NULL, leased_until = NULL "
                    f"WHERE lease_owner = :me{one}"
                ),
                {"id": webhook_id, "me": self.worker_id},
            )

    def _deliver_one(self, webhook_id: int) -> int:
        sent = 0
        try:
            while self._lease(webhook_id):
                head = self._head(webhook_id)
                if head is None or _parsed(head["next_attempt_at"]) > self.clock():
                    break
                try:
                    secret = self.box.open(head["secret_encrypted"], head["webhook_id"])
                except ConfigurationError as unopened:
                    # Sealed with another key: fenced (given up, the subscription failing,
                    # saying why) rather than retried, so it holds up no other subscription.
                    # The log names no key file: the pages show it to anyone who may read.
                    log.warning("%s", unopened.message)
                    self._record(head, Outcome(False, None, 0, None, UNOPENED), True)
                    sent += 1
                    break
                outcome = self._send(head, secret)
                self._record(head, outcome)
                sent += 1
                if not outcome.delivered:
                    break  # the ones behind it wait for it
        finally:
            self.release_leases(webhook_id)
        return sent

    def _head(self, webhook_id: int) -> dict[str, Any] | None:
        """The subscription's oldest pending delivery, with what sending it needs."""
        with self.db.transaction() as conn:
            row = conn.execute(
                text(
                    "SELECT d.id, d.attempts, d.first_attempt_at, d.next_attempt_at, "
                    f"w.url, w.allow_http, w.secret_encrypted, {_EVENT_COLUMNS} "
                    "FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
                    "JOIN registry_events e ON e.id = d.event_id "
                    "WHERE d.webhook_id = :id AND d.state = 'pending' "
                    "ORDER BY d.event_id LIMIT 1"
                ),
                {"id": webhook_id},
            ).first()
        if row is None or row.secret_encrypted is None:
            return None
        head = dict(zip(_HEAD_FIELDS, row[: len(_HEAD_FIELDS)], strict=True))
        return {"webhook_id": webhook_id, **head, "event": event_from_row(row[len(_HEAD_FIELDS) :])}

    def _send(self, head: dict[str, Any], secret: str) -> Outcome:
        event: Event = head["event"]
        body = json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))
        data = body.encode("utf-8")
        headers = {
            **signed_headers(secret, f"msg_{head['id']}", data, utc_now()),
            "content-type": "application/json",
            "user-agent": "atlas-registry-webhooks",
        }
        try:
            target = parse_target(head["url"], allow_http=bool(head["allow_http"]))
        except ValidationError as refused:  # stored before a rule tightened
            return Outcome(False, None, 0, None, str(refused)[:300])
        return self.transport.post(target, headers, data)

    def _record(self, head: dict[str, Any], outcome: Outcome, give_up: bool = False) -> None:
        """The attempt, the delivery's state and the subscription's, in one transaction
        (``give_up``: at once, not after a day of retries)."""
        now = self.clock()
        failures = int(head["attempts"]) + 1
        first = _parsed(head["first_attempt_at"]) if head["first_attempt_at"] else now
        given_up = not outcome.delivered and (give_up or now - first >= GIVE_UP_AFTER)
        reason = outcome.error if give_up else f"gave up after a day of retries: {outcome.error}"
        state = "delivered" if outcome.delivered else "failed" if given_up else "pending"
        with self.db.transaction(write=True) as conn:
            _insert_attempt(conn, head, outcome, now)
            conn.execute(
                text(
                    "UPDATE webhook_deliveries SET state = :state, attempts = :n, "
                    "first_attempt_at = :first, next_attempt_at = :next, delivered_at = :done "
                    "WHERE id = :id AND state = 'pending'"
                ),
                {
                    "state": state,
                    "n": failures,
                    "first": _at(first),
                    "next": _at(now + retry_delay(failures)) if state == "pending" else _at(now),
                    "done": _at(now) if outcome.delivered else None,
                    "id": head["id"],
                },
            )
            if given_up:
                conn.execute(
                    text(
                        "UPDATE webhooks SET state = 'failing', failing_reason = :why "
                        "WHERE id = :id AND state = 'active'"
                    ),
                    {"id": head["webhook_id"], "why": (reason or "")[:300]},
                )

    # ------------------------------------------------------------ running

    def run_once(self) -> int:
        """Enqueue, then send what is due: the number of deliveries owed and attempts made."""
        return self.enqueue() + self.deliver_due()

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set, woken by new events (LISTEN/NOTIFY on PostgreSQL)."""
        woken = threading.Event()
        unsubscribe = wakeups.subscribe(self.db, woken.set)
        try:
            while not stop.is_set():
                woken.clear()
                try:
                    busy = self.run_once() > 0
                except Exception as exc:  # an outage or a wrong key: said, then tried again
                    log.warning("webhook delivery stopped for now: %s", exc)
                    stop.wait(OUTAGE_PAUSE_SECONDS)
                    continue
                if not busy:
                    woken.wait(min(IDLE_POLL_SECONDS, wakeups.poll_interval(self.db)))
        finally:
            unsubscribe()
            try:
                self.release_leases()
            except Exception as exc:  # an outage: the leases run out by themselves
                log.warning("webhook leases not released: %s", exc)


def _insert_attempt(
    conn: Connection, head: dict[str, Any], outcome: Outcome, now: datetime
) -> None:
    conn.execute(
        text(
            "INSERT INTO webhook_attempts (delivery_id, webhook_id, attempted_at, outcome, "
            "status_code, latency_ms, response_excerpt, error) VALUES (:d, :w, :at, :outcome, "
            ":code, :ms, :excerpt, :error)"
        ),
        {
            "d": head["id"],
            "w": head["webhook_id"],
            "at": _at(now),
            "outcome": "delivered" if outcome.delivered else "failed",
            "code": outcome.status_code,
            "ms": outcome.latency_ms,
            "excerpt": outcome.excerpt,
            "error": outcome.error,
        },
    )
