"""Legacy commands: load the legacy fixture, backfill, and work the review queue."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from atlas_registry import Registry, target_file
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    PolicyOption,
    call,
    call_admin,
    stderr,
    stdout,
    table,
    version_labels,
)
from atlas_registry.cli.lifecycle import ActorOption, NotesOption, actor_name
from atlas_registry.cli.models import ModelId
from atlas_registry.cli.one_value import CommandApp

if TYPE_CHECKING:
    from atlas_registry import BackfillResult, LoadResult, ReviewItem

# Not an error: the backfill did all it could, and some artifacts wait for a person.
HELD_EXIT_CODE = 11
# The reasons are stored in no surface's words; the command line says how it acts on them.
RESOLVE_HINT = (
    "resolve an item with: atlas-registry review resolve ARTIFACT --set field=value, "
    'or accept a registered model\'s facts as they are with --notes "why"'
)
NAME_LINE_HINT = "name a line by hand with: atlas-registry name-line ARTIFACT NAME"

legacy_app = CommandApp(help="The platform's legacy model artifacts.", no_args_is_help=True)
review_app = CommandApp(help="Legacy facts held for human review.", no_args_is_help=True)


@legacy_app.command("load")
def legacy_load(
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            help='A JSON file {"artifacts": [catalog rows]} (default: the packaged fixture).',
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Insert the legacy model artifacts as plain catalog rows (skips ids already present)."""

    def render(result: LoadResult) -> None:
        stdout.print(
            f"loaded {len(result.inserted)} legacy artifact(s); "
            f"{len(result.already_present)} already present"
        )

    call_admin(db, as_json, lambda admin: admin.load_legacy(file), render)


def _backfill(registry: Registry, dry_run: bool, show_progress: bool) -> BackfillResult:
    if not show_progress:
        return registry.backfill(dry_run=dry_run)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("backfill"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as progress:
        task = progress.add_task("backfill", total=registry.count_pending_backfill())
        return registry.backfill(dry_run=dry_run, on_chunk=lambda n: progress.advance(task, n))


def _print_summary(result: BackfillResult, report: str | None) -> None:
    verb = "would be" if result.dry_run else "were"
    if not result.changed:
        stdout.print(
            "nothing to do: no legacy model artifact needed backfilling "
            f"({result.unchanged} still held for review)"
        )
    rows = [
        [
            o.artifact_id,
            o.title,
            o.result,
            o.promotion_state or "-",
            o.promoted_by or "",
            len(o.held),
        ]
        for o in result.outcomes
    ]
    if rows:
        columns = ["artifact", "title", "result", "state", "promoted by", "held facts"]
        title = "Backfill" + (" (dry run: nothing written)" if result.dry_run else "")
        stdout.print(table(title, columns, rows))
    stdout.print(
        f"{result.backfilled} {verb} backfilled, {result.promoted} promoted, "
        f"{result.held_blocking} held for review (blocking), "
        f"{result.held_for_review} registered with facts held"
    )
    if report:
        stdout.print(f"report: {report}")


def backfill_command(
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Do the work, then roll it back; print what would happen."),
    ] = False,
    report: Annotated[
        str | None, typer.Option("--report", help="Write the migration report (Markdown) here.")
    ] = None,
    policy: PolicyOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give every legacy model artifact its registry facts, or hold it for review. Idempotent.

    Exits 11 when artifacts remain held for review (blocking), so a script can tell.
    """
    show_progress = not as_json and sys.stderr.isatty()

    def work(registry: Registry) -> tuple[BackfillResult, str | None]:
        if report is not None and not dry_run:
            target_file(report)  # refused before the backfill, not after it
        result = _backfill(registry, dry_run, show_progress)
        written = report and not dry_run and str(registry.write_migration_report(report))
        return result, written or None

    def to_json(outcome: tuple[BackfillResult, str | None]) -> Any:
        return {**outcome[0].to_dict(), "report": outcome[1]}

    result = call(
        db,
        as_json,
        work,
        lambda outcome: _print_summary(*outcome),
        policy=policy,
        to_json=to_json,
    )
    if result[0].held_blocking:
        raise typer.Exit(HELD_EXIT_CODE)


@review_app.command("list")
def review_list(
    all_items: Annotated[bool, typer.Option("--all", help="Include resolved items.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open review items: each artifact, whether it blocks registration, and every reason."""

    def listed(registry: Registry) -> tuple[list[ReviewItem], dict[str, str]]:
        items = registry.list_reviews(status)
        return items, version_labels(registry, (i.artifact_id for i in items))

    def render(listing: tuple[list[ReviewItem], dict[str, str]]) -> None:
        items, labels = listing
        rows = [
            [
                labels.get(i.artifact_id, i.artifact_id),
                i.status,
                "yes" if i.blocking else "no",
                "\n".join(f"{r['field']}: {r['reason']}" for r in i.reasons),
            ]
            for i in items
        ]
        columns = ["artifact", "status", "blocking", "reasons"]
        stdout.print(table(f"{len(items)} review item(s)", columns, rows))
        open_items = [i for i in items if i.status == "open"]
        if open_items:
            stdout.print(RESOLVE_HINT)
        if any(r["field"] == "line" for i in open_items for r in i.reasons):
            stdout.print(NAME_LINE_HINT)

    def to_json(listing: tuple[list[ReviewItem], dict[str, str]]) -> list[dict[str, Any]]:
        items, labels = listing
        return [{**i.to_dict(), "version": labels.get(i.artifact_id, i.artifact_id)} for i in items]

    status = None if all_items else "open"
    call(db, as_json, listed, render, to_json=to_json)


@review_app.command("resolve")
def review_resolve(
    artifact_id: ModelId,
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="field=value, e.g. --set framework=scikit-learn --set code_commit_sha=abc1234",
        ),
    ] = None,
    notes: NotesOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Finish a held artifact with the facts a person supplies; validated like any registration."""
    call(
        db,
        as_json,
        lambda registry: registry.resolve_review(
            artifact_id, assignments or [], actor=actor_name(actor), notes=notes
        ),
        lambda item: stdout.print(f"resolved {item.artifact_id}"),
    )
