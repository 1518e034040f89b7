"""Which recorded facts a run of down migrations would destroy, counted before it runs.

A down file drops the tables its migration made, with their rows: below 0011
every API token (so a revoked token's name could be issued again), below 0013
every pin check, below 0004 the promotion history. ``migrate down`` therefore
first runs the whole down path in one transaction that it rolls back, counting
the rows each step takes from every table that holds facts (any table not in
:data:`.append_only.DERIVED`), and refuses unless each such table is named as
one to discard. Each real step counts again inside its own transaction, so rows
written between the dry run and the step are not lost unseen either. Empty
tables hold no facts: a down path over them needs no consent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, inspect

from atlas_registry.errors import MigrationError
from atlas_registry.store.append_only import DERIVED, MUTABLE


@dataclass(frozen=True)
class LostFacts:
    """Rows of one table that a down file would delete or drop."""

    table: str
    rows: int
    by: str  # the migration whose down file loses them, e.g. 0011_api_tokens

    def describe(self) -> str:
        noun = "row" if self.rows == 1 else "rows"
        return f"{self.table} ({self.rows} {noun}, by {self.by}.down.sql)"


# The runner's bookkeeping: its rows are the migrations themselves, not facts.
_BOOKKEEPING = "schema_migrations"
assert _BOOKKEEPING in MUTABLE


def _fact_tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) - set(DERIVED) - {_BOOKKEEPING}


def _count(conn: Connection, table: str) -> int:
    # Table names come from the database's own catalog, quoted as identifiers.
    quoted = conn.dialect.identifier_preparer.quote(table)
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {quoted}").scalar_one())


class FactCounter:
    """Row counts of the fact tables a run of down files names, kept step by step.

    A down file touches only the tables it names (it drops them, or alters
    them), so only those are counted, before and after it runs: a count of every
    table per step would cost a scan of the catalog per step.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.tables = _fact_tables(conn)
        self.counts: dict[str, int] = {}

    def _named(self, down_sql: str) -> list[str]:
        lowered = down_sql.lower()
        return sorted(table for table in self.tables if table.lower() in lowered)

    def before(self, down_sql: str) -> None:
        """Count the tables ``down_sql`` names that no earlier step counted."""
        for table in self._named(down_sql):
            if table not in self.counts:
                self.counts[table] = _count(self.conn, table)

    def after(self, label: str, down_sql: str) -> list[LostFacts]:
        """What the down file of migration ``label``, just run on the connection, took."""
        present = _fact_tables(self.conn)
        lost = []
        for table in self._named(down_sql):
            before = self.counts[table]
            now = _count(self.conn, table) if table in present else 0
            if now < before:
                lost.append(LostFacts(table, before - now, label))
            self.counts[table] = now
        return lost


def refuse_unless_consented(
    lost: Sequence[LostFacts], discard: Collection[str], target: int
) -> None:
    """Raise naming every table whose facts would be lost and is not in ``discard``."""
    unconsented = [item for item in lost if item.table not in discard]
    if not unconsented:
        return
    tables = sorted({item.table for item in unconsented})
    flags = " ".join(f"--drop {table}" for table in tables)
    raise MigrationError(
        f"reverting to {target:04d} would destroy recorded facts: "
        f"{'; '.join(item.describe() for item in unconsented)}. Nothing was reverted. "
        "Back up the database; then, if these facts may go, name each table to discard "
        f"(`atlas-registry migrate down --to {target:04d} --yes {flags}`)"
    )


def check_discard_names(discard: Collection[str], tables: Collection[str]) -> None:
    """Refuse a table named for discarding that the database does not have.

    A misspelt name must not pass silently while the table it meant is kept
    from being dropped by the refusal that follows: the person would read the
    refusal as ignoring them. A table that exists but holds no rows now may be
    named: a script's consent stays valid when there happens to be nothing to lose.
    """
    unknown = sorted(set(discard) - set(tables))
    if unknown:
        raise MigrationError(
            f"asked to discard {', '.join(unknown)}, which the database has no table "
            f"named; its tables holding facts are {', '.join(sorted(tables))}; "
            "nothing was reverted"
        )
