"""The human-review queue: facts an importer would not guess, held for a person.

The backfill, ``pins suggest``, the card and MLflow imports and the schema
upgrade all hold facts here; :mod:`.resolution` finishes an item.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from atlas_registry.documents import dump_json, parse_json
from atlas_registry.errors import InputError, NotFoundError, ValidationError, Violation
from atlas_registry.store.db import Database, decoded, legacy_text, utc_timestamp
from atlas_registry.store.events.record import NewEvent, record_event, record_events, short
from atlas_registry.store.events.types import EventType
from atlas_registry.store.paging import MAX_PAGE, ListingPage, keyset_page
from atlas_registry.store.sql_session import chunked
from atlas_registry.store.tables import artifacts, legacy_metadata, review_queue

# A legacy artifact's own catalog row: its id, title and version links. Other
# platform code refers to them, so they are corrected at the source, then the
# backfill is run again; `review resolve --set` supplies facts, never the row.
ROW_FIELDS = frozenset({"artifact_id", "title", "parent_version_id", "lineage_id"})

# Every writer of the queue (a backfill chunk, a review resolution, `pins suggest`,
# an import, a schema upgrade) holds this lock for its transaction, so two of them
# never adopt or queue the same artifact at once. The key predates the name: kept,
# so processes of the previous release still exclude each other during a restart.
REVIEW_LOCK = "atlas_registry:adoption"


@dataclass(frozen=True)
class Held:
    """A fact an importer would not guess. Blocking facts are required by the schema."""

    field: str
    reason: str
    blocking: bool


@dataclass(frozen=True)
class ReviewItem:
    artifact_id: str
    status: str
    blocking: bool
    reasons: list[dict[str, str]]
    proposed: dict[str, Any]
    created_at: str
    updated_at: str
    resolved_at: str | None
    resolved_by: str | None
    resolution_notes: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def from_backfill(self) -> bool:
        """Whether the backfill opened this item (a legacy artifact's held facts).

        Other items (a code pin to repair, a schema upgrade, an MLflow alias) are
        about a model registered by other means: their source is its metadata,
        not legacy text.
        """
        return "trace" in self.proposed

    @property
    def row_to_correct(self) -> bool:
        """Whether a reason is about the catalog row itself, which no ``--set`` changes."""
        return any(reason.get("field") in ROW_FIELDS for reason in self.reasons)


def _item(row: Any) -> ReviewItem:
    return ReviewItem(
        artifact_id=row.artifact_id,
        status=row.status,
        blocking=bool(row.blocking),
        reasons=json.loads(row.reasons_json),
        proposed=json.loads(row.proposed_json),
        created_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution_notes=row.resolution_notes,
    )


def queue_in(
    conn: Connection,
    artifact_id: str,
    held: list[Held],
    proposed: dict[str, Any],
    *,
    blocking: bool,
) -> bool:
    """Open (or refresh) the review item of one artifact; False when nothing changed."""
    reasons = dump_json([{"field": h.field, "reason": h.reason} for h in held])
    values = {
        "blocking": int(blocking),
        "reasons_json": reasons,
        "proposed_json": dump_json(proposed),
    }
    current = conn.execute(
        select(review_queue).where(review_queue.c.artifact_id == artifact_id)
    ).first()
    if current is None:
        now = utc_timestamp()
        conn.execute(
            review_queue.insert().values(
                artifact_id=artifact_id, status="open", created_at=now, updated_at=now, **values
            )
        )
        _opened(conn, artifact_id, held, blocking=blocking)
        return True
    unchanged = all(getattr(current, key) == value for key, value in values.items())
    if current.status == "resolved" or unchanged:
        return False
    conn.execute(
        update(review_queue)
        .where(review_queue.c.artifact_id == artifact_id)
        .values(updated_at=utc_timestamp(), **values)
    )
    return True


def reopen(conn: Connection, artifact_id: str, held: list[Held], proposed: dict[str, Any]) -> None:
    """Open a resolved item again with new reasons; ``proposed`` should carry the old one."""
    conn.execute(
        update(review_queue)
        .where(review_queue.c.artifact_id == artifact_id)
        .values(
            status="open",
            blocking=0,
            reasons_json=dump_json([{"field": h.field, "reason": h.reason} for h in held]),
            proposed_json=dump_json(proposed),
            updated_at=utc_timestamp(),
            resolved_at=None,
            resolved_by=None,
            resolution_notes=None,
        )
    )
    _opened(conn, artifact_id, held, blocking=False)


def _opened(conn: Connection, artifact_id: str, held: list[Held], *, blocking: bool) -> None:
    """The event of an item opened (or opened again): which fields it holds, not why."""
    fields = sorted({h.field for h in held})[:20]
    payload = {"blocking": blocking, "fields": [f[:100] for f in fields]}
    record_event(conn, EventType.REVIEW_OPENED, actor=None, model_id=artifact_id, payload=payload)


def list_reviews(
    db: Database, status: str | None = "open", artifact_ids: Sequence[str] | None = None
) -> list[ReviewItem]:
    """Review items by artifact id (of one status, None for any; of these artifacts only).

    A page showing some models asks for theirs: the queue of a large legacy
    catalog is not read to mark the fifty on screen.
    """
    query = select(review_queue).order_by(review_queue.c.artifact_id)
    if status:
        query = query.where(review_queue.c.status == status)
    with db.transaction() as conn:
        if artifact_ids is None:
            return [_item(row) for row in conn.execute(query)]
        found = [
            _item(row)
            for chunk in chunked(sorted(set(artifact_ids)))
            for row in conn.execute(query.where(review_queue.c.artifact_id.in_(chunk)))
        ]
        return sorted(found, key=lambda item: item.artifact_id)


def review_page(
    db: Database,
    status: str | None = "open",
    *,
    page_size: int = MAX_PAGE,
    page_token: str | None = None,
) -> ListingPage[ReviewItem]:
    """Review items by artifact id, ``page_size`` at a time: a large legacy catalog's queue
    (an item per held model) is shown and served a page at a time, not all at once."""

    def items_after(after: str | None, count: int) -> list[ReviewItem]:
        query = select(review_queue).order_by(review_queue.c.artifact_id).limit(count)
        if status:
            query = query.where(review_queue.c.status == status)
        if after is not None:
            query = query.where(review_queue.c.artifact_id > after)
        with db.single_read() as conn:
            return [_item(row) for row in conn.execute(query)]

    items, token = keyset_page(
        f"review-queue:{status}", page_size, page_token, items_after, lambda i: i.artifact_id
    )
    return ListingPage(items, token)


def get_review(conn: Connection, artifact_id: str) -> ReviewItem:
    row = conn.execute(
        select(review_queue).where(review_queue.c.artifact_id == artifact_id)
    ).first()
    if row is None:
        raise NotFoundError(f"{artifact_id!r} is not in the review queue")
    return _item(row)


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """``field=value`` strings, split once at the first ``=``; values stay text here."""
    parsed: dict[str, str] = {}
    problems = []
    for assignment in assignments:
        key, sep, raw = assignment.partition("=")
        if not sep or not key.strip():
            problems.append(Violation(assignment, "must be written field=value"))
            continue
        parsed[key.strip()] = raw
    if problems:
        raise ValidationError("cannot read --set", problems)
    return parsed


def json_or_text(raw: str, key: str) -> Any:
    """A ``--set`` value: JSON when it reads as JSON (numbers, lists, objects), else the text.

    JSON is read by the registry's one reader, so a value that breaks a document
    limit (a 5,000-digit number, NaN, duplicate keys) is refused, not stored.
    """
    try:
        return parse_json(raw, f"--set {key}")
    except InputError:
        return raw


def place(root: dict[str, Any], path: list[str], value: Any, key: str) -> None:
    """Set ``value`` at ``path`` inside ``root``, making objects on the way (``--set a.b=1``).

    ``key`` is the assignment as written, for the error when the path would
    step inside a value that is not an object.
    """
    node = root
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ValidationError(
                "cannot set a field inside a value", [Violation(key, "its parent is not an object")]
            )
        node = child
    node[path[-1]] = value


def mark_resolved(
    conn: Connection, artifact_ids: Sequence[str], actor: str, notes: str | None
) -> None:
    """Resolve the open items of ``artifact_ids``, recording who resolved them and why."""
    resolved: list[str] = []
    for chunk in chunked(artifact_ids):
        now = utc_timestamp()
        resolved += conn.execute(
            update(review_queue)
            .where(review_queue.c.artifact_id.in_(chunk), review_queue.c.status == "open")
            .values(
                status="resolved",
                resolved_at=now,
                resolved_by=actor,
                resolution_notes=notes,
                updated_at=now,
            )
            .returning(review_queue.c.artifact_id)
        ).scalars()
    said = {"notes": short(notes)}
    record_events(conn, [NewEvent(EventType.REVIEW_RESOLVED, actor, i, said) for i in resolved])


@dataclass(frozen=True)
class Provenance:
    """Where a backfilled model came from: its legacy text's hash, the rules applied, an excerpt."""

    artifact_id: str
    original_sha256: str | None
    applied: list[dict[str, str]]
    held: list[dict[str, Any]]
    excerpt: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


EXCERPT_CHARACTERS = 600


def provenance(db: Database, artifact_id: str) -> Provenance | None:
    """The legacy provenance of a backfilled (or held) artifact; None for a registered model.

    A review item alone is no provenance: only one the backfill opened (its
    proposal carries the rules' trace) holds legacy text. A model registered
    another way, with a pin to repair in review, was never backfilled.
    """
    with db.transaction() as conn:
        kept = conn.execute(
            select(legacy_metadata).where(legacy_metadata.c.artifact_id == artifact_id)
        ).first()
        if kept is not None:
            trace = json.loads(kept.mapping_json)
            text, sha = kept.original_metadata, kept.original_sha256
        else:
            item = conn.execute(
                select(review_queue).where(review_queue.c.artifact_id == artifact_id)
            ).first()
            proposed = json.loads(item.proposed_json) if item is not None else {}
            if "trace" not in proposed:
                return None
            trace = proposed["trace"]
            row = conn.execute(
                select(legacy_text(db.dialect, artifacts.c.metadata)).where(
                    artifacts.c.id == artifact_id
                )
            ).first()
            raw = decoded(row[0]) if row is not None else ""
            text = raw if isinstance(raw, str) else (raw or b"").decode("utf-8", "replace")
            sha = None
    return Provenance(
        artifact_id=artifact_id,
        original_sha256=sha,
        applied=list(trace.get("applied", [])),
        held=list(trace.get("held", [])),
        excerpt=text[:EXCERPT_CHARACTERS],
    )
