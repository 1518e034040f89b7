"""The backfill: give every legacy model artifact its registry facts, or hold it for review.

It streams model artifacts that have no ``model_versions`` row in id order,
maps each legacy blob with :mod:`atlas_registry.backfill.rules`, validates the
result exactly as a registration, and writes each chunk in one transaction
through the catalog: the adoption, the promotion a legacy model in use earns,
and the review items for what it would not guess. A failure anywhere in a
chunk rolls the whole chunk back, so every artifact ends fully backfilled or
untouched. ``dry_run`` does the same work and rolls it back. Each chunk is
written under the adoption lock and first drops what another backfill (or a
review resolution) finished meanwhile, so two backfills started at once end
in the state one would have left.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select

from atlas_registry.backfill.adoption import build_adoption
from atlas_registry.backfill.rules import LegacyMapping, map_legacy
from atlas_registry.catalog.adoption import LegacyAdoption, adopt_legacy_in
from atlas_registry.catalog.line_naming import name_adopted_lines
from atlas_registry.catalog.lines import lock_lines
from atlas_registry.catalog.queries import inline_count
from atlas_registry.lifecycle import transitions
from atlas_registry.lifecycle.policy import GatePolicy, load_policy
from atlas_registry.review.queue import REVIEW_LOCK, Held, mark_resolved, queue_in
from atlas_registry.schema.validation import MetadataValidator, default_validator
from atlas_registry.store.db import Database, decoded, legacy_text, utc_timestamp
from atlas_registry.store.sql_session import SqlSession, chunked
from atlas_registry.store.tables import artifacts, model_versions

ACTOR = "atlas-registry-backfill"
SETTLED_NOTES = "registered by a later backfill run with nothing held: the reasons went away"
CHUNK_SIZE = 500


@dataclass(frozen=True)
class LegacyArtifact:
    id: str
    title: str
    metadata: str | bytes  # bytes: the stored text is not UTF-8 (SQLite only); it is held


@dataclass(frozen=True)
class Outcome:
    """What happened to one legacy artifact in this run."""

    artifact_id: str
    title: str
    result: str  # backfilled | held | still_held
    promotion_state: str | None
    promoted_by: str | None  # gate | override | None
    held: list[dict[str, Any]]


@dataclass
class BackfillResult:
    scanned: int = 0
    backfilled: int = 0
    promoted: int = 0
    held_blocking: int = 0
    held_for_review: int = 0
    unchanged: int = 0
    dry_run: bool = False
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.backfilled > 0 or self.held_blocking > self.unchanged

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "changed": self.changed}


# Artifacts with no version row yet; of the models among them, the backfill's work.
_UNVERSIONED = (
    select(artifacts.c.id)
    .outerjoin(model_versions, model_versions.c.artifact_id == artifacts.c.id)
    .where(model_versions.c.artifact_id.is_(None))
)
_PENDING = _UNVERSIONED.where(artifacts.c.artifact_type == "model")


def count_pending(db: Database) -> int:
    with db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(_PENDING.subquery())).scalar_one())


# Paging walks the primary key a window at a time, then picks the pending models
# inside the window. Asking for "the next 500 pending models in id order" in one
# query let planners without statistics (PostgreSQL after the legacy rows were
# loaded, or with autovacuum off) collect every pending model past the cursor
# and sort them, per chunk: quadratic in the size of the catalog. The window
# reads whether each row is a model, so the pending models are then looked up by
# primary key alone: given "artifact_type = 'model'" too, SQLite without
# statistics walked every model of the catalog through the type's index for each
# window (17 ms a window at 50,000 models, a tenth of a 100,000-artifact
# backfill). The database answers "is a model", as it does for count_pending: a
# catalog adopted by ``migrate baseline`` may compare its types loosely (a
# NOCASE collation, a blank-padded CHAR column), and a comparison in Python
# would skip the models it spells otherwise.
_WITH_FACTS = select(model_versions.c.artifact_id).where(
    model_versions.c.artifact_id.in_(bindparam("ids", expanding=True))
)


def _with_facts(conn: Connection, ids: list[str]) -> set[str]:
    return set(conn.execute(_WITH_FACTS, {"ids": ids}).scalars()) if ids else set()


_WINDOW = (
    select(artifacts.c.id, (artifacts.c.artifact_type == "model").label("is_model"))
    .where(artifacts.c.id > bindparam("after"))
    .order_by(artifacts.c.id)
)


@functools.cache
def _pending_in(dialect: str) -> Select[Any]:
    """Which of some models have no version row yet, with their legacy text as the dialect
    can read it."""
    return (
        _UNVERSIONED.add_columns(artifacts.c.title, legacy_text(dialect, artifacts.c.metadata))
        .where(artifacts.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(artifacts.c.id)
    )


def _chunks(db: Database, size: int) -> Iterator[list[LegacyArtifact]]:
    """Pending artifacts in id order, at most ``size`` at a time; memory stays flat."""
    after = ""
    while True:
        with db.transaction() as conn:
            query = _WINDOW.limit(inline_count(value=size))
            window = conn.execute(query, {"after": after}).all()
            if not window:
                return
            models = [row.id for row in window if row.is_model]
            rows = conn.execute(_pending_in(db.dialect), {"ids": models}).all() if models else []
        if rows:
            yield [LegacyArtifact(r.id, r.title, decoded(r.metadata) or "") for r in rows]
        after = window[-1].id


def _proposal(mapping: LegacyMapping) -> dict[str, Any]:
    return {"metadata": mapping.metadata, "facts": mapping.facts, "trace": mapping.trace()}


def _promotion_notes(legacy_status: str | None, unmet: list[Any], by: str) -> str:
    status = f"legacy status {legacy_status!r}"
    if not unmet:
        return f"{by}: model in use before the registry ({status}); evaluation gate met"
    reasons = "; ".join(str(v) for v in unmet)
    return (
        f"{by} override: model in use before the registry ({status}), promoted so its users "
        f"keep a promoted version; gate not met at {by}: {reasons}"
    )


@dataclass(frozen=True)
class InUsePromotion:
    """What became of a legacy model that was in use: promoted, or left a candidate."""

    legacy_status: str | None
    promoted_by: str | None  # gate | override; None when a newer version is promoted
    newer: tuple[str, int] | None = None  # that version's id and number

    def left_as_candidate(self) -> Held:
        """The review note of a model not promoted because its line has moved on."""
        newer_id, number = self.newer or ("", 0)
        return Held(
            "promotion_state",
            f"in use before the registry (legacy status {self.legacy_status!r}), but version "
            f"{number} of its line ({newer_id}) is newer and promoted; left a candidate",
            blocking=False,
        )


def promote_in_use(
    db: Database,
    conn: Connection,
    artifact_id: str,
    legacy_status: str | None,
    policy: GatePolicy,
    *,
    actor: str = ACTOR,
    by: str = "backfill",
) -> InUsePromotion:
    """Promote a legacy model that was in use: through the gate, or by a recorded override.

    The backfill calls it for what it adopts, and ``review resolve`` for a held
    model it completes, so an in-use model ends promoted whichever way it came.
    A legacy status is often stale: a version the platform replaced may still
    say ``production``. So a model whose line already has a newer promoted
    version is left a candidate rather than promoted over it. The caller holds
    the model's line lock.
    """
    session = SqlSession.of(conn)
    newer = session.first(_NEWER_PROMOTED, (artifact_id,))
    if newer is not None:
        return InUsePromotion(legacy_status, None, (newer[0], newer[1]))
    gated = transitions.gate_in(db, session, artifact_id, policy)
    transitions.promote_checked_in(
        session,
        gated,
        actor=actor,
        notes=_promotion_notes(legacy_status, gated.unmet, by),
        overridden=bool(gated.unmet),
    )
    return InUsePromotion(legacy_status, "override" if gated.unmet else "gate")


# The promoted version of a model's line, when it is newer than the model.
_NEWER_PROMOTED = """
SELECT p.id, p.version_number FROM artifacts a
JOIN artifacts p ON COALESCE(p.lineage_id, p.id) = COALESCE(a.lineage_id, a.id)
JOIN model_versions v ON v.artifact_id = p.id AND v.promotion_state = 'promoted'
WHERE a.id = ? AND p.version_number > a.version_number"""


def newest_first(conn: Connection, artifact_ids: Sequence[str]) -> list[str]:
    """``artifact_ids`` by version number, highest first (then by id)."""
    numbers = {
        row.id: row.version_number
        for chunk in chunked(artifact_ids)
        for row in conn.execute(
            select(artifacts.c.id, artifacts.c.version_number).where(artifacts.c.id.in_(chunk))
        )
    }
    return sorted(artifact_ids, key=lambda i: (-numbers.get(i, 0), i))


class _Chunk:
    """One chunk's mappings, adoptions and holds, written in one transaction."""

    def __init__(self, items: Sequence[LegacyArtifact], validator: MetadataValidator) -> None:
        self.items = {item.id: item for item in items}
        self.mappings = {item.id: map_legacy(item.metadata, validator) for item in items}
        self.adoptions: list[LegacyAdoption] = []
        self.holds: dict[str, list[Held]] = {}
        for item in items:
            mapping = self.mappings[item.id]
            held = list(mapping.held)
            if not mapping.blocking:
                assert isinstance(item.metadata, str)  # text that is not UTF-8 is held
                adoption, problems = build_adoption(
                    item.id,
                    item.title,
                    item.metadata,
                    _proposal(mapping),
                    validator,
                    optional_facts=True,
                )
                if adoption:
                    self.adoptions.append(adoption)
                blocks = adoption is None  # else only the optional code pin was refused
                held += [Held(v.path, v.message, blocking=blocks) for v in problems]
            self.holds[item.id] = held

    def keep_pending(self, conn: Connection) -> None:
        """Drop the artifacts another backfill gave their facts since this chunk was read."""
        done = _with_facts(conn, list(self.items))
        if done:
            self.items = {i: item for i, item in self.items.items() if i not in done}
            self.adoptions = [a for a in self.adoptions if a.prepared.artifact_id not in done]

    def write(
        self, db: Database, conn: Connection, policy: GatePolicy, result: BackfillResult
    ) -> None:
        refused = adopt_legacy_in(conn, self.adoptions)
        for artifact_id, problems in refused.items():
            self.holds[artifact_id] += [Held(v.path, v.message, blocking=True) for v in problems]
        adopted = {a.prepared.artifact_id for a in self.adoptions} - set(refused)
        titles = {i: self.items[i].title for i in adopted}
        for artifact_id, reason in name_adopted_lines(db, conn, titles, utc_timestamp()).items():
            self.holds[artifact_id].append(Held("line", reason, blocking=False))
        promoted = self._promote_in_use(db, conn, adopted, policy)
        # A blocking item's reasons can go away at the source (the catalog row or its
        # legacy text corrected, the vocabulary taught a word): left open, it would
        # still say the model cannot be registered after it was.
        settled = sorted(i for i in adopted if not self.holds[i])
        mark_resolved(conn, settled, ACTOR, SETTLED_NOTES)
        for artifact_id, item in self.items.items():
            self._record(conn, item, artifact_id in adopted, promoted.get(artifact_id), result)

    def _promote_in_use(
        self, db: Database, conn: Connection, adopted: set[str], policy: GatePolicy
    ) -> dict[str, str]:
        """Promote the adopted models that were in use; id -> by whom (gate or override).

        Their lines are locked first, in one sorted pass like every writer's, or
        a batch writing to two of them could hold one while the chunk holds the
        other (a deadlock). Within a line the newest version goes first, so an
        older one in use as well does not supersede it (see :func:`promote_in_use`).
        """
        session = SqlSession.of(conn)
        in_use = [i for i in self.items if i in adopted and self.mappings[i].in_use]
        lock_lines(db, session, in_use)
        promoted = {}
        for artifact_id in newest_first(conn, in_use):
            mapping = self.mappings[artifact_id]
            outcome = promote_in_use(db, conn, artifact_id, mapping.legacy_status, policy)
            if outcome.promoted_by:
                promoted[artifact_id] = outcome.promoted_by
            else:
                self.holds[artifact_id].append(outcome.left_as_candidate())
        return promoted

    def _record(
        self,
        conn: Connection,
        item: LegacyArtifact,
        adopted: bool,
        promoted_by: str | None,
        result: BackfillResult,
    ) -> None:
        mapping, held = self.mappings[item.id], self.holds[item.id]
        blocking = any(h.blocking for h in held)
        changed_queue = bool(held) and queue_in(
            conn, item.id, held, _proposal(mapping), blocking=blocking
        )
        if adopted:
            result.backfilled += 1
            result.held_for_review += bool(held)
            result.promoted += bool(promoted_by)
            state = "promoted" if promoted_by else "candidate"  # every adoption starts a candidate
            outcome = "backfilled"
        else:
            result.held_blocking += 1
            result.unchanged += not changed_queue
            state, outcome = None, "held" if changed_queue else "still_held"
        reasons = [{"field": h.field, "reason": h.reason, "blocking": h.blocking} for h in held]
        result.outcomes.append(Outcome(item.id, item.title, outcome, state, promoted_by, reasons))


