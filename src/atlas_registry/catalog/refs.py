"""Reading a reference to a model: an id, a line name (``name``, ``name@3``, ``name@promoted``,
``name@ALIAS``),
a short id (the last 8 or more characters of an id, see ``records.short_id_of``, or the
first 7 characters of a short id, as git abbreviates) or a unique id prefix of at least 8
characters.

Precedence, so a reference always means one thing: an exact artifact id first,
then a line name, then short ids and id prefixes together. A reference that the
end of one model's id and the start of another's both match, or that matches
several models either way, is refused with the ids it matches. Writers keep line
names and artifact ids apart (``lines.refuse_id_names``), so the first two never
compete. After ``name@``, a number is a version, ``promoted`` and ``latest`` are
what they say, and anything else is one of the line's aliases: an alias may not
be spelt as any of the others (``alias_names``), so ``name@X`` means one thing.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    TextClause,
    and_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from atlas_registry.catalog.alias_names import SHOWN_ALIASES, may_be_alias, no_such_alias
from atlas_registry.catalog.queries import ROOT
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import AmbiguousReferenceError, NotFoundError
from atlas_registry.records import SHORT_ID_LENGTH, short_id_of
from atlas_registry.store.sql_session import SqlSession
from atlas_registry.store.tables import artifacts, model_aliases, model_lines, model_versions

MIN_PREFIX = SHORT_ID_LENGTH
# The shortest start of a short id that names a model (28 bits: git's abbreviation).
MIN_SHORT_ID_START = SHORT_ID_LENGTH - 1
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

# A line's alias: one lookup of model_aliases' primary key.
_ALIAS = select(model_aliases.c.artifact_id).where(
    model_aliases.c.line_id == bindparam("root"), model_aliases.c.alias == bindparam("alias")
)
_ALIASES = (
    select(model_aliases.c.alias)
    .where(model_aliases.c.line_id == bindparam("root"))
    .order_by(model_aliases.c.alias)
    .limit(SHOWN_ALIASES + 1)
)


# A reference is read on a SQLAlchemy connection (every read), or inside a
# registration's write transaction (a base model named by its line or short id).
Readable = Connection | SqlSession
_QMARK = sqlite_dialect()  # renders a statement with '?' marks, as SqlSession takes them


def _rows(conn: Readable, statement: Select[Any] | TextClause, params: dict[str, Any]) -> list[Any]:
    """The rows of one of this module's statements, on either kind of connection."""
    if isinstance(conn, Connection):
        return list(conn.execute(statement, params).all())
    compiled = statement.compile(dialect=_QMARK)
    values = {**compiled.params, **params}
    return conn.rows(str(compiled), [values[name] for name in compiled.positiontup or []])


def _scalar(conn: Readable, statement: Select[Any] | TextClause, params: dict[str, Any]) -> Any:
    found = _rows(conn, statement, params)
    return found[0][0] if found else None


def _dialect(conn: Readable) -> str:
    return conn.dialect if isinstance(conn, SqlSession) else conn.dialect.name


def resolve_model_ref(conn: Readable, ref: str) -> str:
    """The artifact id ``ref`` names; NotFoundError or AmbiguousReferenceError say why not."""
    if not is_storable_text(ref):  # no stored id or name holds it (see refuse_unstorable)
        raise NotFoundError(f"no model, model line, short id or id prefix matches {_quoted(ref)}")
    if _rows(conn, _EXACT, {"ref": ref}):
        return ref
    name, _, spec = ref.partition("@")
    root = _scalar(conn, _LINE_ROOT, {"name": name})
    if root is not None:
        return _in_line(conn, name, root, spec if "@" in ref else "latest")
    if "@" not in ref and (len(ref) >= MIN_PREFIX or _SHORT_ID_START.fullmatch(ref)):
        return _by_short_id_or_prefix(conn, ref)
    hint = (
        ""
        if len(ref) >= MIN_PREFIX
        else f" (an id prefix needs {MIN_PREFIX} characters, a short id {SHORT_ID_LENGTH} hex "
        f"digits or its first {MIN_SHORT_ID_START})"
    )
    hint += _similar_lines(conn, name)
    raise NotFoundError(f"no model, model line, short id or id prefix matches {_quoted(ref)}{hint}")


