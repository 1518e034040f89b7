"""Registering models (its queries live in catalog_queries).

``register_model`` and ``register_models`` validate everything that needs no
database first, then write each model's ``artifacts`` row and its facts
(:mod:`atlas_registry.model_facts`) in one transaction, after checking under a
lock what only the database can tell (do referenced artifacts exist, which
version number comes next). Legacy artifacts that already have their
``artifacts`` row are adopted by :mod:`atlas_registry.catalog_adoption`, which
shares the reference checks here and the facts writer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update

from atlas_registry.catalog_boards import LeaderboardEntry, leaderboard
from atlas_registry.catalog_queries import (
    ROOT,
    fetch_model,
    get_model,
    lineage,
    list_models,
    record_from_rows,
)
from atlas_registry.db import Database, insert_many, utc_timestamp
from atlas_registry.errors import AlreadyExistsError, ValidationError, Violation
from atlas_registry.lines import join_lines, line_lock, line_names, name_lines_in, names_to_create
from atlas_registry.model_facts import write_model_facts
from atlas_registry.records import ModelRecord, ModelRegistration
from atlas_registry.registration_checks import PreparedModel, prepare, under
from atlas_registry.tables import artifacts
from atlas_registry.validation import MetadataValidator, default_validator

LOOKUP_CHUNK = 500


def register_model(
    db: Database,
    registration: ModelRegistration,
    *,
    validator: MetadataValidator | None = None,
    dry_run: bool = False,
) -> ModelRecord:
    """Register one model version; returns it as stored. Bad input writes nothing.

    ``dry_run`` does every check, the database's included, writes the rows,
    then rolls them back: the record returned is what would have been stored.
    """
    prepared = _prepare_all([registration], validator, batch=False)
    with db.transaction(write=True, commit=not dry_run) as conn:
        written = write_prepared(db, conn, prepared, batch=False)
    return record_from_rows(written.artifact_rows[0], written.version_rows[0], written.line_name(0))


def register_models(
    db: Database,
    registrations: Iterable[ModelRegistration],
    *,
    validator: MetadataValidator | None = None,
) -> list[str]:
    """Register many model versions in one transaction: all of them, or none.

    Everything is validated before the transaction opens; a later item may name
    an earlier one as its parent or base model, or the same line. Returns the
    ids in input order.
    """
    prepared = _prepare_all(list(registrations), validator, batch=True)
    with db.transaction(write=True) as conn:
        write_prepared(db, conn, prepared, batch=True)
    return [p.artifact_id for p in prepared]


def _prepare_all(
    registrations: Sequence[ModelRegistration], validator: MetadataValidator | None, *, batch: bool
) -> list[PreparedModel]:
    validator = validator or default_validator()
    prepared, problems = [], []
    for index, registration in enumerate(registrations):
        item, item_problems = prepare(registration, validator)
        if item is not None:
            prepared.append(item)
        problems += [under(f"[{index}]", v) for v in item_problems] if batch else item_problems
    if problems:
        what = f"{len(registrations)} registrations" if batch else "the registration"
        raise ValidationError(f"{what} could not be accepted", problems)
    return prepared


@dataclass(frozen=True)
class Written:
    """The rows a registration wrote, and the name of each row's line (if it has one)."""

    artifact_rows: list[dict[str, Any]]
    version_rows: list[dict[str, Any]]
    names_by_root: dict[str, str]

    def line_name(self, index: int) -> str | None:
        row = self.artifact_rows[index]
        return self.names_by_root.get(row["lineage_id"] or row["id"])


def write_prepared(
    db: Database, conn: Connection, prepared: Sequence[PreparedModel], *, batch: bool
) -> Written:
    """Check references and write rows for already-validated models, inside ``conn``."""
    prepared = join_lines(db, conn, prepared)
    known = known_artifacts(conn, prepared)
    _refuse_existing(prepared, known)
    for root in sorted(
        {known[p.parent_version_id][1] for p in prepared if p.parent_version_id in known}
    ):
        db.lock(conn, line_lock(root))
    _check_references(prepared, known, batch)
    artifact_rows, moved_roots = _number_versions(conn, prepared, known)
    roots_of = {row["id"]: row["lineage_id"] or row["id"] for row in artifact_rows}
    new_names = names_to_create(conn, prepared, roots_of)
    now = utc_timestamp()
    if moved_roots:
        conn.execute(_DEMOTE, {"roots": sorted(moved_roots), "now": now})
    for row in artifact_rows:
        row["created_at"] = row["updated_at"] = now
    insert_many(conn, artifacts, artifact_rows)
    version_rows = write_model_facts(conn, prepared, now)
    name_lines_in(conn, new_names, now)
    named = line_names(conn, sorted(moved_roots)) if moved_roots else {}
    named.update({root: name for name, root in new_names.items()})
    return Written(artifact_rows, version_rows, named)


