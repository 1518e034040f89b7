"""Importing an MLflow Model Registry: each registered model becomes a line, in version order.

Per MLflow model, versions are taken oldest first. Each becomes the next
version of the Atlas line named after the model, through the same
registration path and checks as any registration. A version that fails them
is held (every problem listed), and the versions after it wait for it, so the
line keeps MLflow's order. Supply the missing facts as ``atlas.FIELD`` tags in
MLflow or ``--set`` and import again. The version a ``champion`` or
``production`` alias (or the Production stage) names is promoted through the
gate; a refusal goes to the review queue with the gate's reasons. Every MLflow
alias, those two included, then becomes an alias of the line
(:mod:`.mlflow_aliases`).

Imports are idempotent: an imported version has an id derived from the store,
model and version, so a second import finds it and changes nothing, and a
promotion is attempted only on a candidate with no history and no review item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atlas_registry.catalog import registrar
from atlas_registry.catalog.file_entries import FileEntry
from atlas_registry.catalog.lines import ROOT_ID_OF_N
from atlas_registry.catalog.model_files import list_imported
from atlas_registry.errors import (
    IllegalTransitionError,
    NotFoundError,
    PromotionGateError,
    ValidationError,
    Violation,
)
from atlas_registry.interop.mlflow_aliases import carry_aliases
from atlas_registry.interop.mlflow_mapping import (
    IMPORT_ACTOR,
    line_for,
    model_id_for,
    problems_of,
    registration_for,
    source_file,
)
from atlas_registry.interop.mlflow_source import MlflowModel, read_models, source_key
from atlas_registry.lifecycle import transitions
from atlas_registry.lifecycle.policy import GatePolicy
from atlas_registry.records import ModelRecord
from atlas_registry.review.queue import REVIEW_LOCK, Held, json_or_text, parse_assignments, queue_in
from atlas_registry.schema.validation import MetadataValidator
from atlas_registry.store.db import Database

PROMOTING_ALIASES = ("champion", "production")


@dataclass
class ImportedVersion:
    """What one MLflow version became."""

    model: str
    version: int
    status: str  # imported, would_import, already_imported, held, waiting
    model_id: str | None = None
    line: str | None = None
    atlas_version: int | None = None
    problems: list[Violation] = field(default_factory=list)
    promotion: str | None = None  # promoted, refused, would_attempt, left_as_is
    aliases: list[str] = field(default_factory=list)  # the Atlas aliases naming it

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "status": self.status,
            "model_id": self.model_id,
            "line": self.line,
            "atlas_version": self.atlas_version,
            "problems": [{"path": v.path, "message": v.message} for v in self.problems],
            "promotion": self.promotion,
            "aliases": self.aliases,
        }


@dataclass
class MlflowImport:
    source: str
    dry_run: bool
    versions: list[ImportedVersion] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for v in self.versions if v.status == status)

    def to_dict(self) -> dict[str, Any]:
        statuses = ("imported", "would_import", "already_imported", "held", "waiting")
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "counts": {s: self.count(s) for s in statuses},
            "versions": [v.to_dict() for v in self.versions],
        }


def _existing(db: Database, model_id: str) -> ModelRecord | None:
    try:
        return registrar.get_model(db, model_id)
    except NotFoundError:
        return None


def import_mlflow(
    db: Database,
    uri: str,
    *,
    names: list[str] | None,
    assignments: list[str],
    policy: GatePolicy,
    validator: MetadataValidator,
    dry_run: bool,
) -> MlflowImport:
    """Import every registered model of the MLflow store at ``uri`` (or the named ones)."""
    values = {k: json_or_text(v, k) for k, v in parse_assignments(assignments).items()}
    source = source_key(uri)
    report = MlflowImport(source, dry_run)
    for model in read_models(uri, names):
        entries = _import_versions(db, model, source, values, validator, dry_run)
        _promote(db, model, entries, policy, dry_run)
        carry_aliases(db, model, entries, policy, dry_run)
        report.versions += entries
    return report


def _import_versions(
    db: Database,
    model: MlflowModel,
    source: str,
    values: dict[str, Any],
    validator: MetadataValidator,
    dry_run: bool,
) -> list[ImportedVersion]:
    imported = {
        version.version: _existing(db, model_id_for(source, model.name, version.version))
        for version in model.versions
    }
    # A model imported before keeps its line, whatever name the rule would give it today.
    earlier_lines = [found.line_name for found in imported.values() if found and found.line_name]
    line = earlier_lines[0] if earlier_lines else line_for(model.name)
    entries: list[ImportedVersion] = []
    held_at: int | None = None
    foreign = _foreign_versions(db, line, model, source) if line else []
    for version in model.versions:
        entry = ImportedVersion(model.name, version.version, "held", line=line)
        entries.append(entry)
        found = imported[version.version]
        if found is not None:
            entry.status, entry.model_id = "already_imported", found.id
            entry.atlas_version, entry.line = found.version_number, found.line_name
            continue
        if held_at is not None:
            entry.status = "waiting"
            entry.problems = [Violation("version", f"waits for version {held_at}, held before it")]
            continue
        if line is None:
            entry.problems = [Violation("line", f"{model.name!r} makes no line name")]
        elif foreign:
            entry.problems = [
                Violation(
                    "line",
                    f"the Atlas line {line} already holds {len(foreign)} version(s) that are not "
                    f"versions of MLflow model {model.name!r} in this store (such as "
                    f"{foreign[0]}); rename the model in MLflow so its line is its own",
                )
            ]
        else:
            registration = registration_for(version, source, line, values)
            entry.problems = problems_of(registration, validator)
            if not entry.problems:
                listed = source_file(version.source)
                entry.problems = _register(db, registration, validator, dry_run, entry, listed)
        if entry.problems:
            held_at = version.version
    return entries


# Every version of the line named ``?``, by id.
_LINE_VERSIONS = f"""
SELECT b.id FROM model_lines n JOIN artifacts b
    ON COALESCE(b.lineage_id, b.id) = {ROOT_ID_OF_N}
