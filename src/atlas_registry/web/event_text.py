"""One event of the log as a person reads it: what happened, in words, from its payload.

The payload is stored text like any other (a tag key, a file URI, notes): it
is only ever returned here as plain text, which the page escapes where it
prints it. A payload missing a key (an older writer, the rebuilt past) reads
as less, never as an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from atlas_registry import Event

TRANSITIONS = ("model.promoted", "model.rejected", "model.superseded", "model.rolled_back")


@dataclass(frozen=True)
class EventRow:
    """An event with its sentence; ``notes`` apart, as they can be long."""

    event: Event
    what: str
    notes: str | None
    override: bool


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return value if isinstance(value, str) else str(value)


def _registered(p: Mapping[str, Any]) -> str:
    return f"registered as version {_text(p.get('version'))}" if "version" in p else "registered"


def _transition(p: Mapping[str, Any]) -> str:
    return f"{_text(p.get('from_state'))} → {_text(p.get('to_state'))}"


def _review_opened(p: Mapping[str, Any]) -> str:
    held = "held, blocking its registration" if p.get("blocking") else "one fact held"
    fields = _text(p.get("fields"))
    return f"review opened: {held}" + (f" ({fields})" if fields else "")


def _pin_checked(p: Mapping[str, Any]) -> str:
    kind = _text(p.get("pin_kind"))
    return f"code pin checked: {_text(p.get('status'))}" + (f" ({kind})" if kind else "")


def _token(verb: str) -> Callable[[Mapping[str, Any]], str]:
    def said(p: Mapping[str, Any]) -> str:
        scopes = _text(p.get("scopes"))
        return f"token {_text(p.get('name'))} {verb}" + (f" (scopes: {scopes})" if scopes else "")

    return said


def _evaluation(p: Mapping[str, Any]) -> str:
    parts = [f"on {_text(p.get('benchmark_id'))}" if p.get("benchmark_id") else ""]
    if p.get("dataset_id"):
        parts.append(f"dataset {_text(p.get('dataset_id'))}")
    if p.get("split"):
        parts.append(f"split {_text(p.get('split'))}")
    return " ".join(["evaluation added", *[x for x in parts if x]])


def _alias_set(p: Mapping[str, Any]) -> str:
    alias = f"@{_text(p.get('alias'))}"
    if p.get("from"):
        return f"alias {alias} moved from {_text(p.get('from'))} to {_text(p.get('to'))}"
    return f"alias {alias} set to {_text(p.get('to'))}"


def _tags(p: Mapping[str, Any]) -> str:
    said = [f"set {_text(p.get('set'))}" if p.get("set") else ""]
    said.append(f"removed {_text(p.get('removed'))}" if p.get("removed") else "")
    scope = "line tags" if p.get("scope") == "line" else "tags"
    return f"{scope} changed: " + "; ".join(x for x in said if x)


def _file_listed(p: Mapping[str, Any]) -> str:
    replaces = " (replacing an earlier entry)" if p.get("replaces") else ""
    return f"file listed: {_text(p.get('uri'))}{replaces}"


_SAID: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "model.registered": _registered,
    "model.adopted": lambda _p: "adopted from the platform's legacy catalog",
    **dict.fromkeys(TRANSITIONS, _transition),
    "line.named": lambda p: f"line named {_text(p.get('name'))}",
    "review.opened": _review_opened,
    "review.resolved": lambda _p: "review resolved",
    "pin.checked": _pin_checked,
    "pin.changed": lambda p: f"code pin changed to commit {_text(p.get('commit'))}",
    "token.created": _token("created"),
    "token.revoked": _token("revoked"),
    "evaluation.added": _evaluation,
    "alias.set": _alias_set,
    "alias.deleted": lambda p: f"alias @{_text(p.get('alias'))} deleted",
    "tags.changed": _tags,
    "text.edited": lambda p: f"edited: {_text(p.get('fields'))}",
    "file.listed": _file_listed,
    "file.checked": lambda p: f"file checked: {_text(p.get('status'))}",
    "dataset.registered": lambda p: f"dataset {_text(p.get('dataset_id'))} registered",
}


def event_row(event: Event) -> EventRow:
    """``event`` with its sentence; a type this page does not know shows as its name."""
    payload = event.payload if isinstance(event.payload, Mapping) else {}
    said = _SAID.get(event.type)
    notes = payload.get("notes")
    return EventRow(
        event,
        said(payload) if said is not None else event.type,
        notes if isinstance(notes, str) and notes else None,
        event.type in TRANSITIONS and payload.get("override") is True,
    )
