"""The machinery every mapping rule shares: the document being read, agree-or-hold, the trace.

A rule reads one fact from every legacy key the vocabulary lists for it. When
the keys agree, the fact is taken and the rule says so (:class:`Applied`); when
they disagree, or a value could only be read by choosing, the fact is held for
a person (:class:`Held`) with the reason. That choice is made here, in
:func:`agree` and :func:`single_source`, so no rule can guess on its own.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from atlas_registry.review.queue import Held


@dataclass(frozen=True)
class Applied:
    """A rule that produced a fact: which rule, which field, from what to what."""

    rule: str
    field: str
    detail: str


@dataclass
class LegacyMapping:
    """What the rules made of one legacy blob."""

    metadata: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    applied: list[Applied] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    unmapped_keys: list[str] = field(default_factory=list)
    legacy_status: str | None = None
    in_use: bool = False

    @property
    def blocking(self) -> bool:
        return any(h.blocking for h in self.held)

    def trace(self) -> dict[str, Any]:
        """The JSON-ready record of this mapping, stored beside the legacy blob."""
        return {
            "applied": [vars(a) for a in self.applied],
            "held": [vars(h) for h in self.held],
            "unmapped_keys": self.unmapped_keys,
            "legacy_status": self.legacy_status,
            "in_use": self.in_use,
        }


@functools.lru_cache(maxsize=4096)
def spelling(key: str) -> str:
    """A legacy key as the vocabulary spells it.

    ``Model Type``, ``model-type`` and ``modelType`` all read as ``model_type``:
    platforms wrote keys by hand, and a fact under ``Framework`` is still the
    framework. Two keys spelt alike are both read, so if they disagree the
    fact is held like any other contradiction.
    """
    separated = _CAMEL_HUMP.sub("_", key.strip())
    return _SEPARATORS.sub("_", separated).lower()


_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s\-]+")


def spelt_like(node: Any, key: str) -> list[tuple[str, Any]]:
    """Every ``(legacy key, value)`` of ``node`` that spells the vocabulary's ``key``."""
    if not isinstance(node, dict):
        return []
    return [(k, v) for k, v in node.items() if k == key or spelling(k) == key]


@functools.lru_cache(maxsize=1024)
def _parts(path: str) -> tuple[str, ...]:
    """A dotted vocabulary path's parts (a rule asks for the same few paths of every blob)."""
    return tuple(path.split("."))


@functools.lru_cache(maxsize=256)
def _first_parts(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each dotted path with its first part (the vocabulary's lists are asked for by every blob)."""
    return tuple((_parts(path)[0], path) for path in paths)


class Context:
    """The legacy document being mapped, the keys used so far, and the result."""

    def __init__(self, legacy: dict[str, Any]) -> None:
        self.legacy = legacy
        self.used: set[str] = set()
        self.result = LegacyMapping()
        # The top level is read once per vocabulary key: its spellings are worked out once.
        self._top: dict[str, list[str]] = {}
        for k in legacy:
            self._top.setdefault(spelling(k), []).append(k)

    def lookup(self, path: str) -> list[tuple[str, Any]]:
        """Every legacy value at the dotted vocabulary ``path``, with the path as spelt there."""
        first, *rest = _parts(path)
        found = [(k, self.legacy[k]) for k in self._top.get(first, ())]
        for part in rest:
            if not found:  # most vocabulary words are absent from a given blob
                break
            found = [(f"{at}.{k}", v) for at, node in found for k, v in spelt_like(node, part)]
        return found

    def get(self, path: str) -> Any:
        """The one value at ``path``; None when there is none, or several spelt alike."""
        found = self.lookup(path)
        return found[0][1] if len(found) == 1 else None

    def present(self, keys: Iterable[str]) -> list[tuple[str, Any]]:
        # A rule asks for every spelling its fact has ever had, and a blob holds a
        # few: a path whose first part is not a key of the blob is skipped here,
        # without a lookup (the largest part of mapping a blob).
        top = self._top
        paths = _first_parts(keys if isinstance(keys, tuple) else tuple(keys))
        found = [item for first, key in paths if first in top for item in self.lookup(key)]
        found = list(dict(found).items())  # a key spelt like two vocabulary keys counts once
        found = [(key, value) for key, value in found if value not in (None, "", [], {})]
        self.used.update(key.split(".")[0] for key, _ in found)
        return found

    def apply(self, rule: str, target: str, detail: str) -> None:
        self.result.applied.append(Applied(rule, target, detail))

    def hold(self, target: str, reason: str, *, blocking: bool) -> None:
        self.result.held.append(Held(target, reason, blocking))

    def is_held(self, target: str) -> bool:
        return any(h.field == target for h in self.result.held)


def short(value: Any) -> str:
    """A legacy value as a reason quotes it: at most about 70 characters."""
    if not isinstance(value, str):
        text = json.dumps(value, sort_keys=True)
        return text if len(text) <= 70 else text[:67] + "..."
    return repr(value if len(value) <= 70 else value[:67] + "...")


def agree(
    ctx: Context,
    target: str,
    keys: Iterable[str],
    normalise: Callable[[Any], Any],
    *,
    blocking: bool,
) -> tuple[str, Any, Any] | None:
    """The one normalised value all ``keys`` agree on, or None (held when they disagree)."""
    candidates = [(key, raw, normalise(raw)) for key, raw in ctx.present(keys)]
    if not candidates:
        return None
    unreadable = [(key, raw) for key, raw, value in candidates if value is None]
    if unreadable:
        key, raw = unreadable[0]
        ctx.hold(target, f"legacy {key}={short(raw)} cannot be read as {target}", blocking=blocking)
        return None
    found = [(key, raw) for key, raw, _ in candidates]
    if held_if_they_disagree(ctx, target, found, [v for *_, v in candidates], blocking=blocking):
        return None
    return candidates[0]


def held_if_they_disagree(
    ctx: Context,
    target: str,
    found: list[tuple[str, Any]],
    compared: list[Any],
    *,
    blocking: bool,
) -> bool:
    """Hold ``target`` when the legacy keys ``found`` say different things (as ``compared``,
    their values read alike); True when they do. Never resolved by picking one."""
    if len(compared) <= 1 or len({json.dumps(v, sort_keys=True) for v in compared}) <= 1:
        return False
    listed = ", ".join(f"{key}={short(raw)}" for key, raw in found)
    ctx.hold(target, f"legacy keys contradict each other: {listed}", blocking=blocking)
    return True


def single_source(ctx: Context, target: str, found: list[tuple[str, Any]], what: str) -> bool:
    """True when exactly one legacy key describes ``target``; otherwise hold it and say why."""
    if not found:
        ctx.hold(target, f"no legacy key says {what}", blocking=True)
    elif len(found) > 1:
        listed = ", ".join(key for key, _ in found)
        ctx.hold(
            target,
            f"several legacy keys say {what} ({listed}); which applies is unclear",
            blocking=True,
        )
    return len(found) == 1


def is_flat(value: Any, depth: int = 0) -> bool:
    """True for what the schema's free-form objects may hold: scalars, flat lists, one level."""
    if isinstance(value, dict):
        return depth < 1 and all(is_flat(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(not isinstance(v, dict | list) for v in value)
    return isinstance(value, str | int | float | bool) or value is None
