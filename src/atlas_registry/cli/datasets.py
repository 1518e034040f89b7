"""`dataset register|list|show`: dataset artifacts without SQL, and the models that use one."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from atlas_registry import (
    MAX_PAGE,
    DatasetRecord,
    DatasetRegistration,
    DatasetUse,
    ModelRecord,
)
from atlas_registry.cli.common import DbOption, JsonOption, call, stdout, table
from atlas_registry.cli.one_value import CommandApp

dataset_app = CommandApp(
    help="Datasets: register them, list them, show one with the models trained or evaluated on it."
)

DatasetId = Annotated[str, typer.Argument(help="The dataset's artifact id.")]


def _text(flag: str, text: str) -> Any:
    return typer.Option(flag, help=text, show_default=False)


@dataset_app.command("register")
def register(
    title: Annotated[str, _text("--title", "What the data is, as people name it.")],
    uri: Annotated[str, _text("--uri", "Where the data is: https://, s3://, gs://, hf:// ...")],
    licence: Annotated[str, _text("--license", "Its licence: an SPDX id such as CC-BY-4.0.")],
    revision: Annotated[
        str | None, _text("--revision", "Which version: a commit, a tag, a date, a DOI.")
    ] = None,
    sha256: Annotated[
        str | None, _text("--sha256", "The SHA-256 of its bytes (64 hex characters).")
    ] = None,
    description: Annotated[str | None, _text("--description", "More about it.")] = None,
    artifact_id: Annotated[
        str | None, _text("--id", "Its id (default: dataset-<uuid>, made for it).")
    ] = None,
    created_by: Annotated[str | None, _text("--created-by", "Who registers it.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a dataset; it needs a --revision or a --sha256 (or both)."""
    registration = DatasetRegistration(
        title=title,
        uri=uri,
        license=licence,
        revision=revision,
        sha256=sha256,
        description=description,
        artifact_id=artifact_id,
        created_by=created_by,
    )
    call(
        db,
        as_json,
        lambda registry: registry.register_dataset(registration),
        lambda record: stdout.print(f"registered dataset {record.id}"),
    )


@dataset_app.command("list")
def list_datasets(
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_PAGE, help="Page size.")] = 50,
    page_token: Annotated[
        str | None, typer.Option("--page-token", help="The next page, as the last page said.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Dataset artifacts in id order, legacy ones included; paged."""

    def render(page: Any) -> None:
        items: list[DatasetRecord] = page.items
        rows = [[d.id, d.title, _pin(d), d.license, d.uri] for d in items]
        columns = ["id", "title", "revision or sha256", "license", "uri"]
        stdout.print(table(f"{len(items)} dataset(s)", columns, rows))
        if page.next_page_token:
            stdout.print(f"more: --page-token {page.next_page_token}", soft_wrap=True)

    call(
        db,
        as_json,
        lambda registry: registry.datasets(page_size=limit, page_token=page_token),
        render,
    )


def _pin(dataset: DatasetRecord) -> str:
    if dataset.revision and dataset.sha256:
        return f"{dataset.revision} (sha256 {dataset.sha256[:12]}…)"
    if dataset.sha256:
        return f"sha256 {dataset.sha256[:12]}…"
    return dataset.revision or ""


@dataset_app.command("show")
def show(
    dataset_id: DatasetId,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=MAX_PAGE, help="Models listed per table.")
    ] = 100,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A dataset's facts and every model trained or evaluated on it, promoted ones first."""
    call(db, as_json, lambda registry: registry.dataset_use(dataset_id, limit=limit), _show)


def _show(use: DatasetUse) -> None:
    d = use.dataset
    facts = [
        ["id", d.id],
        ["title", d.title],
        ["uri", d.uri or "not recorded"],
        ["revision", d.revision or "not recorded"],
        ["sha256", d.sha256 or "not recorded"],
        ["license", d.license or "not recorded"],
        ["state", d.lifecycle_state],
        ["registered (UTC)", f"{d.created_at}" + (f" by {d.created_by}" if d.created_by else "")],
    ]
    if d.description:
        facts.append(["description", d.description])
    if not d.follows_schema:
        facts.append(["metadata", f"as stored (a legacy row): {d.metadata!s:.500}"])
    stdout.print(table(f"Dataset {d.id}", ["fact", "value"], facts))
    for title, models, more in (
        ("Trained on it", use.trained, use.trained_more),
        ("Evaluated on it", use.evaluated, use.evaluated_more),
    ):
        if not models:
            stdout.print(f"{title}: no model")
            continue
        promoted = sum(m.promotion_state == "promoted" for m in models)
        caption = f"{title}: {len(models)} model(s), {promoted} promoted"
        stdout.print(table(caption, ["id", "line", "v", "state", "title"], _rows(models)))
        if more:
            stdout.print(f"{title}: more than {len(models)}; raise --limit, or `list` with filters")


def _rows(models: list[ModelRecord]) -> list[list[object]]:
    return [[m.id, m.line_name, m.version_number, m.promotion_state, m.title] for m in models]
