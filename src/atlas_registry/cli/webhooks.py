"""``webhook`` (subscribe URLs to event types, read their deliveries, replay one) and
``webhooks run`` (the worker that delivers them).

Run on the database's own machine by whoever holds its URL, as ``token``
is: the HTTP API asks for the admin scope for the same verbs. A new
webhook's secret is printed once; nothing prints it again.
"""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from atlas_registry import NewWebhook, Registry, Webhook, WebhookDelivery
from atlas_registry.cli.common import DbOption, JsonOption, call, error_boundary, stdout, table
from atlas_registry.cli.lifecycle import ActorOption, actor_name
from atlas_registry.cli.one_value import CommandApp

webhook_app = CommandApp(
    help="Webhooks: subscribe a URL to event types, read its deliveries, replay one.",
    no_args_is_help=True,
)
webhooks_app = CommandApp(help="The webhook delivery worker.", no_args_is_help=True)

AllowHostOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-host",
        help="A host deliveries may reach whatever it resolves to (repeat); default: "
        "$ATLAS_REGISTRY_WEBHOOK_ALLOW_HOSTS.",
    ),
]


def _rows(found: list[Webhook]) -> list[list[object]]:
    return [
        [
            w.id,
            w.state,
            w.url,
            ",".join(w.types),
            w.pending,
            w.failed,
            w.created_by,
            w.created_at,
            w.failing_reason,
        ]
        for w in found
    ]


_COLUMNS = ["id", "state", "url", "types", "pending", "failed", "by", "created", "why failing"]


@webhook_app.command("create")
def create(
    url: Annotated[str, typer.Option("--url", help="Where to POST deliveries (https).")],
    types: Annotated[
        list[str], typer.Option("--type", help="An event type to deliver (repeat for several).")
    ],
    secret: Annotated[
        str | None,
        typer.Option("--secret", help="The whsec_ signing secret (default: a new random one)."),
    ] = None,
    allow_http: Annotated[
        bool, typer.Option("--allow-http", help="Allow a plain http URL for this webhook.")
    ] = False,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Subscribe a URL to event types; its signing secret is printed this once."""

    def render(made: NewWebhook) -> None:
        stdout.print(table("webhook created", _COLUMNS, _rows([made.webhook])))
        stdout.print("signing secret (shown once, keep it safe):")
        print(made.secret)

    call(
        db,
        as_json,
        lambda registry: registry.create_webhook(
            url, types, actor=actor_name(actor), secret=secret, allow_http=allow_http
        ),
        render,
    )


@webhook_app.command("list")
def list_command(
    deleted: Annotated[bool, typer.Option("--deleted", help="List deleted ones too.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every webhook: state (active, failing, deleted), URL, types, deliveries owed."""
    call(
        db,
        as_json,
        lambda registry: registry.webhooks(deleted=deleted),
        lambda found: stdout.print(table(f"{len(found)} webhook(s)", _COLUMNS, _rows(found))),
    )


@webhook_app.command("delete")
def delete(
    webhook_id: Annotated[int, typer.Argument(help="The webhook's id.")],
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stop delivering to a webhook and destroy its secret; its delivery log stays, what it was
    still owed is cancelled. A webhook already deleted is an error saying when it was."""
    call(
        db,
        as_json,
        lambda registry: registry.delete_webhook(webhook_id, actor=actor_name(actor)),
        lambda gone: stdout.print(f"webhook {gone.id} deleted; deliveries still owed cancelled"),
    )


@webhook_app.command("deliveries")
def deliveries(
    webhook_id: Annotated[int, typer.Argument(help="The webhook's id.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="How many.")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A webhook's newest deliveries and their last attempt (--json: every attempt)."""

    def render(found: list[WebhookDelivery]) -> None:
        rows = []
        for d in found:
            last = d.attempt_log[-1] if d.attempt_log else None
            rows.append(
                [
                    d.id,
                    d.event_id,
                    d.event_type,
                    d.state,
                    d.attempts,
                    last.status_code if last else None,
                    f"{last.latency_ms} ms" if last else None,
                    (last.error or last.response_excerpt) if last else None,
                    d.next_attempt_at,
                ]
            )
        columns = ["id", "event", "type", "state", "attempts", "status", "latency", "said", "next"]
        stdout.print(table(f"{len(found)} deliveries", columns, rows))

    call(db, as_json, lambda registry: registry.webhook_deliveries(webhook_id, limit=limit), render)


@webhook_app.command("replay")
def replay(
    delivery_id: Annotated[int, typer.Argument(help="The delivery's id (webhook deliveries).")],
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send one delivery again; a given-up one makes its failing webhook active again."""
    call(
        db,
        as_json,
        lambda registry: registry.replay_delivery(delivery_id, actor=actor_name(actor)),
        lambda d: stdout.print(f"delivery {d.id} (event {d.event_id}) queued to be sent again"),
    )


@webhooks_app.command("run")
def run(
    allow_host: AllowHostOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then stop.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Deliver webhooks until interrupted: in event order, at least once, retried for a day."""
    with error_boundary(), Registry.open(db) as registry:
        worker = registry.webhook_worker(allowed_hosts=allow_host or None)
        if once:
            sent = worker.run_once()
            stdout.print(f"{sent} deliveries owed or attempted")
            return
        stdout.print(f"delivering webhooks of {registry.url} (Ctrl-C stops)")
        stop = threading.Event()
        try:
            worker.run(stop)
        except KeyboardInterrupt:
            stop.set()
