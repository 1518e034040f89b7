"""The floor plan of the package, kept by walking every import.

Each room of ``atlas_registry`` stands on a floor (:data:`FLOORS`); a module may
import only from its own room or from rooms on lower floors, so no arrow of the
import drawing runs back up. ``python tests/test_layers.py`` prints the drawing.

The shells on top (``cli/``, the HTTP API and the pages) import even less: only
the public face ``atlas_registry`` and ``atlas_registry.errors``. Reaching past
them into the database layer, the tables or SQLAlchemy would let a shell grow
its own queries and rules.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from atlas_registry import SchemaAdmin

PACKAGE = Path(__file__).parents[1] / "src" / "atlas_registry"

# The floors, lowest first. A key names a room (a folder or a top-level module);
# the longest key that prefixes a module decides its floor.
FLOORS: dict[str, int] = {
    "_version": 0,  # the release alone
    "errors": 0,  # the error tree
    "documents": 1,  # the one JSON reader/writer and every value limit
    "records": 1,  # frozen objects that cross the public face
    "schema": 2,  # validation and patterns compiled from the schema: pure
    "store": 3,  # engine, units of work, tables, migrations, paging
    "review": 4,  # the review queue every importer holds facts in
    "tokens": 4,  # bearer tokens of the HTTP API
    "catalog": 5,  # prepare, register, facts, lines, refs, queries, leaderboards
    "lifecycle": 6,  # transitions and the gate
    "backfill": 7,  # features ...
    "pins": 7,
    "files": 7,  # re-reading listed model files (fsspec)
    "webhooks": 7,  # subscriptions, signing, the SSRF-safe transport, the delivery worker
    "interop": 8,  # ... the imports reuse the backfill's reading of values
    # Finishing a review item goes back through the feature that held it.
    "review.resolution": 9,
    # The CLI's reads of SQLite on the bare driver: the library's statements as text.
    "fastread": 9,
    "registry": 10,  # the one handle
    "": 11,  # the public face: atlas_registry/__init__.py
    "cli": 12,  # shells
    "api": 12,
    "web": 12,
    "client": 12,  # the registry over HTTP: a shell too, over the API instead of a database
    "__main__": 13,
}
SHELLS = ("cli", "api", "web", "client")
ALLOWED_INTERNAL = {"atlas_registry", "atlas_registry.errors"}
# `serve` starts the API: the CLI may import the API package's entry point, nothing inside it.
ALLOWED_BETWEEN_SHELLS = {
    "atlas_registry.cli": {"atlas_registry.api"},
    # The pages are served by the API app and share its caller check.
    "atlas_registry.web": {"atlas_registry.api.deps"},
    "atlas_registry.api": {"atlas_registry.web"},
}
FORBIDDEN_THIRD_PARTY = ("sqlalchemy", "psycopg")
# The face names the HTTP client's ``connect`` (imported on first use): one URL opens either.
FACE_RE_EXPORTS = {("atlas_registry", "atlas_registry.client")}


def _imports(source: Path) -> list[str]:
    tree = ast.parse(source.read_text("utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _module_name(source: Path) -> str:
    parts = source.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(("atlas_registry", *(parts[:-1] if parts[-1] == "__init__" else parts)))


def _imported_modules(source: Path) -> list[str]:
    """Every module of the package ``source`` imports, lazily or not.

    ``from atlas_registry.review import resolution`` imports the module
    ``atlas_registry.review.resolution``; ``from atlas_registry import Registry``
    takes a name from the public face, ``atlas_registry``.
    """
    names = []
    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            folder = PACKAGE.joinpath(*node.module.split(".")[1:])
            for alias in node.names:
                inner = folder / alias.name
                is_module = inner.is_dir() or inner.with_suffix(".py").is_file()
                names.append(f"{node.module}.{alias.name}" if is_module else node.module)
    return [name for name in names if name.split(".")[0] == "atlas_registry"]


def room_of(module: str) -> str:
    """The key of :data:`FLOORS` that places ``module``: its longest matching prefix."""
    inner = module.removeprefix("atlas_registry").removeprefix(".")
    keys = [k for k in FLOORS if k and (inner == k or inner.startswith(f"{k}."))]
    return max(keys, key=len) if keys else ""


def back_edges(edges: list[tuple[str, str]]) -> list[str]:
    """The imports among ``edges`` (importer, imported) that do not point down a floor."""
    wrong = []
    for importer, imported in edges:
        here, there = room_of(importer), room_of(imported)
        allowed_shell = any(
            importer.startswith(shell) and imported in targets
            for shell, targets in ALLOWED_BETWEEN_SHELLS.items()
        )
        allowed_shell = allowed_shell or (importer, imported) in FACE_RE_EXPORTS
        if here != there and FLOORS[there] >= FLOORS[here] and not allowed_shell:
            wrong.append(
                f"{importer} (floor {FLOORS[here]}) imports {imported} (floor {FLOORS[there]})"
            )
    return wrong


ALL_MODULES = sorted(PACKAGE.rglob("*.py"))
EDGES = [(_module_name(p), name) for p in ALL_MODULES for name in _imported_modules(p)]


def test_every_room_has_a_floor() -> None:
    rooms = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in ALL_MODULES}
    assert rooms - {"__init__"} <= set(FLOORS), rooms - set(FLOORS)
    assert set(FLOORS) - {""} <= {*rooms, "review.resolution"}, "a floor names no room"


def test_no_import_runs_back_up_a_floor() -> None:
    assert back_edges(EDGES) == []


def test_the_floor_check_catches_an_import_that_runs_back_up() -> None:
    """The check itself: a database module reaching up into the catalog is refused."""
    assert back_edges([("atlas_registry.store.db", "atlas_registry.catalog.queries")])
    assert back_edges([("atlas_registry.pins.status", "atlas_registry.backfill.runner")])
    assert back_edges([("atlas_registry.review.queue", "atlas_registry.review.resolution")])
    assert back_edges([("atlas_registry.catalog.lines", "atlas_registry.catalog.queries")]) == []
    assert back_edges([("atlas_registry.review.resolution", "atlas_registry.review.queue")]) == []


def test_a_module_imported_from_its_package_is_placed_by_its_own_name(tmp_path: Path) -> None:
    """``from atlas_registry.review import resolution`` reaches floor 9, not the review room's 4."""
    source = tmp_path / "probe.py"
    source.write_text("from atlas_registry.review import resolution, queue\n", "utf-8")
    assert _imported_modules(source) == [
        "atlas_registry.review.resolution",
        "atlas_registry.review.queue",
    ]
    found = [("atlas_registry.catalog.lines", name) for name in _imported_modules(source)]
    assert len(back_edges(found)) == 1


