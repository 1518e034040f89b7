"""Registering models (its reads live in catalog/queries.py and catalog/model_listing.py).

``register_model`` and ``register_models`` validate everything that needs no
database first, then write each model's ``artifacts`` row and its facts
(:mod:`atlas_registry.catalog.facts`) in one transaction, after checking under a
lock what only the database can tell (do referenced artifacts exist, which
id a base model's reference names, which version number comes next). Legacy
artifacts that already have their ``artifacts`` row are adopted by
:mod:`atlas_registry.catalog.adoption`, which shares the reference checks here
and the facts writer.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from atlas_registry.catalog.evaluations import EVALUATION_TABLES
from atlas_registry.catalog.facts import write_model_facts
from atlas_registry.catalog.leaderboards import LeaderboardEntry, leaderboard
from atlas_registry.catalog.lines import (
    NamedLine,
    join_lines,
    lock_lines_of,
    name_new_lines,
    names_to_create,
    refuse_id_names,
)
from atlas_registry.catalog.model_listing import list_models
from atlas_registry.catalog.prepare import PreparedModel, ReportedEvaluation, prepare
from atlas_registry.catalog.queries import fetch_model, get_model, record_from_rows
from atlas_registry.catalog.refs import resolve_model_ref
from atlas_registry.documents import dump_json
from atlas_registry.errors import (
    AlreadyExistsError,
    AmbiguousReferenceError,
    NotFoundError,
    ValidationError,
    Violation,
    under,
)
from atlas_registry.records import ModelRecord, ModelRegistration
from atlas_registry.schema.validation import MetadataValidator, default_validator
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import NewEvent, record_events
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import COPY_FROM_ROWS, Pending, SqlSession, chunked, marks
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


class Known(NamedTuple):
    """An artifact a registration names, and the line it belongs to as last read."""

    artifact_type: str
    root: str
    top_version: int
    line_name: str | None


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
    known = lookup.read() | _latest_versions(existing)
    resolved, unresolved = resolve_base_models(session, prepared, known)
    if any(p is not q for p, q in zip(prepared, resolved, strict=True)):
        known |= KnownLookup.send(session, resolved).read()  # the ids the references named
    prepared = resolved
    prepared = join_lines(prepared, {n.name: n.latest_id for n in existing if n.latest_id})
    existing_names = {line.name: line.root for line in existing}
    _refuse_existing(prepared, known)
    _check_references(prepared, known, batch, unresolved)
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


# Each named artifact with its line: the line's top version number (from the end of
# ux_artifacts_lineage_version) and its name; one round trip for what took three.
_KNOWN = """
SELECT a.id, a.artifact_type, COALESCE(a.lineage_id, a.id),
    (SELECT max(b.version_number) FROM artifacts b
     WHERE COALESCE(b.lineage_id, b.id) = COALESCE(a.lineage_id, a.id)),
    (SELECT l.name FROM model_lines l WHERE l.root_id = COALESCE(a.lineage_id, a.id))
