"""The CLI's fast `list` on SQLite and its lazily built commands: the same answers, faster.

``list`` with no filter, token or offset reads SQLite on the bare driver from
the library's own statement (``data/fast_reads.json``); anything that read is
not sure of goes to the library. Each test compares the command's whole output
with the library path's (the fast read switched off), so a difference in one
byte, exit code or message fails.
"""

from __future__ import annotations

import io
import json
import random
import sqlite3
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from atlas_registry import ModelRegistration, Registry, read_first_page, read_shown_model
from atlas_registry.cli import models
from atlas_registry.cli.app import COMMANDS, GROUPS, OPTIONS, app, build, load
from atlas_registry.cli.common import table, visible_cells
from atlas_registry.cli.consoles import SafeConsole
from atlas_registry.cli.one_value import CommandApp
from atlas_registry.cli.plain_table import plain_table, writes_plain
from atlas_registry.fastread import generate, sqlite_reads
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
# Stored text is hostile: markup, an emoji code, a control character, right-to-left text.
HOSTILE_TITLE = "[bold red]x[/] :warning: \x1b[31mred\x1b[0m \u202eevil"


def _register(url: str, count: int, *, title: str = "AD risk") -> list[str]:
    with Registry.open(url) as registry:
        return registry.register_models(
            ModelRegistration(
                title=f"{title} {index}",
                line=f"line-{index % 2}",
                metadata=logistic_regression(),
                **PIN,
            )
            for index in range(count)
        )


def _both(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Any, Any]:
    """(fast, library): the command's exit code, stdout and stderr each way.

    The library's way has every fast read (``list``'s and ``show``'s) answer None.
    """
    fast = invoke(*args)
    with monkeypatch.context() as patched:
        patched.setattr(models, "read_first_page", lambda *_: None)
        patched.setattr(models, "read_shown_model", lambda *_: None)
        library = invoke(*args)
    return fast, library


def test_the_stored_statements_are_the_librarys_own() -> None:
    """Changing the listing's statement, a model row's columns or a migration fails here
    until ``python -m atlas_registry.fastread.generate`` has written them again."""
    assert sqlite_reads.STATEMENTS.read_text("utf-8") == generate.source()


def test_each_field_is_read_from_the_column_the_library_reads_it_from() -> None:
    fields = {
        name: (column, how) for name, column, how in sqlite_reads.statements()["record_fields"]
    }
    assert fields["metadata"][1] == "json"
    assert fields["is_latest"][1] == "bool"
    assert fields["line_name"][1] == "text"
    assert len({column for column, _ in fields.values()}) == len(fields)


@pytest.mark.parametrize("args", [(), ("--json",), ("--limit", "2"), ("--limit", "2", "--json")])
def test_list_on_sqlite_is_read_fast_and_prints_what_the_library_path_prints(
    migrated_url: str, backend: str, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    _register(migrated_url, 3)
    _register(migrated_url, 1, title=HOSTILE_TITLE)
    first = read_first_page(migrated_url, 2)
    if backend == "sqlite":
        assert first is not None
        assert len(first.items) == 2
        assert first.next_page_token is not None
    else:
        assert first is None  # PostgreSQL keeps the library's path
    fast, library = _both(monkeypatch, "list", *args, "--db", migrated_url)
    assert fast == library
    assert fast[0] == 0


def test_the_fast_first_pages_token_turns_the_page_as_the_librarys(
    migrated_url: str, backend: str
) -> None:
    ids = _register(migrated_url, 5)
    code, out, _ = invoke("list", "--limit", "2", "--json", "--db", migrated_url)
    token = json.loads(out)["next_page_token"]
    code, out, _ = invoke(
        "list", "--limit", "2", "--page-token", token, "--json", "--db", migrated_url
    )
    assert code == 0
    assert [m["id"] for m in json.loads(out)["items"]] == [ids[2], ids[1]]


def test_an_empty_registry_lists_the_same(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, library = _both(monkeypatch, "list", "--db", migrated_url)
    assert fast == library


def _not_migrated(path: Path) -> None:
    invoke("migrate", "--to", "0001", "--db", f"sqlite:///{path}")


def _too_new(path: Path) -> None:
    invoke("migrate", "--db", f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (number, name, checksum, applied_at) "
            "VALUES (9999, 'from_the_future', 'x', '2030-01-01')"
        )
    sqlite3.connect(path).close()


def _edited(path: Path) -> None:
    invoke("migrate", "--db", f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE number = 3")


def _not_a_database(path: Path) -> None:
    path.write_bytes(b"this is not a SQLite database, it only has the name of one" * 20)


def _a_directory(path: Path) -> None:
    path.mkdir()


def _missing(path: Path) -> None:
    pass


@pytest.mark.parametrize(
    "make", [_not_migrated, _too_new, _edited, _not_a_database, _a_directory, _missing]
)
def test_a_database_the_fast_read_is_not_sure_of_gets_the_librarys_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Any
) -> None:
    path = tmp_path / "registry.db"
    make(path)
    url = f"sqlite:///{path}"
    assert read_first_page(url, 50) is None
    assert read_shown_model(url, "model-01a250eb-d0ac-7609-b418-8fecf910959e") is None  # `show`
    fast, library = _both(monkeypatch, "list", "--db", url)
    assert fast == library
    assert fast[0] != 0
    assert fast[2]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///{path}?mode=ro",
        "sqlite+pysqlite:///{path}",
        "",
        " ",
    ],
)
def test_a_url_the_library_parses_is_left_to_the_library(
    migrated_sqlite: Path, tmp_path: Path, url: str
) -> None:
    path = tmp_path / "registry.db"
    path.write_bytes(migrated_sqlite.read_bytes())
    assert read_first_page(url.format(path=path), 50) is None


