"""Which recorded facts a run of down migrations would destroy, counted before it runs.

A down file drops the tables its migration made, with their rows: below 0011
every API token (so a revoked token's name could be issued again), below 0013
every pin check, below 0004 the promotion history. ``migrate down`` therefore
first runs the whole down path in one transaction that it rolls back, counting
the rows each step takes from every table that holds facts (any table not in
:data:`.append_only.DERIVED`), and the values each step takes with a column it
drops from a table it keeps (below 0018 who claimed each version, who named
each line), and refuses unless each such table, or ``table.column``, is named
as one to discard. Each real step counts again inside its own transaction, so
rows written between the dry run and the step are not lost unseen either.
Empty tables and columns holding only NULLs hold no facts: a down path over
them needs no consent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, inspect

from atlas_registry.errors import MigrationError
from atlas_registry.store.append_only import DERIVED, DERIVED_COLUMNS, DERIVED_ROWS, MUTABLE
from atlas_registry.store.db import Database


@dataclass(frozen=True)
class LostFacts:
    """Rows of one table, or values of one column, that a down file would delete or drop."""

    table: str  # a table, or ``table.column`` for the values of a dropped column
    rows: int
    by: str  # the migration whose down file loses them, e.g. 0011_api_tokens
    unit: str = "row"  # "value" for a column's non-NULL values

    def describe(self) -> str:
        noun = self.unit if self.rows == 1 else f"{self.unit}s"
        return f"{self.table} ({self.rows} {noun}, by {self.by}.down.sql)"


# The runner's bookkeeping: its rows are the migrations themselves, not facts.
_BOOKKEEPING = "schema_migrations"
assert _BOOKKEEPING in MUTABLE


def _fact_tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) - set(DERIVED) - {_BOOKKEEPING}


def fact_columns(conn: Connection, tables: Collection[str]) -> set[str]:
    """Every ``table.column`` of the fact tables: the columns a ``--drop`` may name."""
    inspector = inspect(conn)
    return {f"{table}.{c['name']}" for table in tables for c in inspector.get_columns(table)}


def _census(conn: Connection, table: str) -> tuple[int, dict[str, int]]:
    """The table's row count, and the non-NULL values of each of its columns, in one scan.

    Rows :data:`DERIVED_ROWS` says come back on the way up (a version's first
    evaluation, its registration's metrics) are not counted: they are no loss.
    """
    # Names come from the database's own catalog, quoted as identifiers.
    quote = conn.dialect.identifier_preparer.quote
    columns = [c["name"] for c in inspect(conn).get_columns(table)]
    counts = ", ".join(["count(*)", *(f"count({quote(column)})" for column in columns)])
    derived = DERIVED_ROWS.get(table)
    where = f" WHERE NOT ({derived})" if derived else ""
    sql = f"SELECT {counts} FROM {quote(table)}{where}"
    rows, *values = conn.exec_driver_sql(sql).one()
    return int(rows), {f"{table}.{c}": int(n) for c, n in zip(columns, values, strict=True)}


class FactCounter:
    """Row and value counts of the fact tables a run of down files names, kept step by step.

    A down file touches only the tables it names (it drops them, or alters
    them), so only those are counted, before and after it runs: a count of every
    table per step would cost a scan of the catalog per step.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.tables = _fact_tables(conn)
        self.counts: dict[str, int] = {}
        self.values: dict[str, dict[str, int]] = {}  # table -> table.column -> non-NULL values

    def _named(self, down_sql: str) -> list[str]:
        lowered = down_sql.lower()
        return sorted(table for table in self.tables if table.lower() in lowered)

    def before(self, down_sql: str) -> None:
        """Count the tables ``down_sql`` names that no earlier step counted."""
        for table in self._named(down_sql):
            if table not in self.counts:
                self.counts[table], self.values[table] = _census(self.conn, table)

    def after(self, label: str, down_sql: str) -> list[LostFacts]:
        """What the down file of migration ``label``, just run on the connection, took."""
        present = _fact_tables(self.conn)
        lost = []
        for table in self._named(down_sql):
            before = self.counts[table]
            now, values = _census(self.conn, table) if table in present else (0, {})
            if now < before:
                lost.append(LostFacts(table, before - now, label))
            if table in present:  # a dropped table's values went with its rows
                for column, held in sorted(self.values[table].items()):
                    if column not in values and held and column not in DERIVED_COLUMNS:
                        lost.append(LostFacts(column, held, label, unit="value"))
            self.counts[table], self.values[table] = now, values
        return lost


def refuse_unless_consented(
    lost: Sequence[LostFacts], discard: Collection[str], target: int
) -> None:
    """Raise naming every table or column whose facts would be lost and is not in ``discard``."""
    unconsented = [item for item in lost if item.table not in discard]
    if not unconsented:
        return
    tables = sorted({item.table for item in unconsented})
    flags = " ".join(f"--drop {table}" for table in tables)
    raise MigrationError(
        f"reverting to {target:04d} would destroy recorded facts: "
        f"{'; '.join(item.describe() for item in unconsented)}. Nothing was reverted. "
        "Back up the database; then, if these facts may go, name each table (or "
        "table.column) to discard "
        f"(`atlas-registry migrate down --to {target:04d} --yes {flags}`)"
    )


def check_discard_names(
    discard: Collection[str], tables: Collection[str], columns: Collection[str]
) -> None:
    """Refuse a table or ``table.column`` named for discarding that the database does not have.

    A misspelt name must not pass silently while the table it meant is kept
    from being dropped by the refusal that follows: the person would read the
    refusal as ignoring them. A table that exists but holds no rows now may be
    named: a script's consent stays valid when there happens to be nothing to lose.
    """
    unknown = sorted(set(discard) - set(tables) - set(columns))
    if unknown:
        raise MigrationError(
            f"asked to discard {', '.join(unknown)}, which the database has no table "
            f"(or table.column) named; its tables holding facts are "
            f"{', '.join(sorted(tables))}; nothing was reverted"
        )


# After a down path below 0019 a shell may promote a second version of a line;
# 0019's index then cannot be built on the way up. The database says only
# "UNIQUE constraint failed: model_versions.line_id": say which lines.
_ONE_PROMOTED_INDEX = "uq_model_versions_one_promoted_per_line"
_TWICE_PROMOTED = """
SELECT COALESCE(n.name, COALESCE(a.lineage_id, a.id)), count(*)
FROM model_versions v
JOIN artifacts a ON a.id = v.artifact_id
LEFT JOIN model_lines n ON n.root_id = COALESCE(a.lineage_id, a.id)
WHERE v.promotion_state = 'promoted'
GROUP BY COALESCE(a.lineage_id, a.id), n.name
HAVING count(*) > 1
ORDER BY 1
"""


def explain_failed_up(db: Database, error: MigrationError) -> MigrationError:
    """``error`` with the lines holding more than one promoted version, when that is its cause.

    Run after the failed migration's transaction is rolled back, on a fresh one.
    """
    if _ONE_PROMOTED_INDEX not in error.message:
        return error
    with db.transaction() as conn:
        lines = [(str(name), int(n)) for name, n in conn.exec_driver_sql(_TWICE_PROMOTED)]
    if not lines:
        return error
    named = "; ".join(f"line {name!r} has {n} promoted versions" for name, n in lines)
    return MigrationError(
        f"{error.message}. At most one version of a line may be promoted, and {named}. "
        "Back up the database; set promotion_state of all but one of each line's promoted "
        "versions to 'superseded' (in a shell), then run `atlas-registry migrate` again"
    )
