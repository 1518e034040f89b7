"""`card` and `import card`: Hugging Face model cards out of the registry and into it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from atlas_registry import InputError, Registry, visible_text
from atlas_registry.cli.common import DbOption, JsonOption, call, stderr, stdout, table
from atlas_registry.cli.models import LineOption, ModelId
from atlas_registry.cli.one_value import CommandApp

if TYPE_CHECKING:  # loaded by the import itself: `list` and `show` should not pay for it
    from atlas_registry import CardExport, CardImport, MlflowImport

import_app = CommandApp(
    help="Register models described elsewhere: Hugging Face model cards, MLflow registries."
)


def card(
    model_id: ModelId,
    out: Annotated[
        str | None,
        typer.Option("--out", help="Write DIR/README.md instead of printing the card."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace DIR/README.md even if it is not a card of this model's line."
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A model as a Hugging Face model card (README.md with YAML front matter).

    A README.md in --out is replaced only when it is a card of this model's
    line. A rejected or superseded version's card says so, and so does the
    command (on stderr).
    """

    def work(registry: Registry) -> CardExport:
        if out is not None:
            if not out.strip():  # an unset variable would write into the current folder
                raise InputError("--out names no folder: give the folder to write README.md in")
            return registry.export_card(model_id, Path(out), force=force)
        return registry.export_card(model_id)

    def render(exported: CardExport) -> None:
        if out is None:
            print(exported.text, end="")
        else:
            stdout.print(f"wrote {Path(out) / 'README.md'}")
        if exported.notice:
            stderr.print(
                Text.assemble(("note:", "bold yellow"), " ", visible_text(exported.notice))
            )

    call(db, as_json, work, render)


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
    result: Annotated[
        int | None,
        typer.Option(
            "--result",
            min=1,
            help="Register result N of the model-index as the version's own metrics "
            "(numbered from 1; default 1); every other result is kept as an evaluation.",
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Show the registration it would write; write nothing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register the external model a model card describes, once; what it lacks is listed at once.

    A card whose model-index reports several results (data sets, splits) makes
    one version: result 1 (or --result N) is its own metrics, every other an
    evaluation of it. The same card, revision and source imported again
    registers nothing.
    """

    def work(registry: Registry) -> CardImport:
        return registry.import_card(
            path,
            revision=revision,
            source_url=source_url,
            assignments=assignments or [],
            line=line,
            result=result,
            dry_run=check,
        )

    call(db, as_json, work, _render_card_import)


def _render_card_import(report: CardImport) -> None:
    record = report.model
    line_name = record.line_name or "an unnamed line"
    if report.status == "already_imported":
        stdout.print(
            f"already imported: this card, revision and source are version "
            f"{record.version_number} of {line_name}; nothing new was registered:"
        )
        print(record.id)
        if report.differs:
            stdout.print(
                "this import would have given other values for "
                + ", ".join(report.differs)
                + "; the version registered before keeps its own"
            )
        return
    verb = "would register" if report.status == "would_register" else "registered"
    of = f" (result {report.result} of {report.results})" if (report.results or 0) > 1 else ""
    stdout.print(f"{verb} version {record.version_number} of {line_name}{of} as:")
    print(record.id)
    if report.evaluations:
        stdout.print(f"with the card's {report.evaluations} other result(s) as its evaluations")
    for left in report.left_out:
        stdout.print(Text(f"not kept (no evaluation can hold it): {visible_text(left)}"))
    if report.status == "would_register":
        stdout.print_json(data=record.metadata)


@import_app.command("mlflow")
def import_mlflow(
    tracking_uri: Annotated[
        str,
        typer.Option("--tracking-uri", help="The MLflow store, e.g. sqlite:///mlflow.db."),
    ],
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Import only this registered model (repeatable)."),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="field=value, a default for every version imported: it fills only what a "
            "model's atlas. tags and MLflow's records do not say (repeatable).",
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Report what it would do; write nothing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register an MLflow registry's models as lines, in version order; exit 1 if any is held.

    Aliases champion/production (or the Production stage) are promoted through
    the gate. --set fills in only what a model's atlas. tags and MLflow's
    records do not say. A second import changes nothing.
    """

    def work(registry: Registry) -> MlflowImport:
        return registry.import_mlflow(
            tracking_uri, models=model, assignments=assignments or [], dry_run=check
        )

    def render(report: MlflowImport) -> None:
        rows = [
            [
                v.model,
                v.version,
                v.status,
                v.model_id,
                f"{v.line}@{v.atlas_version}" if v.atlas_version else v.line,
                v.promotion,
                "; ".join(f"{p.path}: {p.message}" for p in v.problems[:3])
                + (f" (+{len(v.problems) - 3} more)" if len(v.problems) > 3 else ""),
            ]
            for v in report.versions
        ]
        columns = ["mlflow model", "v", "status", "id", "line", "promotion", "problems"]
        stdout.print(table(f"MLflow import from {report.source}", columns, rows))
        counts = report.to_dict()["counts"]
        stdout.print(", ".join(f"{n} {status}" for status, n in counts.items() if n))

    report = call(db, as_json, work, render)
    if report.count("held") or report.count("waiting"):
        raise typer.Exit(1)
