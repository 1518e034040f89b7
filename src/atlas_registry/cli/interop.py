"""`card` and `import card`: Hugging Face model cards out of the registry and into it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlas_registry import InputError, ModelRecord, Registry
from atlas_registry.cli.common import DbOption, JsonOption, call, stdout
from atlas_registry.cli.models import LineOption, ModelId

import_app = typer.Typer(help="Register models described elsewhere: Hugging Face model cards.")


def card(
    model_id: ModelId,
    out: Annotated[
        str | None,
        typer.Option("--out", help="Write DIR/README.md instead of printing the card."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A model as a Hugging Face model card (README.md with YAML front matter)."""

    def work(registry: Registry) -> str:
        written = registry.model_card(model_id)
        if out is not None:
            folder = Path(out)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "README.md").write_text(written, "utf-8")
            except OSError as exc:
                raise InputError(f"cannot write the card to {folder}: {exc}") from exc
        return written

    def render(written: str) -> None:
        if out is None:
            print(written, end="")
        else:
            stdout.print(f"wrote {Path(out) / 'README.md'}")

    call(db, as_json, work, render, to_json=lambda written: {"card": written})


@import_app.command("card")
def import_card(
    path: Annotated[
        str, typer.Argument(help="A model card: a README.md, or a folder holding one.")
    ],
    revision: Annotated[
        str | None,
        typer.Option("--revision", help="The immutable revision (commit SHA) the card describes."),
    ] = None,
    source_url: Annotated[
        str | None,
        typer.Option("--source-url", help="Where the model is published, e.g. its Hub page."),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="field=value for what the card does not say (repeatable)."),
    ] = None,
    line: LineOption = None,
    check: Annotated[
        bool, typer.Option("--check", help="Show the registration it would write; write nothing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register the external model a model card describes; what it lacks is listed at once."""

    def work(registry: Registry) -> ModelRecord:
        return registry.import_card(
            path,
            revision=revision,
            source_url=source_url,
            assignments=assignments or [],
            line=line,
            dry_run=check,
        )

    def render(record: ModelRecord) -> None:
        verb = "would register" if check else "registered"
        line_name = record.line_name or "an unnamed line"
        stdout.print(f"{verb} version {record.version_number} of {line_name} as:")
        print(record.id)
        if check:
            stdout.print_json(data=record.metadata)

    call(db, as_json, work, render)
