"""What every command shares: the ``--db``/``--json`` options, output, and one dispatch.

A command parses its options, then hands :func:`call` (or :func:`call_admin`,
or :func:`run` when no database is involved) one library verb and one
renderer. The dispatch opens the handle, calls the verb inside the single error
boundary, and emits either the result as JSON or the renderer's table.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from atlas_registry import DEFAULT_URL, ENV_VAR, visible_text
from atlas_registry.errors import PromotionGateError, RegistryError

if TYPE_CHECKING:  # the handles load SQLAlchemy, the consoles Rich: imported when used
    from rich.table import Table

    from atlas_registry import Registry, SchemaAdmin
    from atlas_registry.cli.consoles import SafeConsole

T = TypeVar("T")
Given = TypeVar("Given")

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
PolicyOption = Annotated[
    str | None,
    typer.Option("--policy", help="Gate policy TOML file (default: the packaged one)."),
]

ID_COLUMNS = {"id", "artifact", "model"}


def __getattr__(name: str) -> SafeConsole:
    """``stdout`` and ``stderr``, the consoles of :mod:`.consoles`, loaded (with Rich) when
    a command first takes one."""
    if name in ("stdout", "stderr"):
        from atlas_registry.cli import consoles

        console: SafeConsole = getattr(consoles, name)
        return console
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def console() -> SafeConsole:
    """Standard output's console (loading Rich): for modules that must not load it on import."""
    from atlas_registry.cli.consoles import stdout

    return stdout


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def jsonable(result: Any) -> Any:
    """A verb's result as JSON-ready values: records by their ``to_dict``, lists item by item."""
    if hasattr(result, "to_dict"):
        return result.to_dict()
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    if isinstance(result, list | tuple):
        return [jsonable(item) for item in result]
    return result


# The library says what is wrong in no surface's words; the command line adds
# how to act on it with its own flags (the API names its body fields instead).
CLI_HINTS: dict[type[RegistryError], str] = {
    PromotionGateError: (
        'to promote anyway, add --override --notes "why" (the override is recorded)'
    ),
}


def cli_hint(error: RegistryError) -> str | None:
    """What to type next for ``error``, in this command line's flags, if anything."""
    return next((hint for kind, hint in CLI_HINTS.items() if isinstance(error, kind)), None)


def fail(error: RegistryError, as_json: bool) -> NoReturn:
    hint = cli_hint(error)
    if as_json:
        payload = {**error.to_dict(), **({"hint": hint} if hint else {})}
        sys.stderr.write(json.dumps(payload, indent=2) + "\n")
    else:
        from rich.text import Text

        from atlas_registry.cli.consoles import stderr

        stderr.print(Text.assemble(("error:", "bold red"), " ", visible_text(error.message)))
        if hint:
            stderr.print(Text.assemble(("hint:", "bold"), " ", hint))
    raise typer.Exit(error.exit_code)


@contextmanager
def error_boundary(as_json: bool = False) -> Iterator[None]:
    """Turn every registry error into its message and exit code, once, here."""
    try:
        yield
    except RegistryError as error:
        fail(error, as_json)


def run(
    as_json: bool,
    verb: Callable[[], T],
    render: Callable[[T], None],
    to_json: Callable[[T], Any] = jsonable,
) -> T:
    """Call one verb inside the error boundary, emit its result, and return it."""
    with error_boundary(as_json):
        result = verb()
    if as_json:
        print_json(to_json(result))
    else:
        render(result)
    return result


def call(
    db: str | None,
    as_json: bool,
    verb: Callable[[Registry], T],
    render: Callable[[T], None],
    *,
    policy: str | None = None,
    to_json: Callable[[T], Any] = jsonable,
) -> T:
    """:func:`run` one verb of a :class:`Registry` opened on ``db``."""
    return call_reading(
        db,
        as_json,
        lambda: None,
        lambda registry, _: verb(registry),
        render,
        policy=policy,
        to_json=to_json,
    )


