"""Model commands: validate, register, show, list (leaderboard, lines: modules of their own)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from atlas_registry import (
    MAX_PAGE,
    ModelFilters,
    ModelRecord,
    ModelRegistration,
    RegisteredModel,
    ValidationError,
    Violation,
    read_first_page,
    read_shown_model,
)
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    call,
    call_reading,
    console,
    run,
    table,
    visible_cells,
)
from atlas_registry.cli.filter_options import with_model_filters
from atlas_registry.cli.plain_table import PIPED_WIDTH, plain_table, writes_plain

if TYPE_CHECKING:  # loaded by the commands that use them: `list` and `--help` need none
    from atlas_registry import (
        Evaluation,
        ModelFile,
        NamedAt,
        PinChange,
        PinCheck,
        PinStatus,
        Registry,
    )


FileArgument = Annotated[str, typer.Argument(help="A JSON file, or - for standard input.")]


ModelId = Annotated[
    str,
    typer.Argument(
        help="A model: its id, its short id (the last 8 characters shown by list and "
        "show), a unique id prefix (8+ characters), or a line as NAME (latest), NAME@3 "
        "or NAME@promoted."
    ),
]


def _is_registration(document: Any) -> bool:
    """A registration file carries the metadata under "metadata"; a metadata file does not."""
    return isinstance(document, dict) and "metadata" in document


def _validate(source: str) -> str:
    from atlas_registry import read_document, validate_metadata, validate_registration

    document = read_document(source)
    if _is_registration(document):
        validate_registration(document)
        return "registration"
    validate_metadata(document)
    return "metadata"


def validate(file: FileArgument, as_json: JsonOption = False) -> None:
    """Check a metadata file, or a whole registration file, without a database.

    A registration (a document with a "metadata" field) is checked whole: its
    fields and its metadata, every problem listed. References to other
    artifacts need the database: use `register --dry-run` for those.
    """
    run(
        as_json,
        lambda: _validate(file),
        lambda kind: console().print(f"valid {kind}"),
        lambda kind: {"valid": True, "document": kind},
    )


LineOption = Annotated[
    str | None,
    typer.Option(
        "--line",
        help="The model line's name (e.g. ad-risk-predictor): the next version of that line, "
        'or version 1 of a new line. Overrides a "line" field in the file.',
    ),
]


def register(
    file: FileArgument,
    line: LineOption = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check everything, the database included; write nothing."),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print only the new id (for scripts); with --dry-run, nothing (no id exists).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a model version from a JSON file: artifact fields plus "metadata".

    With --dry-run, every check runs, the database's included, and nothing is
    written: the output says so, and the id it shows names nothing.
    """

    def read() -> ModelRegistration:
        from atlas_registry import read_document

        document = read_document(file)
        if line is not None and isinstance(document, dict):
            document = {**document, "line": line}
        return ModelRegistration.from_dict(document)

    def work(registry: Registry, registration: ModelRegistration) -> RegisteredModel:
        return RegisteredModel(registry.register_model(registration, dry_run=dry_run), dry_run)

    def render(answer: RegisteredModel) -> None:
        record = answer.record
        if quiet:
            if not dry_run:
                print(record.id)
            return
        line_name = record.line_name or "an unnamed line"
        what = f"version {record.version_number} of {line_name} ({record.promotion_state})"
        if dry_run:
            console().print(f"dry run, nothing written: would register {what} as:")
        else:
            short = f" (short id {record.short_id})" if record.short_id != record.id else ""
            console().print(f"registered {what} as{short}:")
        print(record.id)

    call_reading(db, as_json, read, work, render)


@dataclass(frozen=True)
class ShownModel:
    """A model as `show` prints it: its record, newest pin check, pin state and pin history."""

    record: ModelRecord
    pin_check: PinCheck | None
    pin_status: PinStatus
    pin_changes: list[PinChange]
    as_of: NamedAt | None = None  # what `show NAME@ALIAS --at T` asked about
    evaluations: list[Evaluation] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # effective: its line's, its own winning
    files: list[ModelFile] = field(default_factory=list)


