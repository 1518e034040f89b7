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

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atlas_registry.catalog.schema_check import MAX_SHOWN, ModelBreak, page_sql, stored_violations
from atlas_registry.errors import NotFoundError, Violation
from atlas_registry.review.queue import REVIEW_LOCK, Held, get_review, queue_in, reopen
from atlas_registry.schema.validation import MetadataValidator, version_key
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession, marks

PAGE = 1000


def _restamp(session: SqlSession, target: str, model_ids: list[str]) -> None:
    """One statement re-stamps a page's accepted models (not one statement per model).

    On PostgreSQL the ids go as one array: a list of a thousand marks made a
    statement text psycopg parsed afresh for every page size, and PostgreSQL
    planned afresh too.
    """
    if session.dialect == "postgresql":
        sql = "UPDATE model_versions SET metadata_schema_version = ? WHERE artifact_id = ANY(?)"
        session.run(sql, (target, model_ids))
        return
    session.run(
        "UPDATE model_versions SET metadata_schema_version = ? "
        f"WHERE artifact_id IN ({marks(len(model_ids))})",
        [target, *model_ids],
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


@functools.lru_cache(maxsize=256)
def _version_key(stamp: str) -> tuple[int, ...] | None:
    """A stamp's order, worked out once per distinct stamp (a catalog holds a few)."""
    try:
        return version_key(stamp)
    except ValueError:
        return None


def _is_newer(stamped: str | None, target: str) -> bool:
    """An unreadable stamp is treated as older: the row is re-checked."""
    if stamped is None:
        return False
    stamped_key, target_key = _version_key(stamped), _version_key(target)
    return stamped_key is not None and target_key is not None and stamped_key > target_key


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
                    problems = stored_violations(validator, text)
                    if not problems:
                        restamp.append(model_id)
                        continue
                    _hold(conn, model_id, stamped, validator.version, problems)
                    result.held += 1
                    if len(result.shown) < MAX_SHOWN:
                        result.shown.append(ModelBreak(model_id, stamped, problems))
            if restamp:
                _restamp(session, validator.version, restamp)
            result.restamped += len(restamp)
        after = rows[-1][0]
        if on_page:
            on_page(len(rows))


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
