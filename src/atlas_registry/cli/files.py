"""`files add`, `files list`, `files verify` and `locate`: where a version's bytes are."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from atlas_registry import (
    FILE_ROLES,
    FileAddition,
    FileCheck,
    Location,
    ModelFile,
    Registry,
    visible_text,
)
from atlas_registry.cli.common import DbOption, JsonOption, call, stdout, table, version_labels
from atlas_registry.cli.lifecycle import ActorOption, actor_name
from atlas_registry.cli.models import ModelId
from atlas_registry.cli.one_value import CommandApp

files_app = CommandApp(help="A version's files: list them, add one, verify them byte for byte.")


def _file_rows(listed: list[ModelFile]) -> list[list[Any]]:
    return [
        [
            f.id,
            f.uri,
            f.role,
            f.size_bytes,
            (f.sha256 or "unknown")[:16],
            f.verification,
            f.newest_check.detail if f.newest_check else "",
        ]
        for f in listed
    ]


_FILE_COLUMNS = ["id", "uri", "role", "bytes", "sha256", "verified", "detail"]


@files_app.command("list")
def list_files(
    model_id: ModelId,
    replaced: Annotated[
        bool, typer.Option("--replaced", help="Also the entries later entries corrected.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The files a version lists (URI, size, SHA-256, role), each with its newest check."""

    def render(listed: list[ModelFile]) -> None:
        stdout.print(table(f"{len(listed)} file(s)", _FILE_COLUMNS, _file_rows(listed)))

    call(db, as_json, lambda registry: registry.files(model_id, replaced=replaced), render)


@files_app.command("add")
def add(
    model_id: ModelId,
    uri: Annotated[
        str,
        typer.Option("--uri", help="Where the bytes are: file://, s3://, gs://, hf://, https://"),
    ],
    sha256: Annotated[str, typer.Option("--sha256", help="The SHA-256 of the bytes (64 hex).")],
    size: Annotated[int, typer.Option("--size", help="The size in bytes.")],
    role: Annotated[
        str | None, typer.Option("--role", help=f"One of {', '.join(FILE_ROLES)}.")
    ] = None,
    replaces: Annotated[
        int | None,
        typer.Option("--replaces", help="The id of a listed entry this one corrects."),
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Why; kept with it.")] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a file of a version. The same URI again with another digest, size or role
    replaces its entry (nothing listed is rewritten); the very same entry writes nothing."""
    entry = {"uri": uri, "sha256": sha256, "size_bytes": size, "role": role}

    def work(registry: Registry) -> FileAddition:
        return registry.add_file(
            model_id, entry, actor=actor_name(actor), notes=notes, replaces=replaces
        )

    def render(done: FileAddition) -> None:
        listed = done.file
        if not done.written:
            stdout.print(f"already listed as file {listed.id}; nothing written")
        elif listed.replaces_id is not None:
            stdout.print(f"listed as file {listed.id}, replacing file {listed.replaces_id}")
        else:
            stdout.print(f"listed as file {listed.id}")

    call(db, as_json, work, render)


@files_app.command("verify")
def verify(
    model_ids: Annotated[
        list[str] | None, typer.Argument(help="Versions to check (ids, lines, NAME@N).")
    ] = None,
    promoted: Annotated[
        bool, typer.Option("--promoted", help="Check every promoted version (the nightly check).")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds a network read may wait.")
    ] = 30.0,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-read each listed file (through fsspec), hash it, compare size and SHA-256.

    Every outcome is recorded: passed, mismatch, unreachable, or unpinned (the
    entry has no digest to compare). Exits 1 when any file did not pass.
    """

    def work(registry: Registry) -> tuple[list[FileCheck], dict[str, str]]:
        checks = registry.verify_files(
            model_ids or [], promoted_only=promoted, actor=actor_name(actor), timeout=timeout
        )
        return checks, version_labels(registry, (c.model_id for c in checks))

    def render(found: tuple[list[FileCheck], dict[str, str]]) -> None:
        checks, labels = found
        rows = [[labels.get(c.model_id, c.model_id), c.file_id, c.status, c.detail] for c in checks]
        stdout.print(
            table(f"{len(checks)} file(s) checked", ["model", "file", "status", "detail"], rows)
        )
        failing = sum(1 for c in checks if c.failing)
        if failing:
            stdout.print(f"{failing} of {len(checks)} files did not pass")

    def to_json(found: tuple[list[FileCheck], dict[str, str]]) -> list[dict[str, Any]]:
        checks, labels = found
        return [{**c.to_dict(), "version": labels.get(c.model_id, c.model_id)} for c in checks]

    checks, _ = call(db, as_json, work, render, to_json=to_json)
    if any(c.failing for c in checks):
        raise typer.Exit(1)


def locate(model_id: ModelId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print the URIs a deployment of a version loads, one per line (NAME@promoted ...)."""

    def render(found: Location) -> None:
        for uri in found.uris:
            print(visible_text(uri))

    call(db, as_json, lambda registry: registry.locate(model_id), render)