WHERE n.name = ? ORDER BY b.version_number"""


def _foreign_versions(db: Database, line: str, model: MlflowModel, source: str) -> list[str]:
    """The versions of Atlas line ``line`` that are not imports of ``model`` from ``source``.

    Two MLflow models can make one line name ("AD Risk" and "ad-risk"), and a
    line of that name may have been registered in Atlas itself: importing into
    it would make another model's versions the next versions of that line.
    Imported versions are known by their ids, which only this store, model and
    version number make (numbers up to the highest, so a version deleted in
    MLflow since still counts as its own).
    """
    top = max((v.version for v in model.versions), default=0)
    own = {model_id_for(source, model.name, number) for number in range(1, top + 1)}
    with db.session() as session:
        ids = [row[0] for row in session.rows(_LINE_VERSIONS, (line,))]
    return [artifact_id for artifact_id in ids if artifact_id not in own]


def _register(
    db: Database,
    registration: Any,
    validator: MetadataValidator,
    dry_run: bool,
    entry: ImportedVersion,
    listed: FileEntry | None = None,
) -> list[Violation]:
    """Register one version and list its ``source`` (one transaction); the problems when the
    catalog refuses it."""
    try:
        with db.unit_of_work():
            record = registrar.register_model(
                db, registration, validator=validator, dry_run=dry_run
            )
            if listed is not None and not dry_run:
                actor = record.created_by or "mlflow import"
                list_imported(db, record.id, [listed], origin="mlflow", actor=actor)
    except ValidationError as refused:
        return list(refused.violations)
    entry.status = "would_import" if dry_run else "imported"
    entry.model_id = record.id
    entry.atlas_version = None if dry_run else record.version_number
    return []


def _promoted_version(model: MlflowModel) -> tuple[int, str] | None:
    """The MLflow version the model's champion/production alias, or Production stage, names."""
    for alias in PROMOTING_ALIASES:
        for name, version in model.aliases.items():
            if name.lower() == alias:
                return version, f"MLflow alias {name!r}"
    staged = [v.version for v in model.versions if (v.stage or "").lower() == "production"]
    return (max(staged), "MLflow stage Production") if staged else None


def _promote(
    db: Database,
    model: MlflowModel,
    entries: list[ImportedVersion],
    policy: GatePolicy,
    dry_run: bool,
) -> None:
    chosen = _promoted_version(model)
    if chosen is None:
        return
    number, why = chosen
    entry = next((e for e in entries if e.version == number), None)
    if entry is None or entry.model_id is None:
        return  # held or waiting: it is promoted once it is imported
    if dry_run:
        entry.promotion = "would_attempt"
        return
    if not _untouched(db, entry.model_id):
        entry.promotion = "left_as_is"
        return
    notes = f"{why} names version {number} of {model.name}"
    try:
        transitions.promote(db, entry.model_id, actor=IMPORT_ACTOR, notes=notes, policy=policy)
    except PromotionGateError as refused:
        _refused(db, entry.model_id, why, list(refused.violations))
        entry.promotion, entry.problems = "refused", list(refused.violations)
        return
    except IllegalTransitionError as refused:
        entry.promotion, entry.problems = "refused", [Violation("promotion", refused.message)]
        return
    entry.promotion = "promoted"


_TOUCHED = (
    "SELECT (SELECT count(*) FROM model_promotion_events WHERE artifact_id = ?) "
    "+ (SELECT count(*) FROM model_review_queue WHERE artifact_id = ?), "
    "(SELECT promotion_state FROM model_versions WHERE artifact_id = ?)"
)


def _untouched(db: Database, model_id: str) -> bool:
    """A candidate with no history and no review item: no import or person has acted on it."""
    with db.session() as session:
        row = session.first(_TOUCHED, (model_id, model_id, model_id))
    return row is not None and int(row[0]) == 0 and row[1] == "candidate"


def _refused(db: Database, model_id: str, why: str, problems: list[Violation]) -> None:
    held = [
        Held("promotion", f"{why}: the gate refused it: {v.path} {v.message}", blocking=False)
        for v in problems
    ]
    with db.transaction(write=True) as conn:
        db.lock(conn, REVIEW_LOCK)
        queue_in(conn, model_id, held, {"mlflow_promotion": why}, blocking=False)
