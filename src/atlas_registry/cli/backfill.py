"""Legacy commands: load the legacy fixture, backfill, and work the review queue."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from atlas_registry.backfill import resolution
from atlas_registry.backfill.legacy_fixture import load_legacy
from atlas_registry.backfill.report import write_report
from atlas_registry.backfill.review import list_reviews
from atlas_registry.backfill.runner import BackfillResult, backfill, count_pending
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    error_boundary,
    open_database,
    print_json,
    stderr,
    stdout,
    table,
)
from atlas_registry.cli.lifecycle import ActorOption, NotesOption, actor_name
from atlas_registry.cli.models import ModelId
from atlas_registry.db import Database
from atlas_registry.promotion_policy import load_policy

legacy_app = typer.Typer(help="The platform's legacy model artifacts.", no_args_is_help=True)
review_app = typer.Typer(help="Legacy facts held for human review.", no_args_is_help=True)


@legacy_app.command("load")
def legacy_load(
    file: Annotated[
        str | None,
        typer.Option(
            "--file", help="A legacy artifacts JSON file (default: the packaged fixture)."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Insert the legacy model artifacts as plain catalog rows (skips ids already present)."""
    with error_boundary(as_json), open_database(db) as database:
        result = load_legacy(database, file)
    if as_json:
        print_json({"inserted": result.inserted, "already_present": result.already_present})
    else:
        stdout.print(
            f"loaded {len(result.inserted)} legacy artifact(s); "
            f"{len(result.already_present)} already present"
        )


def _run_with_progress(
    database: Database, dry_run: bool, policy: str | None, quiet: bool
) -> BackfillResult:
    gate = load_policy(policy)
    if quiet or not sys.stderr.isatty():
        return backfill(database, dry_run=dry_run, policy=gate)
    columns = (TextColumn("backfill"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as progress:
        task = progress.add_task("backfill", total=count_pending(database))
        return backfill(
            database, dry_run=dry_run, policy=gate, on_chunk=lambda n: progress.advance(task, n)
        )


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
        stdout.print(
            table(
                "Backfill" + (" (dry run: nothing written)" if result.dry_run else ""),
                columns,
                rows,
            )
        )
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
    policy: Annotated[str | None, typer.Option("--policy", help="Gate policy TOML file.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give every legacy model artifact its registry facts, or hold it for review. Idempotent."""
    with error_boundary(as_json), open_database(db) as database:
        result = _run_with_progress(database, dry_run, policy, quiet=as_json)
        written = str(write_report(database, report)) if report and not dry_run else None
    if as_json:
        print_json({**result.to_dict(), "report": written})
    else:
        _print_summary(result, written)


@review_app.command("list")
def review_list(
    all_items: Annotated[bool, typer.Option("--all", help="Include resolved items.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open review items: each artifact, whether it blocks registration, and every reason."""
    with error_boundary(as_json), open_database(db) as database:
        items = list_reviews(database, status=None if all_items else "open")
    if as_json:
        print_json([i.to_dict() for i in items])
        return
    rows = [
        [
            i.artifact_id,
            i.status,
            "yes" if i.blocking else "no",
            "\n".join(f"{r['field']}: {r['reason']}" for r in i.reasons),
        ]
        for i in items
    ]
    stdout.print(
        table(f"{len(items)} review item(s)", ["artifact", "status", "blocking", "reasons"], rows)
    )


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
    with error_boundary(as_json), open_database(db) as database:
        item = resolution.resolve(
            database, artifact_id, assignments or [], actor=actor_name(actor), notes=notes
        )
    if as_json:
        print_json(item.to_dict())
    else:
        stdout.print(f"resolved {item.artifact_id}")
