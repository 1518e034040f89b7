"""Re-stamping stored models with a newer schema version, when they satisfy it.

Each model row records the schema version that validated it. After a version
is released, `schema upgrade --to VERSION` validates every model stamped with
an older version against the new one: a model that passes is re-stamped, and
one that does not keeps its old stamp and is held in the review queue with
every violation, for a person to decide (a new version of the model, or an
accepted exception). Each page of models is one transaction, so an interrupted
upgrade leaves whole pages done and can simply be run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atlas_registry.catalog.schema_check import MAX_SHOWN, ModelBreak, page_sql
from atlas_registry.errors import NotFoundError, Violation
from atlas_registry.records import decode_json
from atlas_registry.review.queue import REVIEW_LOCK, Held, get_review, queue_in, reopen
from atlas_registry.schema.validation import MetadataValidator, version_key
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession, marks

PAGE = 1000


def _restamp_sql(count: int) -> str:
    """One statement re-stamps a page's accepted models (not one statement per model)."""
    return (
        "UPDATE model_versions SET metadata_schema_version = ? "
        f"WHERE artifact_id IN ({marks(count)})"
    )


@dataclass
class SchemaUpgrade:
    """What an upgrade did: re-stamped, already there, left alone, held."""

    target: str
    checked: int = 0
    restamped: int = 0
    current: int = 0
    newer: int = 0
    held: int = 0
    shown: list[ModelBreak] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "checked": self.checked,
            "restamped": self.restamped,
            "already_current": self.current,
            "newer_left_alone": self.newer,
            "held_for_review": self.held,
            "held": [item.to_dict() for item in self.shown],
            "held_not_shown": self.held - len(self.shown),
        }


def _is_newer(stamped: str | None, target: str) -> bool:
    try:
        return stamped is not None and version_key(stamped) > version_key(target)
    except ValueError:
        return False  # an unreadable stamp is treated as older: the row is re-checked


def upgrade_stored(
    db: Database,
    validator: MetadataValidator,
    on_page: Callable[[int], None] | None = None,
) -> SchemaUpgrade:
    """Re-stamp every model older than ``validator``'s version that it accepts; hold the rest."""
    result = SchemaUpgrade(target=validator.version)
    after = ""
    while True:
        with db.transaction(write=True) as conn:
            db.lock(conn, REVIEW_LOCK)  # the review queue's writers take this lock
            session = SqlSession.of(conn)
            rows = session.rows(page_sql(PAGE), (after,))
            if not rows:
                return result
            restamp: list[str] = []
            for model_id, text, stamped in rows:
                result.checked += 1
                if stamped == validator.version:
                    result.current += 1
                elif _is_newer(stamped, validator.version):
                    result.newer += 1
                else:
                    problems = _violations(validator, text)
                    if not problems:
                        restamp.append(model_id)
                        continue
                    _hold(conn, model_id, stamped, validator.version, problems)
                    result.held += 1
                    if len(result.shown) < MAX_SHOWN:
                        result.shown.append(ModelBreak(model_id, stamped, problems))
            if restamp:
                session.run(_restamp_sql(len(restamp)), [validator.version, *restamp])
            result.restamped += len(restamp)
        after = rows[-1][0]
        if on_page:
            on_page(len(rows))


def _violations(validator: MetadataValidator, text: Any) -> list[Violation]:
    try:
        metadata = decode_json(text)
    except ValueError:
        return [Violation("$", "the stored metadata is not JSON")]
    return validator.violations(metadata)


def _hold(
    conn: Any, model_id: str, stamped: str | None, target: str, problems: list[Violation]
) -> None:
    """Put the refusal in the model's review item, keeping what the item already holds."""
    held = [
        Held(f"metadata.{v.path}", f"refused by schema {target}: {v.message}", blocking=False)
        for v in problems
    ]
    upgrade = {"to": target, "from": stamped}
    try:
        item = get_review(conn, model_id)
    except NotFoundError:
        queue_in(conn, model_id, held, {"schema_upgrade": upgrade}, blocking=False)
        return
    if item.status == "resolved" and item.proposed.get("schema_upgrade", {}).get("to") == target:
        return  # a person already accepted this model as it is under this version
    kept = [
        Held(reason["field"], reason["reason"], blocking=False)
        for reason in item.reasons
        if not reason["reason"].startswith("refused by schema ")
    ]
    proposed = {**item.proposed, "schema_upgrade": upgrade}
    if item.status == "resolved":
        reopen(conn, model_id, held, {**proposed, "earlier_review": item.to_dict()})
    else:
        queue_in(conn, model_id, kept + held, proposed, blocking=item.blocking)
