"""Real git repositories for pin tests, written with pygit2 (no `git` binary needed).

Commits carry fixed times, so their SHAs are the same on every run, and a
pair of commits sharing a 7-character short SHA can be found by hashing
candidate commit objects exactly as git does before writing them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pygit2

BASE_TIME = 1_767_225_600  # 2026-01-01 00:00:00 UTC


def signature(when: int) -> pygit2.Signature:
    return pygit2.Signature("Ada Researcher", "ada@example.org", when, 0)


class RepoBuilder:
    """A bare repository grown commit by commit on named branches."""

    def __init__(self, path: Path) -> None:
        self.repo = pygit2.init_repository(str(path), bare=True, initial_head="main")
        self.path = path

    def _tree(self, files: dict[str, str]) -> pygit2.Oid:
        """A tree holding ``files`` (nested paths allowed)."""
        folders: dict[str, dict[str, str]] = {}
        top = self.repo.TreeBuilder()
        for name, text in files.items():
            head, _, rest = name.partition("/")
            if rest:
                folders.setdefault(head, {})[rest] = text
            else:
                top.insert(name, self.repo.create_blob(text.encode()), pygit2.GIT_FILEMODE_BLOB)
        for folder, inner in folders.items():
            top.insert(folder, self._tree(inner), pygit2.GIT_FILEMODE_TREE)
        return top.write()

    def commit(
        self,
        files: dict[str, str],
        message: str,
        *,
        at: int,
        branch: str = "main",
        parents: list[str] | None = None,
    ) -> str:
        """Commit ``files`` (the whole tree) on ``branch``, after its tip unless ``parents``."""
        ref = f"refs/heads/{branch}"
        if parents is None:
            tip = self.repo.references.get(ref)
            parent_ids = [tip.target] if tip is not None else []
        else:
            parent_ids = [pygit2.Oid(hex=p) for p in parents]
        oid = self.repo.create_commit(
            None, signature(at), signature(at), message, self._tree(files), parent_ids
        )
        self.repo.references.create(ref, oid, force=True)
        return str(oid)

    def tag(self, name: str, sha: str) -> None:
        self.repo.references.create(f"refs/tags/{name}", pygit2.Oid(hex=sha))

    def force_branch(self, branch: str, sha: str) -> None:
        """Point ``branch`` at ``sha`` as a force-push would; the old commits stay as objects."""
        self.repo.references.create(f"refs/heads/{branch}", pygit2.Oid(hex=sha), force=True)

    def twins_sharing_short_sha(self, files: dict[str, str], parent: str, at: int) -> list[str]:
        """Two commits after ``parent`` whose SHAs share their first 7 characters, each on a branch.

        Birthday search over commit messages: about 20,000 SHA-1s of commit
        objects (milliseconds), then the two are written and their SHAs checked.
        """
        tree = str(self._tree(files))
        person = f"Ada Researcher <ada@example.org> {at} +0000"
        seen: dict[str, str] = {}
        n = 0
        while True:
            message = f"tune {n}\n"
            body = f"tree {tree}\nparent {parent}\nauthor {person}\ncommitter {person}\n\n{message}"
            raw = body.encode()
            sha = hashlib.sha1(b"commit %d\x00" % len(raw) + raw).hexdigest()
            other = seen.setdefault(sha[:7], message)
            if other != message:
                break
            n += 1
        written = []
        for index, text in enumerate([other, message]):
            oid = self.repo.create_commit(
                f"refs/heads/twin-{index}",
                signature(at),
                signature(at),
                text,
                pygit2.Oid(hex=tree),
                [pygit2.Oid(hex=parent)],
            )
            written.append(str(oid))
        assert written[0][:7] == written[1][:7], written
        return written
