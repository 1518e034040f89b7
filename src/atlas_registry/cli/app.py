"""The Typer application: one sub-command per library verb."""

from __future__ import annotations

from atlas_registry.cli import (
    backfill,
    backup,
    evaluations,
    interop,
    lifecycle,
    lines,
    models,
    service,
)
from atlas_registry.cli.aliases import alias_app
from atlas_registry.cli.datasets import dataset_app
from atlas_registry.cli.events import events_app
from atlas_registry.cli.files import files_app, locate
from atlas_registry.cli.migrate import migrate_app
from atlas_registry.cli.one_value import CommandApp
from atlas_registry.cli.pins import pins_app
from atlas_registry.cli.schema import schema_app
from atlas_registry.cli.tagging import describe, tag_app
from atlas_registry.cli.webhooks import webhook_app, webhooks_app

app = CommandApp(
    name="atlas-registry",
    help="Atlas Model Registry: register, validate, promote and trace models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(migrate_app, name="migrate")
app.command("validate")(models.validate)
app.command("register")(models.register)
app.command("show")(models.show)
app.command("list")(models.list_command)
app.command("lineage")(lines.lineage)
app.command("lines")(lines.lines)
app.command("name-line")(lines.name_line)
app.command("leaderboard")(models.leaderboard)
app.command("evaluate")(evaluations.evaluate)
app.command("evaluations")(evaluations.evaluations)
app.command("promote")(lifecycle.promote)
app.command("reject")(lifecycle.reject)
app.command("rollback")(lifecycle.rollback)
app.command("history")(lifecycle.history)
app.command("promoted")(lifecycle.promoted)
app.add_typer(alias_app, name="alias")
app.add_typer(backfill.legacy_app, name="legacy")
app.command("backfill")(backfill.backfill_command)
app.add_typer(backfill.review_app, name="review")
app.command("serve")(service.serve)
app.add_typer(service.token_app, name="token")
app.add_typer(schema_app, name="schema")
app.add_typer(pins_app, name="pins")
app.add_typer(files_app, name="files")
app.command("locate")(locate)
app.command("card")(interop.card)
app.add_typer(interop.import_app, name="import")
app.add_typer(tag_app, name="tag")
app.command("describe")(describe)
app.command("backup")(backup.backup)
app.add_typer(dataset_app, name="dataset")
app.command("restore")(backup.restore)
app.add_typer(events_app, name="events")
app.add_typer(webhook_app, name="webhook")
app.add_typer(webhooks_app, name="webhooks")


def main() -> None:
    app()
