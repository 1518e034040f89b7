"""The one reader of JSON documents, and the limits every value the registry stores obeys.

Every document the registry reads (a registration file or standard input, a
``--set`` value, a legacy artifact's metadata text, the legacy fixture file)
goes through :func:`parse_json`, and every value a caller hands the library
directly goes through :func:`value_problems`, so the same document is accepted
or refused the same way on every path and on both databases. The limits, with
the reason for each (they are listed for users in ``docs/limits.md``):

- a document is at most :data:`MAX_DOCUMENT_BYTES`;
- objects and lists nest at most :data:`MAX_NESTING` levels (the metadata
  schema allows far fewer; this bound keeps a hostile document from exhausting
  the parser's stack);
- an object names each key once: JSON parsers disagree on which of two
  duplicates wins, so the registry refuses to pick;
- integers lie within ±2^53 (:data:`MAX_SAFE_INTEGER`), the range every JSON
  reader, both databases and a double hold exactly;
- numbers are finite: ``NaN``, ``Infinity`` and literals that overflow a double
  (``1e400``) are refused;
- text holds no NUL character (PostgreSQL cannot store one) and no unpaired
  UTF-16 surrogate (it is not Unicode text and cannot be written as UTF-8).

A byte order mark before the document is ignored, as RFC 8259 allows.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

import orjson

from atlas_registry.errors import InputError, ValidationError, Violation

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_NESTING = 64
MAX_SAFE_INTEGER = 2**53
MAX_KEY_CHARACTERS = 1000
_DIGITS_OF_SAFE_INTEGER = len(str(MAX_SAFE_INTEGER))

_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
# In a Python string every surrogate is unpaired (a pair from JSON is decoded to one character).
_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")
# For the fast reader: a key whose closing quote is spaced from its colon.
_SPACED_KEY_END = re.compile(r'"\s+:')


class _Refused:
    """A parsed value the limits refuse, kept in place so the refusal can name its path."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _DuplicateKeys(dict[str, Any]):
    """An object that named a key more than once: every value each duplicate had."""

    duplicates: dict[str, list[Any]]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, list[Any]] = {}
    for key, value in pairs:
        seen.setdefault(key, []).append(value)
    duplicates = {key: values for key, values in seen.items() if len(values) > 1}
    if not duplicates:
        return dict(pairs)
    found = _DuplicateKeys(pairs)
    found.duplicates = duplicates
    return found


def _integer(text: str) -> int | _Refused:
    digits = text.lstrip("-")
    if len(digits) > _DIGITS_OF_SAFE_INTEGER or abs(int(text)) > MAX_SAFE_INTEGER:
        shown = text if len(text) <= 24 else f"{text[:12]}...({len(digits)} digits)"
        return _Refused(f"integer {shown} is outside ±2^53, the range stored exactly")
    return int(text)


