"""The history of a model's code pin: each change made through the review queue, kept for good.

The code pin is provenance, so it changes only through a new version or the
review queue (`pins suggest`, then ``review resolve --set code_commit_sha=``).
Each such change is appended to ``code_pin_changes`` in the transaction that
writes the new pin: the pin it replaced, the new one, who chose it, why, and
the failed check that made a repair necessary. Nothing here rewrites a row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection

from atlas_registry.catalog.facts import set_code_pin_in
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.store.db import utc_timestamp
from atlas_registry.store.events.record import record_event, short
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession


@dataclass(frozen=True)
class PinChange:
    """One change of a model's code pin: from what, to what, by whom, why."""

    model_id: str
    changed_at: str
    old_repo_url: str | None
    old_commit_sha: str | None
    old_entrypoint: str | None
    new_repo_url: str
    new_commit_sha: str
    new_entrypoint: str | None
    replaced_check_id: int | None
    changed_by: str
    notes: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_COLUMNS = (
    "artifact_id, changed_at, old_repo_url, old_commit_sha, old_entrypoint, new_repo_url, "
    "new_commit_sha, new_entrypoint, replaced_check_id, changed_by, notes"
)


def changes_of(session: SqlSession, model_id: str) -> list[PinChange]:
    """Every change of the model's code pin, newest first."""
    sql = f"SELECT {_COLUMNS} FROM code_pin_changes WHERE artifact_id = ? ORDER BY id DESC"
    return [_change(row) for row in session.rows(sql, (model_id,))]


def _change(row: Any) -> PinChange:
    return PinChange(
        model_id=row[0],
        changed_at=row[1],
        old_repo_url=row[2],
        old_commit_sha=row[3],
        old_entrypoint=row[4],
        new_repo_url=row[5],
        new_commit_sha=row[6],
        new_entrypoint=row[7],
        replaced_check_id=None if row[8] is None else int(row[8]),
        changed_by=row[9],
        notes=row[10],
    )


@dataclass(frozen=True)
class NewPin:
    """A code pin a reviewer chose, validated by :func:`set_code_pin_in` as it is written."""

    repo_url: str
    commit_sha: str
    entrypoint: str | None


def change_code_pin_in(
    conn: Connection,
    model_id: str,
    pin: NewPin,
    *,
    actor: str,
    notes: str | None,
    replaced_check_id: int | None = None,
) -> None:
    """Write the model's new code pin and append the change, in the caller's transaction."""
    old = fetch_model(conn, model_id)
    set_code_pin_in(conn, model_id, pin.repo_url, pin.commit_sha, pin.entrypoint)
    SqlSession.of(conn).run(
        f"INSERT INTO code_pin_changes ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            model_id,
            utc_timestamp(),
            old.code_repo_url,
            old.code_commit_sha,
            old.code_entrypoint,
            pin.repo_url,
            pin.commit_sha.lower(),
            pin.entrypoint,
            replaced_check_id,
            actor,
            notes,
        ),
    )
    changed = {"commit": pin.commit_sha.lower(), "notes": short(notes)}
    record_event(conn, EventType.PIN_CHANGED, actor=actor, model_id=model_id, payload=changed)