def _quoted(ref: str) -> str:
    """``ref`` as a message quotes it: a reference can be anything a URL or a shell carries."""
    if len(ref) <= SHOWN_CHARACTERS:
        return repr(ref)
    return f"{ref[:SHOWN_CHARACTERS]!r}... ({len(ref):,} characters)"


def require_line(conn: Readable, name: str) -> None:
    """NotFoundError, naming lines spelt alike, when no model line is named ``name``."""
    if not is_storable_text(name):
        raise NotFoundError(f"no model line named {_quoted(name)}")
    if _scalar(conn, _LINE_ROOT, {"name": name}) is None:
        raise NotFoundError(f"no model line named {_quoted(name)}{_similar_lines(conn, name)}")


def _similar_lines(conn: Readable, name: str) -> str:
    """The hint a not-found message ends with: lines spelt like ``name``, if any."""
    similar = _lines_like(conn, name)
    return f"; model lines with similar names: {', '.join(similar)}" if similar else ""


def _lines_like(conn: Readable, name: str) -> list[str]:
    """Line names that start with ``name``, or are close to it: what the user may have meant."""
    starting = select(model_lines.c.name).where(
        func.substr(model_lines.c.name, 1, len(name)) == name
    )
    found = [row[0] for row in _rows(conn, starting.order_by(model_lines.c.name).limit(5), {})]
    if found or len(name) < 3:
        return found
    names = [row[0] for row in _rows(conn, select(model_lines.c.name).limit(10_000), {})]
    return difflib.get_close_matches(name, names, n=3, cutoff=0.75)


def _in_line(conn: Readable, name: str, root: str, spec: str) -> str:
    if spec == "latest":
        found = _scalar(conn, _LATEST, {"root": root})
    elif spec == "promoted":
        found = _scalar(conn, _PROMOTED, {"root": root})
        if found is None:
            raise NotFoundError(f"model line {name} has no promoted version")
    elif spec.isdigit() and spec.isascii():
        number = int(spec) if len(spec.lstrip("0")) <= 10 else MAX_VERSION_NUMBER + 1
        found = (
            _scalar(conn, _VERSION, {"root": root, "number": number})
            if number <= MAX_VERSION_NUMBER
            else None
        )
        if found is None:
            raise NotFoundError(f"model line {name} has no version {spec:.40}")
    elif may_be_alias(spec):
        found = _scalar(conn, _ALIAS, {"root": root, "alias": spec})
        if found is None:
            names = [row[0] for row in _rows(conn, _ALIASES, {"root": root})]
            raise NotFoundError(
                f"{no_such_alias(name, spec, names)}; after @ comes a version number, "
                "promoted, latest or one of the line's aliases"
            )
    else:
        raise NotFoundError(
            f"{name}@{spec[:40]}: after @ comes a version number, promoted, latest or an alias "
            "(lower-case letters, digits, '.', '_' or '-')"
        )
    if found is None:
        raise NotFoundError(f"model line {name} has no versions")
    return str(found)


def _models_starting_with(conn: Readable, prefix: str) -> ColumnElement[bool]:
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
    if _dialect(conn) == "sqlite":
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


# datlocprovider (PostgreSQL 15+) is read through to_jsonb so that an older
# server, whose databases all use libc, answers NULL instead of failing.
_DATABASE_ORDER = text(
    "SELECT to_jsonb(d) ->> 'datlocprovider', d.datcollate, "
    "pg_encoding_to_char(d.encoding) FROM pg_database d "
    "WHERE d.datname = current_database()"
)


def _key_in_byte_order(conn: Readable) -> bool:
    """True when this PostgreSQL database orders its UTF-8 text, the artifacts key included,
    by bytes (the range's upper bound, U+10FFFF, exists only in UTF-8).

    Kept per database for reads; a write transaction (which names a base model by
    an id prefix, rarely) asks its database again.
    """
    if isinstance(conn, SqlSession):
        return _byte_order(*_rows(conn, _DATABASE_ORDER, {})[0])
    database = conn.engine.url.render_as_string(hide_password=True)
    if database not in _byte_order_by_database:
        _byte_order_by_database[database] = _byte_order(*_rows(conn, _DATABASE_ORDER, {})[0])
    return _byte_order_by_database[database]


def _byte_order(provider: str | None, collation: str, encoding: str) -> bool:
    return provider in (None, "c") and collation in _BYTE_ORDER_COLLATIONS and encoding == "UTF8"


