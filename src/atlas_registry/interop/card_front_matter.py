"""A model card's YAML front matter read with its work bounded before the parser gets far.

A card is text from anywhere. YAML lets a few kilobytes cost minutes: a YAML
reader in pure Python spends time quadratic in the nesting of flow sequences
(``[[[[...``), an alias (``*name``) can stand for millions of values, and a
front matter may name a key twice, leaving the parser to pick which value
wins. So the front matter is read in two passes, each stopped at its limit:

- it is at most :data:`MAX_FRONT_MATTER_BYTES`, checked before any parsing;
- a pass over the parser's event stream (libyaml's when PyYAML has it, which
  reads in C) stops at the first alias, at nesting deeper than
  :data:`~atlas_registry.documents.MAX_NESTING` levels, and past
  :data:`MAX_FRONT_MATTER_NODES` values; only then is the YAML composed;
- every mapping names each key once, as in a JSON document: a refusal names
  the key's path and every line that gives it.

A refusal says the same as a JSON document's (:func:`~atlas_registry.documents.parse_json`):
text that cannot be read as YAML at all (a front matter never closed, over
the size limit, or not YAML) is an :class:`InputError`, as text that is not
JSON is; YAML that breaks a rule (nesting, an alias, too many values, a key
named twice or not text, a root that is no mapping) is a
:class:`ValidationError` naming where, as JSON that breaks a limit is. So a
hostile shape exits alike whichever check caught it: libyaml's own nesting
cap, met before the event pass sees the 65th level, is worded and classed as
the registry's.

The front matter is found by the Hub's own pattern, so the text checked here
is the text ``huggingface_hub`` would read as the card's metadata; the values
read here are handed to it, so it never parses the YAML again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from atlas_registry.documents import MAX_NESTING
from atlas_registry.errors import InputError, ValidationError, Violation

MAX_FRONT_MATTER_BYTES = 256 * 1024
MAX_FRONT_MATTER_NODES = 20_000

_FAST = getattr(yaml, "CSafeLoader", None)
# A first line of --- with no other such line: front matter begun and never ended.
_OPENING = re.compile(r"\s*---[ \t]*(?:\r\n|\r|\n)")
_CLOSING = re.compile(r"^---[ \t]*$", re.MULTILINE)


class _PureLoader(yaml.SafeLoader):
    """PyYAML's own reader with flow nesting capped where it is scanned.

    Used only when PyYAML was built without libyaml. Its scanner keeps one
    possible key per open flow level and re-checks all of them at every
    token, so the cap is applied before the scanner runs ahead, not after.
    """

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # noqa: N803 (PyYAML's name)
        if self.flow_level >= MAX_NESTING:
            raise _TooDeep(self.get_mark().line)
        super().fetch_flow_collection_start(TokenClass)


class _TooDeep(yaml.YAMLError):
    """Nesting past the limit, found by the scanner; ``line`` counts from 0 in the YAML."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _loader() -> Any:
    return _FAST or _PureLoader


def front_matter_block(content: str) -> tuple[str, int] | None:
    """The front matter's YAML and the file line it starts on; None when the card has none.

    Found by ``huggingface_hub``'s pattern, so both read the same text.
    """
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    found = REGEX_YAML_BLOCK.search(content)
    if found is None:
        return None
    return found.group(2), content.count("\n", 0, found.start(2)) + 1


def read_front_matter(content: str, source: str) -> dict[str, Any] | None:
    """The front matter's values, or None when the card has none; refused past any limit."""
    block = front_matter_block(content)
    if block is None:
        opening = _OPENING.match(content)
        if opening and not _CLOSING.search(content, opening.end()):
            raise InputError(
                f"the front matter of {source} is not closed: end it with a line of ---"
            )
        return None
    text, first_line = block
    where = f"the front matter of {source}"
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER_BYTES:
        raise InputError(
            f"{where} is over {MAX_FRONT_MATTER_BYTES:,} bytes, the most a card's front matter "
            "may be"
        )
    try:
        _check_events(text, where, first_line)
        values = _composed(text, where, first_line)
    except _TooDeep as exc:
        raise _too_deep(where, exc.line + first_line) from exc
    except yaml.YAMLError as exc:
        deeper = _libyaml_too_deep(exc)
        if deeper is not None:
            raise _too_deep(where, deeper + first_line) from exc
        raise InputError(f"{where} cannot be read: {_shifted(exc, first_line)}") from exc
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ValidationError(
            f"{where} must be a mapping of keys to values",
            [Violation("$", "must be a mapping of keys to values, not a list or a text")],
        )
    odd = [repr(key)[:60] for key in values if not isinstance(key, str)]
    if odd:
        raise ValidationError(
            f"{where} has keys that are not text",
            [Violation("$", f"has keys that are not text ({', '.join(odd)}): quote them")],
        )
    return values


