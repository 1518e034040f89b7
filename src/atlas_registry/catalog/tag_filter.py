"""The ``tag`` filter of a list of models: ``k=v`` texts, each of which a version must carry.

A version carries ``k=v`` when it has the tag itself, or when its line has it
and the version has no value of its own for ``k`` (its effective tags, see
:mod:`.tags`).

Two statements say the same, and the listing picks one by how many rows hold
each tag (one index count each, at most :data:`FEW` + 1 rows read). The
rarest tag, when few rows hold it, is *looked up* in ``model_tags``' (key,
value) index and the few versions it names are sorted (a rare tag at 200,000
versions: 2 ms, where walking them newest first took 150 ms); the other tags
are checked on those. When every tag is common, each is *checked* by a
primary-key probe while walking the newest-first index, which finds a page in
a few steps (sorting 100,000 looked-up versions took over a second).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
)

from atlas_registry.catalog.queries import ROOT
from atlas_registry.catalog.tags import parse_tags
from atlas_registry.store.tables import artifacts, model_tags

Pairs = tuple[tuple[str, str], ...]

# A tag held by at most this many rows is looked up; one held by more is checked.
FEW = 1000


def tag_pairs(texts: Sequence[str] | None) -> Pairs:
    """The filter's ``k=v`` texts as sorted (key, value) pairs; none is no filter."""
    if not texts:
        return ()
    if isinstance(texts, str):  # one text where a list belongs: one tag, not its letters
        texts = [texts]
    return tuple(sorted(parse_tags(list(texts), "tag").items()))


def rarest_few(conn: Connection, pairs: Pairs) -> int | None:
    """Which tag of ``pairs`` to look up: the one held by fewest rows, if at most :data:`FEW`.

    None when every tag is common: each is then checked on the walk.
    """
    counts = []
    for key, value in pairs:
        held = (
            select(literal(1))
            .where(model_tags.c.tag_key == key, model_tags.c.tag_value == value)
            .limit(FEW + 1)
            .subquery()
        )
        counts.append(conn.execute(select(func.count()).select_from(held)).scalar_one())
    fewest = min(range(len(counts)), key=counts.__getitem__, default=None)
    return fewest if fewest is not None and counts[fewest] <= FEW else None


def _has(scope: str, subject: Any, key: Any, value: Any | None = None) -> Any:
    """Whether ``subject`` holds ``key`` (with ``value``, if given): one primary-key probe."""
    found = exists().where(
        model_tags.c.scope == scope,
        model_tags.c.subject_id == subject,
        model_tags.c.tag_key == key,
    )
    return found if value is None else found.where(model_tags.c.tag_value == value)


def _checked(key: Any, value: Any) -> ColumnElement[bool]:
    """The tag tested on each version the walk reaches: its own, else its line's.

    Probes, not ``IN`` lists: SQLite would build the list of every holder of a
    common tag on each run before walking a page of them.
    """
    return or_(
        _has("version", artifacts.c.id, key, value),
        and_(_has("line", ROOT, key, value), ~_has("version", artifacts.c.id, key)),
    )


def _looked_up(key: Any, value: Any) -> ColumnElement[bool]:
    """The versions holding the tag, found from the index: its own, and its line's versions."""
    version = artifacts.alias("tagged_version")
    root = func.coalesce(version.c.lineage_id, version.c.id)
    # "|| ''": SQLite then searches the index on the root expression (see model_listing).
    in_lines = (
        select(version.c.id)
        .select_from(model_tags)
        .join(version, root == model_tags.c.subject_id.concat(""))
        .where(
            model_tags.c.tag_key == key,
            model_tags.c.tag_value == value,
            model_tags.c.scope == "line",
        )
    )
    own = select(model_tags.c.subject_id).where(
        model_tags.c.tag_key == key,
        model_tags.c.tag_value == value,
        model_tags.c.scope == "version",
    )
    candidates = own.union_all(in_lines)
    other_value = exists().where(
        model_tags.c.scope == "version",
        model_tags.c.subject_id == artifacts.c.id,
        model_tags.c.tag_key == key,
        model_tags.c.tag_value != value,
    )
    return and_(artifacts.c.id.in_(candidates), ~other_value)


def tag_conditions(count: int, looked_up: int | None = None) -> list[ColumnElement[bool]]:
    """One condition per tag, bound to ``tag_key_N``/``tag_value_N`` (:func:`tag_params`);
    tag number ``looked_up`` (:func:`rarest_few`) is found from the index, the rest checked."""
    conditions = []
    for n in range(count):
        key: BindParameter[str] = bindparam(f"tag_key_{n}")
        value: BindParameter[str] = bindparam(f"tag_value_{n}")
        conditions.append(_looked_up(key, value) if n == looked_up else _checked(key, value))
    return conditions


def tag_params(pairs: Pairs) -> dict[str, str]:
    params: dict[str, str] = {}
    for n, (key, value) in enumerate(pairs):
        params[f"tag_key_{n}"], params[f"tag_value_{n}"] = key, value
    return params
