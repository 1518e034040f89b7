"""Candidate code pins for a model that has none, or whose pin failed, put before a person.

A model registered without its commit can often be pinned from history: the
commits that changed its entrypoint (or the folder around it) before its
training finished. So can a model whose pin failed its check (the commit was
force-pushed away, the entrypoint is not at that commit). Guessing the newest
would be wrong as often as right, so `pins suggest` lists them in the model's
review item; a reviewer accepts one with ``review resolve MODEL --set
code_commit_sha=SHA`` (a unique prefix of a listed commit is enough). The
resolution appends the change to the pin's history (:mod:`.changes`): the old
pin, the new one, who chose it and why. Nothing is applied without a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.pin_checks import PinCheck, checks_of
from atlas_registry.catalog.prepare import code_pin_problems
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.errors import (
    ConfigurationError,
    IllegalTransitionError,
    NotFoundError,
    ValidationError,
    Violation,
)
from atlas_registry.pins.git_history import CommitSummary
from atlas_registry.pins.locations import RepositoryLocations
from atlas_registry.pins.status import PinStatus, pin_status
from atlas_registry.pins.verification import RepositoryCache
from atlas_registry.records import ModelRecord
from atlas_registry.review.queue import REVIEW_LOCK, Held, ReviewItem, get_review, queue_in, reopen
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession

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


@dataclass(frozen=True)
class Repair:
    """Why the pin a model holds may be replaced: the check it failed, in a sentence."""

    check: PinCheck | None  # None when its repository cannot be opened to check it at all
    why: str


def _status(session: SqlSession, model: ModelRecord) -> PinStatus | None:
    """The state of the model's code pin; None when it has none (an external model is refused)."""
    if model.is_external:
        raise IllegalTransitionError(
            f"{model.id} is an external model: its pin is external_source_version, not a commit"
        )
    if not model.code_commit_sha:
        return None
    return pin_status(model, next(iter(checks_of(session, model.id, limit=1)), None))


def _repair(model: ModelRecord, status: PinStatus, repos: RepositoryCache) -> Repair:
    """Why the model's pin may be replaced, or the refusal that says why it may not.

    A pin is not replaced on a guess: its newest check failed, or it cannot
    be checked at all because its repository is nowhere to be found (a URL
    mistyped at registration, a repository deleted). A verified pin, or one
    that was never checked but could be, is refused.
    """
    sha = model.code_commit_sha
    check = status.check
    if check is not None and check.failing:
        why = f"the code pin {sha} failed its check of {check.checked_at}: {check.detail[:300]}"
        return Repair(check, why)
    pinned = f"{model.id} is already pinned to {sha}"
    if check is not None:
        raise IllegalTransitionError(
            f"{pinned}, which passed its last check ({check.checked_at}, {check.status}); "
            "only a pin that failed its check is re-pinned"
        )
    found = repos.open(model.code_repo_url or "")
    if isinstance(found, str):
        return Repair(None, f"the code pin {sha} cannot be checked: {found[:300]}")
    raise IllegalTransitionError(
        f"{pinned}, which has not been checked: run `atlas-registry pins verify {model.id}` "
        "first; only a pin that failed its check is re-pinned"
    )


