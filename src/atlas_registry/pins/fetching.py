"""Fetching a repository into the cache, for hosts the operator allows, where the network allows.

A stored URL is text someone registered; fetching whatever it names would let
any registrant make the registry's host connect anywhere. So nothing is
fetched unless the operator names both a cache folder (``$ATLAS_GIT_CACHE``)
and the hosts that may be fetched from (``$ATLAS_GIT_FETCH_HOSTS``, e.g.
``github.com,gitlab.com``); and the address fetched is rebuilt from the URL's
normalised key (``https://HOST/PATH.git``), never the stored text itself, so
credentials, ports and queries cannot ride along.

The clone is bare. A second run fetches into it, pruning deleted branches: a
commit force-pushed away stays in the object database but no ref reaches it,
which is exactly what `pins verify` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pygit2

from atlas_registry.pins.locations import url_key


def remote_for(key: str) -> str:
    """The address fetched for a URL key: always https, always the plain host and path."""
    return f"https://{key}.git"


def cached_path(cache: Path, key: str) -> Path:
    folders = key.split("/")
    return cache.joinpath(*folders[:-1], folders[-1] + ".git")


@dataclass(frozen=True)
class Fetched:
    """The cached clone (None when there is none) and what a reader should know about it."""

    path: Path | None
    note: str | None = None


def fetch_into_cache(url: str, cache: Path, hosts: frozenset[str]) -> Fetched:
    """The cached clone of ``url``, cloned or brought up to date; else why it is not there."""
    key = url_key(url)
    if key is None:
        return Fetched(None, f"{url[:200]!r} cannot be fetched (not plain host and path names)")
    host = key.split("/", 1)[0]
    if host not in hosts:
        return Fetched(None, f"{host} is not among the hosts fetching is allowed from")
    target = cached_path(cache, key)
    remote = remote_for(key)
    try:
        if (target / "HEAD").is_file():
            repo = pygit2.Repository(str(target))
            repo.remotes["origin"].fetch(prune=pygit2.enums.FetchPrune.PRUNE)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            pygit2.clone_repository(remote, str(target), bare=True)
    except (pygit2.GitError, KeyError, OSError) as exc:
        if (target / "HEAD").is_file():
            # Offline: the copy fetched before is still evidence, but say it may be stale.
            return Fetched(target, f"fetching {remote} failed ({exc}); checked the cached copy")
        return Fetched(None, f"cannot fetch {remote}: {exc}")
    return Fetched(target, f"fetched from {remote}")
