"""Reading a reference to a model: an id, a line name (``name``, ``name@3``, ``name@promoted``)
or a unique id prefix of at least 8 characters.

Precedence, so a reference always means one thing: an exact artifact id first,
then a line name, then an id prefix. A prefix that matches several models is
refused with the ids it matches. Writers keep line names and artifact ids
apart (``lines.refuse_id_names``), so the first two never compete.
"""

from __future__ import annotations

import difflib
import re

from sqlalchemy import ColumnElement, Connection, and_, bindparam, func, select, text

from atlas_registry.catalog_queries import ROOT
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import AmbiguousReferenceError, NotFoundError
from atlas_registry.tables import artifacts, model_lines, model_versions

MIN_PREFIX = 8
SHOWN_MATCHES = 10
SHOWN_CHARACTERS = 100
# Version numbers are 32-bit INTEGERs on PostgreSQL; a larger number names no
# version, and SQLite's driver cannot even bind one beyond 64 bits.
MAX_VERSION_NUMBER = 2**31 - 1

_EXACT = select(artifacts.c.id).where(artifacts.c.id == bindparam("ref"))
_LINE_ROOT = select(model_lines.c.root_id).where(model_lines.c.name == bindparam("name"))
_LATEST = select(artifacts.c.id).where(bindparam("root") == ROOT, artifacts.c.is_latest == 1)
_VERSION = select(artifacts.c.id).where(
    bindparam("root") == ROOT, artifacts.c.version_number == bindparam("number")
)
_PROMOTED = (
    select(artifacts.c.id)
    .join(model_versions, model_versions.c.artifact_id == artifacts.c.id)
    .where(bindparam("root") == ROOT, model_versions.c.promotion_state == "promoted")
)


def resolve_model_ref(conn: Connection, ref: str) -> str:
    """The artifact id ``ref`` names; NotFoundError or AmbiguousReferenceError say why not."""
    if not is_storable_text(ref):  # no stored id or name holds it (see refuse_unstorable)
        raise NotFoundError(f"no model, model line or id prefix matches {_quoted(ref)}")
    if conn.execute(_EXACT, {"ref": ref}).first() is not None:
        return ref
    name, _, spec = ref.partition("@")
    root = conn.execute(_LINE_ROOT, {"name": name}).scalar()
    if root is not None:
        return _in_line(conn, name, root, spec or "latest")
    if "@" not in ref and len(ref) >= MIN_PREFIX:
        return _by_prefix(conn, ref)
    hint = "" if len(ref) >= MIN_PREFIX else f" (an id prefix needs {MIN_PREFIX} characters)"
    hint += _similar_lines(conn, name)
    raise NotFoundError(f"no model, model line or id prefix matches {_quoted(ref)}{hint}")


def _quoted(ref: str) -> str:
    """``ref`` as a message quotes it: a reference can be anything a URL or a shell carries."""
    if len(ref) <= SHOWN_CHARACTERS:
        return repr(ref)
    return f"{ref[:SHOWN_CHARACTERS]!r}... ({len(ref):,} characters)"


def require_line(conn: Connection, name: str) -> None:
    """NotFoundError, naming lines spelt alike, when no model line is named ``name``."""
    if not is_storable_text(name):
        raise NotFoundError(f"no model line named {_quoted(name)}")
    if conn.execute(_LINE_ROOT, {"name": name}).first() is None:
        raise NotFoundError(f"no model line named {_quoted(name)}{_similar_lines(conn, name)}")


def _similar_lines(conn: Connection, name: str) -> str:
    """The hint a not-found message ends with: lines spelt like ``name``, if any."""
    similar = _lines_like(conn, name)
    return f"; model lines with similar names: {', '.join(similar)}" if similar else ""


def _lines_like(conn: Connection, name: str) -> list[str]:
    """Line names that start with ``name``, or are close to it: what the user may have meant."""
    starting = select(model_lines.c.name).where(
        func.substr(model_lines.c.name, 1, len(name)) == name
    )
    found = list(conn.execute(starting.order_by(model_lines.c.name).limit(5)).scalars())
    if found or len(name) < 3:
        return found
    names = list(conn.execute(select(model_lines.c.name).limit(10_000)).scalars())
    return difflib.get_close_matches(name, names, n=3, cutoff=0.75)