def _show(shown_model: ShownModel) -> None:
    record, pin_check = shown_model.record, shown_model.pin_check
    shown = record.to_dict()
    shown.pop("metadata")
    # One state a person reads: promotion_state. The catalog's lifecycle_state is
    # derived from it (kept in --json for the catalog's other readers).
    shown.pop("lifecycle_state")
    rows = [
        [key, json.dumps(value) if isinstance(value, dict) else value]
        for key, value in shown.items()
    ]
    if shown_model.as_of is not None:
        named = shown_model.as_of
        rows.insert(
            0,
            [
                "as_of",
                f"{named.line_name}@{named.name} at {named.at} UTC named "
                f"{named.version} (since {named.since}, by {named.by})",
            ],
        )
    status = shown_model.pin_status
    rows.append(["code_pin_status", f"{status.label}: {status.detail}"])
    if pin_check is not None:
        outcome = f"{pin_check.status} ({pin_check.checked_at}): {pin_check.detail}"
        rows.append(["code_pin_check", outcome])
    for change in shown_model.pin_changes:
        what = f"{change.old_commit_sha or 'no pin'} -> {change.new_commit_sha}"
        why = f": {change.notes}" if change.notes else ""
        rows.append(["code_pin_change", f"{change.changed_at} {what} by {change.changed_by}{why}"])
    if shown_model.tags:
        rows.append(["tags", json.dumps(shown_model.tags, ensure_ascii=False)])
    for listed in shown_model.files:
        rows.append(["file", _file_line(listed)])
    console().print(table(record.title, ["field", "value"], rows))
    from atlas_registry.cli.evaluation_table import print_table

    print_table(shown_model.evaluations)
    console().print_json(json.dumps(record.metadata))


def _file_line(listed: ModelFile) -> str:
    """One listed file as `show` prints it: where, what, and its newest check."""
    digest = listed.sha256 or "digest unknown"
    size = "size unknown" if listed.size_bytes is None else f"{listed.size_bytes} bytes"
    check = listed.newest_check
    verdict = f"{check.status} ({check.checked_at}): {check.detail}" if check else "not checked"
    return (
        f"#{listed.id} {listed.uri} [{listed.role or 'no role'}] {size}, sha256 {digest}; {verdict}"
    )


def _shown_json(shown_model: ShownModel) -> dict[str, Any]:
    check = shown_model.pin_check
    return {
        **shown_model.record.to_dict(),
        "code_pin_check": check.to_dict() if check else None,
        "code_pin_status": shown_model.pin_status.to_dict(),
        "code_pin_changes": [change.to_dict() for change in shown_model.pin_changes],
        "evaluations": [evaluation.to_dict() for evaluation in shown_model.evaluations],
        "tags": shown_model.tags,
        "files": [listed.to_dict() for listed in shown_model.files],
        **({"as_of": shown_model.as_of.to_dict()} if shown_model.as_of else {}),
    }


