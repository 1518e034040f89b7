"""Annotation commands (tags, and text edits): ``tag set|remove|list|history`` and ``describe``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from atlas_registry import parse_tags
from atlas_registry.cli.common import DbOption, JsonOption, call, stdout, table
from atlas_registry.cli.lifecycle import ActorOption, actor_name
from atlas_registry.cli.models import ModelId
from atlas_registry.cli.one_value import CommandApp

tag_app = CommandApp(
    help="Tags: key=value labels on a version (NAME@N, an id) or a whole line (NAME).",
    no_args_is_help=True,
)

TagRef = Annotated[
    str,
    typer.Argument(
        help="A line by its bare NAME (the tag reaches every version of it), or one version: "
        "NAME@3, NAME@promoted, an id or a short id."
    ),
]


def _value(value: str | None, none: str = "(removed)") -> str:
    return none if value is None else (value or '""')


def _print_changes(result: Any) -> None:
    for event in result.events:
        stdout.print(
            f"{result.tags.label}: {event.key} {_value(event.old_value, '(not set)')}"
            f" -> {_value(event.new_value)}"
        )
    for key in result.unchanged:
        stdout.print(f"{result.tags.label}: {key} unchanged (nothing recorded)")


def tag_set(
    ref: TagRef,
    tags: Annotated[list[str], typer.Argument(help="k=v (or a bare key k), one or more.")],
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set tags; a tag set to the value it has records nothing."""
    call(
        db,
        as_json,
        lambda registry: registry.set_tags(ref, parse_tags(tags), actor=actor_name(actor)),
        _print_changes,
    )


def tag_remove(
    ref: TagRef,
    keys: Annotated[list[str], typer.Argument(help="The keys to remove, one or more.")],
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove tags; removing one that is not set records nothing."""
    call(
        db,
        as_json,
        lambda registry: registry.remove_tags(ref, keys, actor=actor_name(actor)),
        _print_changes,
    )


def tag_list(ref: TagRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """A line's tags, or a version's: its own, its line's, and the ones it is listed by."""

    def render(found: Any) -> None:
        own, line = found.own, found.line
        rows = [
            [k, v, "this version" if k in own else "its line"] for k, v in found.effective.items()
        ]
        if found.scope == "line":
            rows = [[k, v, "the line"] for k, v in own.items()]
        stdout.print(table(f"Tags of {found.label}", ["key", "value", "from"], rows))
        shadowed = {k: v for k, v in line.items() if k in own and own[k] != v}
        for key, value in shadowed.items():
            stdout.print(f"the line's {key}={value} is overridden by this version's")

    call(db, as_json, lambda registry: registry.tags_of(ref), render)


def tag_history(ref: TagRef, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every change of a line's or a version's tags, newest first: who, when, old, new."""

    def render(events: list[Any]) -> None:
        rows = [
            [
                e.created_at,
                e.key,
                _value(e.old_value, "(not set)"),
                _value(e.new_value),
                e.actor,
            ]
            for e in events
        ]
        stdout.print(
            table(f"{len(events)} tag change(s)", ["when (UTC)", "key", "old", "new", "by"], rows)
        )

    call(db, as_json, lambda registry: registry.tag_history(ref), render)


tag_app.command("set")(tag_set)
tag_app.command("remove")(tag_remove)
tag_app.command("list")(tag_list)
tag_app.command("history")(tag_history)


def describe(
    model_id: ModelId,
    description: Annotated[
        str | None,
        typer.Option("--description", help='The new description ("" clears it).'),
    ] = None,
    changelog: Annotated[
        str | None,
        typer.Option("--changelog", help='The new changelog ("" clears it).'),
    ] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Edit a version's description or changelog (each edit is kept); with neither, show
    every edit so far. Nothing else is editable: provenance changes by a new version."""
    changes = {
        name: value
        for name, value in (("description", description), ("changelog", changelog))
        if value is not None
    }
    if not changes:
        call(db, as_json, lambda registry: registry.text_history(model_id), _print_edits)
        return

    def render(result: Any) -> None:
        for edit in result.edits:
            stdout.print(f"{result.label}: {edit.field} edited")
        for name in result.unchanged:
            stdout.print(f"{result.label}: {name} unchanged (nothing recorded)")

    call(
        db,
        as_json,
        lambda registry: registry.edit_text(model_id, changes, actor=actor_name(actor)),
        render,
    )


def _print_edits(edits: list[Any]) -> None:
    rows = [[e.created_at, e.field, e.actor, e.before or "", e.after or ""] for e in edits]
    stdout.print(
        table(f"{len(edits)} edit(s)", ["when (UTC)", "field", "by", "before", "after"], rows)
    )
