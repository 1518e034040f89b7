"""A version's effective tags from its rows: no database here.

Kept apart from :mod:`.tags` (which reads and writes tags) so that a reader of
rows on the bare driver (``atlas_registry.fastread``) folds them as the library does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def effective_from(
    model_ids: Sequence[str], rows: Sequence[Sequence[Any]]
) -> dict[str, dict[str, str]]:
    """Each version's tags, by id, from (id, scope, key, value) rows ordered by id, scope, key.

    "line" sorts before "version": a version's own value overwrites its line's.
    """
    found: dict[str, dict[str, str]] = {model_id: {} for model_id in model_ids}
    for model_id, _scope, key, value in rows:
        found[model_id][key] = value
    return {k: dict(sorted(v.items())) for k, v in found.items()}