def _in_line(conn: Connection, name: str, root: str, spec: str) -> str:
    if spec == "latest":
        found = conn.execute(_LATEST, {"root": root}).scalar()
    elif spec == "promoted":
        found = conn.execute(_PROMOTED, {"root": root}).scalar()
        if found is None:
            raise NotFoundError(f"model line {name} has no promoted version")
    elif spec.isdigit() and spec.isascii():
        number = int(spec) if len(spec.lstrip("0")) <= 10 else MAX_VERSION_NUMBER + 1
        found = (
            conn.execute(_VERSION, {"root": root, "number": number}).scalar()
            if number <= MAX_VERSION_NUMBER
            else None
        )
        if found is None:
            raise NotFoundError(f"model line {name} has no version {spec:.40}")
    else:
        raise NotFoundError(
            f"{name}@{spec[:40]}: after @ comes a version number, promoted or latest"
        )
    if found is None:
        raise NotFoundError(f"model line {name} has no versions")
    return str(found)


def _models_starting_with(conn: Connection, prefix: str) -> ColumnElement[bool]:
    """Models whose id starts with ``prefix``, found through the key where the database can.

    SQLite compares text byte by byte, so a GLOB pattern with the prefix's
    wildcards bracketed is an exact prefix match that it answers from the
    primary key; the type test is kept off its index (``|| ''``), which SQLite
    would otherwise pick and read every model (19 ms at 100,000). PostgreSQL
    orders its key by the database's collation: where that is byte order, the
    ids sharing a prefix sit in one range of the key, which bounds the search;
    in a linguistic collation they need not, and only the exact test remains
    (60 ms at 100,000).
    """
    if conn.dialect.name == "sqlite":
        pattern = re.sub(r"([*?\[])", r"[\1]", prefix) + "*"
        return and_(
            artifacts.c.id.op("GLOB")(pattern), artifacts.c.artifact_type.concat("") == "model"
        )
    exact = and_(
        artifacts.c.artifact_type == "model",
        func.substr(artifacts.c.id, 1, len(prefix)) == prefix,
    )
    if not _key_in_byte_order(conn):
        return exact
    # Every id that starts with the prefix lies in [prefix, prefix + the last code point).
    return and_(artifacts.c.id >= prefix, artifacts.c.id < prefix + "\U0010ffff", exact)


# Collations (libc) in which PostgreSQL compares text byte by byte, as UTF-8 code points.
_BYTE_ORDER_COLLATIONS = frozenset({"C", "POSIX", "C.UTF-8", "C.utf8"})
_byte_order_by_database: dict[str, bool] = {}


def _key_in_byte_order(conn: Connection) -> bool:
    """True when this PostgreSQL database orders its UTF-8 text, the artifacts key included,
    by bytes (the range's upper bound, U+10FFFF, exists only in UTF-8)."""
    database = conn.engine.url.render_as_string(hide_password=True)
    if database not in _byte_order_by_database:
        # datlocprovider (PostgreSQL 15+) is read through to_jsonb so that an older
        # server, whose databases all use libc, answers NULL instead of failing.
        provider, collation, encoding = conn.execute(
            text(
                "SELECT to_jsonb(d) ->> 'datlocprovider', d.datcollate, "
                "pg_encoding_to_char(d.encoding) FROM pg_database d "
                "WHERE d.datname = current_database()"
            )
        ).one()
        _byte_order_by_database[database] = (
            provider in (None, "c") and collation in _BYTE_ORDER_COLLATIONS and encoding == "UTF8"
        )
    return _byte_order_by_database[database]


def _by_prefix(conn: Connection, prefix: str) -> str:
    query = (
        select(artifacts.c.id)
        .where(_models_starting_with(conn, prefix))
        .order_by(artifacts.c.id)
        .limit(SHOWN_MATCHES + 1)
    )
    matches = list(conn.execute(query).scalars())
    if not matches:
        raise NotFoundError(f"no model, model line or id prefix matches {_quoted(prefix)}")
    if len(matches) > 1:
        shown = ", ".join(matches[:SHOWN_MATCHES])
        more = " and more" if len(matches) > SHOWN_MATCHES else ""
        raise AmbiguousReferenceError(
            f"{_quoted(prefix)} is the start of several model ids ({shown}{more}): "
            "give more characters"
        )
    return str(matches[0])
