"""Bringing an MLflow model's aliases over: each becomes an alias of its Atlas line.

Every alias lands (``champion`` and ``production`` also promote, as before:
:mod:`.mlflow_import`), named in lower case, since Atlas alias names are; one
that cannot be an Atlas alias (too long, ``latest`` in another case, two that
differ only in case) is reported on its version, never guessed at. An alias
the import itself set follows MLflow when imported again; one a person has
moved or deleted in Atlas since is left as they left it. An alias of a version
that is held or waiting lands once that version is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atlas_registry.catalog.alias_names import alias_problem
from atlas_registry.catalog.aliases import AliasMove, alias_history
from atlas_registry.errors import NotFoundError, PromotionGateError, Violation
from atlas_registry.interop.mlflow_mapping import IMPORT_ACTOR
from atlas_registry.interop.mlflow_source import MlflowModel
from atlas_registry.lifecycle.alias_moves import set_alias
from atlas_registry.lifecycle.policy import GatePolicy
from atlas_registry.store.db import Database

if TYPE_CHECKING:
    from atlas_registry.interop.mlflow_import import ImportedVersion


def carry_aliases(
    db: Database,
    model: MlflowModel,
    entries: list[ImportedVersion],
    policy: GatePolicy,
    dry_run: bool,
) -> None:
    """Set each of ``model``'s MLflow aliases on the Atlas line its versions went to.

    What lands is listed in each entry's ``aliases``; what cannot, in its problems.
    """
    by_version = {entry.version: entry for entry in entries}
    taken: dict[str, str] = {}
    for mlflow_alias, number in sorted(model.aliases.items()):
        entry = by_version.get(number)
        if entry is None or entry.model_id is None or entry.line is None:
            continue  # held or waiting: it lands once the version is imported
        name = mlflow_alias.lower()
        problem = _naming_problem(mlflow_alias, name, taken)
        if problem is not None:
            entry.problems.append(Violation("aliases", problem))
            continue
        taken[name] = mlflow_alias
        if dry_run or entry.atlas_version is None:
            entry.aliases.append(name)  # what the import would set
            continue
        _carry(db, model, entry, (entry.line, entry.atlas_version), mlflow_alias, name, policy)


def _naming_problem(mlflow_alias: str, name: str, taken: dict[str, str]) -> str | None:
    problem = alias_problem(name)
    if problem is not None:
        return f"MLflow alias {mlflow_alias[:80]!r} cannot be an Atlas alias: {problem}"
    if name in taken:
        return (
            f"MLflow aliases {taken[name]!r} and {mlflow_alias!r} would both be Atlas alias "
            f"{name}; only {taken[name]!r} was brought over"
        )
    return None


def _carry(
    db: Database,
    model: MlflowModel,
    entry: ImportedVersion,
    version: tuple[str, int],
    mlflow_alias: str,
    name: str,
    policy: GatePolicy,
) -> None:
    """Set alias ``name`` on ``version`` (line, number) unless a person moved it in Atlas."""
    line, number = version
    last = _last_move(db, line, name)
    if last is not None and last.moved_by != IMPORT_ACTOR:
        if last.to_artifact_id == entry.model_id:
            entry.aliases.append(name)
            return
        what = "deleted it" if last.to_artifact_id is None else "moved it"
        entry.problems.append(
            Violation(
                "aliases",
                f"MLflow alias {mlflow_alias!r} left as is: {last.moved_by} {what} in Atlas "
                f"at {last.moved_at}",
            )
        )
        return
    notes = f"MLflow alias {mlflow_alias!r} names version {entry.version} of {model.name}"
    try:
        set_alias(
            db,
            line,
            name,
            to_version=number,
            actor=IMPORT_ACTOR,
            notes=notes,
            policy=policy,
        )
    except PromotionGateError as refused:
        reasons = "; ".join(f"{v.path} {v.message}" for v in refused.violations)
        entry.problems.append(
            Violation("aliases", f"MLflow alias {mlflow_alias!r}: the gate refused it: {reasons}")
        )
        return
    entry.aliases.append(name)


def _last_move(db: Database, line: str, name: str) -> AliasMove | None:
    try:
        return alias_history(db, line, name)[-1]
    except NotFoundError:  # never set on this line
        return None