FROM artifacts a WHERE a.id {matches}"""
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


@dataclass(frozen=True)
class KnownLookup:
    """The reads of the artifacts a batch names, sent at once and read when needed."""

    pending: list[Pending]

    @classmethod
    def send(cls, session: SqlSession, prepared: Sequence[PreparedModel]) -> KnownLookup:
        """Send the reads of every id the batch names or creates, a chunk at a time."""
        wanted = {p.artifact_id for p in prepared}
        wanted |= {p.line for p in prepared if p.line}  # a new line's name must not be an id
        wanted |= {p.parent_version_id for p in prepared if p.parent_version_id}
        wanted |= {ref for p in prepared for ref, _type in p.references.values()}
        if session.dialect == "postgresql":  # one array, not thousands of marks to convert
            return cls([session.later(_KNOWN.format(matches="= ANY(?)"), [sorted(wanted)])])
        return cls(
            [
                session.later(_KNOWN.format(matches=f"IN ({marks(len(c))})"), c)
                for c in chunked(sorted(wanted))
            ]
        )

    def read(self) -> dict[str, Known]:
        """id -> what is known of it, for every id sent that exists."""
        return {
            row[0]: Known(row[1], row[2], row[3], row[4])
            for pending in self.pending
            for row in pending.rows()
        }


def _latest_versions(lines: Sequence[NamedLine]) -> dict[str, Known]:
    """The latest version of each named line, as known: a registration naming it follows it."""
    return {
        line.latest_id: Known(line.latest_type, line.root, line.top_version or 0, line.name)
        for line in lines
        if line.latest_id is not None and line.latest_type is not None
    }


def known_artifacts(session: SqlSession, prepared: Sequence[PreparedModel]) -> dict[str, Known]:
    """id -> what is known of it, for every id the batch names or creates that exists."""
    return KnownLookup.send(session, prepared).read()


def _refuse_existing(prepared: Sequence[PreparedModel], known: Mapping[str, Known]) -> None:
    counts = Counter(p.artifact_id for p in prepared)
    taken = sorted({i for i in counts if i in known} | {i for i, n in counts.items() if n > 1})
    if taken:
        raise AlreadyExistsError(
            f"artifact id{'s' if len(taken) > 1 else ''} already in use: {', '.join(taken)}; "
            "register a new version with parent_version_id instead"
        )


def reference_problems(
    prepared: Sequence[PreparedModel], known: Mapping[str, Known]
) -> dict[int, list[Violation]]:
    """Per item, every reference to an artifact that is missing or of the wrong type.

    Items may refer to earlier items of the same batch.
    """
    available: dict[str, tuple[str, str]] = {k: (v.artifact_type, v.root) for k, v in known.items()}
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
    prepared: Sequence[PreparedModel],
    known: Mapping[str, Known],
    batch: bool,
    unresolved: Mapping[int, Violation],
) -> None:
    found = reference_problems(prepared, known)
    for index, problem in unresolved.items():  # said better than "not in the catalog"
        others = [v for v in found.get(index, []) if v.path != problem.path]
        found[index] = [problem, *others]
    if found:
        listed = [
            under(f"[{index}]", v) if batch else v
            for index, items in sorted(found.items())
            for v in items
        ]
        raise ValidationError("the registration refers to artifacts it cannot use", listed)


_BASE_MODEL = "metadata.base_model_id"


def resolve_base_models(
    session: SqlSession, prepared: Sequence[PreparedModel], known: Mapping[str, Known]
) -> tuple[list[PreparedModel], dict[int, Violation]]:
    """Each base model named by a model reference that is not an id (a line name,
    ``NAME@N``, a short id, an id prefix), as the id it names; and why the others name none.

    Resolved inside the write transaction, so the id stored is the one the
    reference names as the registration is written, in model_versions and in the
    metadata alike; the reference itself is not kept. An id, or an earlier item of
    the batch, stays as given. Per item index, a reference that names no model or
    several gets the resolver's own explanation (lines spelt alike, the candidates).
    """
    items: list[PreparedModel] = []
    problems: dict[int, Violation] = {}
    written: set[str] = set()
    for index, item in enumerate(prepared):
        ref = item.references.get(_BASE_MODEL, (None, "model"))[0]
        if ref is not None and ref not in known and ref not in written:
            try:
                item = _with_base_model(item, resolve_model_ref(session, ref))
            except (NotFoundError, AmbiguousReferenceError) as error:
                problems[index] = Violation(_BASE_MODEL, error.message)
        written.add(item.artifact_id)
        items.append(item)
    return items, problems


def _with_base_model(item: PreparedModel, model_id: str) -> PreparedModel:
    """``item`` with its base model named by ``model_id``, in every row that holds it."""
    metadata = json.loads(item.artifact_row["metadata"])
    metadata["base_model_id"] = model_id
    return dataclasses.replace(
        item,
        references={**item.references, _BASE_MODEL: (model_id, "model")},
        artifact_row={**item.artifact_row, "metadata": dump_json(metadata)},
        version_row={**item.version_row, "base_model_id": model_id},
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