def _number(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 24 else text[:21] + "..."
        return _Refused(f"must be a finite number, got {shown}, which overflows a double")
    return value


def _constant(name: str) -> _Refused:
    return _Refused(f"must be a finite number, got {name}")


def _deepest_offset(text: str) -> int | None:
    """Where the text first nests deeper than MAX_NESTING, or None; strings are skipped."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return match.start()
        elif token in "]}":
            depth -= 1
    return None


def parse_json(raw: str | bytes, source: str) -> Any:
    """The document in ``raw``, or an error that names where it breaks which limit.

    ``source`` says what is being read (a file name, "standard input", "--set
    parameter_count") for the messages. Text that is not JSON, or too large,
    is an :class:`InputError`; JSON that breaks a limit is a
    :class:`ValidationError` listing every place it does.
    """
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise document_too_large(source)
    fast = _plainly_within_limits(raw)
    if fast is not None:
        return fast[0]
    return _read_fully(raw, source)


def _read_fully(raw: str | bytes, source: str) -> Any:
    """The reader that finds every broken limit and names where: for what the fast one declines."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source} is not UTF-8 text (byte {exc.start} cannot be decoded)"
            ) from exc
    # Windows editors save UTF-8 with a byte order mark; RFC 8259 lets a reader ignore it.
    raw = raw.removeprefix("\ufeff")
    offset = _deepest_offset(raw)
    if offset is not None:
        raise ValidationError(
            f"{source} is nested too deeply",
            [Violation("$", f"nests deeper than {MAX_NESTING} levels (at character {offset})")],
        )
    try:
        document = json.loads(
            raw,
            object_pairs_hook=_object,
            parse_int=_integer,
            parse_float=_number,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    problems = value_problems(document)
    if problems:
        raise ValidationError(f"{source} breaks the registry's document limits", problems)
    return document


def _plainly_within_limits(raw: str | bytes) -> tuple[Any] | None:
    """``(document,)`` when ``raw`` is JSON that plainly keeps every limit, else None.

    The common case, read by orjson in a few µs instead of ~60 (a request body
    is read on every write). It answers only when it can prove the document
    keeps the limits; anything else (an error, a duplicate key, a NUL, a large
    number, even a harmless look-alike) goes to the full reader, which names
    what is wrong and where. Duplicate keys are ruled out by counting: every
    key ends in ``":`` when no key is spaced from its colon, so when the text
    holds exactly as many ``":`` as the parsed objects hold keys, no key was
    named twice (orjson keeps only the last of two).
    """
    try:
        document = orjson.loads(raw)
        orjson.dumps(document, option=orjson.OPT_STRICT_INTEGER)  # no integer past ±2^53
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    if "\\u0000" in text or _SPACED_KEY_END.search(text):
        return None
    keys = _plain_key_count(document, long_keys=len(text) > MAX_KEY_CHARACTERS)
    if keys is None or keys != text.count('":'):
        return None
    return (document,)


def _plain_key_count(document: Any, *, long_keys: bool) -> int | None:
    """How many keys the document's objects hold; None when a value may break a limit.

    That is: nesting past the limit, a key past its length (looked for only
    when the text is long enough to hold one), or a float of magnitude 2^53 or
    more, which orjson also makes of an integer literal past 2^64.
    """
    keys = 0
    pending: list[tuple[Any, int]] = [([document], 0)]  # the root is checked as a child
    while pending:
        value, depth = pending.pop()
        if type(value) is dict:
            keys += len(value)
            if long_keys and max(map(len, value), default=0) > MAX_KEY_CHARACTERS:
                return None
            value = value.values()
        elif type(value) is not list:
            continue
        if depth > MAX_NESTING:
            return None
        for child in value:
            kind = type(child)
            if kind is dict or kind is list:
                pending.append((child, depth + 1))
            elif kind is float and not -MAX_SAFE_INTEGER < child < MAX_SAFE_INTEGER:
                return None
    return keys


def dump_json(value: Any) -> str:
    """JSON as stored: compact, key order kept, NaN refused (ValueError)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def value_problems(
    value: Any, path: str = "$", *, max_nesting: int = MAX_NESTING
) -> list[Violation]:
    """Every place ``value`` breaks a document limit, with its JSON path; empty when none does.

    For values built in Python (the library's callers) as much as for parsed
    documents: NaN, huge integers, NUL, lone surrogates, non-text keys and
    anything that is not a JSON value are refused here, before any write.
    """
    return list(_problems(value, path, 0, max_nesting))


def is_storable_text(text: str) -> bool:
    """True when ``text`` breaks none of the limits on text: the common case, in one search."""
    return _UNSTORABLE_CHARACTER.search(text) is None


UNSTORABLE = "holds a character no registered text holds (a NUL or a lone surrogate)"


def refuse_unstorable(what: str, values: dict[str, Any]) -> None:
    """A ValidationError naming each value a lookup was given that no stored text can hold.

    Nothing registered holds a NUL, so such a value matches nothing; but
    PostgreSQL refuses it as a value while SQLite compares it, and the same
    lookup would answer differently on each. It is refused before either.
    """
    problems = [
        Violation(name, UNSTORABLE)
        for name, value in values.items()
        if isinstance(value, str) and not is_storable_text(value)
    ]
    if problems:
        raise ValidationError(f"{what} cannot match anything", problems)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    shown = key if len(key) <= 60 else key[:57] + "..."
    return shown if path == "$" else f"{path}.{shown}"


def _problems(value: Any, path: str, depth: int, max_nesting: int) -> Iterator[Violation]:
    if isinstance(value, str):
        yield from _text_problems(value, path)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            yield Violation(path, "is an integer outside ±2^53, the range stored exactly")
    elif isinstance(value, float):
        if not math.isfinite(value):
            name = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
            yield Violation(path, f"must be a finite number, got {name}")
    elif isinstance(value, _Refused):
        yield Violation(path, value.reason)
    elif isinstance(value, dict | list | tuple):
        if depth >= max_nesting:
            yield Violation(path, f"nests deeper than {max_nesting} levels")
            return
        yield from _container_problems(value, path, depth, max_nesting)
    else:
        yield Violation(path, f"must be a JSON value, got {type(value).__name__}")


def _container_problems(
    value: dict[Any, Any] | list[Any] | tuple[Any, ...], path: str, depth: int, max_nesting: int
) -> Iterator[Violation]:
    if isinstance(value, _DuplicateKeys):
        for key, values in value.duplicates.items():
            shown = ", ".join(_shown(v) for v in values)
            yield Violation(
                _join(path, key), f"is given {len(values)} times ({shown}); name it once"
            )
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield Violation(path, f"has a key that is not text: {key!r:.60}")
                continue
            if len(key) > MAX_KEY_CHARACTERS:
                yield Violation(_join(path, key), f"is a key longer than {MAX_KEY_CHARACTERS}")
                continue
            yield from _text_problems(key, _join(path, key), what="key")
            yield from _problems(item, _join(path, key), depth + 1, max_nesting)
    else:
        for index, item in enumerate(value):
            yield from _problems(item, _join(path, index), depth + 1, max_nesting)


def _text_problems(text: str, path: str, what: str = "text") -> Iterator[Violation]:
    if "\x00" in text:
        yield Violation(path, f"{what} must not contain a NUL character (\\u0000)")
    surrogate = _SURROGATE.search(text)
    if surrogate:
        code = f"U+{ord(surrogate.group()):04X}"
        yield Violation(
            path,
            f"{what} holds an unpaired UTF-16 surrogate ({code} at character "
            f"{surrogate.start()}), which is not Unicode text",
        )


def _shown(value: Any) -> str:
    if isinstance(value, _Refused):
        return value.reason
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def document_too_large(source: str) -> InputError:
    # A file is read one byte past the limit, never whole: its size is not known.
    return InputError(f"{source} is over {MAX_DOCUMENT_BYTES:,} bytes, the most a document may be")
