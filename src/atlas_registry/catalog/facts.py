"""The one writer of a model's registry facts: its version row, its typed metrics, its
first evaluation (the metrics it is registered with), its listed files and the dataset
artifacts it names (reverse lineage, :mod:`.dataset_lineage`).

A registration and the adoption of a legacy artifact create the same facts, so
both call :func:`write_model_facts`; a second writer drifts (one once left the
metrics of every backfilled model out, which kept them off every leaderboard).
Later changes to those facts (a code pin supplied by a reviewer) are here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, update

from atlas_registry.catalog.dataset_lineage import use_rows
from atlas_registry.catalog.evaluations import EVALUATION_TABLES, first_evaluations
from atlas_registry.catalog.model_files import file_rows
from atlas_registry.catalog.prepare import PreparedModel, code_pin_problems
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.records import MAX_LINEAGE_DEPTH, REGISTRATION_TEXT_LIMITS
from atlas_registry.store.sql_session import SqlSession, marks
from atlas_registry.store.tables import (
    model_dataset_uses,
    model_files,
    model_metrics,
    model_versions,
)

# The tables a model's facts live in; a test holds every write path to this set.
# (model_dataset_uses is written here too, derived from the metadata: only for a
# model that names a dataset artifact.)
FACT_TABLES = (model_versions.name, model_metrics.name, *EVALUATION_TABLES)


# Models among :ids that are their own fine-tune ancestor. Registration cannot make
# one (a new id is nobody's base yet); adopting existing artifacts could.
def _self_ancestors_sql(count: int) -> str:
    return f"""
WITH RECURSIVE up(start, id, depth) AS (
    SELECT artifact_id, base_model_id, 1 FROM model_versions
    WHERE artifact_id IN ({marks(count)}) AND base_model_id IS NOT NULL
    UNION ALL
    SELECT up.start, mv.base_model_id, up.depth + 1 FROM up
    JOIN model_versions mv ON mv.artifact_id = up.id
    WHERE mv.base_model_id IS NOT NULL AND up.id <> up.start AND up.depth < ?
)
SELECT DISTINCT start FROM up WHERE id = start"""


_BASE_OF = "SELECT base_model_id FROM model_versions WHERE artifact_id = ?"


def write_model_facts(
    session: SqlSession, prepared: Sequence[PreparedModel], now: str, *, new_models: bool
) -> list[dict[str, Any]]:
    """Insert the facts of models whose ``artifacts`` rows exist; returns the version rows.

    Facts given to existing artifacts (``new_models=False``: an adoption) are
    checked for a fine-tune cycle after they are written. Models registered
    just now (``new_models=True``) cannot close one: their ids are new, so no
    stored model names them as its base (``base_model_id`` is a foreign key),
    and a batch item may name only earlier items; the check, a round trip on
    PostgreSQL, is left out.
    """
    version_rows = [{**item.version_row, "created_at": now} for item in prepared]
    session.insert(model_versions.name, version_rows)
    session.insert(model_metrics.name, [row for item in prepared for row in item.metric_rows])
    first_evaluations(session, prepared, now, new_models=new_models)
    session.insert(model_files.name, [row for item in prepared for row in _file_rows(item, now)])
    session.insert(
        model_dataset_uses.name,
        [row for p in prepared for row in use_rows(p.artifact_id, now, p.references)],
    )
    fine_tunes = [row["artifact_id"] for row in version_rows if row["base_model_id"]]
    if fine_tunes and not new_models:
        _refuse_cycles(session, fine_tunes)
    return version_rows


def _file_rows(item: PreparedModel, now: str) -> list[dict[str, Any]]:
    """The files a registration lists, as ``model_files`` rows by whoever registered it."""
    actor = item.artifact_row.get("created_by") or "unattributed"
    return file_rows(item.artifact_id, item.files, origin="registration", actor=actor, now=now)


def _refuse_cycles(session: SqlSession, ids: list[str]) -> None:
    """The safety net under every writer: no model may be its own fine-tune ancestor."""
    found = session.rows(_self_ancestors_sql(len(ids)), [*ids, MAX_LINEAGE_DEPTH])
    cyclic = sorted(row[0] for row in found)
    if cyclic:
        raise ValidationError(
            "the fine-tune lineage must stay a tree",
            [Violation("metadata.base_model_id", f"{i} would be its own ancestor") for i in cyclic],
        )


def closes_cycle(
    session: SqlSession, model_id: str, base_id: str, pending: dict[str, str | None]
) -> bool:
    """True when making ``base_id`` the base of ``model_id`` would close a cycle.

    ``pending`` holds base models written in this transaction's batch but not
    yet in the table. Walks up from ``base_id``, one row per level.
    """
    seen: set[str] = set()
    current: str | None = base_id
    while current is not None and current not in seen and len(seen) < MAX_LINEAGE_DEPTH:
        if current == model_id:
            return True
        seen.add(current)
        if current in pending:
            current = pending[current]
        else:
            row = session.first(_BASE_OF, (current,))
            current = row[0] if row else None
    return False


def set_code_pin_in(
    conn: Connection, model_id: str, repo_url: str, commit_sha: str, entrypoint: str | None
) -> None:
    """Record the code that trained a registered model (e.g. after a review), inside ``conn``."""
    problems = code_pin_problems(repo_url, commit_sha)
    limit = REGISTRATION_TEXT_LIMITS["code_entrypoint"]
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
