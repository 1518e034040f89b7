"""Editing a version's description and changelog after registration: the one writer.

Both are prose about the version, not what it is: a typo or a finding made
later may be corrected. Each edit appends the text before and after, who and
when, to ``model_text_edits`` and writes the new text to ``artifacts`` in the
same transaction; the database refuses any other change of either column
(migration 0023), so this is the only way the text moves. What is read (``show``,
the API, the page) is the current text in ``artifacts``.

Nothing registered as provenance (the metadata's facts, the code pin, the
metrics, the lineage) is editable here: those change only through a new
version, or the review queue for a code pin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from atlas_registry.catalog.queries import fetch_model
from atlas_registry.catalog.version_names import version_label
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.records import REGISTRATION_TEXT_LIMITS
from atlas_registry.schema.recorded_text import required_text
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import record_event
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession

EDITABLE = ("description", "changelog")

# What a caller may try to edit that is provenance, and where it changes instead.
_PROVENANCE_HINT = (
    "is registered provenance and cannot be edited: register a new version "
    "(or, for a code pin, resolve it through the review queue: `atlas-registry pins suggest`)"
)


@dataclass(frozen=True)
class TextEdit:
    """One edit of one field: the text before and after (None: none), who, when."""

    id: int
    model_id: str
    field: str
    before: str | None
    after: str | None
    actor: str
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TextEdits:
    """What one call did: the edits it recorded, the fields it left as they were, the text now."""

    model_id: str
    label: str
    edits: list[TextEdit]
    unchanged: list[str]
    description: str | None
    changelog: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "label": self.label,
            "edits": [e.to_dict() for e in self.edits],
            "unchanged": self.unchanged,
            "description": self.description,
            "changelog": self.changelog,
        }


def checked_changes(changes: Mapping[str, Any]) -> dict[str, str | None]:
    """``changes`` (field -> new text, None or "" to clear) checked; every problem named.

    A field that is provenance is refused saying so, not as an unknown name.
    """
    if not changes:
        raise ValidationError(
            "nothing to edit", [Violation("$", f"give one or more of {', '.join(EDITABLE)}")]
        )
    problems: list[Violation] = []
    checked: dict[str, str | None] = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            where = name if isinstance(name, str) and len(name) <= 60 else f"{name!r:.60}"
            problems.append(
                Violation(where, f"{_PROVENANCE_HINT}; only {' and '.join(EDITABLE)} are editable")
            )
            continue
        if value is not None and not isinstance(value, str):
            problems.append(Violation(name, "must be text, or null to clear it"))
            continue
        text = value.strip() if value else None
        limit = REGISTRATION_TEXT_LIMITS[name]
        if text is not None and (len(text) > limit or not is_storable_text(text)):
            problems.append(
                Violation(
                    name, f"must be text of at most {limit} characters (no NUL, no lone surrogate)"
                )
            )
            continue
        checked[name] = text or None
    if problems:
        raise ValidationError("the edit is refused", problems)
    return checked


_COLUMNS = "id, artifact_id, field, before_text, after_text, actor, created_at"


def edits_in(session: SqlSession, model_id: str) -> list[TextEdit]:
    """Every edit of the version's description and changelog, newest first."""
    sql = f"SELECT {_COLUMNS} FROM model_text_edits WHERE artifact_id = ? ORDER BY id DESC"
    return [TextEdit(int(r[0]), *r[1:]) for r in session.rows(sql, (model_id,))]


def text_history(db: Database, model_id: str) -> list[TextEdit]:
    with db.single_read_session() as session:
        fetch_model(session, model_id)  # NotFoundError names what is wrong
        return edits_in(session, model_id)


def edit_text(db: Database, model_id: str, changes: Mapping[str, Any], *, actor: str) -> TextEdits:
    """Set the version's description and/or changelog, recording each real change.

    A field set to the text it has already changes nothing and records nothing
    (it is answered in ``unchanged``). The version's line lock is taken, so two
    edits of one version record each other's text as ``before``.
    """
    checked = checked_changes(changes)
    who = required_text("actor", actor, "who edits the text must be named")
    with db.session(write=True) as session:
        model = fetch_model(session, model_id)
        db.lock(session, f"atlas_registry:text:{model.id}")
        current = dict(
            zip(
                EDITABLE,
                session.first(
                    "SELECT description, changelog FROM artifacts WHERE id = ?", (model.id,)
                )
                or (None, None),
                strict=True,
            )
        )
        now = utc_timestamp()
        edits, unchanged = [], []
        for name, text in checked.items():
            if current[name] == text:
                unchanged.append(name)
                continue
            edits.append(_record(session, model.id, name, current[name], text, who, now))
            current[name] = text
        if edits:
            fields = {"fields": [edit.field for edit in edits]}
            record_event(
                session, EventType.TEXT_EDITED, actor=who, model_id=model.id, payload=fields
            )
    label = version_label(model.line_name, model.version_number, model.id)
    return TextEdits(
        model.id, label, edits, unchanged, current["description"], current["changelog"]
    )


def _record(
    session: SqlSession,
    model_id: str,
    name: str,
    before: str | None,
    after: str | None,
    actor: str,
    now: str,
) -> TextEdit:
    row = session.first(
        "INSERT INTO model_text_edits "
        "(artifact_id, field, before_text, after_text, actor, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (model_id, name, before, after, actor, now),
    )
    assert row is not None
    # The column is named from EDITABLE, never from the caller's text.
    column = EDITABLE[EDITABLE.index(name)]
    session.run(
        f"UPDATE artifacts SET {column} = ?, updated_at = ? WHERE id = ?", (after, now, model_id)
    )
    return TextEdit(int(row[0]), model_id, name, before, after, actor, now)
