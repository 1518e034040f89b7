"""A change of a model's code pin as a record, and how one is built from its row: no database.

Kept apart from :mod:`.changes` (which writes them) so that a reader of rows on
the bare driver (``atlas_registry.fastread``) builds the very records the library builds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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


CHANGE_COLUMNS = (
    "artifact_id, changed_at, old_repo_url, old_commit_sha, old_entrypoint, new_repo_url, "
    "new_commit_sha, new_entrypoint, replaced_check_id, changed_by, notes"
)


def change_from_row(row: Any) -> PinChange:
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
