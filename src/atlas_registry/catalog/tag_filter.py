"""The ``tag`` filter of a list of models: ``k=v`` texts, each of which a version must carry.

A version carries ``k=v`` when it has the tag itself, or when its line has it
and the version has no value of its own for ``k`` (its effective tags, see
:mod:`.tags`). Each condition starts from ``model_tags``' index on
(key, value): the versions and lines holding the tag are looked up there, not
found by reading every version's tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, exists, or_, select

from atlas_registry.catalog.queries import ROOT
from atlas_registry.catalog.tags import parse_tags
from atlas_registry.store.tables import artifacts, model_tags

Pairs = tuple[tuple[str, str], ...]


def tag_pairs(texts: Sequence[str] | None) -> Pairs:
    """The filter's ``k=v`` texts as sorted (key, value) pairs; none is no filter."""
    if not texts:
        return ()
    if isinstance(texts, str):  # one text where a list belongs: one tag, not its letters
        texts = [texts]
    return tuple(sorted(parse_tags(list(texts), "tag").items()))


def _holding(scope: str, subject: Any, key: Any, value: Any) -> ColumnElement[bool]:
    tagged = select(model_tags.c.subject_id).where(
        model_tags.c.tag_key == key, model_tags.c.tag_value == value, model_tags.c.scope == scope
    )
    condition: ColumnElement[bool] = subject.in_(tagged)
    return condition


def _own_key(key: Any) -> ColumnElement[bool]:
    return exists().where(
        model_tags.c.scope == "version",
        model_tags.c.subject_id == artifacts.c.id,
        model_tags.c.tag_key == key,
    )


def tag_conditions(count: int) -> list[ColumnElement[bool]]:
    """One condition per tag, bound to ``tag_key_N``/``tag_value_N`` (:func:`tag_params`)."""
    conditions = []
    for n in range(count):
        key: BindParameter[str] = bindparam(f"tag_key_{n}")
        value: BindParameter[str] = bindparam(f"tag_value_{n}")
        conditions.append(
            or_(
                _holding("version", artifacts.c.id, key, value),
                and_(_holding("line", ROOT, key, value), ~_own_key(key)),
            )
        )
    return conditions


def tag_params(pairs: Pairs) -> dict[str, str]:
    params: dict[str, str] = {}
    for n, (key, value) in enumerate(pairs):
        params[f"tag_key_{n}"], params[f"tag_value_{n}"] = key, value
    return params
