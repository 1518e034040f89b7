"""Which database: the URL from a flag, the environment or the default, parsed and checked.

Kept apart from :mod:`.db` (which opens what this names) so that reading a URL
says what is wrong with it before any driver is loaded or file touched.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from atlas_registry.errors import ConfigurationError, capped

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

ENV_VAR = "ATLAS_REGISTRY_DB"


DEFAULT_URL = "sqlite:///atlas_registry.db"


def resolve_url(flag: str | None = None) -> str:
    """The database URL: the ``--db`` flag, else ``$ATLAS_REGISTRY_DB``, else the SQLite file.

    An empty flag or variable is an error, not a request for the default: a
    script whose variable came out empty must not write to another database.
    """
    if flag is not None:
        if not flag.strip():
            raise ConfigurationError(
                "--db is empty: give a database URL such as sqlite:///registry.db "
                "or postgresql://user@host/db, or leave --db out for the default"
            )
        return flag
    from_env = os.environ.get(ENV_VAR)
    if from_env is not None:
        if not from_env.strip():
            raise ConfigurationError(
                f"${ENV_VAR} is set but empty: set it to a database URL, or unset it "
                f"for the default ({DEFAULT_URL})"
            )
        return from_env
    return DEFAULT_URL


def parse_url(raw: str) -> URL:
    """``raw`` as a SQLAlchemy URL with its driver chosen; ConfigurationError says what is wrong."""
    # Imported here: resolving a URL (the CLI's fast reads) must not load SQLAlchemy.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from atlas_registry.store.backends import BACKENDS

    shown = capped(repr(re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", raw)), 200)
    try:
        url = make_url(raw)
        url.port  # noqa: B018 - a port that is not a number fails here, not at connect
    except (ArgumentError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot parse database URL {shown}: expected sqlite:///PATH or "
            f"postgresql://user@host[:port]/db ({exc})"
        ) from exc
    backend = url.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in BACKENDS:
        raise ConfigurationError(
            f"unsupported database {backend!r} in URL: use sqlite:///PATH or postgresql://..."
        )
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    elif url.host or url.port:
        raise ConfigurationError(
            f"{shown} names a host: a SQLite URL is sqlite:///relative/path.db or "
            "sqlite:////absolute/path.db (three or four slashes)"
        )
    return url
