"""`alias set`, `alias delete`, `alias list`, `alias history`: a line's named pointers."""

from __future__ import annotations

from typing import Annotated

import typer

from atlas_registry import AliasChange, AliasMove, LineAlias
from atlas_registry.cli.common import DbOption, JsonOption, PolicyOption, call, stdout, table
from atlas_registry.cli.lifecycle import ActorOption, NotesOption, actor_name
from atlas_registry.cli.one_value import CommandApp

alias_app = CommandApp(
    help="Aliases of a line (champion, staging ...): named, movable pointers read as NAME@ALIAS."
)

LineArgument = Annotated[str, typer.Argument(help="The line's name.")]
AliasArgument = Annotated[
    str,
    typer.Argument(
        help="The alias: lower-case letters, digits, '.', '_' or '-' (not promoted, latest "
        "or a number)."
    ),
]


def _version(line: str, number: int | None, artifact_id: str | None) -> str:
    return f"{line}@{number}" if artifact_id is not None else "-"


def _print_change(change: AliasChange) -> None:
    move = change.move
    if not change.changed:
        stdout.print(
            f"{move.line_name}@{move.alias} already names {move.line_name}@{move.to_version}: "
            "nothing recorded"
        )
        return
    flag = " (gate overridden)" if move.override else ""
    before = _version(move.line_name, move.from_version, move.from_artifact_id)
    after = _version(move.line_name, move.to_version, move.to_artifact_id)
    stdout.print(f"{move.line_name}@{move.alias}: {before} -> {after}{flag}")


@alias_app.command("set")
def set_alias(
    line: LineArgument,
    name: AliasArgument,
    to: Annotated[int, typer.Option("--to", min=1, help="The version number it names.")],
    notes: NotesOption = None,
    override: Annotated[
        bool,
        typer.Option("--override", help="Name a version the alias's gate refuses (needs --notes)."),
    ] = False,
    actor: ActorOption = None,
    policy: PolicyOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Point an alias of a line at one of its versions (made if new); the move is recorded."""
    call(
        db,
        as_json,
        lambda registry: registry.set_alias(
            line, name, to_version=to, actor=actor_name(actor), notes=notes, override=override
        ),
        _print_change,
        policy=policy,
    )


@alias_app.command("delete")
def delete_alias(
    line: LineArgument,
    name: AliasArgument,
    notes: NotesOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove an alias from a line; its history keeps every move, this one included."""
    call(
        db,
        as_json,
        lambda registry: registry.delete_alias(line, name, actor=actor_name(actor), notes=notes),
        _print_change,
    )


@alias_app.command("list")
def list_aliases(line: LineArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every alias of a line and the version it names now."""

    def render(found: list[LineAlias]) -> None:
        if not found:
            stdout.print(f"model line {line} has no aliases")
            return
        rows = [[a.alias, a.version, a.moved_at, a.moved_by, a.notes] for a in found]
        columns = ["alias", "version", "since (UTC)", "moved by", "notes"]
        stdout.print(table(f"Aliases of {line}", columns, rows))

    call(db, as_json, lambda registry: registry.aliases(line), render)


@alias_app.command("history")
def alias_history(
    line: LineArgument,
    name: Annotated[str | None, typer.Argument(help="Only this alias.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every move of a line's aliases (or of one), oldest first: who, when, why."""

    def render(moves: list[AliasMove]) -> None:
        rows = [
            [
                m.moved_at,
                m.alias,
                f"{_version(line, m.from_version, m.from_artifact_id)} -> "
                f"{_version(line, m.to_version, m.to_artifact_id)}",
                m.moved_by,
                m.notes,
                "yes" if m.override else "",
            ]
            for m in moves
        ]
        title = f"Alias history of {line}" + (f"@{name}" if name else "")
        columns = ["when (UTC)", "alias", "move", "moved by", "notes", "override"]
        stdout.print(table(title, columns, rows))

    call(db, as_json, lambda registry: registry.alias_history(line, name), render)
