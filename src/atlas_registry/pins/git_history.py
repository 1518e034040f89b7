"""What a pin check asks of one git repository, answered with pygit2 (libgit2).

pygit2 was measured against dulwich on a 10,000-commit repository
(``bench/git_libraries.py``, figures in docs/benchmarks.md): looking a commit
up, finding a path in its tree and walking the history for `pins suggest` were
1-2 orders of magnitude faster. Nothing here runs ``git`` or reads a working
tree: only the object database and the refs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pygit2
from pygit2.enums import ObjectType, SortMode

_HEX = re.compile(r"[0-9a-f]{4,64}")
# Candidate commits listed when a short SHA is ambiguous.
MAX_AMBIGUOUS_SHOWN = 10


class RepositoryUnreadableError(Exception):
    """The configured location holds no repository pygit2 can open."""


@dataclass(frozen=True)
class Resolution:
    """What a pinned SHA named: exactly one commit, or why not."""

    commit: pygit2.Commit | None
    problem: str | None = None


@dataclass(frozen=True)
class CommitSummary:
    sha: str
    committed_at: str
    author: str
    subject: str
    paths: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha": self.sha,
            "committed_at": self.committed_at,
            "author": self.author,
            "subject": self.subject,
            "paths": self.paths,
        }


def commit_time(commit: pygit2.Commit) -> str:
    """The commit's time in the registry's stored form (UTC ``YYYY-MM-DD HH:MM:SS``)."""
    return datetime.fromtimestamp(commit.commit_time, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _entry_path(entrypoint: str) -> str:
    """The file part of an entrypoint (``train.py:main`` and ``./train.py`` name ``train.py``)."""
    path = entrypoint.strip()
    if ":" in path:
        path = path.rsplit(":", 1)[0]
    while path.startswith("./"):
        path = path[2:]
    return path


class GitRepository:
    """One repository opened read-only through its object database and refs."""

    def __init__(self, path: Path) -> None:
        try:
            self._repo = pygit2.Repository(str(path))
        except (pygit2.GitError, KeyError, ValueError) as exc:
            raise RepositoryUnreadableError(f"{path} is not a git repository ({exc})") from exc

    def resolve(self, pinned: str) -> Resolution:
        """The one commit a full or abbreviated SHA names."""
        sha = pinned.strip().lower()
        if not _HEX.fullmatch(sha):
            return Resolution(None, f"{pinned[:80]!r} is not a commit SHA")
        try:
            found = self._repo.get(sha)
        except pygit2.AmbiguousError:
            return self._disambiguate(sha)
        except (ValueError, pygit2.GitError) as exc:
            return Resolution(None, f"{sha} cannot be looked up ({exc})")
        if found is None:
            return Resolution(None, f"commit {sha} is not in the repository")
        if found.type != ObjectType.COMMIT:
            return Resolution(None, f"{sha} names a {found.type_str}, not a commit")
        return Resolution(found.peel(pygit2.Commit))

    def _disambiguate(self, prefix: str) -> Resolution:
        """A short SHA several objects share: one commit among them is fine, more is not."""
        commits = []
        for oid in self._repo.odb:
            if str(oid).startswith(prefix):
                found = self._repo.get(oid)
                if found is not None and found.type == ObjectType.COMMIT:
                    commits.append(found.peel(pygit2.Commit))
        if len(commits) == 1:
            return Resolution(commits[0])
        if not commits:
            return Resolution(None, f"commit {prefix} is not in the repository")
        shown = ", ".join(
            f"{c.id} ({commit_time(c)}: {_subject(c)[:60]})"
            for c in sorted(commits, key=lambda c: str(c.id))[:MAX_AMBIGUOUS_SHOWN]
        )
        return Resolution(
            None, f"the short SHA {prefix} is ambiguous: {len(commits)} commits match: {shown}"
        )

    def _ref_tips(self) -> list[tuple[str, pygit2.Oid]]:
        tips = []
        for name in self._repo.references:
            if not name.startswith(("refs/heads/", "refs/tags/", "refs/remotes/")):
                continue
            try:
                target = self._repo.references[name].peel(pygit2.Commit).id
            except (pygit2.GitError, ValueError, KeyError):
                continue  # a tag of a tree or blob, or a dangling symbolic ref
            tips.append((name, target))
        return sorted(tips, key=lambda tip: (self._rank(tip[0]), tip[0]))

    def _rank(self, name: str) -> int:
        """The default branch first, then tags, then other branches: the likeliest home."""
        try:
            default = self._repo.references["HEAD"].resolve().name
        except (KeyError, pygit2.GitError):
            default = None
        if name == default:
            return 0
        return 1 if name.startswith("refs/tags/") else 2

    def reachable_from(self, commit: pygit2.Commit) -> str | None:
        """A branch or tag the commit is on, or None (e.g. history was force-pushed away)."""
        for name, tip in self._ref_tips():
            if tip == commit.id or self._repo.descendant_of(tip, commit.id):
                return name
        return None

    def has_entrypoint(self, commit: pygit2.Commit, entrypoint: str) -> bool:
        path = _entry_path(entrypoint)
        if not path:
            return False
        try:
            commit.tree[path]
        except (KeyError, ValueError):
            return False
        return True

    def entrypoint_at_tips(self, entrypoint: str) -> list[str]:
        """The refs whose tip holds ``entrypoint`` (a hint when the pinned commit does not)."""
        found = []
        for name, tip in self._ref_tips():
            if self.has_entrypoint(self._repo[tip].peel(pygit2.Commit), entrypoint):
                found.append(name)
        return found

    def tag_commit(self, tag: str) -> pygit2.Commit | None:
        """The commit a tag names, or None when the repository has no such tag."""
        try:
            reference = self._repo.references.get(f"refs/tags/{tag}")
        except (ValueError, pygit2.GitError):
            return None
        if reference is None:
            return None
        try:
            commit = reference.peel(pygit2.Commit)
        except (pygit2.GitError, ValueError):
            return None
        return commit if isinstance(commit, pygit2.Commit) else None

    def commits_touching(
        self, paths: list[str], before: str | None, limit: int
    ) -> list[CommitSummary]:
        """Commits on any branch or tag, newest first, that changed one of ``paths``.

        ``before`` (stored form) drops commits made after it. A commit changed a
        path when the path's tree entry differs from the one in every parent; an
        empty ``paths`` keeps every commit.
        """
        walker = self._repo.walk(None, SortMode.TIME)
        for _name, tip in self._ref_tips():
            walker.push(tip)
        wanted = [_entry_path(p).rstrip("/") for p in paths if _entry_path(p).rstrip("/")]
        found: list[CommitSummary] = []
        for commit in walker:
            if len(found) >= limit:
                break
            if before is not None and commit_time(commit) > before:
                continue
            changed = [p for p in wanted if self._changed(commit, p)] if wanted else []
            if wanted and not changed:
                continue
            found.append(
                CommitSummary(
                    sha=str(commit.id),
                    committed_at=commit_time(commit),
                    author=commit.author.raw_name.decode("utf-8", "replace"),
                    subject=_subject(commit),
                    paths=changed,
                )
            )
        return found

    def _changed(self, commit: pygit2.Commit, path: str) -> bool:
        here = _tree_entry(commit.tree, path)
        if not commit.parents:
            return here is not None
        return all(_tree_entry(parent.tree, path) != here for parent in commit.parents)


def _tree_entry(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    try:
        return tree[path].id
    except (KeyError, ValueError):
        return None


def _subject(commit: pygit2.Commit) -> str:
    message = commit.raw_message.decode("utf-8", "replace").strip()
    return message.splitlines()[0] if message else ""
