"""A listed model file and its checks as records, and how one is built from its row.

No database here: kept apart from :mod:`.model_files` (which reads and writes
the lists) so that a reader of rows on the bare driver
(``atlas_registry.fastread``) builds the very records the library builds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.file_entries import FileEntry


@dataclass(frozen=True)
class FileCheck:
    """One re-read of a listed file: what was found at its URI, and the verdict."""

    id: int
    file_id: int
    model_id: str
    checked_at: str
    status: str
    size_found: int | None
    sha256_found: str | None
    detail: str
    checked_by: str

    @property
    def failing(self) -> bool:
        """True unless the bytes were found and are the ones listed."""
        return self.status != "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "file_id": self.file_id,
            "model_id": self.model_id,
            "checked_at": self.checked_at,
            "status": self.status,
            "size_found": self.size_found,
            "sha256_found": self.sha256_found,
            "detail": self.detail,
            "checked_by": self.checked_by,
        }


@dataclass(frozen=True)
class ModelFile:
    """A listed file of a model version, with its newest check (None: never checked)."""

    id: int
    model_id: str
    uri: str
    sha256: str | None
    size_bytes: int | None
    role: str | None
    origin: str
    added_at: str
    added_by: str
    notes: str | None
    replaces_id: int | None
    newest_check: FileCheck | None

    @property
    def entry(self) -> FileEntry:
        return FileEntry(self.uri, self.sha256, self.size_bytes, self.role)

    @property
    def verification(self) -> str:
        """What a reader is told: the newest check's outcome, or ``not_checked``."""
        return self.newest_check.status if self.newest_check else "not_checked"

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.entry.to_dict(),
            "id": self.id,
            "model_id": self.model_id,
            "origin": self.origin,
            "added_at": self.added_at,
            "added_by": self.added_by,
            "notes": self.notes,
            "replaces_id": self.replaces_id,
            "verification": self.verification,
            "newest_check": self.newest_check.to_dict() if self.newest_check else None,
        }


def file_from_row(row: Sequence[Any]) -> ModelFile:
    check = None
    if row[11] is not None:
        check = FileCheck(
            int(row[11]), int(row[0]), row[1], row[12], row[13], row[14], row[15], row[16], row[17]
        )
    return ModelFile(
        int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
        row[10], check,
    )  # fmt: skip