STATISTICS_TABLES = ("model_versions", "model_metrics", "model_legacy_metadata")


def backfill(
    db: Database,
    *,
    dry_run: bool = False,
    policy: GatePolicy | None = None,
    validator: MetadataValidator | None = None,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
    keep_outcomes: bool = True,
) -> BackfillResult:
    """Backfill every model artifact that has no registry facts yet; see the module docstring."""
    policy = policy or load_policy()
    validator = validator or default_validator()
    result = BackfillResult(dry_run=dry_run)
    adopted_since_statistics = 0
    for items in _chunks(db, chunk_size):
        chunk = _Chunk(items, validator)
        before = result.backfilled
        with db.transaction(write=True, commit=not dry_run) as conn:
            db.lock(conn, REVIEW_LOCK)
            chunk.keep_pending(conn)
            chunk.write(db, conn, policy, result)
        result.scanned += len(chunk.items)
        if not dry_run:
            # The planner must see the fact tables grow, or later chunks' plans degrade.
            adopted_since_statistics += result.backfilled - before
            if db.refresh_statistics(STATISTICS_TABLES, grown_by=adopted_since_statistics):
                adopted_since_statistics = 0
        if not keep_outcomes:
            result.outcomes.clear()
        if on_chunk:
            on_chunk(len(items))
    return result
