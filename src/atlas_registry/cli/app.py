"""The Typer application: one sub-command per library verb, each loaded when it is run.

Building every command imports every command module, and with them the
library, SQLAlchemy and the rest: 0.3 s or more before ``--help`` or ``list``
prints anything. So the application names its commands here, with the module
that defines each and the one-line summary ``--help`` lists, and builds a
command only when it is run (or when a caller asks for all of them, as the
tests and the docs check do). ``tests/test_cli_app.py`` checks that each
summary is the first paragraph of its command's own help.
"""

from __future__ import annotations

import importlib
from collections.abc import MutableMapping
from typing import Any, NamedTuple

import typer.main
from typer.core import TyperCommand

from atlas_registry.cli.one_value import CommandApp, OneValueGroup


class Entry(NamedTuple):
    """Where one command lives: ``module.attribute`` is a function (a command) or a Typer (a
    group), and ``summary`` is the first paragraph of its help, as ``--help`` lists it."""

    module: str
    attribute: str
    summary: str


# Commands first, then groups, each in the order ``--help`` lists them: the order
# Typer gives an application's commands and groups.
COMMANDS: dict[str, Entry] = {
    "validate": Entry(
        "models",
        "validate",
        "Check a metadata file, or a whole registration file, without a database.",
    ),
    "register": Entry(
        "models",
        "register",
        'Register a model version from a JSON file: artifact fields plus "metadata".',
    ),
    "show": Entry(
        "models",
        "show",
        "Show one model version: catalog row, version facts, metadata, and its pin's state.",
    ),
    "list": Entry(
        "models",
        "list_command",
        "List models, newest first, filtered by any combination of facts; paged.",
    ),
    "lineage": Entry(
        "lines",
        "lineage",
        "Show a model's version chain and its fine-tune ancestors and descendants.",
    ),
    "lines": Entry(
        "lines",
        "lines",
        "Named model lines, each with its number of versions, latest and promoted version.",
    ),
    "name-line": Entry(
        "lines",
        "name_line",
        "Name the line of a model that has no name yet (e.g. one registered before names).",
    ),
    "leaderboard": Entry(
        "leaderboard",
        "leaderboard",
        "The best models of one benchmark by one evaluation metric, best first.",
    ),
    "evaluate": Entry(
        "evaluations",
        "evaluate",
        "Add an evaluation to a registered version: a benchmark, a catalog dataset, metrics.",
    ),
    "evaluations": Entry(
        "evaluations",
        "evaluations",
        "Every evaluation of one version, newest first; the first is its registration's metrics.",
    ),
    "promote": Entry(
        "lifecycle",
        "promote",
        "Promote a candidate through the evaluation gate; supersedes the line's previous "
        "promotion.",
    ),
    "reject": Entry("lifecycle", "reject", "Reject a candidate for good (--notes says why)."),
    "rollback": Entry(
        "lifecycle",
        "rollback",
        "Re-promote an earlier version of a line and supersede the current one (--notes says why).",
    ),
    "history": Entry(
        "lifecycle",
        "history",
        "Every promotion transition of a model line, or of one version, oldest first.",
    ),
    "promoted": Entry(
        "lifecycle",
        "promoted",
        "The currently promoted version of the line this model belongs to.",
    ),
    "backfill": Entry(
        "backfill",
        "backfill_command",
        "Give every legacy model artifact its registry facts, or hold it for review. Idempotent.",
    ),
    "serve": Entry(
        "service",
        "serve",
        "Serve the HTTP API (JSON under /api/v1, OpenAPI at /openapi.json, reference at /docs).",
    ),
    "locate": Entry(
        "files",
        "locate",
        "Print the URIs a deployment of a version loads, one per line (NAME@promoted ...).",
    ),
    "card": Entry(
        "interop",
        "card",
        "A model as a Hugging Face model card (README.md with YAML front matter).",
    ),
    "describe": Entry(
        "tagging",
        "describe",
        "Edit a version's description or changelog (each edit is kept); with neither, show\n"
        "every edit so far. Nothing else is editable: provenance changes by a new version.",
    ),
    "backup": Entry(
        "backup",
        "backup",
        "Back up the database while servers write: SQLite's online backup, or pg_dump.",
    ),
    "restore": Entry(
        "backup",
        "restore",
        "Restore a backup into a new, empty database, then check it; or --check a backup.",
    ),
}
GROUPS: dict[str, Entry] = {
    "migrate": Entry(
        "migrate", "migrate_app", "Apply, inspect and revert the database schema migrations."
    ),
    "alias": Entry(
        "aliases",
        "alias_app",
        "Aliases of a line (champion, staging ...): named, movable pointers read as NAME@ALIAS.",
    ),
    "legacy": Entry("backfill", "legacy_app", "The platform's legacy model artifacts."),
    "review": Entry("backfill", "review_app", "Legacy facts held for human review."),
    "token": Entry("service", "token_app", "Bearer tokens for the HTTP API."),
    "schema": Entry(
        "schema",
        "schema_app",
        "Schema governance: check stored models against a schema, re-stamp them.",
    ),
    "pins": Entry(
        "pins", "pins_app", "Code pins: verify them against git, report them, suggest new ones."
    ),
    "files": Entry(
        "files", "files_app", "A version's files: list them, add one, verify them byte for byte."
    ),
    "import": Entry(
        "interop",
        "import_app",
        "Register models described elsewhere: Hugging Face model cards, MLflow registries.",
    ),
    "tag": Entry(
        "tagging",
        "tag_app",
        "Tags: key=value labels on a version (NAME@N, an id) or a whole line (NAME).",
    ),
    "dataset": Entry(
        "datasets",
        "dataset_app",
        "Datasets: register them, list them, show one with the models trained or evaluated on it.",
    ),
    "events": Entry("events", "events_app", "The log of every change: follow it as JSON lines."),
    "webhook": Entry(
        "webhooks",
        "webhook_app",
        "Webhooks: subscribe a URL to event types, read its deliveries, replay one.",
    ),
    "webhooks": Entry("webhooks", "webhooks_app", "The webhook delivery worker."),
}