def show(
    model_id: ModelId,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="With NAME@ALIAS or NAME@promoted: the version it named at this time "
            "(ISO 8601 with a zone, e.g. 2026-05-01T12:00Z).",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one model version: catalog row, version facts, metadata, and its pin's state."""

    def work(registry: Registry) -> ShownModel:
        with registry.snapshot():  # the parts shown side by side, as of one moment
            return _shown(registry)

    def _shown(registry: Registry) -> ShownModel:
        as_of = registry.named_at(model_id, at) if at is not None else None
        record = registry.get_model(as_of.artifact_id if as_of else model_id)
        return ShownModel(
            record,
            next(iter(registry.pin_checks(record.id, limit=1)), None),
            registry.pin_statuses([record])[record.id],
            list(registry.pin_changes(record.id)),
            as_of=as_of,
            evaluations=registry.evaluations(record.id),
            tags=registry.effective_tags([record.id])[record.id],
            files=registry.files(record.id),
        )

    if at is None:
        # A model named by its id on SQLite is read without loading the library's
        # database layer; whatever that read is not sure of, the library answers.
        parts = read_shown_model(db, model_id)
        if parts is not None:
            fast = ShownModel(
                parts.record,
                parts.pin_check,
                parts.pin_status,
                parts.pin_changes,
                evaluations=parts.evaluations,
                tags=parts.tags,
                files=parts.files,
            )
            run(as_json, lambda: fast, _show, to_json=_shown_json)
            return
    call(db, as_json, work, _show, to_json=_shown_json)


class Listed(Protocol):
    """A page of models as the table shows it: the library's, or the fast read's first."""

    @property
    def items(self) -> list[ModelRecord]: ...

    @property
    def next_page_token(self) -> str | None: ...

    def to_dict(self) -> dict[str, Any]: ...


def _list_table(page: Listed) -> None:
    rows = [
        [
            r.id,
            r.line_name,
            r.version_number,
            r.promotion_state,
            r.short_id,
            r.title,
            r.model_family,
            r.framework,
            r.benchmark_id,
            r.trained_by,
        ]
        for r in page.items
    ]
    # Most important first: a narrow terminal leaves out the last columns.
    columns = ["id", "line", "v", "state", "short id"]
    columns += ["title", "family", "framework", "benchmark", "by"]
    title = f"{len(page.items)} model(s)"
    more = None
    if page.next_page_token:
        more = (
            f"showing {len(page.items)}; more match: use --limit (up to {MAX_PAGE}) or "
            f"--page-token {page.next_page_token}"
        )
    if _print_plain(title, columns, rows, more):
        return
    shown = table(title, columns, rows)
    if "short id" in str(shown.caption or ""):
        # Too narrow even for the short id: it is the whole id's last 8 characters,
        # so the table goes on without it, as if it had never had the column.
        at = columns.index("short id")
        shown = table(title, columns[:at] + columns[at + 1 :], [r[:at] + r[at + 1 :] for r in rows])
    console().print(shown)
    if more:
        console().print(more, soft_wrap=True)


def _print_plain(title: str, columns: list[str], rows: list[list[Any]], more: str | None) -> bool:
    """Write the listing without Rich when output is not a terminal and the table is plain
    (:mod:`.plain_table`); False when Rich must write it."""
    if not writes_plain():
        return False
    loaded = sys.modules.get("atlas_registry.cli.consoles")
    if loaded is None and sys.stdout.isatty():
        return False  # a terminal told to show no styles: its width is for Rich to find
    width = loaded.stdout.width if loaded else PIPED_WIDTH
    text = plain_table(title, columns, visible_cells(rows), width)
    if text is None or (more is not None and not (more.isascii() and more.isprintable())):
        return False
    sys.stdout.write(text + (f"{more}\n" if more else ""))
    return True


@with_model_filters
def list_command(
    filters: ModelFilters,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_PAGE, help="Page size.")] = 50,
    page_token: Annotated[
        str | None, typer.Option("--page-token", help="The next page, as the last page said.")
    ] = None,
    offset: Annotated[
        int, typer.Option("--offset", min=0, help="Skip this many (prefer --page-token).")
    ] = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List models, newest first, filtered by any combination of facts; paged."""
    more_after_offset = False

    def page(registry: Registry) -> Listed:
        nonlocal more_after_offset
        if offset and page_token:
            raise ValidationError(
                "bad page",
                [Violation("offset", "--offset and --page-token are two ways to page: use one")],
            )
        if offset:
            from atlas_registry import Page

            items = registry.list_models(**filters.to_dict(), limit=limit + 1, offset=offset)
            more_after_offset = len(items) > limit
            return Page(items[:limit], None)
        return registry.list_page(page_size=limit, page_token=page_token, **filters.to_dict())

    def render(found: Listed) -> None:
        _list_table(found)
        if more_after_offset:
            console().print(
                f"showing {len(found.items)}; more match: use --offset {offset + limit}"
            )

    if page_token is None and not offset and filters == ModelFilters():
        # The plain first page on SQLite is read without loading the library's
        # database layer; whatever that read is not sure of, the library answers.
        first = read_first_page(db, limit)
        if first is not None:
            run(as_json, lambda: first, render)
            return
    call(db, as_json, page, render)
