"""Lifecycle commands: promote, reject, history, promoted."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from atlas_registry import lifecycle
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    error_boundary,
    open_database,
    print_json,
    stdout,
    table,
)
from atlas_registry.cli.models import ModelId
from atlas_registry.lifecycle import PromotionEvent, TransitionResult
from atlas_registry.promotion_policy import load_policy

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
    return actor or os.environ.get(ACTOR_ENV_VAR) or getpass.getuser()


def _print_result(result: TransitionResult, as_json: bool) -> None:
    if as_json:
        print_json(result.to_dict())
        return
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
    policy: Annotated[
        str | None,
        typer.Option("--policy", help="Gate policy TOML file (default: the packaged one)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Promote a candidate through the evaluation gate; supersedes the line's previous promotion."""
    with error_boundary(as_json), open_database(db) as database:
        result = lifecycle.promote(
            database,
            model_id,
            actor=actor_name(actor),
            notes=notes,
            override=override,
            policy=load_policy(policy),
        )
    _print_result(result, as_json)


def reject(
    model_id: ModelId,
    notes: NotesOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a candidate for good (--notes says why)."""
    with error_boundary(as_json), open_database(db) as database:
        result = lifecycle.reject(database, model_id, actor=actor_name(actor), notes=notes)
    _print_result(result, as_json)


def _event_rows(events: list[PromotionEvent]) -> list[list[object]]:
    return [
        [
            e.created_at,
            e.artifact_id,
            f"{e.from_state} -> {e.to_state}",
            e.actor,
            "yes" if e.override else "",
            e.notes,
        ]
        for e in events
    ]


def history(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every promotion transition of one model, oldest first."""
    with error_boundary(as_json), open_database(db) as database:
        events = lifecycle.history(database, model_id)
    if as_json:
        print_json([e.to_dict() for e in events])
        return
    columns = ["when (UTC)", "model", "transition", "actor", "override", "notes"]
    stdout.print(table(f"History of {model_id}", columns, _event_rows(events)))


def promoted(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """The currently promoted version of the line this model belongs to."""
    with error_boundary(as_json), open_database(db) as database:
        record = lifecycle.promoted_version(database, model_id)
    if as_json:
        print_json(record.to_dict() if record else None)
    elif record is None:
        stdout.print(f"no promoted version in the line of {model_id}")
    else:
        stdout.print(f"{record.id} (version {record.version_number}): {record.title}")
