"""A training script's code pin, read from the git working tree it runs in.

``registration_from_git(__file__)`` answers the registration's three code
fields: the ``origin`` remote's URL, the commit checked out, and the script's
path from the repository's root. A tree with uncommitted changes to tracked
files is refused: the commit would not be the code that ran, and a pin has no
way to say "this commit plus edits". Credentials in the remote's URL are never
copied into the pin. git is run with a fixed argument list, never a shell.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit, urlunsplit

from atlas_registry.errors import ConfigurationError, InputError, capped

MAX_DIRTY_LISTED = 10
# git's scp-like address: [user@]host:path (not a transport such as ext::...).
_SCP_LIKE = re.compile(r"(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^:].*)")
GIT_TIMEOUT = 30


class CodePin(TypedDict):
    """The code fields of a :class:`~atlas_registry.ModelRegistration`."""

    code_repo_url: str
    code_commit_sha: str
    code_entrypoint: str | None


def _git(folder: Path, *args: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise ConfigurationError("git is not installed: the code pin is read with git")
    done = subprocess.run(
        [git, "-C", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
    )
    if done.returncode != 0:
        said = capped(done.stderr.strip() or f"exit status {done.returncode}", 200)
        raise InputError(f"git {args[0]} failed in {capped(str(folder), 200)}: {said}")
    return done.stdout


def public_repo_url(url: str) -> str:
    """The remote's URL as an http(s) address with no credentials in it.

    ``user:token@`` in an http(s) URL is dropped; an SSH remote
    (``git@host:org/repo.git``, ``ssh://git@host/org/repo.git``) is named by the
    https address of the same path, which is what a pin stores (docs/client.md).
    """
    text = url.strip()
    scp_like = _SCP_LIKE.fullmatch(text)
    if "://" not in text and scp_like:
        text = f"ssh://{scp_like['host']}/{scp_like['path'].lstrip('/')}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https", "ssh", "git+ssh") or not parts.hostname:
        raise InputError(f"the origin remote {capped(text, 100)!r} is not an http(s) or SSH URL")
    scheme = parts.scheme if parts.scheme in ("http", "https") else "https"
    host = parts.hostname + (f":{parts.port}" if parts.port and scheme == parts.scheme else "")
    return urlunsplit((scheme, host, parts.path, "", ""))


def registration_from_git(path: str | Path = ".", *, remote: str = "origin") -> CodePin:
    """The code pin of the working tree holding ``path`` (a script: also its entrypoint).

    Raises :class:`~atlas_registry.errors.InputError` when ``path`` is not in a
    git working tree, the remote is missing, or tracked files have uncommitted
    changes (each named, up to ten).
    """
    given = Path(path).resolve()
    folder = given if given.is_dir() else given.parent
    try:
        root = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
    except InputError as error:
        raise InputError(
            f"{capped(str(given), 200)} is not in a git working tree ({error}): a code pin "
            "names a commit of the repository the script runs from"
        ) from None
    dirty = [line[3:] for line in _git(root, "status", "--porcelain=v1", "-uno").splitlines()]
    if dirty:
        listed = ", ".join(capped(name, 100) for name in dirty[:MAX_DIRTY_LISTED])
        more = f" and {len(dirty) - MAX_DIRTY_LISTED} more" if len(dirty) > MAX_DIRTY_LISTED else ""
        raise InputError(
            f"the working tree {capped(str(root), 200)} has uncommitted changes ({listed}{more}): "
            "commit them first, so the pinned commit is the code that ran"
        )
    commit = _git(root, "rev-parse", "--verify", "HEAD^{commit}").strip()
    url = public_repo_url(_git(root, "remote", "get-url", remote))
    entrypoint = None
    if not given.is_dir():
        entrypoint = given.relative_to(root.resolve()).as_posix()
        if not _git(root, "ls-files", "--", entrypoint).strip():
            raise InputError(
                f"the script {capped(entrypoint, 200)} is not committed (git does not track it): "
                "commit it first, so the pinned commit holds the code that ran"
            )
    return CodePin(code_repo_url=url, code_commit_sha=commit, code_entrypoint=entrypoint)
