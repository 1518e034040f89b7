"""Reading facts out of legacy values: numbers in text, URLs, commit references.

Each helper either finds exactly one unambiguous answer or says it could not;
none of them picks between candidates.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from atlas_registry.schema.patterns import COMMIT_SHA, matches

URL = re.compile(r"https?://[^\s()<>\"',;\]]+[^\s()<>\"',;.\]]")
_NUMBER = re.compile(
    r"^\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([kKmMbB]?)\s*$"
)
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9}
_COMMIT_URL = re.compile(
    r"(?P<repo>https?://(?:github\.com|gitlab\.com|bitbucket\.org)/[\w.-]+/[\w.-]+?)"
    r"(?:\.git)?/(?:-/)?commits?/(?P<sha>[0-9a-fA-F]{7,64})\b"
)
_REPO_AT_SHA = re.compile(
    r"(?P<repo>https?://(?:github\.com|gitlab\.com|bitbucket\.org)/[\w.-]+/[\w.-]+?)(?:\.git)?@(?P<sha>[0-9a-fA-F]{7,64})\b"
)
# A model on the Hugging Face Hub may have no owner (bert-base-uncased, gpt2);
# its datasets and spaces are not models. Repository hosts always name an owner.
_REVISION_IN_URL = re.compile(
    r"^(?P<base>https?://(?:"
    r"huggingface\.co/(?!(?:datasets|spaces|docs|models)/)[\w.-]+(?:/[\w.-]+)?"
    r"|(?:github\.com|gitlab\.com)/[\w.-]+/[\w.-]+))"
    r"(?:/(?:tree|commit|blob|resolve)/(?P<rev>[\w.-]+)(?:/.*)?|@(?P<at>[\w.-]+))?/?$"
)
_QUERY_REVISION = re.compile(r"[?&]revision=(?P<rev>[\w.-]+)")


def number(value: Any) -> int | float | None:
    """A finite number from a number or numeric text ('0.81', '1,712', '86M'); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    match = _NUMBER.match(value)
    if not match:
        return None
    digits, suffix = match[1].replace(",", ""), match[2].lower()
    if suffix:
        scaled = float(digits) * _SCALE[suffix]
        return int(scaled) if scaled.is_integer() else None
    if re.fullmatch(r"[-+]?\d+", digits):
        return int(digits)
    parsed = float(digits)
    return parsed if math.isfinite(parsed) else None


def whole_number(value: Any) -> int | None:
    found = number(value)
    if isinstance(found, float):
        return int(found) if found.is_integer() else None
    return found


def urls(text: str) -> list[str]:
    """Distinct http(s) URLs in ``text``, in order of appearance."""
    seen: dict[str, None] = {}
    for match in URL.finditer(text):
        seen.setdefault(match.group(0), None)
    return list(seen)


def without_urls(text: str) -> str:
    """The text with its URLs and the brackets around them removed, tidied."""
    stripped = URL.sub("", text)
    stripped = re.sub(r"\(\s*\)|\[\s*\]", "", stripped)
    return re.sub(r"\s+", " ", stripped).strip(" ,;:-")


@dataclass(frozen=True)
class CommitRef:
    repo_url: str
    sha: str


def commit_refs(text: str) -> list[CommitRef]:
    """Distinct (repository, commit) pairs named in free text by URL or ``repo@sha``."""
    found: dict[tuple[str, str], None] = {}
    for pattern in (_COMMIT_URL, _REPO_AT_SHA):
        for match in pattern.finditer(text):
            found.setdefault((match["repo"], match["sha"].lower()), None)
    return [CommitRef(repo, sha) for repo, sha in found]


def is_commit_sha(value: str) -> bool:
    return matches(COMMIT_SHA, value.lower())


@dataclass(frozen=True)
class SourcePin:
    url: str
    revision: str | None


def source_pin(url: str) -> SourcePin | None:
    """Split a hub/repository URL into its base and the revision it names, if any."""
    query = _QUERY_REVISION.search(url)
    bare = url.split("?", 1)[0].split("#", 1)[0]
    match = _REVISION_IN_URL.match(bare)
    if not match:
        return None
    revision = match["rev"] or match["at"] or (query["rev"] if query else None)
    return SourcePin(match["base"], revision)


_SSH_REMOTE = re.compile(r"(?:ssh://)?git@([A-Za-z0-9.-]+)[:/](.+?)(?:\.git)?/?")


def repository_url(remote: str | None) -> str | None:
    """An https URL for a git remote: ``git@host:org/repo.git`` is ``https://host/org/repo``.

    Legacy metadata and MLflow runs record the remote a clone was made from,
    often its SSH form; the registry stores repositories as http(s) URLs.
    """
    if not remote:
        return None
    ssh = _SSH_REMOTE.fullmatch(remote.strip())
    if ssh:
        return f"https://{ssh.group(1)}/{ssh.group(2)}"
    return remote.strip()
