"""The registry from another machine: the library's verbs and records over HTTP.

``connect(url)`` opens a registry by its URL: ``http(s)://`` a server (a
:class:`RemoteRegistry`), anything else a database (the in-process
:class:`~atlas_registry.Registry`), so a script moves from a local database to
a server by changing one URL. Importing this package loads neither SQLAlchemy
nor FastAPI (tests/test_client_parity.py); a database URL loads them when opened.
"""

from __future__ import annotations

from typing import Any

from atlas_registry.client.git_pin import CodePin, registration_from_git
from atlas_registry.client.problems import RemoteError
from atlas_registry.client.protocol import LOCAL_ONLY, RegistryVerbs
from atlas_registry.client.remote import RemoteRegistry
from atlas_registry.client.transport import RetryPolicy, Session

SERVER_SCHEMES = ("http://", "https://")


def connect(
    url: str | None = None,
    *,
    token: str | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    **options: Any,
) -> RegistryVerbs:
    """The registry at ``url``: a server over HTTP, or a database opened in this process.

    ``token`` (a server's bearer token) is needed for writes; ``timeout`` and
    ``retry`` tune the HTTP session. A database URL (``sqlite:///...``,
    ``postgresql://...``, or None for ``$ATLAS_REGISTRY_DB``) takes
    :meth:`Registry.open`'s ``options`` instead.
    """
    if url is not None and url.lower().startswith(SERVER_SCHEMES):
        if options:
            raise TypeError(f"a server takes token, timeout and retry, not {sorted(options)}")
        return RemoteRegistry(Session(url, token, timeout=timeout, retry=retry))
    if token is not None:
        raise TypeError("token= is for a server URL (http:// or https://), not a database")
    import atlas_registry

    registry: RegistryVerbs = atlas_registry.Registry.open(url, **options)
    return registry


__all__ = [
    "LOCAL_ONLY",
    "CodePin",
    "RegistryVerbs",
    "RemoteError",
    "RemoteRegistry",
    "RetryPolicy",
    "Session",
    "connect",
    "registration_from_git",
]