def test_the_default_and_the_environments_url_are_read_as_the_library_reads_them(
    migrated_sqlite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "registry.db"
    path.write_bytes(migrated_sqlite.read_bytes())
    _register(f"sqlite:///{path}", 1)
    monkeypatch.setenv("ATLAS_REGISTRY_DB", f"sqlite:///{path}")
    assert read_first_page(None, 50) is not None
    fast, library = _both(monkeypatch, "list")
    assert fast == library
    monkeypatch.setenv("ATLAS_REGISTRY_DB", "")
    assert read_first_page(None, 50) is None
    monkeypatch.delenv("ATLAS_REGISTRY_DB")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "registry.db").rename(tmp_path / "atlas_registry.db")
    assert read_first_page(None, 50) is not None


def test_a_policy_in_the_environment_is_left_to_the_library(
    migrated_url: str, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a registry reads the gate policy: a broken one fails every command."""
    policy = tmp_path / "policy.toml"
    policy.write_text("this is = = not toml", "utf-8")
    monkeypatch.setenv("ATLAS_REGISTRY_POLICY", str(policy))
    assert read_first_page(migrated_url, 50) is None
    fast, library = _both(monkeypatch, "list", "--db", migrated_url)
    assert fast == library
    assert fast[0] != 0


def test_filters_tokens_and_offsets_are_left_to_the_library(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(migrated_url, 3)
    calls: list[Any] = []
    monkeypatch.setattr(models, "read_first_page", lambda *given: calls.append(given))
    for args in (["--state", "candidate"], ["--offset", "1"], ["--latest"], ["--tag", "a=b"]):
        assert invoke("list", *args, "--db", migrated_url)[0] == 0
    assert calls == []
    assert invoke("list", "--db", migrated_url)[0] == 0
    assert calls == [(migrated_url, 50)]


# ------------------------------------------------------------ commands built when run


def _eager() -> CommandApp:
    """The application as it was built before commands were loaded lazily: all of them at once."""
    eager = CommandApp(**OPTIONS)
    for name, entry in COMMANDS.items():
        eager.command(name)(load(entry))
    for name, entry in GROUPS.items():
        eager.add_typer(load(entry), name=name)
    return eager


def test_help_lists_every_command_as_the_whole_application_would() -> None:
    eager = CliRunner().invoke(_eager(), ["--help"])
    assert invoke("--help") == (0, eager.stdout, eager.stderr)
    built = typer.main.get_group(_eager()).commands
    assert typer.main.get_group(app).list_commands(None) == list(built)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [*COMMANDS, *GROUPS])
def test_each_summary_is_the_first_paragraph_of_its_commands_help(name: str) -> None:
    entry = COMMANDS.get(name) or GROUPS[name]
    built = build(name)
    assert (built.help or "").strip().split("\n\n")[0] == entry.summary


def test_a_mistyped_command_is_still_named_with_its_nearest() -> None:
    code, _, err = invoke("lst")
    assert code == 2
    assert "Did you mean 'list'?" in err


@pytest.mark.slow  # new interpreters
@pytest.mark.parametrize("command", [["--help"], ["list"], ["list", "--json"]])
def test_help_and_the_plain_list_load_no_sqlalchemy_and_a_piped_list_no_rich(
    migrated_sqlite: Path, tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "registry.db"
    path.write_bytes(migrated_sqlite.read_bytes())
    _register(f"sqlite:///{path}", 2)
    # Piped, a listing is written without Rich; Typer writes its help with it.
    rich = "rich" if command != ["--help"] else "-"
    argv = ["atlas-registry", *command]
    if command != ["--help"]:
        argv += ["--db", f"sqlite:///{path}"]
    probe = (
        "import sys; from atlas_registry.cli import app\n"
        f"sys.argv = {argv!r}\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        f"unwanted = ('sqlalchemy', 'atlas_registry.registry', 'jsonschema', {rich!r})\n"
        "loaded = [m for m in unwanted if m in sys.modules]\n"
        "print('LOADED', ','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.rsplit("LOADED", 1)[1].strip() == ""
    if command != ["--help"]:
        assert "AD risk" in result.stdout


# ------------------------------------------------------------ piped tables without Rich

TABLES: list[tuple[str | None, list[str], list[list[Any]]]] = [
    ("2 model(s)", ["id", "line", "v"], [["model-1", "ad-risk", 1], ["model-2", None, 12]]),
    (None, ["a"], [["x"]]),
    ("  spaced title  ", ["a", "b"], [[" lead", "trail "], ["", "  "]]),
    ("t", ["a much longer header", "b"], [["1", "2"]]),
    ("[bold]markup[/] :x:", ["[i]", ":warning:"], [["[link=x]y[/link]", ":+1:"]]),
    ("x" * 40, ["narrow"], [["y"]]),  # a title wider than the table: Rich wraps it
    ("wide", ["a"], [["\u00e9t\u00e9 \u4e2d\u6587"]]),  # not ASCII: Rich measures it
    ("hostile", ["a"], [["\x1b[31mred\u202e"]]),  # shown escaped by visible_text
    ("empty", ["a", "b"], []),
    ("too wide", ["a", "b"], [["x" * 120, "y" * 90]]),
]


def _rich(title: str | None, columns: list[str], rows: list[list[Any]], width: int) -> str:
    written = io.StringIO()
    SafeConsole(file=written, width=width, soft_wrap=True).print(
        table(title, columns, rows, width=width)
    )
    return written.getvalue()


@pytest.mark.parametrize(("title", "columns", "rows"), TABLES)
def test_a_piped_table_is_rich_s_table_byte_for_byte_or_left_to_rich(
    title: str | None, columns: list[str], rows: list[list[Any]]
) -> None:
    plain = plain_table(title, columns, visible_cells(rows), 200)
    if plain is not None:
        assert plain == _rich(title, columns, rows, 200)


def test_many_piped_tables_are_rich_s_tables() -> None:
    pick = random.Random(34)
    letters = string.ascii_letters + string.digits + " -_.:/[]@"
    compared = 0
    for _ in range(300):
        columns = [
            pick.choice(["id", "line", "v", "state", "title"]) for _ in range(pick.randint(1, 8))
        ]
        rows = [
            [
                pick.choice(
                    [
                        None,
                        pick.randint(0, 10**6),
                        "".join(pick.choices(letters, k=pick.randint(0, 30))),
                    ]
                )
                for _ in columns
            ]
            for _ in range(pick.randint(1, 4))
        ]
        title, width = pick.choice([None, "3 model(s)", "t" * 30]), pick.choice([80, 200])
        plain = plain_table(title, columns, visible_cells(rows), width)
        if plain is not None:
            compared += 1
            assert plain == _rich(title, columns, rows, width)
    assert compared > 100


@pytest.mark.parametrize(
    ("environ", "plain"),
    [
        ({}, True),
        ({"FORCE_COLOR": "1"}, False),
        ({"FORCE_COLOR": ""}, True),
        ({"TTY_COMPATIBLE": "1"}, False),
        ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True),
    ],
)
def test_styles_forced_on_by_the_environment_leave_the_table_to_rich(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], plain: bool
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert writes_plain() is plain


def test_a_listing_piped_with_styles_forced_on_is_the_same_as_before(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(migrated_url, 2)
    plain = invoke("list", "--db", migrated_url)
    monkeypatch.setattr("atlas_registry.cli.models.writes_plain", lambda: False)
    assert invoke("list", "--db", migrated_url) == plain
