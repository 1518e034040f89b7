"""Proving a pin is real: the commit exists, a branch or tag holds it, the entrypoint is there.

A pin that was typed, copied from the wrong repository or force-pushed away
still looks like a SHA. This module opens the repository the operator mirrors
for the pin's URL (:mod:`atlas_registry.pins.locations`) and says, per model,
what it found. Every outcome is appended to ``code_pin_checks``, so `show`,
the API and the gate see the newest and an audit sees all of them.

An outcome is never "verified" for what could not be looked at. And what
could not be looked at because of how the check was run (no repositories
configured, a repository not mirrored here, a fetch that failed, a mirror
that is not a repository) is not a fact about the model: nothing is recorded
for it, so a mistyped run cannot put a failing check on a model and hold it
at the gate. The run says which pins it could not check and why. What is
recorded is what the model's own facts decide: its pin verified or failed
against its repository, it has no pin ("missing"), its stored URL names no
repository a mirror could hold ("unreachable"), or its external source is
not checkable offline (a DOI, or a source such as a Hugging Face revision with
no mirror here: "not_checkable", which never passes and never fails).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.pin_checks import PinCheck
from atlas_registry.errors import ConfigurationError, NotFoundError
from atlas_registry.pins.fetching import fetch_into_cache
from atlas_registry.pins.git_history import GitRepository, RepositoryUnreadableError, commit_time
from atlas_registry.pins.locations import RepositoryLocations, url_key
from atlas_registry.schema.patterns import COMMIT_SHA, matches
from atlas_registry.schema.recorded_text import required_text
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import NewEvent, record_events
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession

CHUNK = 500
# Not an outcome about the model: the run could not look, and records nothing.
NOT_CHECKED = "not_checked"
# At most this many unchecked pins are named in the error (the count is always given).
UNCHECKED_NAMED = 20
_DOI = re.compile(r"10\.[0-9]{4,9}/.+")


@dataclass(frozen=True)
class PinTarget:
    """The pin facts of one model, as stored."""

    model_id: str
    is_external: bool
    repo_url: str | None
    pinned: str | None
    entrypoint: str | None


@dataclass(frozen=True)
class _Outcome:
    status: str
    detail: str
    commit_found: str | None = None
    entrypoint_found: bool | None = None


class RepositoryCache:
    """Each repository opened (and fetched, where allowed) once per run, however many pin it."""

    def __init__(self, locations: RepositoryLocations) -> None:
        self.locations = locations
        self._open: dict[str, GitRepository | str] = {}
        self.notes: dict[str, str] = {}

    def open(self, url: str) -> GitRepository | str:
        """The repository for ``url``, or the sentence saying why there is none."""
        key = url_key(url)
        if key is None:
            return f"{url[:200]!r} cannot name a local mirror (an http(s) URL of plain path names)"
        if key not in self._open:
            self._open[key] = self._opened(url, key)
        return self._open[key]

    def _opened(self, url: str, key: str) -> GitRepository | str:
        path = self.locations.locate(url)
        why = f"no local copy of {key}: {self.locations.describe()}"
        cache = self.locations.cache
        if path is None and cache is not None and self.locations.fetch_hosts:
            fetched = fetch_into_cache(url, cache, self.locations.fetch_hosts)
            path = fetched.path
            if fetched.note:
                self.notes[key] = fetched.note
                why = f"{why}; {fetched.note}"
        if path is None:
            return why
        try:
            return GitRepository(path)
        except RepositoryUnreadableError as exc:
            return str(exc)

    def note(self, url: str) -> str:
        """What the reader should know about where ``url``'s repository came from, if anything."""
        key = url_key(url)
        found = self.notes.get(key) if key else None
        return f" ({found})" if found else ""


