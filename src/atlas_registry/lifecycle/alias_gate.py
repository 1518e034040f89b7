"""Which aliases the gate guards, read from the policy's ``[aliases]`` table, and the rule itself.

``promoted`` is the gated state of a line; an alias is a pointer anyone with
the scope may move. A platform whose deployments follow one alias (say
``production``) can hold that alias to the gate too::

    [aliases.production]
    require_promoted = true   # only the line's promoted version
    require_gate = true       # only a version that meets every promotion condition now

A refusal is a :class:`~atlas_registry.errors.PromotionGateError` listing every
unmet condition, as a promotion's is. The rule is checked when the alias is
moved: a later rollback does not move the alias, it only stops it being set
again on the version rolled back from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.alias_names import alias_problem
from atlas_registry.errors import ConfigurationError, Violation
from atlas_registry.records import ModelRecord

_FLAGS = ("require_promoted", "require_gate")


@dataclass(frozen=True)
class AliasRule:
    """What a version must be for a gated alias to name it."""

    require_promoted: bool = False
    require_gate: bool = False


def parse_alias_rules(section: Any, source: str) -> dict[str, AliasRule]:
    """The policy file's ``[aliases]`` table: alias name -> its rule, each checked."""
    if not isinstance(section, dict):
        raise ConfigurationError(f"{source}: [aliases] must be a table of aliases")
    rules = {}
    for name, spec in section.items():
        where = f"{source}: [aliases.{name[:80]}]"
        problem = alias_problem(name)
        if problem is not None:
            raise ConfigurationError(f"{where}: {problem}")
        if not isinstance(spec, dict):
            raise ConfigurationError(f"{where} must be a table, such as require_promoted = true")
        unknown = set(spec) - set(_FLAGS)
        if unknown:
            raise ConfigurationError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
        for key, value in spec.items():
            if not isinstance(value, bool):
                raise ConfigurationError(f"{where} {key} must be true or false")
        if not any(spec.values()):
            raise ConfigurationError(f"{where} gates nothing: set require_promoted or require_gate")
        rules[name] = AliasRule(**spec)
    return rules


def alias_unmet(
    alias: str,
    rule: AliasRule | None,
    model: ModelRecord,
    gate_unmet: Callable[[], list[Violation]],
) -> list[Violation]:
    """Every reason ``rule`` refuses ``alias`` on ``model``; empty when it may name it.

    ``gate_unmet`` gives the promotion gate's unmet conditions for the model,
    asked only when the rule needs them (they may read the model's pin checks).
    """
    if rule is None:
        return []
    problems = []
    if rule.require_promoted and model.promotion_state != "promoted":
        problems.append(
            Violation(
                "promotion_state",
                f"is {model.promotion_state}: the policy lets {alias} name only the line's "
                "promoted version (promote it first)",
            )
        )
    if rule.require_gate:
        problems += gate_unmet()
    return problems
