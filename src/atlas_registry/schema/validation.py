"""Model metadata validation: the JSON Schema, plus sentences a scientist can act on.

The schema is run by ``jsonschema-rs`` (about a hundred times faster than the
pure-Python validator, with the same full error lists). Its raw messages
("is not valid under any of the schemas listed in the 'oneOf' keyword") are
turned here into one violation per problem, each with its JSON path and the
``x-hint`` the schema gives for that node. JSON Schema cannot see what
is not JSON (NaN, Infinity, integers beyond ±2^53, NUL, lone surrogates), so a
pre-pass (:func:`atlas_registry.documents.value_problems`) finds them.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
import orjson

from atlas_registry.documents import value_problems
from atlas_registry.errors import MetadataValidationError, Violation

# Every released version of the schema is kept, as SCHEMA_FOLDER/VERSION.json;
# the newest is in force (docs/schema_governance.md).
SCHEMA_FOLDER = "model_artifact_metadata"
# Metadata nests at most 17 levels: the root object and 16 levels of values below it.
MAX_METADATA_NESTING = 17
# What value_problems says of values the schema validator cannot be given.
_UNREADABLE = (
    "nests deeper",
    "text holds an unpaired",
    "key holds an unpaired",
    "has a key that is not text",
    "must be a JSON value",
)
# In stored JSON text (non-ASCII is written as \uXXXX): a NUL or a surrogate,
# paired or not. The fast path sends a document holding one to the full walk,
# which decides; it is looked for only in text that holds an escape at all.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"))


def version_key(version: str) -> tuple[int, ...]:
    """``1.10.0`` sorts after ``1.9.0``; raises ValueError for a version that is not numbers."""
    return tuple(int(part) for part in version.split("."))


def released_versions() -> list[str]:
    """Every packaged schema version, oldest first (semantic version order)."""
    folder = resources.files("atlas_registry") / "schemas" / SCHEMA_FOLDER
    found = [
        entry.name.removesuffix(".json")
        for entry in folder.iterdir()
        if re.fullmatch(r"\d+\.\d+\.\d+\.json", entry.name)
    ]
    return sorted(found, key=version_key)


@cache
def load_schema(version: str | None = None) -> dict[str, Any]:
    """A packaged model metadata schema (Draft-07): ``version``, or the newest, in force."""
    chosen = version or released_versions()[-1]
    folder = resources.files("atlas_registry") / "schemas" / SCHEMA_FOLDER
    schema: dict[str, Any] = json.loads((folder / f"{chosen}.json").read_text("utf-8"))
    return schema


def schema_version(schema: Mapping[str, Any] | None = None) -> str:
    """The version in the schema's ``$id`` (after its last ``:``), recorded per model row."""
    return str((schema or load_schema())["$id"]).rsplit(":", 1)[-1]


def format_path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "$"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return json.dumps(shown)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return json.dumps(value)


def _type_phrase(types: Sequence[str]) -> str:
    names = {
        "integer": "a whole number",
        "number": "a number",
        "string": "text",
        "object": "an object",
        "array": "a list",
        "boolean": "true or false",
        "null": "null",
    }
    return " or ".join(names.get(t, t) for t in types)


def _refuse_retrieval(uri: str) -> Any:
    """A ``$ref`` outside the schema is never followed: by default the validator
    would read a local file or fetch a URL that a proposed schema names."""
    raise ValueError(f"{uri} is not read: a schema must hold every definition it refers to")


