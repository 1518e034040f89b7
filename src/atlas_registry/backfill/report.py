"""The migration report: per legacy artifact, old state vs new, rules applied, what was held.

It is written from the database, not from one run's memory, so it describes
the state a backfill left behind however many runs it took, and a re-run
writes the same bytes. It carries no wall-clock time. Artifacts are streamed
in id order, so the report of a large catalog never sits in memory whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Select, func, or_, select

from atlas_registry.backfill.rules import RULES, read_once_more
from atlas_registry.catalog.queries import inline_count
from atlas_registry.documents import parse_json
from atlas_registry.errors import RegistryError
from atlas_registry.schema.validation import schema_version
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database, decoded, legacy_text
from atlas_registry.store.tables import (
    artifacts,
    legacy_metadata,
    model_versions,
    promotion_events,
    review_queue,
)
from atlas_registry.store.whole_files import written_whole

PAGE = 500


@dataclass(frozen=True)
class ReportEntry:
    """Everything the report says about one legacy artifact."""

    id: str
    title: str
    original: str
    trace: dict[str, Any]
    version: dict[str, Any] | None
    review: dict[str, Any] | None
    events: list[dict[str, Any]]

    @property
    def legacy_keys(self) -> list[str] | None:
        try:
            parsed = parse_json(self.original, "legacy metadata")
        except RegistryError:  # not JSON, or beyond the limits: the review item says why
            return None
        parsed, _encoded_twice = read_once_more(parsed)  # its rule is listed with the others
        return sorted(parsed) if isinstance(parsed, dict) else None


def _source(dialect: str) -> Select[Any]:
    """Every legacy artifact the backfill has seen, with its text as the dialect can read it."""
    return _SOURCE.add_columns(legacy_text(dialect, artifacts.c.metadata))


_SOURCE = (
    select(
        artifacts.c.id,
        artifacts.c.title,
        legacy_metadata.c.original_metadata,
        legacy_metadata.c.mapping_json,
        review_queue.c.status,
        review_queue.c.blocking,
        review_queue.c.reasons_json,
        review_queue.c.proposed_json,
        review_queue.c.resolved_by,
        review_queue.c.resolution_notes,
    )
    .outerjoin(legacy_metadata, legacy_metadata.c.artifact_id == artifacts.c.id)
    .outerjoin(review_queue, review_queue.c.artifact_id == artifacts.c.id)
    .where(or_(legacy_metadata.c.artifact_id.is_not(None), review_queue.c.artifact_id.is_not(None)))
)


def _versions(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(select(model_versions).where(model_versions.c.artifact_id.in_(ids)))
    return {row.artifact_id: dict(row._mapping) for row in rows}


def _events(conn: Connection, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    rows = conn.execute(
        select(promotion_events)
        .where(promotion_events.c.artifact_id.in_(ids))
        .order_by(promotion_events.c.id)
    )
    for row in rows:
        found.setdefault(row.artifact_id, []).append(dict(row._mapping))
    return found


def _entry(row: Any, versions: dict[str, Any], events: dict[str, Any]) -> ReportEntry:
    review = None
    if row.status is not None:
        review = {
            "status": row.status,
            "blocking": bool(row.blocking),
            "reasons": json.loads(row.reasons_json),
            "resolved_by": row.resolved_by,
            "resolution_notes": row.resolution_notes,
        }
    if row.mapping_json is not None:
        trace = json.loads(row.mapping_json)
    else:
        trace = json.loads(row.proposed_json).get("trace", {})
    original = row.original_metadata if row.original_metadata is not None else row.metadata
    text = decoded(original)
    return ReportEntry(
        id=row.id,
        title=row.title,
        original=text if isinstance(text, str) else (text or b"").decode("utf-8", "replace"),
        trace=trace,
        version=versions.get(row.id),
        review=review,
        events=events.get(row.id, []),
    )


def entries(db: Database) -> Iterator[ReportEntry]:
    """Every legacy artifact the backfill has seen, in id order, a page at a time."""
    after = ""
    while True:
        with db.transaction() as conn:
            page = _source(db.dialect).where(artifacts.c.id > after)
            rows = conn.execute(page.order_by(artifacts.c.id).limit(inline_count(value=PAGE))).all()
            ids = [row.id for row in rows]
            versions, events = _versions(conn, ids), _events(conn, ids)
        if not rows:
            return
        yield from (_entry(row, versions, events) for row in rows)
        after = rows[-1].id


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _pin_status(entry: ReportEntry) -> str:
    version = entry.version
    if version is None:
        return "not registered yet"
    if version["is_external"]:
        pinned = version["external_source_version"]
        return f"external, pinned at `{pinned}`" if pinned else "external, NOT pinned"
    if version["code_commit_sha"]:
        return f"`{version['code_commit_sha'][:12]}` in {version['code_repo_url']}"
    held = [h for h in entry.trace.get("held", []) if h["field"].startswith("code_")]
    return "held for review (ambiguous)" if held else "none in legacy metadata"


def _held(entry: ReportEntry) -> list[dict[str, Any]]:
    if entry.review is not None:
        review = entry.review
        return [
            {**r, "status": review["status"], "blocking": review["blocking"]}
            for r in review["reasons"]
        ]
    return [{**h, "status": "noted"} for h in entry.trace.get("held", [])]


def _outcome(entry: ReportEntry) -> str:
    if entry.version is None:
        return "held (blocking)"
    if entry.review is not None and entry.review["status"] == "resolved":
        return "backfilled, after review"
    return "backfilled, with held facts" if _held(entry) else "backfilled"


def _counts(db: Database) -> dict[str, int]:
    with db.transaction() as conn:
        seen = select(_SOURCE.subquery().c.id)
        states = conn.execute(
            select(model_versions.c.promotion_state, func.count())
            .where(model_versions.c.artifact_id.in_(seen))
            .group_by(model_versions.c.promotion_state)
        ).all()
        open_reviews = conn.execute(
            select(review_queue.c.blocking, func.count())
            .where(review_queue.c.status == "open")
            .group_by(review_queue.c.blocking)
        ).all()
        total = conn.execute(select(func.count()).select_from(_SOURCE.subquery())).scalar_one()
        pinned = conn.execute(
            select(func.count())
            .select_from(model_versions)
            .where(
                model_versions.c.artifact_id.in_(seen),
                or_(
                    model_versions.c.code_commit_sha.is_not(None),
                    model_versions.c.external_source_version.is_not(None),
                ),
            )
        ).scalar_one()
    counts = {f"state:{state}": n for state, n in states}
    counts.update({f"open:{'blocking' if b else 'non-blocking'}": n for b, n in open_reviews})
    counts.update(total=total, pinned=pinned, registered=sum(n for _, n in states))
    return counts


def _write_header(out: TextIO, db: Database, counts: dict[str, int]) -> None:
    out.write("# Model artifact migration report (WS1)\n\n")
    out.write(
        "Generated by `atlas-registry backfill` from the database it ran on, in artifact id order. "
        "It holds no wall-clock time: the same database state always gives the same bytes.\n\n"
    )
    out.write(f"- Database schema: migration {migration_runner.head(db.dialect):04d}\n")
    out.write(f"- Model metadata schema: {schema_version()}\n")
    out.write(
        "- Every original legacy blob is kept verbatim in "
        "`model_legacy_metadata.original_metadata` "
        "(with its SHA-256); nothing in this report is lost from the database.\n\n"
    )
    out.write("## Summary\n\n| measure | count |\n|---|---|\n")
    rows = [
        ("legacy model artifacts seen", counts["total"]),
        ("registered (have a `model_versions` row)", counts["registered"]),
        ("promoted", counts.get("state:promoted", 0)),
        ("candidate", counts.get("state:candidate", 0)),
        ("rejected", counts.get("state:rejected", 0)),
        ("superseded", counts.get("state:superseded", 0)),
        ("reproducibility pin recorded (code commit or external revision)", counts["pinned"]),
        ("open review items, blocking (no registry facts yet)", counts.get("open:blocking", 0)),
        ("open review items, non-blocking", counts.get("open:non-blocking", 0)),
    ]
    out.writelines(f"| {label} | {value} |\n" for label, value in rows)


def _write_summary_table(out: TextIO, db: Database) -> None:
    out.write(
        "\n| artifact | title | outcome | promotion state | reproducibility pin |\n"
        "|---|---|---|---|---|\n"
    )
    for entry in entries(db):
        state = entry.version["promotion_state"] if entry.version else "-"
        out.write(
            f"| `{entry.id}` | {_cell(entry.title)} | {_outcome(entry)} | {state} "
            f"| {_cell(_pin_status(entry))} |\n"
        )


def _write_rules(out: TextIO) -> None:
    out.write(
        "\n## Mapping rules\n\nApplied in this order to every legacy blob "
        "(`atlas_registry/backfill/rules.py`):\n\n"
    )
    out.write("| rule | produces |\n|---|---|\n")
    out.writelines(f"| `{rule.name}` | {rule.produces} |\n" for rule in RULES)
    out.write(
        "\nA rule that finds contradicting keys, or a value it can only read by choosing between "
        "candidates, holds the fact for review instead of guessing.\n"
    )


def _new_state(entry: ReportEntry) -> list[tuple[str, Any]]:
    assert entry.version is not None
    v = entry.version
    fields = [
        "model_family",
        "framework",
        "is_external",
        "external_source_url",
        "external_source_version",
        "base_model_id",
        "code_repo_url",
        "code_commit_sha",
        "code_entrypoint",
        "trained_by",
        "training_started_at",
        "training_completed_at",
        "eval_metrics_json",
        "eval_dataset_artifact_id",
        "benchmark_id",
        "training_params_json",
        "promotion_state",
        "metadata_schema_version",
    ]
    return [(name, v[name]) for name in fields if v.get(name) not in (None, "")]


def _write_entry(out: TextIO, entry: ReportEntry) -> None:
    out.write(f"\n### `{entry.id}` — {_cell(entry.title)}\n\n")
    keys = entry.legacy_keys
    legacy = ", ".join(f"`{k}`" for k in keys) if keys is not None else "(not a JSON object)"
    out.write(
        f"**Old state.** Legacy metadata ({len(entry.original)} characters) with keys: {legacy}."
    )
    if entry.trace.get("legacy_status"):
        out.write(f" Legacy status: `{entry.trace['legacy_status']}`.")
    out.write("\n\n")
    if entry.version is None:
        out.write("**New state.** Not registered: required facts are held for review (below).\n\n")
    else:
        out.write("**New state** (`model_versions`):\n\n| column | value |\n|---|---|\n")
        out.writelines(f"| `{name}` | {_cell(value)} |\n" for name, value in _new_state(entry))
        out.write("\n")
    applied = entry.trace.get("applied", [])
    out.write("**Rules applied.**\n\n" if applied else "**Rules applied.** None.\n\n")
    out.writelines(f"- `{a['rule']}` → `{a['field']}`: {_cell(a['detail'])}\n" for a in applied)
    held = _held(entry)
    out.write(
        ("\n" if applied else "")
        + ("**Held for review.**\n\n" if held else "**Held for review.** Nothing.\n")
    )
    for h in held:
        kind = "blocking" if h.get("blocking") else "non-blocking"
        out.write(f"- `{h['field']}` ({kind}, {h['status']}): {_cell(h['reason'])}\n")
    if entry.review is not None and entry.review["status"] == "resolved":
        notes = entry.review["resolution_notes"]
        out.write(
            f"\nResolved by `{_cell(entry.review['resolved_by'] or '')}`"
            + (f": {_cell(notes)}.\n" if notes else ".\n")
        )
    out.write(f"\n**Code pin.** {_pin_status(entry)}.\n\n")
    _write_promotion(out, entry)
    unmapped = entry.trace.get("unmapped_keys", [])
    if unmapped:
        out.write(f"\n**Kept only in the legacy blob.** {', '.join(f'`{k}`' for k in unmapped)}.\n")


def _write_promotion(out: TextIO, entry: ReportEntry) -> None:
    if not entry.events:
        state = entry.version["promotion_state"] if entry.version else "not registered"
        why = (
            f" (legacy status `{entry.trace.get('legacy_status')}`)"
            if entry.trace.get("legacy_status")
            else ""
        )
        out.write(f"**Promotion.** {state}{why}; no transition recorded.\n")
        return
    out.write("**Promotion history.**\n\n")
    for event in entry.events:
        how = "override" if event["override"] else "gate"
        out.write(
            f"- {event['from_state']} → {event['to_state']} by `{event['actor']}` ({how}): "
            f"{_cell(event['notes'])}\n"
        )


def write_report(db: Database, path: str | Path) -> Path:
    """Write the report for ``db`` to ``path`` (its folder is created); returns the path.

    The previous report stays until the new one is complete.
    """
    target = Path(path)
    counts = _counts(db)
    with written_whole(target) as out:
        _write_header(out, db, counts)
        _write_summary_table(out, db)
        _write_rules(out)
        out.write("\n## Per artifact\n")
        for entry in entries(db):
            _write_entry(out, entry)
    return target