def _still_open(
    session: SqlSession, then: ModelRecord | dict[str, Any], model: ModelRecord
) -> None:
    """Refuse when the model's pin is no longer the one ``then`` held, or has verified since.

    ``then`` is the model as the candidates were listed for it, or the pin a
    review item says it replaces (an empty one for a model that had none).
    """
    if isinstance(then, ModelRecord):
        pin = (then.code_repo_url, then.code_commit_sha)
    else:
        pin = (then.get("code_repo_url"), then.get("code_commit_sha"))
    unchanged = (model.code_repo_url, model.code_commit_sha) == pin
    if not unchanged and (pin[1] or model.code_commit_sha):
        raise IllegalTransitionError(
            f"the code pin of {model.id} changed after these candidates were listed "
            f"(to {model.code_commit_sha or 'none'}): `atlas-registry pins suggest` again"
        )
    status = _status(session, model)
    if status is not None and status.state == "verified" and status.check is not None:
        raise IllegalTransitionError(
            f"the code pin {model.code_commit_sha} of {model.id} passed its last check "
            f"({status.check.checked_at}) after these candidates were listed: nothing to repair"
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
    repos = RepositoryCache(locations)
    with db.session() as session:
        model = fetch_model(session, model_id)
        status = _status(session, model)
    repair = None if status is None else _repair(model, status, repos)
    url = repo_url or model.code_repo_url
    if not url:
        raise ValidationError(
            "no repository to search",
            [Violation("repo", f"is required: {model_id} records no code_repo_url")],
        )
    problems = code_pin_problems(url, None)
    if problems:
        raise ValidationError("the repository URL is invalid", problems)
    repo = repos.open(url)
    if isinstance(repo, str):
        raise ConfigurationError(f"cannot search {url}: {repo}")
    searched = _history_paths(model, paths or [])
    before = model.training_completed_at
    candidates = [
        c
        for c in repo.commits_touching(searched, before, limit + 1)
        if not (repair and url == model.code_repo_url and _is_failed_commit(c.sha, repair.check))
    ][:limit]  # the failed pin itself is no candidate to repair it with
    if not candidates:
        touched = f" touching {', '.join(searched)}" if searched else ""
        until = f" before {before}" if before else ""
        raise NotFoundError(f"{url} has no commit{touched}{until}: nothing to suggest")
    review = _open_review(db, model, url, Search(searched, before, candidates), repair)
    return PinSuggestion(model.id, url, searched, before, candidates, review)


def _is_failed_commit(sha: str, check: PinCheck | None) -> bool:
    """Whether ``sha`` is the commit the failed check found (an ambiguous short SHA found none:
    the commits it matched are exactly the ones to choose from)."""
    return check is not None and sha == check.commit_found


@dataclass(frozen=True)
class Search:
    """Where candidates were looked for, and what was found, newest first."""

    paths: list[str]
    before: str | None
    candidates: list[CommitSummary]


def _reason(url: str, found: Search, repair: Repair | None) -> str:
    """The review item's reason, in no surface's words: each says how it accepts a commit."""
    candidates = found.candidates
    listed = "; ".join(f"{c.sha[:12]} {c.committed_at} {c.subject[:60]}" for c in candidates)
    why = "no code pin" if repair is None else repair.why
    return (
        f"{why}; {len(candidates)} candidate commits from {url}, newest first: {listed}. "
        "A reviewer accepts one of them as the code pin"
    )


def _open_review(
    db: Database, model: ModelRecord, url: str, found: Search, repair: Repair | None
) -> ReviewItem:
    proposed: dict[str, Any] = {
        "facts": {"code_repo_url": url},
        "pin_candidates": [c.to_dict() for c in found.candidates],
        "pin_search": {"paths": found.paths, "before": found.before},
    }
    if repair is not None:  # the repair keeps what it replaces, and why
        proposed["replaces"] = {
            "code_repo_url": model.code_repo_url,
            "code_commit_sha": model.code_commit_sha,
            "code_entrypoint": model.code_entrypoint,
            "check": repair.check.to_dict() if repair.check else None,
            "why": repair.why,
        }
    with db.transaction(write=True) as conn:
        db.lock(conn, REVIEW_LOCK)
        # The pin and its newest check as they are now that the lock is held.
        _still_open(SqlSession.of(conn), model, fetch_model(conn, model.id))
        try:
            earlier = get_review(conn, model.id)
        except NotFoundError:
            earlier = None
        held = [Held("code_commit_sha", _reason(url, found, repair), blocking=False)]
        if earlier is not None and earlier.status == "resolved":
            reopen(conn, model.id, held, {**proposed, "earlier_review": earlier.to_dict()})
        else:
            queue_in(conn, model.id, held, proposed, blocking=False)
        return get_review(conn, model.id)


def still_repairable(session: SqlSession, model: ModelRecord, item: ReviewItem) -> PinCheck | None:
    """At resolution: the failed check of the pin being replaced (None: no pin, or no check).

    The reviewer chose among candidates listed for the pin the model held
    then; if that pin changed, or has verified since, the choice is refused.
    """
    _still_open(session, item.proposed.get("replaces") or {}, model)
    status = _status(session, model)
    if status is not None and status.check is not None and status.check.failing:
        return status.check
    return None


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
