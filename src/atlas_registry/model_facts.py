"""The one writer of a model's registry facts: its version row and its typed metrics.

A registration and the adoption of a legacy artifact create the same facts, so
both call :func:`write_model_facts`; a second writer drifts (one once left the
metrics of every backfilled model out, which kept them off every leaderboard).
Later changes to those facts (a code pin supplied by a reviewer) are here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, update

from atlas_registry.catalog_queries import fetch_model
from atlas_registry.db import insert_many
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.registration_checks import TEXT_LIMITS, PreparedModel, code_pin_problems
from atlas_registry.tables import model_metrics, model_versions

# The tables a model's facts live in; a test holds every write path to this set.
FACT_TABLES = (model_versions.name, model_metrics.name)


def write_model_facts(
    conn: Connection, prepared: Sequence[PreparedModel], now: str
) -> list[dict[str, Any]]:
    """Insert the facts of models whose ``artifacts`` rows exist; returns the version rows."""
    version_rows = [{**item.version_row, "created_at": now} for item in prepared]
    insert_many(conn, model_versions, version_rows)
    insert_many(conn, model_metrics, [row for item in prepared for row in item.metric_rows])
    return version_rows


def set_code_pin_in(
    conn: Connection, model_id: str, repo_url: str, commit_sha: str, entrypoint: str | None
) -> None:
    """Record the code that trained a registered model (e.g. after a review), inside ``conn``."""
    problems = code_pin_problems(repo_url, commit_sha)
    limit = TEXT_LIMITS["code_entrypoint"]
    if entrypoint is not None and (not isinstance(entrypoint, str) or len(entrypoint) > limit):
        problems.append(Violation("code_entrypoint", f"must be text of at most {limit} characters"))
    if problems:
        raise ValidationError("the code pin is invalid", problems)
    fetch_model(conn, model_id)
    conn.execute(
        update(model_versions)
        .where(model_versions.c.artifact_id == model_id)
        .values(
            code_repo_url=repo_url, code_commit_sha=commit_sha.lower(), code_entrypoint=entrypoint
        )
    )
