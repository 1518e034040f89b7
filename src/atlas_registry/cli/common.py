"""What every command shares: the ``--db``/``--json`` options, output, and the error boundary."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from atlas_registry.db import DEFAULT_URL, ENV_VAR, Database, resolve_url
from atlas_registry.errors import RegistryError

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=f"Database URL (sqlite:///PATH or postgresql://...). Default: ${ENV_VAR}, "
        f"else {DEFAULT_URL}.",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")
]

# Piped output is read by people in logs and pagers: do not fold tables to 80 columns.
_PIPED_WIDTH = None if sys.stdout.isatty() else 200
stdout = Console(soft_wrap=True, width=_PIPED_WIDTH)
stderr = Console(stderr=True, soft_wrap=True, width=_PIPED_WIDTH)


def open_database(url: str | None, *, must_exist: bool = True) -> Database:
    return Database(resolve_url(url), must_exist=must_exist)


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def fail(error: RegistryError, as_json: bool) -> NoReturn:
    if as_json:
        sys.stderr.write(json.dumps(error.to_dict(), indent=2) + "\n")
    else:
        stderr.print(f"[bold red]error:[/] {error.message}", markup=True, highlight=False)
    raise typer.Exit(error.exit_code)


@contextmanager
def error_boundary(as_json: bool = False) -> Iterator[None]:
    """Turn every registry error into its message and exit code, once, here."""
    try:
        yield
    except RegistryError as error:
        fail(error, as_json)


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    grid = Table(title=title, show_lines=False, title_justify="left")
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    return grid


def run_verb(as_json: bool, verb: Callable[[], Any], render: Callable[[Any], None]) -> Any:
    """Call one library verb inside the error boundary, then print its result."""
    with error_boundary(as_json):
        result = verb()
    if as_json:
        print_json(result if not hasattr(result, "to_dict") else result.to_dict())
    else:
        render(result)
    return result
