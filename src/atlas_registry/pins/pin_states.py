"""A pin's state from the model and its newest check, as a record: no database here.

Kept apart from :mod:`.status` (which reads the checks) so that a reader of rows
on the bare driver (``atlas_registry.fastread``) decides the state as the library does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.pin_check_records import PinCheck
from atlas_registry.records import ModelRecord

# Each state and the words its badge says.
PIN_STATE_LABELS = {
    "verified": "pin verified",
    "not_checked": "pin not checked",
    "failed": "pin failed",
    "unreachable": "pin unreachable",
    "not_checkable": "not checkable offline",
    "unpinned": "no pin",
}
PIN_STATES = tuple(PIN_STATE_LABELS)


@dataclass(frozen=True)
class PinStatus:
    """A model's pin state and the check it comes from (None when no check is about this pin)."""

    model_id: str
    state: str
    check: PinCheck | None

    @property
    def label(self) -> str:
        return PIN_STATE_LABELS[self.state]

    @property
    def detail(self) -> str:
        """One line a person can act on: the check's own words, or what to do."""
        if self.check is not None:
            return f"{self.check.checked_at}: {self.check.detail}"
        if self.state == "unpinned":
            return f"no pin is recorded: `atlas-registry pins suggest {self.model_id}` proposes one"
        return f"this pin has not been checked yet: `atlas-registry pins verify {self.model_id}`"

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "label": self.label,
            "detail": self.detail,
            "check": self.check.to_dict() if self.check else None,
        }


def current_pin(model: ModelRecord) -> tuple[str | None, str | None]:
    """The (repository URL, pinned version) a check of this model's pin records."""
    if model.is_external:
        return model.external_source_url, model.external_source_version
    return model.code_repo_url, model.code_commit_sha


def is_of_current_pin(model: ModelRecord, check: PinCheck) -> bool:
    """Whether ``check`` checked the pin the model holds now (not one it held before)."""
    return (check.repo_url, check.pinned) == current_pin(model)


def pin_status(model: ModelRecord, newest: PinCheck | None) -> PinStatus:
    """The state of ``model``'s pin given its newest recorded check (of any pin)."""
    repo_url, pinned = current_pin(model)
    if not repo_url or not pinned:
        return PinStatus(model.id, "unpinned", None)
    if newest is None or not is_of_current_pin(model, newest):
        return PinStatus(model.id, "not_checked", None)
    state = "unpinned" if newest.status == "missing" else newest.status
    return PinStatus(model.id, state, newest)
