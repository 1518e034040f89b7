"""Where the repository behind a stored URL lives on this machine, decided by the operator.

A model's ``code_repo_url`` is text someone registered: it is never fetched and
never used as a path. It is only a key: a mirror folder laid out by host and
path (``$ATLAS_GIT_MIRRORS/github.com/lab/ad-risk.git``), whose segments must
be plain names (no ``..``, no separators, no leading dot), or an entry of the
operator's TOML map (``$ATLAS_GIT_REPOS``)::

    [repositories]
    "https://github.com/lab/ad-risk" = "/srv/git/ad-risk.git"
    "https://gitlab.example.org/x/y" = "file:///srv/git/y.git"

Both are written by whoever runs the registry, so a path found through them is
one the operator chose.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from atlas_registry.errors import ConfigurationError, InputError
from atlas_registry.store.whole_files import read_text

MIRRORS_ENV_VAR = "ATLAS_GIT_MIRRORS"
REPOS_ENV_VAR = "ATLAS_GIT_REPOS"
CACHE_ENV_VAR = "ATLAS_GIT_CACHE"
FETCH_HOSTS_ENV_VAR = "ATLAS_GIT_FETCH_HOSTS"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")


def url_key(url: str) -> str | None:
    """``host/path`` of an http(s) repository URL, normalised; None when it cannot be a key.

    ``https://GitHub.com/lab/ad-risk.git/`` and ``http://github.com/lab/ad-risk``
    name the same repository: scheme, case of the host, a trailing slash and a
    trailing ``.git`` do not matter. Credentials, a port, a query or a fragment
    make the URL no key at all, as does any segment that is not a plain name.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if (
        parts.scheme.lower() not in {"http", "https"}
        or parts.username
        or parts.password
        or port is not None
        or parts.query
        or parts.fragment
        or not _HOST.fullmatch(host)
    ):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if segments:
        segments[-1] = segments[-1].removesuffix(".git")
    if not segments or not all(_SEGMENT.fullmatch(s) for s in segments):
        return None
    return "/".join([host, *segments])


def _configured_path(value: str, source: str) -> Path:
    if value.startswith("file://"):
        parts = urlsplit(value)
        if parts.netloc not in {"", "localhost"}:
            raise ConfigurationError(f"{source}: {value!r} is a file URL of another host")
        return Path(unquote(parts.path))
    if "://" in value:
        raise ConfigurationError(
            f"{source}: {value!r} must be a local path or a file:// URL (nothing is fetched)"
        )
    return Path(value).expanduser()


@dataclass(frozen=True)
class RepositoryLocations:
    """The operator's mirror folder and URL map; empty when neither is configured."""

    mirrors: Path | None = None
    mapped: dict[str, Path] = field(default_factory=dict)
    # Where repositories of the allowed hosts are fetched to (pins/fetching.py).
    cache: Path | None = None
    fetch_hosts: frozenset[str] = frozenset()

    @classmethod
    def configured(
        cls, mirrors: str | None = None, repos_file: str | None = None
    ) -> RepositoryLocations:
        """From the arguments, else ``$ATLAS_GIT_MIRRORS`` and ``$ATLAS_GIT_REPOS``.

        Fetching is configured by ``$ATLAS_GIT_CACHE`` and ``$ATLAS_GIT_FETCH_HOSTS``
        together: both, or it is off. A mirror folder that is not a folder is
        refused here: a mistyped path must not read as "no mirror of this model".
        """
        mirrors = mirrors or os.environ.get(MIRRORS_ENV_VAR) or None
        repos_file = repos_file or os.environ.get(REPOS_ENV_VAR) or None
        cache = os.environ.get(CACHE_ENV_VAR) or None
        hosts = os.environ.get(FETCH_HOSTS_ENV_VAR, "")
        folder = Path(mirrors).expanduser() if mirrors else None
        if folder is not None and not folder.is_dir():
            raise ConfigurationError(
                f"the mirror folder {str(folder)[:300]!r} (--mirrors or ${MIRRORS_ENV_VAR}) "
                "is not a folder"
            )
        return cls(
            folder,
            read_repository_map(repos_file) if repos_file else {},
            Path(cache).expanduser() if cache else None,
            frozenset(h.strip().lower() for h in hosts.split(",") if h.strip()),
        )

    @property
    def anything_configured(self) -> bool:
        """Whether any repository could be found at all: a mirror folder, a map, or fetching."""
        return self.mirrors is not None or bool(self.mapped) or self.fetches

    @property
    def fetches(self) -> bool:
        return self.cache is not None and bool(self.fetch_hosts)

    def locate(self, url: str) -> Path | None:
        """The local repository for ``url``: the map first, then the mirror folder."""
        key = url_key(url)
        if key is None:
            return None
        if key in self.mapped:
            return self.mapped[key]
        if self.mirrors is None:
            return None
        base = self.mirrors.joinpath(*key.split("/"))
        for candidate in (base.with_name(base.name + ".git"), base):
            if candidate.is_dir():
                return candidate
        return None

    def describe(self) -> str:
        """Where this configuration looked, for a message that says why nothing was found."""
        places = []
        if self.mirrors is not None:
            places.append(f"the mirror folder {self.mirrors}")
        if self.mapped:
            places.append(f"{len(self.mapped)} mapped repositories")
        if self.fetches:
            places.append(f"the fetch cache {self.cache}")
        if not places:
            return f"no repositories are configured (set ${MIRRORS_ENV_VAR} or ${REPOS_ENV_VAR})"
        return "looked in " + " or ".join(places)


def read_repository_map(path: str) -> dict[str, Path]:
    """The ``[repositories]`` table of an operator's TOML file, keyed by :func:`url_key`."""
    try:
        document = tomllib.loads(read_text(path))
    except InputError as exc:
        raise ConfigurationError(f"repository map: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(document) - {"repositories"}
    table = document.get("repositories", {})
    if unknown or not isinstance(table, dict):
        raise ConfigurationError(f"{path}: expected one [repositories] table of URL = path")
    mapped = {}
    for url, value in table.items():
        key = url_key(url)
        if key is None:
            raise ConfigurationError(f"{path}: {url!r} is not an http(s) repository URL")
        if not isinstance(value, str):
            raise ConfigurationError(f"{path}: the location of {url!r} must be text")
        location = _configured_path(value, path)
        if not location.exists():
            raise ConfigurationError(f"{path}: the location of {url!r}, {value!r}, does not exist")
        mapped[key] = location
    return mapped
