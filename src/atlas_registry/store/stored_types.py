"""What PostgreSQL keeps in each column of a table: the declared type, and the one under it.

SQLAlchemy's reflection names a column's type as its driver maps it, which
hides what matters to a table the registry adopts (``migrate baseline``):
``"char"`` (one byte) reads as plain text, ``bpchar`` without a length is not
recognised at all, and a domain loses its base type's length. The catalog
says it exactly, through any number of domains.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from atlas_registry.errors import capped

# Each column, followed through its domains down to the base type.
_STORED_TYPES = text(
    """
WITH RECURSIVE walk(attname, declared, typid, typmod, depth) AS (
  SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod, 0
  FROM pg_attribute a
  WHERE a.attrelid = to_regclass(:table) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT w.attname, w.declared, t.typbasetype, t.typtypmod, w.depth + 1
  FROM walk w JOIN pg_type t ON t.oid = w.typid
  WHERE t.typtype = 'd'
)
SELECT DISTINCT ON (w.attname) w.attname, w.declared, format_type(w.typid, w.typmod),
       t.typname, t.typtype, CASE WHEN t.typname IN ('bpchar', 'varchar') AND w.typmod >= 4
                                  THEN w.typmod - 4 END
FROM walk w JOIN pg_type t ON t.oid = w.typid
ORDER BY w.attname, w.depth DESC
"""
)


@dataclass(frozen=True)
class StoredType:
    declared: str  # as the table names it: a domain's own name, for a domain
    base: str  # the type under any domains, with its length: character(20)
    base_name: str  # the base type's catalog name: bpchar, char, varchar, text ...
    kind: str  # the base type's kind (pg_type.typtype): b a base type, e an enum ...
    length: int | None  # the most characters the base type keeps, when it says

    @property
    def described(self) -> str:
        """The type as a person would look for it in the table's definition.

        Cut at 120 characters (names of 63 quotes can double to 128): a message
        quoting it must keep, within a violation's cap, the change that fixes it.
        """
        if self.declared == self.base:
            return capped(self.declared, 120)
        return capped(f"{self.declared} (a domain over {self.base})", 120)


def stored_types(conn: Connection, table: str) -> dict[str, StoredType]:
    """Each column of ``table`` (found on the search path) by name; PostgreSQL only."""
    rows = conn.execute(_STORED_TYPES, {"table": table})
    return {name: StoredType(*described) for name, *described in rows}


# Types that keep any text as written (a length aside, checked on its own).
TEXT_TYPES = frozenset({"text", "varchar", "citext"})
# Types, not text, whose every value ALTER ... TYPE text keeps, character for character.
LOSSLESS_TO_TEXT = frozenset({"json", "jsonb", "uuid"})


def unfit_for_text(table: str, column: str, kept: StoredType) -> str | None:
    """Why PostgreSQL would not keep, as written, the text the registry writes to ``column``;
    None when it would. Each reason ends with the change that fixes it, where one does."""
    if kept.base_name in TEXT_TYPES:
        return None
    change = f"ALTER TABLE {table} ALTER COLUMN {column} TYPE text"
    shown = kept.described
    if kept.base_name == "bpchar":
        return f"is {shown}: PostgreSQL pads it with blanks, read back as text; {change} drops them"
    if kept.base_name == "char":
        return f"is {shown}: PostgreSQL keeps one byte of it; {change}"
    if kept.base_name == "name":
        return f"is {shown}: PostgreSQL cuts it to 63 bytes; {change}"
    if kept.kind == "e":
        return f"is {shown}, an enum: the registry writes values of its own here; {change}"
    hint = f" ({change} keeps every value)" if kept.base_name in LOSSLESS_TO_TEXT else ""
    return f"is {shown}; the registry reads and writes it as text{hint}"
