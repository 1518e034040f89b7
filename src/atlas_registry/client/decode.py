"""The library's records rebuilt from the JSON the API answers with.

Each record's ``to_dict`` is what the API sends; most are their fields as they
are, nested records included, and :func:`record` rebuilds those from the
field types. The few whose JSON is shaped otherwise (a field renamed, a nested
record spread into its parent) have their own function here. Record classes
are taken from the public face when first needed: many live beside their SQL,
and a script that only reads models should not load SQLAlchemy to do it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin, get_type_hints

import atlas_registry

if TYPE_CHECKING:
    from atlas_registry import AliasChange, FileAddition, LineEvent, TagChanges, Tags

T = TypeVar("T")


def kind(name: str) -> Any:
    """A record class of the public face, by name (imported on first use)."""
    return getattr(atlas_registry, name)


def record(cls: type[T], data: Any) -> T:
    """``cls`` built from ``data``: every init field the JSON has, nested records rebuilt."""
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} is read from a JSON object, not {type(data).__name__}")
    values = {name: _value(hint, data[name]) for name, hint in _fields(cls) if name in data}
    return cls(**values)


_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    """Each init field of ``cls`` and its type, read once: reading type hints took most
    of a record's decoding (about 1 ms for a ``ModelRecord``)."""
    if cls not in _FIELDS:
        hints = get_type_hints(cls)
        fields = dataclasses.fields(cls)
        _FIELDS[cls] = tuple((f.name, hints[f.name]) for f in fields if f.init)
    return _FIELDS[cls]


def records(cls: type[T], items: Any) -> list[T]:
    return [record(cls, item) for item in items]


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return record(hint, value)
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        real = [arg for arg in get_args(hint) if arg is not type(None)]
        return _value(real[0], value) if len(real) == 1 else value
    if origin is list and get_args(hint):
        return [_value(get_args(hint)[0], item) for item in value]
    if origin is tuple and isinstance(value, list):
        return tuple(value)
    return value


# ------------------------------------------------------------ records shaped otherwise


def tags(data: dict[str, Any]) -> Tags:
    """``Tags``: its ``own`` and ``line`` are sent as ``tags`` and ``line_tags``."""
    built: Tags = kind("Tags")(
        scope=data["scope"],
        subject_id=data["subject_id"],
        label=data["label"],
        own=data["tags"],
        line=data["line_tags"],
    )
    return built


def tag_changes(data: dict[str, Any]) -> TagChanges:
    """``TagChanges``: its events as ``changed``, its tags spread beside them."""
    built: TagChanges = kind("TagChanges")(
        events=records(kind("TagEvent"), data["changed"]),
        unchanged=data["unchanged"],
        tags=tags(data),
    )
    return built


def alias_change(data: dict[str, Any]) -> AliasChange:
    """``AliasChange``: the move's fields and ``changed``."""
    move = record(kind("AliasMove"), data)
    built: AliasChange = kind("AliasChange")(move=move, changed=data["changed"])
    return built


def line_event(data: dict[str, Any]) -> LineEvent:
    """``LineEvent``: the transition's fields, then the version's."""
    version = kind("VersionName")(
        id=data["artifact_id"],
        title=data["title"],
        line_name=data["line_name"],
        version_number=data["version_number"],
    )
    event = record(kind("PromotionEvent"), data)
    built: LineEvent = kind("LineEvent")(event=event, version=version)
    return built


def file_addition(data: dict[str, Any]) -> FileAddition:
    """``FileAddition``: the file's fields and ``written``."""
    listed = record(kind("ModelFile"), data)
    built: FileAddition = kind("FileAddition")(file=listed, written=data["written"])
    return built
