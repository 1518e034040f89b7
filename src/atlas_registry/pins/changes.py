"""The history of a model's code pin: each change made through the review queue, kept for good.

The code pin is provenance, so it changes only through a new version or the
review queue (`pins suggest`, then ``review resolve --set code_commit_sha=``).
Each such change is appended to ``code_pin_changes`` in the transaction that
writes the new pin: the pin it replaced, the new one, who chose it, why, and
the failed check that made a repair necessary. Nothing here rewrites a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from atlas_registry.catalog.facts import set_code_pin_in
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.pins.change_records import CHANGE_COLUMNS, change_from_row
from atlas_registry.pins.change_records import PinChange as PinChange
from atlas_registry.store.db import utc_timestamp
from atlas_registry.store.events.record import record_event, short
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession


def changes_of(session: SqlSession, model_id: str) -> list[PinChange]:
    """Every change of the model's code pin, newest first."""
    sql = f"SELECT {CHANGE_COLUMNS} FROM code_pin_changes WHERE artifact_id = ? ORDER BY id DESC"
    return [change_from_row(row) for row in session.rows(sql, (model_id,))]


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
        f"INSERT INTO code_pin_changes ({CHANGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
