"""Which way is better for a metric: the vocabulary shipped with the schema, plus a platform's own.

A metric's direction is a fact (a lower ``rmse`` is better whoever reads the
leaderboard), so it is defined once: ``schemas/metric_directions.toml`` ships
the field's common metrics and the name families built from them
(``precision@20``, ``f1_macro``, ``val_loss``), and a platform declares the
metrics the vocabulary does not know in the ``[metrics]`` table of its
promotion policy. A declaration may add a name, never reverse one the
vocabulary knows. Every ranking, "best" highlight, trend and gate threshold
asks :meth:`MetricDirections.of`; a metric neither names is *unknown*, and is
never ranked by a guess: the caller is asked for the direction.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal, cast

from atlas_registry.errors import ConfigurationError, RegistryError, ValidationError, Violation
from atlas_registry.schema.patterns import METRIC_NAME

Direction = Literal["higher", "lower"]
DIRECTIONS: tuple[Direction, ...] = ("higher", "lower")
# Where a ranking's direction came from: a fact (the vocabulary, the platform's
# policy) or the caller's answer for a metric neither knows.
Source = Literal["vocabulary", "policy", "request"]
UNKNOWN = "unknown"
VOCABULARY_FILE = "metric_directions.toml"
# The path of the one violation that asks for a direction: each surface words the how.
ASKED = "direction"
_UNKNOWN_SUMMARY = "which way is better is unknown"
_THIS_RANKING = "for this ranking"  # where a surface says how it takes the answer

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_CUTOFF = "(?:[1-9][0-9]{0,5}|k)"


@dataclass(frozen=True)
class _Family:
    """Names written in one form (``{metric}@{k}``) that take their metric's direction."""

    pattern: re.Pattern[str]
    any_known: bool  # ``metrics = "*"``: any name the lists or a listing family know


@dataclass(frozen=True)
class Vocabulary:
    """The shipped names and families, read once from the package."""

    names: Mapping[str, Direction]
    families: tuple[_Family, ...]

    def direction(self, metric: str) -> Direction | None:
        """The direction the vocabulary gives ``metric``, or None when it says nothing.

        A name two rules would give opposite directions is unknown: never guessed.
        """
        found = self._listed(metric)
        for family in self.families:
            match = family.pattern.fullmatch(metric) if family.any_known else None
            if match is not None:
                found |= self._listed(match["metric"])
        return found.pop() if len(found) == 1 else None

    def _listed(self, metric: str) -> set[Direction]:
        found = {self.names[metric]} if metric in self.names else set()
        for family in self.families:
            match = None if family.any_known else family.pattern.fullmatch(metric)
            if match is not None:
                found.add(self.names[match["metric"]])
        return found


def _family_pattern(spec: Mapping[str, Any], names: Mapping[str, Direction], where: str) -> str:
    form, metrics = spec.get("form"), spec.get("metrics")
    if not isinstance(form, str) or "{metric}" not in form:
        raise ConfigurationError(f'{where} needs form = "...{{metric}}..."')
    if metrics != "*" and (
        not isinstance(metrics, list) or not all(m in names for m in metrics) or not metrics
    ):
        raise ConfigurationError(f'{where}: metrics must be "*" or names listed as higher or lower')
    parts = []
    for index, piece in enumerate(_PLACEHOLDER.split(form)):
        if index % 2 == 0:
            parts.append(re.escape(piece))
        elif piece == "metric":
            listed = "|".join(map(re.escape, cast(list[str], metrics)))
            parts.append("(?P<metric>.+)" if metrics == "*" else f"(?P<metric>{listed})")
        elif piece == "k":
            parts.append(_CUTOFF)
        elif isinstance(spec.get(piece), list) and all(isinstance(v, str) for v in spec[piece]):
            parts.append("(?:" + "|".join(map(re.escape, spec[piece])) + ")")
        else:
            raise ConfigurationError(f"{where}: {{{piece}}} needs {piece} = [values]")
    return "".join(parts)


def parse_vocabulary(text: str, source: str) -> Vocabulary:
    """The vocabulary in ``text``; a name listed both ways is refused, not resolved."""
    document = tomllib.loads(text)
    names: dict[str, Direction] = {}
    for direction in DIRECTIONS:
        for name in document.get(direction, []):
            if names.get(name, direction) != direction:
                raise ConfigurationError(f"{source}: {name} is listed as higher and as lower")
            names[name] = direction
    families = tuple(
        _Family(
            re.compile(_family_pattern(spec, names, f"{source}: families[{index}]")),
            spec["metrics"] == "*",
        )
        for index, spec in enumerate(document.get("families", []))
    )
    return Vocabulary(names, families)


@functools.cache
def vocabulary() -> Vocabulary:
    """The vocabulary shipped in the package, beside the metadata schema."""
    packaged = resources.files("atlas_registry") / "schemas" / VOCABULARY_FILE
    return parse_vocabulary(packaged.read_text("utf-8"), f"{VOCABULARY_FILE} (packaged)")


