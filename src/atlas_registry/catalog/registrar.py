"""Registering models (its reads live in catalog/queries.py and catalog/model_listing.py).

``register_model`` and ``register_models`` validate everything that needs no
database first, then write each model's ``artifacts`` row and its facts
(:mod:`atlas_registry.catalog.facts`) in one transaction, after checking under a
lock what only the database can tell (do referenced artifacts exist, which
id a base model's reference names, which version number comes next: those
checks are :mod:`atlas_registry.catalog.references`). Legacy artifacts that
already have their ``artifacts`` row are adopted by
:mod:`atlas_registry.catalog.adoption`, which shares the reference checks and
the facts writer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.evaluations import EVALUATION_TABLES
from atlas_registry.catalog.facts import write_model_facts
from atlas_registry.catalog.leaderboards import LeaderboardEntry, leaderboard
from atlas_registry.catalog.lines import (
    join_lines,
    lock_lines_of,
    name_new_lines,
    names_to_create,
    refuse_id_names,
)
from atlas_registry.catalog.model_listing import list_models
from atlas_registry.catalog.prepare import PreparedModel, ReportedEvaluation, prepare
from atlas_registry.catalog.queries import fetch_model, get_model, record_from_rows
from atlas_registry.catalog.references import (
    Known,
    KnownLookup,
    check_references,
    latest_versions,
    refuse_existing,
    resolve_base_models,
)
from atlas_registry.errors import ValidationError, under
from atlas_registry.records import ModelRecord, ModelRegistration
from atlas_registry.schema.validation import MetadataValidator, default_validator
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import NewEvent, record_events
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import COPY_FROM_ROWS, SqlSession, marks
from atlas_registry.store.tables import artifacts, model_dataset_uses, model_metrics, model_versions


def register_model(
    db: Database,
    registration: ModelRegistration,
    *,
    validator: MetadataValidator | None = None,
    dry_run: bool = False,
    actor: str | None = None,
    evaluations: Sequence[ReportedEvaluation] = (),
    also: Callable[[SqlSession, str], None] | None = None,
) -> ModelRecord:
    """Register one model version; returns it as stored. Bad input writes nothing.

    ``dry_run`` does every check, the database's included, writes the rows,
    then rolls them back: the record returned is what would have been stored.
    ``actor``: who is known to register it (see :func:`attributed`).
    ``evaluations``: results the version is registered with beside its own
    metrics (a model card's other results), written in the same transaction;
    ``also(session, id)``: more writes about the new version (a card's tags), there too.
    """
    prepared = _prepare_all([registration], validator, batch=False, actor=actor)
    if evaluations:
        prepared = [dataclasses.replace(prepared[0], evaluations=tuple(evaluations))]
    with db.session(write=True, commit=not dry_run) as session:
        written = write_prepared(db, session, prepared, batch=False)
        if also is not None:
            also(session, prepared[0].artifact_id)
    return record_from_rows(written.artifact_rows[0], written.version_rows[0], written.line_name(0))


def register_models(
    db: Database,
    registrations: Iterable[ModelRegistration],
    *,
    validator: MetadataValidator | None = None,
    actor: str | None = None,
) -> list[str]:
    """Register many model versions in one transaction: all of them, or none.

    Everything is validated before the transaction opens; a later item may name
    an earlier one as its parent or base model, or the same line. Returns the
    ids in input order. A batch large enough to change the planner's picture of
    the tables is followed by fresh planner statistics (:meth:`Database.refresh_statistics`).
    """
    prepared = _prepare_all(list(registrations), validator, batch=True, actor=actor)
    with db.session(write=True, bulk=len(prepared) >= COPY_FROM_ROWS) as session:
        write_prepared(db, session, prepared, batch=True)
    db.refresh_statistics(_WRITTEN_TABLES, grown_by=len(prepared))
    return [p.artifact_id for p in prepared]


def _prepare_all(
    registrations: Sequence[ModelRegistration],
    validator: MetadataValidator | None,
    *,
    batch: bool,
    actor: str | None,
) -> list[PreparedModel]:
    validator = validator or default_validator()
    prepared, problems = [], []
    for index, registration in enumerate(registrations):
        item, item_problems = prepare(registration, validator)
        if item is not None:
            prepared.append(attributed(item, actor))
        problems += [under(f"[{index}]", v) for v in item_problems] if batch else item_problems
    if problems:
        what = f"{len(registrations)} registrations" if batch else "the registration"
        raise ValidationError(f"{what} could not be accepted", problems)
    return prepared


def attributed(item: PreparedModel, actor: str | None) -> PreparedModel:
    """``item`` with ``created_by`` the ``actor`` who is known to register it, if one is.

    A registration's own ``created_by`` is what its sender says. Where the
    registry knows who sends it (a token's name over HTTP), that name is the
    author, and a different ``created_by`` in the document is kept apart as
    ``claimed_by``: recorded, never taken for the author. Without an ``actor``
    (the command line, the library) the document's word stands, as before.
    """
    if actor is not None:
        claimed = item.artifact_row["created_by"]
        item.artifact_row["created_by"] = actor
        item.version_row["claimed_by"] = None if claimed in (None, actor) else claimed
    return item


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
    db: Database, session: SqlSession, prepared: Sequence[PreparedModel], *, batch: bool
) -> Written:
    """Check references and write rows for already-validated models, in ``session``.

    The statements are the fewest a checked registration needs: the locks of
    the lines it writes to (:func:`lock_lines_of`), then one read of every
    artifact the batch names or whose line it names (with each one's line: its
    newest version number and name), then the inserts. On PostgreSQL the locks
    and the reads go out together, the reads after the locks, so what they say
    of a locked line is current: one round trip, and one more for the writes
    and the COMMIT.
    """
    named = lock_lines_of(db, session, prepared)
    lookup = KnownLookup.send(session, prepared)
    existing = named.lines()
    known = lookup.read() | latest_versions(existing)
    resolved, unresolved = resolve_base_models(session, prepared, known)
    if any(p is not q for p, q in zip(prepared, resolved, strict=True)):
        known |= KnownLookup.send(session, resolved).read()  # the ids the references named
    prepared = resolved
    prepared = join_lines(prepared, {n.name: n.latest_id for n in existing if n.latest_id})
    existing_names = {line.name: line.root for line in existing}
    refuse_existing(prepared, known)
    check_references(prepared, known, batch, unresolved)
    lines = {k.root: (k.top_version, k.line_name) for k in known.values()}
    artifact_rows, moved_roots = _number_versions(prepared, known, lines)
    roots_of = {row["id"]: row["lineage_id"] or row["id"] for row in artifact_rows}
    existing_roots = {k.root: k.line_name for k in known.values() if k.line_name}
    new_names = names_to_create(prepared, roots_of, existing_names, existing_roots)
    refuse_id_names(prepared, new_names, existing, known, batch=batch)
    now = utc_timestamp()
    if moved_roots:
        ordered = sorted(moved_roots)
        session.run(_DEMOTE.format(marks=marks(len(ordered))), [now, *ordered])
    for row in artifact_rows:
        row["created_at"] = row["updated_at"] = now
    session.insert(artifacts.name, artifact_rows)
    version_rows = write_model_facts(session, prepared, now, new_models=True)
    record_events(session, [_registered(row, roots_of[row["id"]]) for row in artifact_rows])
    name_new_lines(session, new_names, artifact_rows, roots_of, now)
    named_roots = {root: name for root in moved_roots if (name := lines[root][1])}
    named_roots.update({root: name for name, root in new_names.items()})
    return Written(artifact_rows, version_rows, named_roots)


def _registered(row: dict[str, Any], root: str) -> NewEvent:
    """The event of one registered version (its line is known: no lookup in the insert)."""
    version = {"version": row["version_number"]}
    return NewEvent(EventType.MODEL_REGISTERED, row["created_by"], row["id"], version, root)


_DEMOTE = """
UPDATE artifacts SET is_latest = 0, updated_at = ?
WHERE COALESCE(lineage_id, id) IN ({marks}) AND is_latest = 1"""
_WRITTEN_TABLES = (
    artifacts.name,
    model_versions.name,
    model_metrics.name,
    model_dataset_uses.name,
    *EVALUATION_TABLES,
)


def _number_versions(
    prepared: Sequence[PreparedModel],
    known: dict[str, Known],
    lines: dict[str, tuple[int, str | None]],
) -> tuple[list[dict[str, Any]], set[str]]:
    """Give each model's artifact row its lineage, version number and latest flag."""
    roots_of: dict[str, str] = {k: found.root for k, found in known.items()}
    existing_roots = {
        roots_of[p.parent_version_id] for p in prepared if p.parent_version_id in roots_of
    }
    next_number = {root: lines[root][0] + 1 for root in existing_roots}
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


__all__ = [
    "LeaderboardEntry",
    "fetch_model",
    "get_model",
    "leaderboard",
    "list_models",
    "register_model",
    "register_models",
]