def private_imports(source: Path) -> list[str]:
    """Each private name (``_name``) ``source`` takes from another module of the package.

    ``from atlas_registry.catalog.queries import _record`` and
    ``queries._record(...)`` both make one module's inside another's contract:
    a name other modules need is given a public name where it is defined.
    """
    tree = ast.parse(source.read_text("utf-8"))
    modules, wrong = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or _ours(node.module)):
            for alias in node.names:
                if _is_private(alias.name):
                    wrong.append(f"from {'.' * node.level}{node.module or ''} import {alias.name}")
                if _is_module(node, alias.name):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if _ours(a.name)}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _is_private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            wrong.append(f"{node.value.id}.{node.attr}")
    return wrong


def _is_module(node: ast.ImportFrom, name: str) -> bool:
    """True when ``from ... import name`` imports a module of the package, not a name in one."""
    if node.level:
        return False  # the package's modules import each other by absolute names
    inner = PACKAGE.joinpath(*(node.module or "").split(".")[1:], name)
    return inner.is_dir() or inner.with_suffix(".py").is_file()


def _ours(module: str | None) -> bool:
    return (module or "").split(".")[0] == "atlas_registry"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def test_no_module_takes_another_modules_private_names() -> None:
    wrong = {
        str(p.relative_to(PACKAGE)): found for p in ALL_MODULES if (found := private_imports(p))
    }
    assert wrong == {}


