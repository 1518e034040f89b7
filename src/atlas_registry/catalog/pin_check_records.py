"""A recorded pin check as a record, and how one is built from its row: no database here.

Kept apart from :mod:`.pin_checks` so that a reader of rows on the bare driver
(``atlas_registry.fastread``) builds the very records the library builds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Outcomes that mean the pin is not proven; `pins verify` exits non-zero on them.
FAILING = frozenset({"failed", "missing", "unreachable"})
STATUSES = ("verified", "failed", "missing", "unreachable", "not_checkable")


@dataclass(frozen=True)
class PinCheck:
    """One recorded outcome of checking a model's pin."""

    model_id: str
    checked_at: str
    pin_kind: str
    repo_url: str | None
    pinned: str | None
    commit_found: str | None
    entrypoint_found: bool | None
    status: str
    detail: str
    checked_by: str
    # The row's id (None until recorded): a re-pin names the check that justified it.
    id: int | None = field(default=None, compare=False)

    @property
    def failing(self) -> bool:
        return self.status in FAILING

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "checked_at": self.checked_at,
            "pin_kind": self.pin_kind,
            "repo_url": self.repo_url,
            "pinned": self.pinned,
            "commit_found": self.commit_found,
            "entrypoint_found": self.entrypoint_found,
            "status": self.status,
            "detail": self.detail,
            "checked_by": self.checked_by,
            "id": self.id,
        }


CHECK_COLUMNS = (
    "c.artifact_id, c.checked_at, c.pin_kind, c.repo_url, c.pinned, c.commit_found, "
    "c.entrypoint_found, c.status, c.detail, c.checked_by, c.id"
)


def check_from_row(row: Any) -> PinCheck:
    return PinCheck(
        model_id=row[0],
        checked_at=row[1],
        pin_kind=row[2],
        repo_url=row[3],
        pinned=row[4],
        commit_found=row[5],
        entrypoint_found=None if row[6] is None else bool(row[6]),
        status=row[7],
        detail=row[8],
        checked_by=row[9],
        id=int(row[10]),
    )