class MetadataValidator:
    """A compiled schema that reports every violation in plain words."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.version = schema_version(schema)
        self._validator = jsonschema_rs.Draft7Validator(dict(schema), retriever=_refuse_retrieval)

    def checked_json(self, metadata: Any) -> tuple[str | None, list[Violation]]:
        """The metadata as stored JSON text when valid, else every violation.

        The fast path costs one schema check, the one serialisation storage needs
        anyway, and one pass of orjson, all at C speed. The schema cannot see what
        is not JSON in free-form values; the two encoders refuse all of it between
        them (the standard one: NaN, Infinity, objects that are not JSON values;
        orjson, in strict-integer mode: integers beyond ±(2^53 - 1), keys that are
        not text, lone surrogates), and a refusal sends the document to the full
        walk, which names every problem. A NUL is looked for in the text.
        """
        if isinstance(metadata, dict) and self._fast_valid(metadata):
            try:
                orjson.dumps(metadata, option=orjson.OPT_STRICT_INTEGER)
                text = _ENCODER.encode(metadata)
            except (ValueError, TypeError, RecursionError):  # orjson's error is a TypeError
                text = None
            if text is not None and not ("\\u" in text and _SUSPECT_ESCAPE.search(text)):
                return text, []
        problems = self.violations(metadata)
        if problems:
            return None, problems
        return _ENCODER.encode(metadata), []

    def violations(self, metadata: Any) -> list[Violation]:
        """Every violation in ``metadata``, sorted by path; empty when it is valid."""
        if not isinstance(metadata, dict):
            return [Violation("$", f"must be a JSON object, got {_describe(metadata)}")]
        found = value_problems(metadata, max_nesting=MAX_METADATA_NESTING)
        unreadable = [v for v in found if v.message.startswith(_UNREADABLE)]
        if unreadable:
            # Neither a recursion bomb nor text that is not Unicode can be handed to
            # the schema validator; those come first, the schema's verdict after.
            return unreadable
        if not found and self._validator.is_valid(metadata):
            return []
        reported = {v.path for v in found}
        for error in self._validator.iter_errors(metadata):
            found.extend(v for v in self._explain(error, metadata) if v.path not in reported)
        return _unique(found)

    def is_valid(self, metadata: Any) -> bool:
        """Whether ``metadata`` is valid, without explaining why not (a backfill asks it of
        every legacy blob, nearly all invalid, and only the valid ones are taken as they are)."""
        if not isinstance(metadata, dict):
            return False
        return not value_problems(metadata, max_nesting=MAX_METADATA_NESTING) and (
            self._fast_valid(metadata)
        )

    def schema_accepts(self, metadata: dict[str, Any]) -> bool:
        """The schema's verdict alone, for a caller that has already ruled out what
        :func:`value_problems` looks for (a stored document, checked by its text)."""
        return self._fast_valid(metadata)

    def _fast_valid(self, metadata: dict[str, Any]) -> bool:
        try:
            return bool(self._validator.is_valid(metadata))
        except (UnicodeEncodeError, ValueError):  # a lone surrogate, a key that is not text:
            return False  # the full walk names where

    def validate(self, metadata: Any) -> None:
        problems = self.violations(metadata)
        if problems:
            count = len(problems)
            raise MetadataValidationError(
                f"model metadata is invalid ({count} problem{'s' if count != 1 else ''}, "
                f"schema {self.version})",
                problems,
            )

    def _node(self, schema_path: Sequence[str | int]) -> Mapping[str, Any]:
        node: Any = self.schema
        for part in schema_path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return {}
        return node if isinstance(node, Mapping) else {}

    def _hint(self, schema_path: Sequence[str | int]) -> str | None:
        """The ``x-hint`` of the schema node that holds the failing keyword."""
        hint = self._node(schema_path[:-1]).get("x-hint")
        return str(hint) if hint else None

    def _explain(self, error: Any, metadata: Any) -> list[Violation]:
        kind = type(error.kind).__name__
        path = list(error.instance_path)
        schema_path = list(error.schema_path)
        instance = _lookup(metadata, path)
        where = format_path(path)
        hint = self._hint(schema_path)
        details = error.kind.as_dict() if hasattr(error.kind, "as_dict") else {}

        if kind == "OneOfNotValid" and schema_path == ["oneOf"]:
            return self._explain_variant(details.get("context") or [], metadata)
        if kind == "Required":
            prop = details.get("property")
            return [Violation(format_path([*path, str(prop)]), "is required")]
        if kind == "AdditionalProperties":
            known = sorted(self._node(schema_path[:-1]).get("properties", {}))
            return [
                Violation(format_path([*path, key]), _unknown_field(str(key), known, not path))
                for key in details.get("unexpected", [])
            ]
        if kind == "Type":
            if isinstance(instance, float) and not math.isfinite(instance):
                return []  # reported by the pre-pass in its own words
            expected = _type_phrase(details.get("types", []))
            return [Violation(where, f"must be {expected}, got {_describe(instance)}")]
        if kind == "PropertyNames":
            inner = details.get("error")
            bad = str(getattr(inner, "instance", "?"))
            inner_path = list(getattr(inner, "schema_path", []))
            rule = self._hint(inner_path) or self._hint(schema_path) or "a valid key"
            return [Violation(format_path([*path, bad]), f"is not an allowed name: must be {rule}")]
        return [Violation(where, _sentence(kind, details, instance, hint, error.message))]

    def _explain_variant(
        self, context: list[list[Any]], metadata: dict[str, Any]
    ) -> list[Violation]:
        """Report the oneOf branch the document meant to be, chosen by ``is_external``."""
        branch = 0 if metadata.get("is_external") is True else 1
        variants = self.schema.get("oneOf", [])
        label = "external" if branch == 0 else "internal"
        if branch >= len(context):
            return [Violation("$", "does not match the external or internal model rules")]
        found = []
        for error in context[branch]:
            kind = type(error.kind).__name__
            details = error.kind.as_dict() if hasattr(error.kind, "as_dict") else {}
            if kind == "Required":
                prop = str(details.get("property"))
                found.append(Violation(prop, f"is required for {label} models"))
            elif kind == "Not":
                for key in ("external_source_url", "external_source_version"):
                    if key in metadata:
                        found.append(
                            Violation(
                                key,
                                "must not be set on an internal model; set is_external: true "
                                "if the model was obtained from outside",
                            )
                        )
            elif kind != "Constant":
                hint = variants[branch].get("x-hint") if branch < len(variants) else None
                found.append(
                    Violation(format_path(list(error.instance_path)), hint or error.message)
                )
        return found


def _unknown_field(key: str, known: list[str], at_root: bool) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
    if close:
        return f"is not a known field; did you mean `{close[0]}`?"
    advice = "; put free-form data under extensions" if at_root else ""
    return f"is not a known field (allowed: {', '.join(known)}){advice}"


def _sentence(
    kind: str, details: Mapping[str, Any], instance: Any, hint: str | None, raw: str
) -> str:
    limit = details.get("limit")
    got = _describe(instance)
    match kind:
        case "Pattern" | "Format" | "AnyOf" | "OneOfNotValid" | "Not":
            return f"must be {hint}, got {got}" if hint else raw
        case "Minimum" | "ExclusiveMinimum":
            op = ">=" if kind == "Minimum" else ">"
            return f"must be {op} {limit}, got {got}"
        case "Maximum" | "ExclusiveMaximum":
            op = "<=" if kind == "Maximum" else "<"
            return f"must be {op} {limit}, got {got}"
        case "MinLength":
            return "must not be empty" if limit == 1 else f"must be at least {limit} characters"
        case "MaxLength":
            return f"is too long ({len(instance)} characters; at most {limit})"
        case "MinItems":
            return f"must list at least {limit} item{'s' if limit != 1 else ''}"
        case "MaxItems":
            return f"has too many items ({len(instance)}; at most {limit})"
        case "MinProperties":
            return f"must have at least {limit} entr{'ies' if limit != 1 else 'y'}"
        case "MaxProperties":
            return f"has too many entries ({len(instance)}; at most {limit})"
        case "Enum" | "Constant":
            return f"must be {hint or raw}, got {got}"
    return f"must be {hint}, got {got}" if hint else raw


def _lookup(document: Any, path: Sequence[str | int]) -> Any:
    node = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _unique(violations: list[Violation]) -> list[Violation]:
    seen: dict[tuple[str, str], Violation] = {}
    for violation in violations:
        seen.setdefault((violation.path, violation.message), violation)
    return sorted(seen.values(), key=lambda v: v.path)


@cache
def default_validator() -> MetadataValidator:
    return MetadataValidator(load_schema())


def validate_metadata(metadata: Any) -> None:
    """Raise :class:`MetadataValidationError` listing every violation, or return None."""
    default_validator().validate(metadata)
