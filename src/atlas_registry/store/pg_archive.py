"""PostgreSQL backups through the server's own tools: ``pg_dump`` and ``pg_restore``.

A custom-format archive from ``pg_dump`` is one snapshot of the database, taken
when the dump starts, while servers keep writing. The tools are run without a
shell; the URL reaches them as a libpq connection string without its password
(which goes in ``PGPASSWORD``, not on a command line others can read), and
never where an option could be read. What an archive holds is read back from
the archive itself: its rows, table by table, and its migration rows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import URL

from atlas_registry.errors import ConfigurationError, DatabaseFailureError, RegistryError, capped
from atlas_registry.store.db import Database

# The first bytes of a custom-format archive.
ARCHIVE_MAGIC = b"PGDMP"
BOOKKEEPING_COPY = "schema_migrations"
CLIENT_PACKAGE = (
    "install the PostgreSQL client tools of the server's major version or newer "
    "(Debian and Ubuntu: postgresql-client; Red Hat: postgresql; macOS: libpq)"
)


def tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore`` on PATH, or an error naming the package."""
    found = shutil.which(name)
    if found is None:
        raise ConfigurationError(f"{name} is not on PATH: {CLIENT_PACKAGE}")
    return found


def _connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``url`` without its password, and the environment."""
    from psycopg.conninfo import make_conninfo

    parts: dict[str, str | int | None] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
        **{key: value for key, value in url.query.items() if isinstance(value, str)},
    }
    conninfo = make_conninfo("", **{k: v for k, v in parts.items() if v not in (None, "")})
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run(command: list[str], env: dict[str, str], doing: str) -> None:
    """Run one tool; its failure becomes an error carrying the tool's own last words."""
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        said = " / ".join(line for line in result.stderr.strip().splitlines()[-5:] if line)
        raise DatabaseFailureError(
            f"{doing} failed ({Path(command[0]).name} exited {result.returncode}): "
            f"{capped(said or 'no message')}"
        )


def dump(database: Database, to: Path) -> None:
    """``pg_dump --format=custom`` of ``database`` into ``to``: one consistent snapshot."""
    conninfo, env = _connection(database.url)
    command = [tool("pg_dump"), "--format=custom", f"--file={to}", f"--dbname={conninfo}"]
    _run(command, env, f"pg_dump of {database.display_url}")


def restore(source: Path, database: Database) -> None:
    """``pg_restore`` of ``source`` into ``database`` as one transaction: all of it or nothing.

    Owners and grants are left out: the restoring user owns what it restores,
    as on a new server, where the original roles need not exist.
    """
    conninfo, env = _connection(database.url)
    command = [
        tool("pg_restore"),
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        f"--dbname={conninfo}",
        str(source),
    ]
    _run(command, env, f"pg_restore into {database.display_url}")


def is_archive(head: bytes) -> bool:
    return head.startswith(ARCHIVE_MAGIC)


@contextmanager
def _data_script(source: Path, name: str, fault: type[RegistryError]) -> Iterator[IO[str]]:
    """The archive's rows as ``pg_restore`` writes them out: COPY blocks, read as a stream.

    An archive ``pg_restore`` cannot read whole raises ``fault``: the caller's
    input for a backup given to be read, the database's for one just taken.
    """
    command = [tool("pg_restore"), "--data-only", "--file=-", str(source)]
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as said:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=said, text=True, encoding="utf-8"
        )
        assert process.stdout is not None
        try:
            yield process.stdout
        except ValueError as exc:  # a row that is not what pg_dump writes
            raise fault(
                f"{name} is damaged: it holds a row pg_dump would not write ({exc})"
            ) from exc
        finally:
            process.stdout.close()
            code = process.wait()
        said.seek(0)
        words = " / ".join(line for line in said.read().strip().splitlines()[-5:] if line)
    if code != 0:
        raise fault(
            f"{name} is damaged: pg_restore cannot read it whole (it exited {code}): "
            f"{capped(words or 'no message')}"
        )


def read_archive(
    source: Path, name: str, fault: type[RegistryError] = DatabaseFailureError
) -> tuple[dict[str, int], list[tuple[int, str, str]]]:
    """The rows of each table an archive holds, and its migrations (number, name, checksum).

    Every row of every table is read back, so an archive that is cut short
    or damaged anywhere is refused here rather than at a restore.
    COPY's text format escapes line breaks inside values, so a row is a line.
    """
    counts: dict[str, int] = {}
    migrations: list[tuple[int, str, str]] = []
    table: str | None = None
    columns: list[str] = []
    with _data_script(source, name, fault) as script:
        for line in script:
            if table is None:
                if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
                    table = _table_name(line[5:].split(" (", 1)[0].split(" ", 1)[0])
                    listed = line.split(" (", 1)[1].split(")", 1)[0] if " (" in line else ""
                    columns = [c.strip().replace('"', "") for c in listed.split(",")]
                    counts[table] = 0
                continue
            if line.rstrip("\n") == "\\.":
                table = None
                continue
            counts[table] += 1
            if table == BOOKKEEPING_COPY:
                migrations.append(_migration_row(columns, line))
    return counts, sorted(migrations)


def _migration_row(columns: list[str], line: str) -> tuple[int, str, str]:
    """(number, name, checksum) of one ``schema_migrations`` row, found by column name."""
    row = dict(zip(columns, line.rstrip("\n").split("\t"), strict=False))
    missing = {"number", "name", "checksum"} - row.keys()
    if missing:
        raise ValueError(f"a schema_migrations row without {', '.join(sorted(missing))}")
    return int(row["number"]), row["name"], row["checksum"]


def _table_name(qualified: str) -> str:
    """``public.artifacts`` as ``artifacts``; a table of another schema keeps its schema."""
    return qualified.removeprefix("public.").replace('"', "")


def table_counts(database: Database) -> dict[str, int]:
    """Rows of every table of the database outside PostgreSQL's own schemas."""
    with database.transaction() as conn:
        names = conn.execute(
            text(
                "SELECT CASE WHEN n.nspname = 'public' THEN c.relname "
                "ELSE n.nspname || '.' || c.relname END, "
                "quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%' "
                "AND n.nspname <> 'information_schema' ORDER BY 1"
            )
        ).all()
        return {
            str(name): int(conn.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one())
            for name, quoted in names
        }


# Each foreign key as a query counting the rows that name a missing row.
_FOREIGN_KEYS = text(
    """
SELECT c.conname, c.conrelid::regclass::text,
  format('SELECT count(*) FROM %s AS child WHERE %s AND NOT EXISTS '
         '(SELECT 1 FROM %s AS parent WHERE %s)',
    c.conrelid::regclass, string_agg(format('child.%I IS NOT NULL', a.attname), ' AND '),
    c.confrelid::regclass,
    string_agg(format('parent.%I = child.%I', p.attname, a.attname), ' AND '))
FROM pg_constraint c
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(child_column, parent_column)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.child_column
JOIN pg_attribute p ON p.attrelid = c.confrelid AND p.attnum = k.parent_column
WHERE c.contype = 'f'
GROUP BY c.oid, c.conname, c.conrelid, c.confrelid
ORDER BY 2, 1
"""
)


def orphaned_rows(database: Database) -> list[str]:
    """Every foreign key some rows break, with how many: empty when all hold."""
    broken = []
    with database.transaction() as conn:
        for name, table, query in conn.execute(_FOREIGN_KEYS).all():
            orphans = int(conn.execute(text(query)).scalar_one())
            if orphans:
                broken.append(f"{orphans} row(s) of {table} break foreign key {name}")
    return broken
