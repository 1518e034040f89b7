"""Candidate code pins for a model that has none, put in front of a person, never applied.

A model registered without its commit can often be pinned from history: the
commits that changed its entrypoint (or the folder around it) before its
training finished. Guessing the newest would be wrong as often as right, so
`pins suggest` lists them in the model's review item; a reviewer accepts one
with ``review resolve MODEL --set code_commit_sha=SHA`` (a unique prefix of a
listed commit is enough), and the resolution records who chose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atlas_registry.backfill.review import ReviewItem, get_review, queue_in, reopen
from atlas_registry.backfill.rules import Held
from atlas_registry.catalog_adoption import ADOPTION_LOCK
from atlas_registry.catalog_queries import fetch_model
from atlas_registry.db import Database
from atlas_registry.errors import (
    ConfigurationError,
    IllegalTransitionError,
    NotFoundError,
    ValidationError,
    Violation,
)
from atlas_registry.pins.git_history import CommitSummary
from atlas_registry.pins.locations import RepositoryLocations
from atlas_registry.pins.verification import RepositoryCache
from atlas_registry.records import ModelRecord
from atlas_registry.registration_checks import code_pin_problems

DEFAULT_CANDIDATES = 10
MAX_CANDIDATES = 100


@dataclass(frozen=True)
class PinSuggestion:
    model_id: str
    repo_url: str
    paths: list[str]
    before: str | None
    candidates: list[CommitSummary]
    review: ReviewItem

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "repo_url": self.repo_url,
            "paths": self.paths,
            "before": self.before,
            "candidates": [c.to_dict() for c in self.candidates],
            "review": self.review.to_dict(),
        }


def _history_paths(model: ModelRecord, extra: list[str]) -> list[str]:
    """The entrypoint and its folder (the training code), then any paths the caller adds."""
    paths = []
    if model.code_entrypoint:
        entry = model.code_entrypoint.split(":", 1)[0].strip().removeprefix("./")
        paths.append(entry)
        folder = entry.rpartition("/")[0]
        if folder:
            paths.append(folder)
    return list(dict.fromkeys([*paths, *extra]))


def _unpinned(model: ModelRecord) -> None:
    if model.is_external:
        raise IllegalTransitionError(
            f"{model.id} is an external model: its pin is external_source_version, not a commit"
        )
    if model.code_commit_sha:
        raise IllegalTransitionError(
            f"{model.id} is already pinned to {model.code_commit_sha}; "
            "`atlas-registry pins verify` checks that pin"
        )


def suggest_pin(
    db: Database,
    model_id: str,
    repo_url: str | None,
    locations: RepositoryLocations,
    *,
    limit: int = DEFAULT_CANDIDATES,
    paths: list[str] | None = None,
) -> PinSuggestion:
    """List candidate commits for an unpinned model and open its review item with them."""
    if not 1 <= limit <= MAX_CANDIDATES:
        raise ValidationError(
            "too many or too few candidates asked for",
            [Violation("limit", f"must be between 1 and {MAX_CANDIDATES}")],
        )
    with db.session() as session:
        model = fetch_model(session, model_id)
    _unpinned(model)
    url = repo_url or model.code_repo_url
    if not url:
        raise ValidationError(
            "no repository to search",
            [Violation("repo", f"is required: {model_id} records no code_repo_url")],
        )
    problems = code_pin_problems(url, None)
    if problems:
        raise ValidationError("the repository URL is invalid", problems)
    repo = RepositoryCache(locations).open(url)
    if isinstance(repo, str):
        raise ConfigurationError(f"cannot search {url}: {repo}")
    searched = _history_paths(model, paths or [])
    before = model.training_completed_at
    candidates = repo.commits_touching(searched, before, limit)
    if not candidates:
        touched = f" touching {', '.join(searched)}" if searched else ""
        until = f" before {before}" if before else ""
        raise NotFoundError(f"{url} has no commit{touched}{until}: nothing to suggest")
    review = _open_review(db, model, url, searched, before, candidates)
    return PinSuggestion(model.id, url, searched, before, candidates, review)


def _open_review(
    db: Database,
    model: ModelRecord,
    url: str,
    searched: list[str],
    before: str | None,
    candidates: list[CommitSummary],
) -> ReviewItem:
    listed = "; ".join(f"{c.sha[:12]} {c.committed_at} {c.subject[:60]}" for c in candidates)
    reason = (
        f"no code pin; {len(candidates)} candidate commits from {url}, newest first: {listed}. "
        "Accept one with --set code_commit_sha=SHA"
    )
    proposed: dict[str, Any] = {
        "facts": {"code_repo_url": url},
        "pin_candidates": [c.to_dict() for c in candidates],
        "pin_search": {"paths": searched, "before": before},
    }
    with db.transaction(write=True) as conn:
        db.lock(conn, ADOPTION_LOCK)
        _unpinned(fetch_model(conn, model.id))  # still unpinned, now that the lock is held
        try:
            earlier = get_review(conn, model.id)
        except NotFoundError:
            earlier = None
        held = [Held("code_commit_sha", reason, blocking=False)]
        if earlier is not None and earlier.status == "resolved":
            reopen(conn, model.id, held, {**proposed, "earlier_review": earlier.to_dict()})
        else:
            queue_in(conn, model.id, held, proposed, blocking=False)
        return get_review(conn, model.id)


def accepted_commit(item: ReviewItem, chosen: str) -> str:
    """The listed candidate ``chosen`` names (a full SHA or a unique prefix of 7+ characters)."""
    shas = [str(c["sha"]) for c in item.proposed.get("pin_candidates", [])]
    wanted = chosen.strip().lower()
    matches = [sha for sha in shas if len(wanted) >= 7 and sha.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    message = (
        f"matches {len(matches)} of the listed candidates"
        if matches
        else "is not one of the candidate commits listed in the review item"
    )
    raise ValidationError(
        f"cannot accept {chosen[:80]!r} as the code pin of {item.artifact_id}",
        [Violation("code_commit_sha", f"{message}: {', '.join(s[:12] for s in shas)}")],
    )