# The end of an id a short id names: hex digits, with the UUID's hyphens when longer.
_SHORT_ID = re.compile(rf"[0-9a-fA-F-]*[0-9a-fA-F]{{{SHORT_ID_LENGTH}}}")
# The start of a short id, too short for an id prefix.
_SHORT_ID_START = re.compile(rf"[0-9a-fA-F]{{{MIN_SHORT_ID_START}}}")
# Models whose id ends in the given 8 characters, from idx_artifacts_short_id (migration
# 0016), whose expression this repeats word for word (a bound 7 would not match it on
# PostgreSQL). ``|| ''`` keeps SQLite off the type index, which every model is in.
_ENDING_WITH = text(
    "SELECT id FROM artifacts WHERE substr(id, length(id) - 7) IN (:tail, :lower_tail) "
    "AND artifact_type || '' = 'model' ORDER BY id LIMIT 1000"
)


def _ending_with(conn: Readable, ref: str) -> list[str]:
    """Model ids that end in ``ref`` (a short id, or a longer end of an id)."""
    if _SHORT_ID.fullmatch(ref) is None:
        return []
    tail = ref[-SHORT_ID_LENGTH:]
    found = _rows(conn, _ENDING_WITH, {"tail": tail, "lower_tail": tail.lower()})
    return [row[0] for row in found if row[0].endswith((ref, ref.lower()))]


# Models whose short id starts with the given 7 characters: a range of the same index
# (0016), whose expression this repeats word for word too. Every 8-character text
# that starts with :start sorts in [:start, :start || 'g') in byte order and in a
# linguistic collation alike (hex digits sort before g either way); what else the
# range holds is left out by the caller.
_SHORT_ID_STARTING = text(
    "SELECT id FROM artifacts WHERE substr(id, length(id) - 7) >= :start "
    "AND substr(id, length(id) - 7) < :end AND artifact_type || '' = 'model' "
    "ORDER BY id LIMIT 1000"
)


def _short_ids_starting_with(conn: Readable, start: str) -> list[str]:
    """Models whose short id (not merely the end of their id) starts with ``start``."""
    found: set[str] = set()
    for given in {start, start.lower()}:
        rows = _rows(conn, _SHORT_ID_STARTING, {"start": given, "end": given + "g"})
        found.update(row[0] for row in rows)
    return [
        i
        for i in found
        if short_id_of(i) != i and short_id_of(i).startswith((start, start.lower()))
    ]


def _starting_with(conn: Readable, prefix: str) -> list[str]:
    query = (
        select(artifacts.c.id)
        .where(_models_starting_with(conn, prefix))
        .order_by(artifacts.c.id)
        .limit(SHOWN_MATCHES + 1)
    )
    return [row[0] for row in _rows(conn, query, {})]


def _by_short_id_or_prefix(conn: Readable, ref: str) -> str:
    """The one model whose id ends in ``ref`` or starts with it, or whose short id starts
    with ``ref`` (7 characters); the candidates if several."""
    if len(ref) < MIN_PREFIX:
        matches = sorted(_short_ids_starting_with(conn, ref))
    else:
        matches = sorted(set(_ending_with(conn, ref)) | set(_starting_with(conn, ref)))
    if not matches:  # a misspelt line name as often as a mistyped id
        raise NotFoundError(
            f"no model, model line, short id or id prefix matches {_quoted(ref)}"
            f"{_similar_lines(conn, ref)}"
        )
    if len(matches) > 1:
        shown = ", ".join(matches[:SHOWN_MATCHES])
        more = f" and {len(matches) - SHOWN_MATCHES} more" if len(matches) > SHOWN_MATCHES else ""
        raise AmbiguousReferenceError(
            f"{_quoted(ref)} names several models ({shown}{more}): give more characters "
            f"of the id ({_longer_hint(ref, matches)})"
        )
    return matches[0]


def _longer_hint(ref: str, matches: list[str]) -> str:
    """How to name one of ``matches`` instead: its whole id, its short id or a longer end."""
    shorts = {short_id_of(m) for m in matches}
    if len(ref) < SHORT_ID_LENGTH and len(shorts) == len(matches):
        return f"e.g. its whole short id, such as {short_id_of(matches[0])}"
    if all(short_id_of(m) != m and m.endswith(ref) for m in matches):
        return f"e.g. its last 13 characters, such as {matches[0][-13:]}"
    return f"e.g. {matches[0]}"
