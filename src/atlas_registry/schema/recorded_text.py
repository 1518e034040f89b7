"""Who acted and why: the actor and notes every recorded action carries, checked one way.

Transitions, pin checks and review resolutions each store the actor a caller
names (and often a note). Each is text someone typed or a script built from a
variable that may be empty, so each path refuses the same blank, oversized or
unstorable text the same way, instead of recording an empty actor.
"""

from __future__ import annotations

from atlas_registry.documents import is_storable_text
from atlas_registry.errors import ValidationError, Violation

# The most an actor or notes may hold; an actor's limit is the events table's own CHECK.
TEXT_LIMITS = {"actor": 200, "notes": 20000}


def required_text(name: str, value: str | None, why: str) -> str:
    """``value`` stripped, or a ValidationError naming the field and what is wrong with it."""
    if value is None or not value.strip():
        raise ValidationError(f"{name} is required", [Violation(name, why)])
    text, limit = value.strip(), TEXT_LIMITS[name]
    if len(text) > limit or not is_storable_text(text):
        raise ValidationError(
            f"{name} is invalid",
            [
                Violation(
                    name, f"must be text of at most {limit} characters (no NUL, no lone surrogate)"
                )
            ],
        )
    return text


def optional_notes(notes: str | None) -> str | None:
    """Notes where they may be left out: None when blank, else checked as required notes are."""
    if notes is None or not notes.strip():
        return None
    return required_text("notes", notes, "")
