"""Naming model lines: by hand (``name-line``) or from the titles of adopted legacy models.

A name is a slug (:func:`slug_of`); a name that is taken, or that two lines
would both take, is never given by picking one: the reason goes to the review
queue, and a person names the line.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Connection, bindparam, select

from atlas_registry.catalog.line_listing import LineSummary, list_lines
from atlas_registry.catalog.lines import (
    ALSO_AN_ID,
    line_names,
    lines_named,
    lock_line_names,
    name_lines_in,
)
from atlas_registry.catalog.queries import ROOT, fetch_model, ids_in
from atlas_registry.errors import AlreadyExistsError, ValidationError, Violation
from atlas_registry.schema.patterns import LINE_NAME, matches
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.sql_session import SqlSession
from atlas_registry.store.tables import artifacts

# Latin letters that no Unicode decomposition turns into ASCII ones.
_LATIN_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",
    }
)


def slug_of(title: str) -> str | None:
    """A line name made from a title: ASCII lower case, runs of other characters as ``-``.

    Accented Latin letters keep their base letter (``Ünïcödé`` becomes
    ``unicode``), rather than being dropped with the punctuation. Scripts with
    no ASCII spelling make no name, and the caller asks for one.
    """
    decomposed = unicodedata.normalize("NFKD", title).lower().translate(_LATIN_LETTERS)
    ascii_title = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:100].rstrip("-")
    return slug if matches(LINE_NAME, slug) else None


_ROOTS_OF = select(artifacts.c.id, ROOT.label("root"), artifacts.c.version_number).where(
    artifacts.c.id.in_(bindparam("ids", expanding=True))
)


def name_adopted_lines(
    db: Database, conn: Connection, titles: dict[str, str], now: str
) -> dict[str, str]:
    """Name the lines of adopted legacy models after their titles; returns why some were not.

    A line that already has a name keeps it. A line takes one name, from the
    title of its oldest version in the batch (versions of one line may carry
    different titles: "Foo Model", "Foo Model v2"). A name that is taken, or
    that two lines of the batch would both take, is not given: the reason is
    returned per artifact id for the review queue, never resolved by picking one.
    The names' locks are taken before they are looked up, as every writer of a
    name or a chosen artifact id does (:func:`line_name_lock`), and before any
    line's lock.
    """
    session = SqlSession.of(conn)
    found = conn.execute(_ROOTS_OF, {"ids": sorted(titles)}).all()
    members: dict[str, list[str]] = {}  # root -> the batch's artifacts of that line
    oldest: dict[str, str] = {}  # root -> the artifact whose title names the line
    for row in sorted(found, key=lambda r: (r.version_number, r.id)):
        oldest.setdefault(row.root, row.id)
        members.setdefault(row.root, []).append(row.id)
    named = line_names(session, sorted(oldest))
    wanted: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    for root, artifact_id in sorted(oldest.items()):
        if root in named:
            continue
        slug = slug_of(titles[artifact_id])
        if slug is None:
            reason = f"no line name can be made from the title {titles[artifact_id]!r:.80}"
            reasons.update(dict.fromkeys(members[root], reason))
            continue
        wanted.setdefault(slug, []).append(root)
    lock_line_names(db, session, sorted(wanted))
    taken = lines_named(session, sorted(wanted))
    ids = ids_in(conn, artifacts.c.id, sorted(wanted))
    create = {}
    for slug, slug_roots in wanted.items():
        claimants = sorted(a for root in slug_roots for a in members[root])
        if slug in taken or slug in ids or len(slug_roots) > 1:
            if slug in taken:
                clash = f"already names the line of {taken[slug]}"
            elif slug in ids:
                clash = ALSO_AN_ID
            else:
                clash = f"would name the lines of {', '.join(claimants)}"
            for artifact_id in claimants:
                reasons[artifact_id] = (
                    f"line name {slug!r} (from the title) {clash}; name this line by hand"
                )
        else:
            create[slug] = slug_roots[0]
    name_lines_in(session, create, now)
    return reasons


def name_line(db: Database, model_id: str, name: str, actor: str | None = None) -> LineSummary:
    """Give the line of ``model_id`` the name ``name`` (a line that has none yet).

    ``actor``: who is known to name it (a token's name), recorded as ``named_by``.
    """
    if not matches(LINE_NAME, name):
        raise ValidationError(
            "the line name is invalid",
            [Violation("name", f"must be a line name such as ad-risk-predictor, got {name!r:.80}")],
        )
    with db.session(write=True) as session:
        lock_line_names(db, session, [name])
        # A registered model only (not a dataset, not a legacy model still held): a
        # named line must list its versions.
        model = fetch_model(session, model_id)
        if lines_named(session, [name]):
            raise AlreadyExistsError(f"a model line is already named {name}")
        if session.first("SELECT 1 FROM artifacts WHERE id = ?", (name,)) is not None:
            raise ValidationError(  # see refuse_id_names
                "the line name is an artifact id",
                [Violation("name", f"{name} {ALSO_AN_ID}; choose another name")],
            )
        root = model.lineage_id or model.id
        existing = line_names(session, [root])
        if root in existing:
            raise AlreadyExistsError(f"the line of {model_id} is already named {existing[root]}")
        name_lines_in(session, {name: root}, utc_timestamp(), named_by=actor)
    [summary] = list_lines(db, name=name)
    return summary