OPTIONS: dict[str, Any] = {
    "name": "atlas-registry",
    "help": "Atlas Model Registry: register, validate, promote and trace models.",
    "no_args_is_help": True,
    "pretty_exceptions_enable": False,
    "add_completion": False,
}


def build(name: str) -> Any:
    """The command ``name``, built from its module exactly as a whole application builds it."""
    single = CommandApp(**OPTIONS)
    if name in COMMANDS:
        entry = COMMANDS[name]
        single.command(name)(load(entry))
    else:
        entry = GROUPS[name]
        single.add_typer(load(entry), name=name)
    return typer.main.get_group(single).commands[name]


def load(entry: Entry) -> Any:
    """The function or Typer ``entry`` names (importing its module)."""
    return getattr(importlib.import_module(f"atlas_registry.cli.{entry.module}"), entry.attribute)


class LazyGroup(OneValueGroup):
    """The top-level group: lists every command, builds one when it is looked up.

    While the group's own help is written, a command is a stand-in holding its
    name and summary: that is all the list of commands reads.
    """

    def __init__(self, *args: Any, **options: Any) -> None:
        self._built: dict[str, Any] = {}
        self._writing_help = False
        super().__init__(*args, **options)

    @property
    def commands(self) -> MutableMapping[str, Any]:
        """Every command, built: for callers that walk the whole tree."""
        return {name: self._command(name) for name in [*COMMANDS, *GROUPS]}

    @commands.setter
    def commands(self, given: MutableMapping[str, Any]) -> None:
        self._built.update(given)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *GROUPS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name) or GROUPS.get(cmd_name)
        if entry is None:
            return None
        if self._writing_help and cmd_name not in self._built:
            return TyperCommand(cmd_name, help=entry.summary)
        return self._command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._writing_help = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._writing_help = False

    def _command(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = build(name)
        return self._built[name]


app = CommandApp(**OPTIONS)
app.info.cls = LazyGroup


@app.callback()
def _top() -> None:
    """Nothing runs before a command: the callback only makes the application a group."""


def main() -> None:
    app()