# Statements built once: composing a select costs more than running it on SQLite.
_KNOWN = select(artifacts.c.id, artifacts.c.artifact_type, ROOT.label("root")).where(
    artifacts.c.id.in_(bindparam("ids", expanding=True))
)


_TOP_NUMBERS = (
    select(ROOT.label("root"), func.max(artifacts.c.version_number).label("top"))
    .where(ROOT.in_(bindparam("roots", expanding=True)))
    .group_by(ROOT)
)
_DEMOTE = (
    update(artifacts)
    .where(and_(ROOT.in_(bindparam("roots", expanding=True)), artifacts.c.is_latest == 1))
    .values(is_latest=0, updated_at=bindparam("now"))
)


def known_artifacts(
    conn: Connection, prepared: Sequence[PreparedModel]
) -> dict[str, tuple[str, str]]:
    """id -> (artifact_type, lineage root) for every id the batch names or creates."""
    wanted = {p.artifact_id for p in prepared}
    wanted |= {p.parent_version_id for p in prepared if p.parent_version_id}
    wanted |= {ref for p in prepared for ref, _type in p.references.values()}
    ordered = sorted(wanted)
    known: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        rows = conn.execute(_KNOWN, {"ids": chunk})
        known.update({row.id: (row.artifact_type, row.root) for row in rows})
    return known


def _refuse_existing(prepared: Sequence[PreparedModel], known: dict[str, tuple[str, str]]) -> None:
    counts = Counter(p.artifact_id for p in prepared)
    taken = sorted({i for i in counts if i in known} | {i for i, n in counts.items() if n > 1})
    if taken:
        raise AlreadyExistsError(
            f"artifact id{'s' if len(taken) > 1 else ''} already in use: {', '.join(taken)}; "
            "register a new version with parent_version_id instead"
        )


def reference_problems(
    prepared: Sequence[PreparedModel], known: dict[str, tuple[str, str]]
) -> dict[int, list[Violation]]:
    """Per item, every reference to an artifact that is missing or of the wrong type.

    Items may refer to earlier items of the same batch.
    """
    available = dict(known)
    problems: dict[int, list[Violation]] = {}
    for index, item in enumerate(prepared):
        checks = dict(item.references)
        if item.parent_version_id:
            checks["parent_version_id"] = (item.parent_version_id, "model")
        for path, (ref, required) in checks.items():
            found = available.get(ref)
            if found is None:
                reason = f"refers to {ref}, which is not in the catalog"
            elif found[0] != required:
                reason = f"refers to {ref}, a {found[0]} artifact, not a {required}"
            else:
                continue
            problems.setdefault(index, []).append(Violation(path, reason))
        parent_root = available.get(item.parent_version_id or "", (None, item.artifact_id))[1]
        available.setdefault(item.artifact_id, ("model", parent_root))
    return problems


def _check_references(
    prepared: Sequence[PreparedModel], known: dict[str, tuple[str, str]], batch: bool
) -> None:
    found = reference_problems(prepared, known)
    if found:
        listed = [
            under(f"[{index}]", v) if batch else v
            for index, items in sorted(found.items())
            for v in items
        ]
        raise ValidationError("the registration refers to artifacts it cannot use", listed)


def _number_versions(
    conn: Connection, prepared: Sequence[PreparedModel], known: dict[str, tuple[str, str]]
) -> tuple[list[dict[str, Any]], set[str]]:
    """Give each model's artifact row its lineage, version number and latest flag."""
    roots_of: dict[str, str] = {k: root for k, (_type, root) in known.items()}
    existing_roots = {
        roots_of[p.parent_version_id] for p in prepared if p.parent_version_id in roots_of
    }
    next_number = _next_version_numbers(conn, existing_roots)
    artifact_rows, last_of_root = [], {}
    for item in prepared:
        root = roots_of[item.parent_version_id] if item.parent_version_id else item.artifact_id
        roots_of[item.artifact_id] = root
        number = next_number.get(root, 1)
        next_number[root] = number + 1
        row = dict(item.artifact_row)
        row.update(version_number=number, lineage_id=None if root == item.artifact_id else root)
        artifact_rows.append(row)
        last_of_root[root] = len(artifact_rows) - 1
    latest = set(last_of_root.values())
    for index, row in enumerate(artifact_rows):
        row["is_latest"] = int(index in latest)
    return artifact_rows, existing_roots


def _next_version_numbers(conn: Connection, roots: set[str]) -> dict[str, int]:
    if not roots:
        return {}
    return {row.root: row.top + 1 for row in conn.execute(_TOP_NUMBERS, {"roots": sorted(roots)})}


__all__ = [
    "LeaderboardEntry",
    "fetch_model",
    "get_model",
    "leaderboard",
    "lineage",
    "list_models",
    "register_model",
    "register_models",
]
