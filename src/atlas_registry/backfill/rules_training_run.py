"""The rule for the training run: who trained the model, and when it started and ended.

These are the version's own facts (``trained_by``, ``training_started_at``,
``training_completed_at``), not metadata: ``list --trained-by`` finds a
backfilled model only when its run was read. They are taken only where the
legacy metadata states them in so many words. A time is read only as ISO 8601:
``03/01/2026`` could be March or January, and ``1700000000`` seconds or
milliseconds, so such values are held (not blocking) rather than chosen. The
catalog row's ``created_by`` is who registered the artifact, not necessarily
who trained it, and is not read as the trainer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from atlas_registry.backfill.mapping import Context, agree, short
from atlas_registry.backfill.vocabulary import vocabulary

RUN_FIELDS = ("trained_by", "training_started_at", "training_completed_at")


def _trainer(raw: Any) -> str | None:
    """One name, as written; a list of several people says no one trainer."""
    return raw.strip() if isinstance(raw, str) and raw.strip() else None


def _iso_time(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    return text  # the registration's own check normalises it to UTC


def rule_training_run(ctx: Context) -> None:
    keys = vocabulary().keys
    for target, normalise in (
        ("trained_by", _trainer),
        ("training_started_at", _iso_time),
        ("training_completed_at", _iso_time),
    ):
        found = agree(ctx, target, keys[target], normalise, blocking=False)
        if found:
            key, raw, value = found
            ctx.result.facts[target] = value
            ctx.apply(f"training_run.{target}", target, f"{key}={short(raw)}")