def _code_outcome(target: PinTarget, repos: RepositoryCache) -> _Outcome:
    if not target.pinned or not target.repo_url:
        missing = "code_commit_sha" if not target.pinned else "code_repo_url"
        return _Outcome(
            "missing",
            f"no code pin: {missing} is not recorded "
            "(candidate commits can be suggested from the repository's history)",
        )
    if url_key(target.repo_url) is None:
        return _Outcome(
            "unreachable",
            f"code_repo_url {target.repo_url[:200]!r} cannot name a repository to check "
            "(an http(s) URL of plain host and path names, without credentials, port or query)",
        )
    repo = repos.open(target.repo_url)
    if isinstance(repo, str):
        return _Outcome(NOT_CHECKED, repo)
    resolution = repo.resolve(target.pinned)
    if resolution.commit is None:
        return _Outcome("failed", resolution.problem or "the commit was not found")
    commit = resolution.commit
    sha = str(commit.id)
    on = repo.reachable_from(commit)
    if on is None:
        return _Outcome(
            "failed",
            f"commit {sha} exists only as an unreachable object: no branch or tag holds it "
            "(was the history rewritten or force-pushed?)",
            sha,
        )
    where = f"commit {sha} ({commit_time(commit)}) is on {on}"
    if not target.entrypoint:
        return _Outcome("verified", f"{where}; no code_entrypoint is recorded to look for", sha)
    if repo.has_entrypoint(commit, target.entrypoint):
        return _Outcome("verified", f"{where}; {target.entrypoint} is there", sha, True)
    elsewhere = repo.entrypoint_at_tips(target.entrypoint)
    hint = f" (it is at the tip of {', '.join(elsewhere[:3])})" if elsewhere else ""
    return _Outcome(
        "failed",
        f"{where}, but code_entrypoint {target.entrypoint} does not exist at that commit{hint}",
        sha,
        False,
    )


def _external_outcome(target: PinTarget, repos: RepositoryCache) -> _Outcome:
    if not target.pinned or not target.repo_url:
        return _Outcome("missing", "no external pin: external_source_version is not recorded")
    if _DOI.fullmatch(target.pinned):
        return _Outcome("not_checkable", f"not checkable offline: {target.pinned} is a DOI")
    repo = repos.open(target.repo_url)
    if isinstance(repo, str):
        return _Outcome("not_checkable", f"not checkable offline: {repo}")
    if matches(COMMIT_SHA, target.pinned.lower()):
        resolution = repo.resolve(target.pinned)
        if resolution.commit is not None:
            sha = str(resolution.commit.id)
            on = repo.reachable_from(resolution.commit)
            if on is None:
                return _Outcome("failed", f"commit {sha} is on no branch or tag of the mirror", sha)
            return _Outcome("verified", f"commit {sha} is on {on} of the mirror", sha)
    tagged = repo.tag_commit(target.pinned)
    if tagged is not None:
        sha = str(tagged.id)
        return _Outcome("verified", f"tag {target.pinned} names commit {sha} in the mirror", sha)
    return _Outcome("failed", f"the mirror has no commit or tag named {target.pinned[:80]!r}")


def check_target(target: PinTarget, repos: RepositoryCache) -> _Outcome:
    """The outcome for one model; never raises for what a repository holds."""
    if target.is_external:
        outcome = _external_outcome(target, repos)
    else:
        outcome = _code_outcome(target, repos)
    note = repos.note(target.repo_url) if target.repo_url else ""
    if note and outcome.status in {"verified", "failed"}:
        return dataclasses.replace(outcome, detail=outcome.detail + note)
    return outcome


# ------------------------------------------------------------ reading and recording

_TARGET_COLUMNS = (
    "artifact_id, is_external, code_repo_url, code_commit_sha, code_entrypoint, "
    "external_source_url, external_source_version"
)
_TARGETS_BY_ID = f"SELECT {_TARGET_COLUMNS} FROM model_versions WHERE artifact_id = ?"


def _target(row: Any) -> PinTarget:
    external = bool(row[1])
    return PinTarget(
        model_id=row[0],
        is_external=external,
        repo_url=row[5] if external else row[2],
        pinned=row[6] if external else row[3],
        entrypoint=None if external else row[4],
    )