def _libyaml_too_deep(error: yaml.YAMLError) -> int | None:
    """The line (from 0) where libyaml met its own nesting cap, when that is the error.

    libyaml scans ahead of the events it hands out, so ``[[[[...`` thousands
    deep meets its cap (1,000 levels) before the event pass counts past 64.
    """
    if not isinstance(error, yaml.MarkedYAMLError) or "nesting depth" not in (error.problem or ""):
        return None
    mark = error.problem_mark
    return mark.line if mark is not None else 0


def _check_events(text: str, where: str, first_line: int) -> None:
    """Refuse an alias, deep nesting or too many values, reading no further than the first."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.AliasEvent):
            raise ValidationError(
                f"{where} uses a YAML alias",
                [
                    Violation(
                        "$",
                        f"uses a YAML alias (*name) at line {_line(event, first_line)}; "
                        "no card needs one: write the values out",
                    )
                ],
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise _too_deep(where, _line(event, first_line))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_FRONT_MATTER_NODES:
                raise ValidationError(
                    f"{where} holds too many values",
                    [
                        Violation(
                            "$",
                            f"holds more than {MAX_FRONT_MATTER_NODES:,} values "
                            f"(line {_line(event, first_line)}), more than any card needs",
                        )
                    ],
                )


def _too_deep(where: str, line: int) -> ValidationError:
    """Worded as a JSON document's nesting is, with the line where it goes deeper."""
    return ValidationError(
        f"{where} is nested too deeply",
        [Violation("$", f"nests deeper than {MAX_NESTING} levels (at line {line})")],
    )


def _composed(text: str, where: str, first_line: int) -> Any:
    """The values, once no mapping names a key twice."""
    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        problems = list(_duplicate_keys(loader, node, first_line))
        if problems:
            raise ValidationError(f"{where} names a key more than once", problems)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _duplicate_keys(loader: Any, root: yaml.Node, first_line: int) -> Iterator[Violation]:
    """Each key a mapping names more than once: its path and the lines and values it has."""
    pending: list[tuple[yaml.Node, str]] = [(root, "$")]
    while pending:
        node, path = pending.pop()
        if isinstance(node, yaml.SequenceNode):
            pending += [(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: dict[Any, list[tuple[yaml.Node, yaml.Node]]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key is refused when the values are built
            key = loader.construct_object(key_node)
            try:
                seen.setdefault(key, []).append((key_node, value_node))
            except TypeError:
                continue
            shown = str(key) if len(str(key)) <= 60 else str(key)[:57] + "..."
            pending.append((value_node, shown if path == "$" else f"{path}.{shown}"))
        for key, given in seen.items():
            if len(given) > 1:
                shown = str(key) if len(str(key)) <= 60 else str(key)[:57] + "..."
                lines = ", ".join(
                    f"line {k.start_mark.line + first_line}: {_value_text(v)}" for k, v in given
                )
                yield Violation(
                    shown if path == "$" else f"{path}.{shown}",
                    f"is given {len(given)} times ({lines}); name it once",
                )


def _value_text(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        text = repr(node.value) if node.style in ("'", '"') else str(node.value)
        return text if len(text) <= 60 else text[:57] + "..."
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def _line(event: yaml.Event, first_line: int) -> int:
    mark = event.start_mark
    return (mark.line if mark is not None else 0) + first_line


def _shifted(error: yaml.YAMLError, first_line: int) -> str:
    """PyYAML's complaint with its line counted in the card, not in the front matter."""
    mark = getattr(error, "problem_mark", None)
    if not isinstance(error, yaml.MarkedYAMLError) or mark is None:
        return str(error)
    context = f"{error.context}: " if error.context else ""
    return f"{context}{error.problem} (line {mark.line + first_line}, column {mark.column + 1})"
