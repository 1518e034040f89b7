"""Lifecycle commands: promote, reject, history, promoted."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from atlas_registry import LineEvent, ModelRecord, TransitionResult
from atlas_registry.cli.common import DbOption, JsonOption, PolicyOption, call, stdout, table
from atlas_registry.cli.models import ModelId

ACTOR_ENV_VAR = "ATLAS_REGISTRY_ACTOR"

ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor", help=f"Who makes the transition. Default: ${ACTOR_ENV_VAR}, else the login name."
    ),
]
NotesOption = Annotated[
    str | None, typer.Option("--notes", help="Why; stored with the transition.")
]


def actor_name(actor: str | None) -> str:
    """The actor history records. An ``--actor`` given empty (``--actor "$UNSET"``) is kept,
    for the registry to refuse, rather than silently recorded as the login name."""
    if actor is not None:
        return actor
    return os.environ.get(ACTOR_ENV_VAR) or getpass.getuser()


def _print_transition(result: TransitionResult) -> None:
    for event in result.events:
        flag = " (gate overridden)" if event.override else ""
        stdout.print(f"{event.artifact_id}: {event.from_state} -> {event.to_state}{flag}")


def promote(
    model_id: ModelId,
    override: Annotated[
        bool,
        typer.Option("--override", help="Promote despite unmet gate conditions (needs --notes)."),
    ] = False,
    notes: NotesOption = None,
    actor: ActorOption = None,
    policy: PolicyOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Promote a candidate through the evaluation gate; supersedes the line's previous promotion."""
    call(
        db,
        as_json,
        lambda registry: registry.promote(
            model_id, actor=actor_name(actor), notes=notes, override=override
        ),
        _print_transition,
        policy=policy,
    )


def reject(
    model_id: ModelId,
    notes: NotesOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a candidate for good (--notes says why)."""
    call(
        db,
        as_json,
        lambda registry: registry.reject(model_id, actor=actor_name(actor), notes=notes),
        _print_transition,
    )


def history(
    ref: Annotated[
        str,
        typer.Argument(
            help="A line's name (every version's transitions), or one version: "
            "NAME@N, NAME@promoted, an id or an id prefix."
        ),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every promotion transition of a model line, or of one version, oldest first.

    A line's whole history shows a rollback whole: the version put back and
    the one it retired, each named NAME@N.
    """

    def render(events: list[LineEvent]) -> None:
        rows = [
            [
                e.event.created_at,
                e.version.label,
                f"{e.event.from_state} -> {e.event.to_state}",
                e.event.actor,
                e.event.notes,
                "yes" if e.event.override else "",
            ]
            for e in events
        ]
        labels = list(dict.fromkeys(e.version.label for e in events))
        named = labels[0] if len(labels) == 1 else None
        title = f"History of {ref}" + (f" ({named})" if named and named != ref else "")
        columns = ["when (UTC)", "version", "transition", "actor", "notes", "override"]
        stdout.print(table(title, columns, rows))

    call(db, as_json, lambda registry: registry.history_of(ref), render)


def promoted(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """The currently promoted version of the line this model belongs to."""

    def render(record: ModelRecord | None) -> None:
        if record is None:
            stdout.print(f"no promoted version in the line of {model_id}")
        else:
            stdout.print(f"{record.id} (version {record.version_number}): {record.title}")

    call(db, as_json, lambda registry: registry.promoted_version(model_id), render)


def rollback(
    line: Annotated[str, typer.Argument(help="The line: its name, or any of its versions.")],
    to: Annotated[
        int | None,
        typer.Option(
            "--to",
            help="Version to re-promote (default: the one in production before the current one).",
        ),
    ] = None,
    notes: NotesOption = None,
    override: Annotated[
        bool,
        typer.Option("--override", help="Re-promote despite unmet gate conditions."),
    ] = False,
    actor: ActorOption = None,
    policy: PolicyOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-promote an earlier version of a line and supersede the current one (--notes says why)."""
    call(
        db,
        as_json,
        lambda registry: registry.rollback(
            line, to_version=to, actor=actor_name(actor), notes=notes, override=override
        ),
        _print_transition,
        policy=policy,
    )