def said(direction: Direction) -> str:
    """``higher`` -> ``higher is better``: how a direction reads in a sentence."""
    return f"{direction} is better"


@dataclass(frozen=True)
class RankedBy:
    """The direction a ranking used, and whether it is a fact or the caller's choice."""

    direction: Direction
    source: Source

    @property
    def said(self) -> str:
        """``higher is better``, or ``higher is better, as chosen`` when it is not a fact."""
        return said(self.direction) + (", as chosen" if self.source == "request" else "")

    def to_dict(self) -> dict[str, str]:
        return {"direction": self.direction, "direction_source": self.source}


@dataclass(frozen=True)
class MetricDirections:
    """The vocabulary and a platform's declared metrics: the one answer to "which way"."""

    declared: Mapping[str, Direction] = field(default_factory=dict)
    declared_in: str = "the promotion policy"

    def of(self, metric: str) -> Direction | None:
        """``metric``'s direction, or None when neither the vocabulary nor the platform says."""
        return vocabulary().direction(metric) or self.declared.get(metric)

    def name(self, metric: str) -> str:
        """``higher``, ``lower`` or ``unknown``: the direction as reported to readers."""
        return self.of(metric) or UNKNOWN

    def source(self, metric: str) -> Source | None:
        """Who states ``metric``'s direction: the vocabulary, the policy, or nobody (None)."""
        if vocabulary().direction(metric) is not None:
            return "vocabulary"
        return "policy" if metric in self.declared else None

    def ranked_by(self, metric: str, given: str | None) -> RankedBy:
        """What :meth:`for_ranking` ranks ``metric`` by, and whether the caller chose it."""
        direction = self.for_ranking(metric, given)
        return RankedBy(direction, self.source(metric) or "request")

    def _where(self, metric: str) -> str:
        known = vocabulary().direction(metric) is not None
        return "the metric vocabulary" if known else f"declared in {self.declared_in}"

    def for_ranking(self, metric: str, given: str | None) -> Direction:
        """The direction to rank ``metric`` by; ``given`` only answers what is unknown.

        A known direction given reversed is refused (a fact, not a preference);
        an unknown one not given is refused with what to do, never guessed.
        """
        if given is not None and given not in DIRECTIONS:
            raise ValidationError(
                "unknown direction", [Violation(ASKED, "must be higher or lower")]
            )
        known = self.of(metric)
        if known is None and given is None:
            raise ValidationError(
                f"cannot rank by {metric!r:.80}: {_UNKNOWN_SUMMARY}",
                [
                    Violation(
                        ASKED,
                        f"{metric!r:.80} is not in the metric vocabulary: say whether a higher "
                        f"or a lower value is better {_THIS_RANKING}, or declare it for good "
                        f'in the promotion policy\'s [metrics] table ({metric:.80} = "higher" '
                        'or "lower")',
                    )
                ],
            )
        if known is not None and given is not None and given != known:
            raise ValidationError(
                f"cannot rank {metric!r:.80} {'highest' if given == 'higher' else 'lowest'} first",
                [
                    Violation(
                        ASKED,
                        f"{said(known)} for {metric!r:.80} ({self._where(metric)}); a metric's "
                        "direction is a fact, not a choice: leave the direction out",
                    )
                ],
            )
        return known or cast(Direction, given)


VOCABULARY_ONLY = MetricDirections()


def parse_declared(table: Any, source: str) -> dict[str, Direction]:
    """A policy's ``[metrics]`` table: ``name = "higher" | "lower"``, each checked.

    A name the vocabulary already knows with the other direction is refused:
    the vocabulary states a fact a platform cannot reverse.
    """
    if not isinstance(table, dict):
        raise ConfigurationError(f'{source}: [metrics] holds name = "higher" or "lower" lines')
    declared: dict[str, Direction] = {}
    for name, value in table.items():
        where = f"{source}: [metrics] {name!r:.80}"
        if not METRIC_NAME.fullmatch(name):
            raise ConfigurationError(f"{where} is not a metric name (lower case, like f1_macro)")
        if value not in DIRECTIONS:
            raise ConfigurationError(f'{where} must be "higher" or "lower", not {value!r:.40}')
        known = vocabulary().direction(name)
        if known is not None and known != value:
            raise ConfigurationError(
                f"{where} = {value!r} contradicts the metric vocabulary ({said(known)}); "
                "a metric's direction is a fact: remove the line"
            )
        declared[name] = value
    return declared


def asking_how(error: RegistryError, how: str) -> RegistryError:
    """``error`` with its question for a direction saying how this surface answers it.

    The library's refusal is worded for every surface; the CLI names its
    flags, the API its query parameter. Any other error is returned as it is.
    """
    asks = isinstance(error, ValidationError) and error.summary.endswith(_UNKNOWN_SUMMARY)
    if not isinstance(error, ValidationError) or not asks:
        return error
    [violation] = error.violations
    message = violation.message.replace(_THIS_RANKING, f"{_THIS_RANKING} ({how})", 1)
    refused = ValidationError(error.summary, [Violation(ASKED, message)])
    refused.__cause__ = error
    return refused
