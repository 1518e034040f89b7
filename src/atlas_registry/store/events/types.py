"""Every kind of event the log holds: one vocabulary, so a consumer can filter on it.

A type is ``subject.verb`` in the past tense. Adding a kind of change means
adding one member here (and a line in ``docs/events.md``); a writer passes the
member, never a string of its own, so a misspelt type fails at import, not in
a consumer's filter months later.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    MODEL_REGISTERED = "model.registered"
    MODEL_ADOPTED = "model.adopted"  # a legacy artifact taken in by the backfill
    MODEL_PROMOTED = "model.promoted"
    MODEL_REJECTED = "model.rejected"
    MODEL_SUPERSEDED = "model.superseded"
    MODEL_ROLLED_BACK = "model.rolled_back"  # an earlier version promoted again
    LINE_NAMED = "line.named"
    REVIEW_OPENED = "review.opened"
    REVIEW_RESOLVED = "review.resolved"
    PIN_CHECKED = "pin.checked"
    PIN_CHANGED = "pin.changed"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    EVALUATION_ADDED = "evaluation.added"  # a result recorded after registration
    ALIAS_SET = "alias.set"  # set or moved; the payload says from which version
    ALIAS_DELETED = "alias.deleted"
    TAGS_CHANGED = "tags.changed"  # of a version, or of a line (its root version's id)
    TEXT_EDITED = "text.edited"  # a description or changelog
    FILE_LISTED = "file.listed"
    FILE_CHECKED = "file.checked"
    DATASET_REGISTERED = "dataset.registered"  # no model: the payload names the dataset
    WEBHOOK_CREATED = "webhook.created"  # an admin subscribed a URL (the payload: its origin)
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_REPLAYED = "webhook.replayed"  # one delivery queued to be sent again


EVENT_TYPES: tuple[str, ...] = tuple(t.value for t in EventType)


def transition_type(from_state: str, to_state: str) -> EventType:
    """The event of a promotion-state move; the same rule 0026 applied to the past."""
    if from_state == "superseded" and to_state == "promoted":
        return EventType.MODEL_ROLLED_BACK
    return EventType(f"model.{to_state}")