def call_reading(
    db: str | None,
    as_json: bool,
    read: Callable[[], Given],
    verb: Callable[[Registry, Given], T],
    render: Callable[[T], None],
    *,
    policy: str | None = None,
    to_json: Callable[[T], Any] = jsonable,
) -> T:
    """:func:`call` for a command with an input file: ``read`` runs before the registry opens.

    A file that cannot be read or parsed then fails without touching the
    database; and a file is never opened and closed while a SQLite registry is
    open, which would drop this process's locks on it if the file named were
    the registry's own.
    """

    from atlas_registry import Registry

    def opened() -> T:
        given = read()
        with Registry.open(db, policy=policy) as registry:
            return verb(registry, given)

    return run(as_json, opened, render, to_json)


def call_admin(
    db: str | None,
    as_json: bool,
    verb: Callable[[SchemaAdmin], T],
    render: Callable[[T], None],
    *,
    create: bool = False,
    to_json: Callable[[T], Any] = jsonable,
) -> T:
    """:func:`run` one verb of a :class:`SchemaAdmin` opened on ``db``."""

    from atlas_registry import SchemaAdmin

    def opened() -> T:
        with SchemaAdmin.open(db, create=create) as admin:
            return verb(admin)

    return run(as_json, opened, render, to_json)


# Folded narrower than this, a column is a letter a line: unreadable. Such a
# column is left out instead, and the table says so.
MIN_COLUMN_WIDTH = 8
SHORT_COLUMN_WIDTH = 12


def table(
    title: str | None, columns: list[str], rows: list[list[Any]], *, width: int | None = None
) -> Table:
    """The rows as a table that fits ``width`` (the terminal's, by default).

    Columns are listed most important first: when the terminal cannot give
    every column :data:`MIN_COLUMN_WIDTH`, the last ones are left out (never
    the first, never an id) and the table's caption names them.
    """
    from rich.table import Table
    from rich.text import Text

    from atlas_registry.cli.consoles import stdout

    cells = visible_cells(rows)
    widest = [
        max([len(column), *(len(row[index]) for row in cells)])
        for index, column in enumerate(columns)
    ]
    whole = [column in ID_COLUMNS or column.startswith("id ") for column in columns]
    # Short values (a state, a version number) are never folded; longer ones down to the minimum.
    least = [
        w if keep or w <= SHORT_COLUMN_WIDTH else MIN_COLUMN_WIDTH
        for w, keep in zip(widest, whole, strict=True)
    ]
    shown = list(range(len(columns)))
    available = width or stdout.width
    while _table_width([least[i] for i in shown]) > available:
        droppable = [i for i in shown[1:] if not whole[i]]
        if not droppable:
            break
        shown.remove(droppable[-1])
    grid = Table(
        title=visible_text(title) if title else None,
        show_lines=False,
        title_justify="left",
        caption_justify="left",
    )
    for index in shown:
        # Ids are copied and pasted: never fold one across lines.
        grid.add_column(
            columns[index],
            overflow="ignore" if whole[index] else "fold",
            no_wrap=whole[index],
            min_width=None if whole[index] else least[index],
        )
    for row in cells:
        grid.add_row(*(Text(row[index]) for index in shown))
    if len(shown) < len(columns):
        left_out = ", ".join(c for i, c in enumerate(columns) if i not in shown)
        grid.caption = f"to fit, not shown: {left_out} (--json shows all)"
    return grid


def visible_cells(rows: list[list[Any]]) -> list[list[str]]:
    """Each cell as a table shows it: stored text made visible, nothing for None."""
    return [["" if cell is None else visible_text(str(cell)) for cell in row] for row in rows]


def _table_width(column_widths: list[int]) -> int:
    """A boxed table's width: each column padded by a space each side, and the rules."""
    return sum(column_widths) + 3 * len(column_widths) + 1


def version_labels(registry: Registry, model_ids: Iterable[str]) -> dict[str, str]:
    """id -> ``line@N`` (else the short id), in one read: how a table names each version.

    A title may repeat across versions and a full id is unreadable; ``--json``
    keeps the ids. An id not in the catalog is left out (shown as it is).
    """
    return {model_id: name.label for model_id, name in registry.version_names(model_ids).items()}
