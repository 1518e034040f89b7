"""`pins verify`, `pins report`, `pins suggest`: code pins checked against git, and proposed."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from atlas_registry import (
    MIRRORS_ENV_VAR,
    PIN_STATUSES,
    REPOS_ENV_VAR,
    PinCheck,
    Registry,
    RepositoryLocations,
)
from atlas_registry.cli.common import (
    DbOption,
    JsonOption,
    call,
    jsonable,
    stdout,
    table,
    version_labels,
)
from atlas_registry.cli.lifecycle import ActorOption, actor_name
from atlas_registry.cli.models import ModelId
from atlas_registry.cli.one_value import CommandApp
from atlas_registry.errors import ValidationError, Violation

pins_app = CommandApp(help="Code pins: verify them against git, report them, suggest new ones.")

_LISTED = ", ".join(PIN_STATUSES)

MirrorsOption = Annotated[
    str | None,
    typer.Option(
        "--mirrors",
        help=f"Folder of mirrors laid out as HOST/PATH.git. Default: ${MIRRORS_ENV_VAR}.",
        show_default=False,
    ),
]
ReposOption = Annotated[
    str | None,
    typer.Option(
        "--repos",
        help=f"TOML file mapping repository URLs to local clones. Default: ${REPOS_ENV_VAR}.",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class _Checks:
    """Pin checks and how a person names each checked version (``line@N``, else a short id)."""

    checks: list[PinCheck]
    labels: dict[str, str]

    @classmethod
    def named(cls, registry: Registry, checks: list[PinCheck]) -> _Checks:
        return cls(checks, version_labels(registry, (c.model_id for c in checks)))

    def version(self, check: PinCheck) -> str:
        return self.labels.get(check.model_id, check.model_id)

    def to_json(self) -> list[dict[str, Any]]:
        """Each check as the library gives it (ids kept), with the version's name."""
        return [{**c.to_dict(), "version": self.version(c)} for c in self.checks]


def _print_checks(title: str, found: _Checks) -> None:
    columns = ["model", "status", "pin", "checked (UTC)", "detail"]
    rows = [
        [found.version(c), c.status, (c.pinned or "")[:12], c.checked_at, c.detail]
        for c in found.checks
    ]
    stdout.print(table(title, columns, rows))


@pins_app.command("verify")
def verify(
    model_ids: Annotated[
        list[str] | None, typer.Argument(help="Models to check (ids, lines, NAME@N).")
    ] = None,
    check_all: Annotated[bool, typer.Option("--all", help="Check every model.")] = False,
    promoted: Annotated[
        bool, typer.Option("--promoted", help="Check every promoted model (the nightly check).")
    ] = False,
    mirrors: MirrorsOption = None,
    repos: ReposOption = None,
    actor: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check that each pin's commit exists, is on a branch or tag, and holds the entrypoint.

    Every outcome about a model is recorded. Exits 1 when any checked pin is
    missing, failed or unreachable ("not checkable offline" external sources
    do not fail). Exits 2, recording nothing for them, when pins could not be
    checked here (no repositories configured, a repository not mirrored).
    """
    chosen = [bool(model_ids), check_all, promoted]

    def work(registry: Registry) -> _Checks:
        if sum(chosen) != 1:
            raise ValidationError(
                "say which models to check",
                [Violation("models", "name models, or give exactly one of --all and --promoted")],
            )
        locations = RepositoryLocations.configured(mirrors, repos)
        checked = _verified(registry, model_ids or [], promoted, locations, actor_name(actor))
        return _Checks.named(registry, checked)

    def render(found: _Checks) -> None:
        checks = found.checks
        _print_checks(f"{len(checks)} pin(s) checked", found)
        failing = sum(1 for c in checks if c.failing)
        if failing:
            stdout.print(f"{failing} of {len(checks)} pins are not proven")

    found = call(db, as_json, work, render, to_json=_Checks.to_json)
    if any(c.failing for c in found.checks):
        raise typer.Exit(1)


def _verified(
    registry: Registry,
    model_ids: list[str],
    promoted: bool,
    locations: RepositoryLocations,
    actor: str,
) -> list[PinCheck]:
    if model_ids or not sys.stderr.isatty():
        return registry.verify_pins(
            model_ids, promoted_only=promoted, locations=locations, actor=actor
        )
    from rich.progress import Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("pins verify: {task.completed}"))
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("verify", total=None)
        return registry.verify_pins(
            promoted_only=promoted,
            locations=locations,
            actor=actor,
            on_checked=lambda count: bar.advance(task, count),
        )


@pins_app.command("report")
def report(
    status: Annotated[
        str | None,
        typer.Option("--status", help=f"Only models whose newest check is: {_LISTED}."),
    ] = None,
    promoted: Annotated[bool, typer.Option("--promoted", help="Only promoted models.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The newest pin check of every model whose current pin was checked."""

    def work(registry: Registry) -> _Checks:
        if status is not None and status not in PIN_STATUSES:
            raise ValidationError(
                "unknown status", [Violation("--status", f"must be one of {_LISTED}")]
            )
        return _Checks.named(registry, registry.pin_report(status=status, promoted_only=promoted))

    def render(found: _Checks) -> None:
        _print_checks(f"{len(found.checks)} model(s)", found)

    call(db, as_json, work, render, to_json=_Checks.to_json)


@pins_app.command("suggest")
def suggest(
    model_id: ModelId,
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="The repository's http(s) URL (default: the model's)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Candidates.")] = 10,
    path: Annotated[
        list[str] | None,
        typer.Option("--path", help="Also count commits touching this path (repeatable)."),
    ] = None,
    mirrors: MirrorsOption = None,
    repos: ReposOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List candidate commits for a model without a pin, or whose pin failed its check,
    and open its review item with them.

    Nothing is pinned: accept one with
    `atlas-registry review resolve MODEL --set code_commit_sha=SHA` (and
    `--notes "why"` when it replaces a pin).
    """

    def work(registry: Registry) -> Any:
        locations = RepositoryLocations.configured(mirrors, repos)
        found = registry.suggest_pin(model_id, repo, locations=locations, limit=limit, paths=path)
        return found, version_labels(registry, [found.model_id])

    def render(named: Any) -> None:
        result, labels = named
        version = labels.get(result.model_id, result.model_id)
        rows = [
            [c.sha[:12], c.committed_at, c.author, c.subject, ", ".join(c.paths)]
            for c in result.candidates
        ]
        stdout.print(
            table(
                f"candidate pins for {version} from {result.repo_url}",
                ["commit", "committed (UTC)", "author", "subject", "touched"],
                rows,
            )
        )
        replaces = result.review.proposed.get("replaces")
        if replaces:
            stdout.print(f"replacing the pin {replaces['code_commit_sha']}: {replaces['why']}")
        why = ' --notes "why"' if replaces else ""
        stdout.print(
            f"review item opened; accept one with: atlas-registry review resolve "
            f"{shlex.quote(version)} --set code_commit_sha=SHA{why}"
        )

    call(db, as_json, work, render, to_json=lambda named: jsonable(named[0]))