def test_the_private_name_check_catches_both_ways_in(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text(
        "from atlas_registry import __version__\n"
        "from atlas_registry.catalog.queries import ROOT, _record\n"
        "from .queries import _MODELS\n"
        "from atlas_registry.catalog import queries\n"
        "import atlas_registry.store.db as db\n"
        "queries._FETCH, queries.fetch_model, db._engine, row._mapping\n",
        "utf-8",
    )
    assert private_imports(source) == [
        "from atlas_registry.catalog.queries import _record",
        "from .queries import _MODELS",
        "queries._FETCH",
        "db._engine",
    ]


SHELL_MODULES = [
    p for shell in SHELLS if (PACKAGE / shell).is_dir() for p in (PACKAGE / shell).rglob("*.py")
]


def test_there_is_a_shell_to_check() -> None:
    assert any(p.parent.name == "cli" for p in SHELL_MODULES)


@pytest.mark.parametrize("module", SHELL_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shells_import_only_the_public_face(module: Path) -> None:
    shell = f"atlas_registry.{module.relative_to(PACKAGE).parts[0]}"
    for name in _imports(module):
        if name.startswith("atlas_registry"):
            allowed = ALLOWED_INTERNAL | ALLOWED_BETWEEN_SHELLS.get(shell, set())
            assert name in allowed or name.startswith(shell), (
                f"{module.name} imports {name}: use the public atlas_registry face"
            )
        assert not name.startswith(FORBIDDEN_THIRD_PARTY), f"{module.name} imports {name}"


@pytest.mark.slow  # a new interpreter
def test_the_command_line_loads_no_server_stack_until_serve() -> None:
    """``atlas-registry --help`` and every command but ``serve`` start without the web stack."""
    import subprocess
    import sys

    probe = (
        "import sys; from atlas_registry.cli import app; "
        "web = ('fastapi', 'uvicorn', 'starlette', 'jinja2'); "
        "print(','.join(sorted(m for m in web if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


@pytest.mark.slow  # new interpreters
def test_reading_one_model_loads_only_what_reading_needs(tmp_path: Path) -> None:
    """``list`` and ``show`` on SQLite load only what reading needs.

    No web stack, pydantic, driver, backfill, SQL parser, git, Hugging Face or
    MLflow library: each of these costs tens of milliseconds of start-up on every
    command; they are imported by the commands that use them (serve, PostgreSQL
    URLs, backfill and review, migrate).
    """
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'startup.db'}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    unwanted = (
        "fastapi",
        "uvicorn",
        "jinja2",
        "pydantic",
        "psycopg",
        "sqlparse",
        "rich.progress",
        "atlas_registry.backfill.runner",
        "atlas_registry.backfill.rules",
        "pygit2",
        "huggingface_hub",
        "mlflow",
        "atlas_registry.review.queue",
    )
    for command in (["list"], ["show", "model-none"]):
        probe = (
            "import sys; from atlas_registry.cli import app\n"
            f"sys.argv = ['atlas-registry', *{command!r}, '--db', {url!r}]\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', ','.join(m for m in {unwanted!r} if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
        )
        loaded = result.stdout.rsplit("LOADED", 1)[1].strip()
        assert loaded == "", (command, loaded)


def draw() -> str:
    """The import drawing: one arrow per pair of rooms, highest floor first, back-edges marked."""
    arrows: Counter[tuple[str, str]] = Counter()
    upward = set()
    for importer, imported in EDGES:
        pair = (room_of(importer), room_of(imported))
        if pair[0] != pair[1]:
            arrows[pair] += 1
            if back_edges([(importer, imported)]):
                upward.add(pair)
    lines = []
    for (here, there), count in sorted(arrows.items(), key=lambda a: (-FLOORS[a[0][0]], a[0])):
        mark = "  <- runs back up" if (here, there) in upward else ""
        name = here or "atlas_registry"
        lines.append(f"{FLOORS[here]:2} {name:>17} -> {there or 'atlas_registry'} ({count}){mark}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(draw())
