"""The gate's ``require_verified_files``: a version is promoted only as the bytes it lists.

A promoted version is what a deployment loads (`locate NAME@promoted`). With
the rule on, every file the version lists must have passed its newest check
(`files verify`): a digest that no longer matches, a file that went missing, an
entry never checked or listed without a digest each hold the version back,
and each is named. A version that lists no files is held back too: the rule
promises that the deployment loads bytes somebody verified, and with no list
there is nothing a deployment could load by it.
"""

from __future__ import annotations

from atlas_registry.catalog.model_files import ModelFile, listed_files
from atlas_registry.errors import Violation
from atlas_registry.records import ModelRecord
from atlas_registry.store.sql_session import SqlSession


def unverified_files(model: ModelRecord, files: list[ModelFile]) -> list[Violation]:
    """Why ``files`` (the version's listed files) do not prove it, if they do not."""
    run = f"run `atlas-registry files verify {model.id}`"
    if not files:
        return [
            Violation(
                "files",
                "lists no files: list what a deployment loads (`atlas-registry files add`), "
                f"then {run}",
            )
        ]
    problems = []
    for listed in files:
        named = f"file {listed.id} ({listed.uri:.200})"
        check = listed.newest_check
        if check is None:
            problems.append(Violation("files", f"{named} has never been verified: {run}"))
        elif check.status != "passed":
            problems.append(
                Violation(
                    "files",
                    f"{named} failed its last check ({check.checked_at}, "
                    f"{check.status}): {check.detail}",
                )
            )
    return problems


def file_conditions(session: SqlSession, model: ModelRecord) -> list[Violation]:
    """:func:`unverified_files` of the model's files as listed now, read in ``session``."""
    return unverified_files(model, listed_files(session, [model.id]))