def targets_named(session: SqlSession, model_ids: Iterable[str]) -> list[PinTarget]:
    targets = []
    for model_id in model_ids:
        row = session.first(_TARGETS_BY_ID, (model_id,))
        if row is None:  # an artifact without registry facts, e.g. one held for review
            raise NotFoundError(f"{model_id} is not a registered model: it has no pin to check")
        targets.append(_target(row))
    return targets


def targets_paged(db: Database, promoted_only: bool) -> Iterator[list[PinTarget]]:
    """Every model (or every promoted one) in pages by id, so memory stays flat."""
    where = "promotion_state = 'promoted' AND " if promoted_only else ""
    sql = (
        f"SELECT {_TARGET_COLUMNS} FROM model_versions "
        f"WHERE {where}artifact_id > ? ORDER BY artifact_id LIMIT {int(CHUNK)}"
    )  # the page size is in the statement, so a prepared (generic) plan knows it
    after = ""
    while True:
        with db.session() as session:
            page = [_target(row) for row in session.rows(sql, (after,))]
        if not page:
            return
        yield page
        after = page[-1].model_id


_INSERT = (
    "INSERT INTO code_pin_checks (artifact_id, checked_at, pin_kind, repo_url, pinned, "
    "commit_found, entrypoint_found, status, detail, checked_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def verify_and_record(
    db: Database,
    pages: Iterable[list[PinTarget]],
    locations: RepositoryLocations,
    actor: str,
    on_checked: Callable[[int], None] | None = None,
) -> list[PinCheck]:
    """Check every target and append each outcome about a model; one transaction per page.

    Raises :class:`ConfigurationError` before checking anything when no
    repositories are configured, and after the run when some pins could not
    be checked here (their models' records are left as they were).
    """
    actor = required_text("actor", actor, "say who is checking the pins")
    if not locations.anything_configured:
        raise ConfigurationError(f"cannot check any pin: {locations.describe()}; nothing recorded")
    repos = RepositoryCache(locations)
    recorded: list[PinCheck] = []
    unchecked: list[tuple[str, str]] = []
    for page in pages:
        now = utc_timestamp()
        checks = []
        for target in page:
            outcome = check_target(target, repos)
            if outcome.status == NOT_CHECKED:
                unchecked.append((target.model_id, outcome.detail))
            else:
                checks.append(_recorded(target, outcome, now, actor))
        if checks:
            with db.session(write=True) as session:
                session.run_many(_INSERT, [_row(check) for check in checks])
                record_events(session, [_checked(check) for check in checks])
        recorded += checks
        if on_checked is not None:
            on_checked(len(page))
    if unchecked:
        raise ConfigurationError(_unchecked_message(unchecked, len(recorded)))
    return recorded


def _recorded(target: PinTarget, outcome: _Outcome, now: str, actor: str) -> PinCheck:
    return PinCheck(
        model_id=target.model_id,
        checked_at=now,
        pin_kind="external" if target.is_external else "code",
        repo_url=target.repo_url,
        pinned=target.pinned,
        commit_found=outcome.commit_found,
        entrypoint_found=outcome.entrypoint_found,
        status=outcome.status,
        detail=outcome.detail,
        checked_by=actor,
    )


def _checked(check: PinCheck) -> NewEvent:
    payload = {"status": check.status, "pin_kind": check.pin_kind}
    return NewEvent(EventType.PIN_CHECKED, check.checked_by, check.model_id, payload)


def _unchecked_message(unchecked: list[tuple[str, str]], recorded: int) -> str:
    named = "; ".join(f"{model_id}: {why}" for model_id, why in unchecked[:UNCHECKED_NAMED])
    more = len(unchecked) - UNCHECKED_NAMED
    return (
        f"could not check {len(unchecked)} pin(s) here, and recorded nothing for them "
        f"({recorded} other check(s) were recorded): {named}"
        + (f"; and {more} more" if more > 0 else "")
    )


def _row(check: PinCheck) -> tuple[Any, ...]:
    found = None if check.entrypoint_found is None else int(check.entrypoint_found)
    return (
        check.model_id,
        check.checked_at,
        check.pin_kind,
        check.repo_url,
        check.pinned,
        check.commit_found,
        found,
        check.status,
        check.detail,
        check.checked_by,
    )
