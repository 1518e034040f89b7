"""``atlas-registry events follow``: the log of every change, as JSON lines, as it grows.

Each line is one event (``id``, ``type``, ``occurred_at``, ``actor``,
``model_id``, ``line_id``, ``payload``), flushed at once, so a pipe (``jq``,
a shell loop, a log shipper) sees it when it commits. A consumer keeps the
last ``id`` it handled and starts again with ``--after ID``: it sees every
event once. JSON escapes every control character, so stored text cannot
drive the terminal.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from atlas_registry import Event, Registry
from atlas_registry.cli.common import DbOption, error_boundary
from atlas_registry.cli.one_value import CommandApp
from atlas_registry.errors import ValidationError, Violation

events_app = CommandApp(
    help="The log of every change: follow it as JSON lines.", no_args_is_help=True
)


def _line(event: Event) -> str:
    return json.dumps(event.to_dict(), ensure_ascii=True, separators=(",", ":"))


@events_app.command("follow")
def follow(
    after: Annotated[
        int,
        typer.Option("--after", min=0, help="Start after this event id (0: from the start)."),
    ] = 0,
    types: Annotated[
        list[str] | None,
        typer.Option("--type", help="Only this event type (repeat for several)."),
    ] = None,
    line: Annotated[str | None, typer.Option("--line", help="Only this line's events.")] = None,
    count: Annotated[
        int | None, typer.Option("--count", min=1, help="Stop after this many events.")
    ] = None,
    idle: Annotated[
        float | None,
        typer.Option("--idle", min=0, help="Stop once no event came for this many seconds."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Print every event after --after as a JSON line, then each new one as it commits."""
    seen = 0
    with error_boundary(), _as_option("types", "--type"), Registry.open(db) as registry:
        stop = threading.Event()
        quiet_since = time.monotonic()
        try:
            while not stop.is_set():
                found = registry.wait_for_events(
                    after, timeout=_next_wait(idle, quiet_since), types=types or (), line=line
                )
                for event in found[: None if count is None else count - seen]:
                    sys.stdout.write(_line(event) + "\n")
                    after, seen = event.id, seen + 1
                sys.stdout.flush()
                if found:
                    quiet_since = time.monotonic()
                done = count is not None and seen >= count
                bored = idle is not None and time.monotonic() - quiet_since >= idle
                if done or bored:
                    stop.set()
        except KeyboardInterrupt:
            return


@contextmanager
def _as_option(field: str, option: str) -> Iterator[None]:
    """A refusal of the library's ``field`` told as the ``option`` a user typed."""
    try:
        yield
    except ValidationError as refused:
        said = refused.violations
        named = [Violation(option if v.path == field else v.path, v.message) for v in said]
        raise ValidationError(refused.summary, named) from refused


def _next_wait(idle: float | None, quiet_since: float) -> float:
    """How long to wait for the next event: a second, or what is left of ``--idle``."""
    if idle is None:
        return 1.0
    return max(0.0, min(1.0, idle - (time.monotonic() - quiet_since)))
