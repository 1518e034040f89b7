"""``backup`` and ``restore``: every acknowledged write is in the backup, and a restore proves it.

The restore drill backs a database up while eight clients write through a real
``serve``, restores it into a new database, and checks that every write
acknowledged before the backup began is there, whole.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from atlas_registry import AlreadyExistsError, NotFoundError, Registry, SchemaAdmin
from atlas_registry.store import pg_archive
from atlas_registry.store.db import Database
from tests.cli_helpers import invoke
from tests.conftest import _database_url
from tests.payloads import logistic_regression
from tests.server_helpers import call as http
from tests.server_helpers import served

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


@pytest.fixture
def empty_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database to restore into: a file not yet made, or a new PostgreSQL database."""
    if backend == "sqlite":
        (tmp_path / "restored").mkdir()
        yield f"sqlite:///{tmp_path / 'restored' / 'registry.db'}"
        return
    admin: psycopg.Connection[Any] = request.getfixturevalue("postgres_admin")
    name = f"atlas_restore_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _register(registry: Registry, line: str) -> str:
    document = {"title": "t", "line": line, **PIN, "metadata": logistic_regression()}
    return registry.register_model(registry.validate_registration(document)).id


def _summary(*args: str) -> dict[str, Any]:
    code, out, err = invoke(*args, "--json")
    assert code == 0, err
    summary: dict[str, Any] = json.loads(out)
    return summary


# ---------------------------------------------------------------- round trip


def test_a_backup_restores_whole_into_a_new_database(
    registry: Registry, db_url: str, empty_target: str, tmp_path: Path
) -> None:
    first = _register(registry, "ad-risk")
    registry.promote(first, actor="ops", notes=None)
    _register(registry, "ad-risk")
    registry.create_token("pipeline", ["register"])
    file = tmp_path / "registry.backup"

    written = _summary("backup", "--to", str(file), "--db", db_url)

    assert written["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    with SchemaAdmin.open(db_url) as admin:
        last = admin.status()[-1]
    assert written["migration_head"] == f"{last.number:04d}_{last.name}"
    assert written["tables"]["artifacts"] == 2
    assert written["tables"]["model_promotion_events"] == 1
    assert written["tables"]["api_tokens"] == 1
    assert file.stat().st_mode & 0o077 == 0  # it holds token hashes: its owner's alone
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert _summary("restore", "--check", "--from", str(file))["tables"] == written["tables"]

    restored = _summary("restore", "--from", str(file), "--db", empty_target)

    assert restored["tables"] == written["tables"]
    with Registry.open(empty_target) as back:
        assert back.get_model(first).promotion_state == "promoted"
        assert [e.to_state for e in back.history(first)] == ["promoted"]
        assert [t.name for t in back.list_tokens()] == ["pipeline"]
    status = json.loads(invoke("migrate", "status", "--db", empty_target, "--json")[1])
    assert {m["status"] for m in status["migrations"]} == {"applied"}


def test_a_restore_refuses_a_database_that_holds_anything(
    migrated_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "registry.backup"
    assert invoke("backup", "--to", str(file), "--db", migrated_url)[0] == 0

    code, _, err = invoke("restore", "--from", str(file), "--db", migrated_url)

    assert code == 4
    checked = invoke("restore", "--check", "--from", str(file), "--json")[1]
    tables = len(json.loads(checked)["tables"])
    assert f"is not empty: it has {tables} tables, rows in schema_migrations (" in err


def test_a_restore_needs_its_target_named(tmp_path: Path) -> None:
    code, _, err = invoke("restore", "--from", str(tmp_path / "any.backup"))
    assert code == 2
    assert "restore needs --db" in err


def test_a_damaged_backup_is_refused_before_any_restore(
    migrated_url: str, empty_target: str, tmp_path: Path
) -> None:
    file = tmp_path / "registry.backup"
    assert invoke("backup", "--to", str(file), "--db", migrated_url)[0] == 0
    whole = file.read_bytes()
    file.write_bytes(whole[: len(whole) // 2])

    code, _, err = invoke("restore", "--check", "--from", str(file))
    assert code == 2, err  # the file given is at fault, not a database
    assert f"{file} is damaged: " in err
    code, _, err = invoke("restore", "--from", str(file), "--db", empty_target)
    assert code == 2, err
    assert f"{file} is damaged: " in err
    _assert_untouched(empty_target)


def _assert_untouched(target: str) -> None:
    """Nothing was written: no SQLite file made, no PostgreSQL table created."""
    if target.startswith("sqlite:"):
        assert not Path(target.removeprefix("sqlite:///")).exists()
        return
    with Database(target) as database:
        assert pg_archive.table_counts(database) == {}


def _edit_migrations(url: str, statement: str) -> None:
    """Change the database's record of its migrations, past the registry."""
    if url.startswith("sqlite:"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement)
        return
    with Database(url) as database, database.transaction(write=True) as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        (
            "UPDATE schema_migrations SET checksum = 'deadbeef' WHERE number = 5",
            "records migrations other than this version's: 0005_",
        ),
        (
            "UPDATE schema_migrations SET name = 'renamed' WHERE number = 5",
            "was taken at migrations this version of atlas-registry does not know (0005_renamed)",
        ),
    ],
    ids=["edited", "unknown"],
)
def test_check_and_restore_refuse_other_migrations_before_writing(
    migrated_url: str, empty_target: str, tmp_path: Path, statement: str, said: str
) -> None:
    _edit_migrations(migrated_url, statement)
    file = tmp_path / "registry.backup"
    assert invoke("backup", "--to", str(file), "--db", migrated_url)[0] == 0  # saved as it is

    checked = invoke("restore", "--check", "--from", str(file))
    restored = invoke("restore", "--from", str(file), "--db", empty_target)

    assert checked[0] == restored[0] == 2, (checked, restored)
    assert said in checked[2]
    assert checked[2] == restored[2]  # one check, one sentence
    _assert_untouched(empty_target)


def _orphan_metric(url: str) -> None:
    """A metric of a model that is not there, written past the foreign keys."""
    orphan = "INSERT INTO model_metrics (artifact_id, metric, value) VALUES ('gone', 'auc', 1)"
    if url.startswith("sqlite:"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:  # foreign keys off
            conn.execute(orphan)
        return
    with Database(url) as database, database.transaction(write=True) as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(text(orphan))


def test_a_row_that_breaks_a_foreign_key_is_found(migrated_url: str, tmp_path: Path) -> None:
    _orphan_metric(migrated_url)
    with Database(migrated_url) as database:
        if database.dialect == "postgresql":
            broken = pg_archive.orphaned_rows(database)
            assert broken == [
                "1 row(s) of model_metrics break foreign key fk_model_metrics_artifact"
            ]
            return
    file = tmp_path / "registry.backup"
    code, _, err = invoke("backup", "--to", str(file), "--db", migrated_url)
    assert code == 10
    assert "fails SQLite's foreign key check: 1 row(s) name a missing row" in err
    assert not file.exists()


def test_a_file_that_is_no_backup_is_named_as_such(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("not a backup\n")
    code, _, err = invoke("restore", "--check", "--from", str(file))
    assert code == 2
    assert "neither a SQLite backup nor a pg_dump custom-format archive" in err


def test_a_sqlite_file_of_another_program_is_no_backup(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    code, _, err = invoke("restore", "--check", "--from", str(other))
    assert code == 2, err
    assert f"{other} is not a registry's backup" in err
    target = tmp_path / "restored.db"
    code, _, err = invoke("restore", "--from", str(other), "--db", f"sqlite:///{target}")
    assert code == 2, err
    assert f"{other} is not a registry's backup" in err
    assert not target.exists()


def test_a_backup_from_another_dialect_is_refused(migrated_sqlite: Path, tmp_path: Path) -> None:
    file = tmp_path / "registry.backup"
    assert invoke("backup", "--to", str(file), "--db", f"sqlite:///{migrated_sqlite}")[0] == 0
    code, _, err = invoke("restore", "--from", str(file), "--db", "postgresql://x@127.0.0.1/x")
    assert code == 2
    assert "is a sqlite backup" in err


# ---------------------------------------------------------------- the file written


@pytest.fixture
def sqlite_url(migrated_sqlite: Path, tmp_path: Path) -> str:
    path = tmp_path / "registry.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


def test_a_backup_never_replaces_a_file_unless_forced(sqlite_url: str, tmp_path: Path) -> None:
    file = tmp_path / "registry.backup"
    file.write_text("yesterday's\n")

    code, _, err = invoke("backup", "--to", str(file), "--db", sqlite_url)
    assert code == 4
    assert "already exists" in err
    assert "replace it with --force" in err
    with SchemaAdmin.open(sqlite_url) as admin, pytest.raises(AlreadyExistsError) as refused:
        admin.backup(file)
    assert "--force" not in refused.value.message  # the library names no command's flag
    assert file.read_text() == "yesterday's\n"

    assert invoke("backup", "--to", str(file), "--db", sqlite_url, "--force")[0] == 0
    assert file.read_bytes().startswith(b"SQLite format 3\x00")


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_backup_is_never_written_through_a_link_or_into_a_device(
    sqlite_url: str, tmp_path: Path, force: list[str]
) -> None:
    kept = tmp_path / "elsewhere.txt"
    kept.write_text("kept\n")
    link = tmp_path / "link.backup"
    link.symlink_to(kept)
    fifo = tmp_path / "pipe.backup"
    os.mkfifo(fifo)

    for target, said in [(link, "symbolic link"), (fifo, "not a regular file")]:
        code, _, err = invoke("backup", "--to", str(target), "--db", sqlite_url, *force)
        assert code == 2
        assert said in err
    assert kept.read_text() == "kept\n"
    assert link.is_symlink()


def test_a_backup_never_lands_on_the_database_it_copies(sqlite_url: str) -> None:
    database = sqlite_url.removeprefix("sqlite:///")
    for target in (database, f"{database}-wal"):
        code, _, err = invoke("backup", "--to", target, "--db", sqlite_url, "--force")
        assert code == 2
        assert "is the database itself" in err


def test_a_missing_folder_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    code, _, err = invoke("backup", "--to", str(tmp_path / "no" / "b.db"), "--db", sqlite_url)
    assert code == 2
    assert "is not a folder" in err


@pytest.fixture
def sqlite_backup(sqlite_url: str, tmp_path: Path) -> Path:
    file = tmp_path / "registry.backup"
    assert invoke("backup", "--to", str(file), "--db", sqlite_url)[0] == 0
    return file


def test_a_restore_is_never_written_through_a_link(sqlite_backup: Path, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    link = tmp_path / "dir" / "lnk.db"
    link.symlink_to(tmp_path / "dir" / "target.db")  # dangling: the restore would make it

    code, _, err = invoke("restore", "--from", str(sqlite_backup), "--db", f"sqlite:///{link}")

    assert code == 2, err
    assert f"{link} is a symbolic link" in err
    assert not (tmp_path / "dir" / "target.db").exists()
    assert link.is_symlink()


def test_a_restore_into_a_missing_folder_is_refused(sqlite_backup: Path, tmp_path: Path) -> None:
    target = tmp_path / "nodir" / "x.db"

    code, _, err = invoke("restore", "--from", str(sqlite_backup), "--db", f"sqlite:///{target}")

    assert code == 2, err
    assert f"{target.parent} is not a folder" in err
    assert not target.parent.exists()


def test_a_restored_file_is_its_owners_alone(sqlite_backup: Path, tmp_path: Path) -> None:
    target = tmp_path / "restored.db"
    before = os.umask(0o022)
    try:
        code, _, err = invoke(
            "restore", "--from", str(sqlite_backup), "--db", f"sqlite:///{target}"
        )
    finally:
        os.umask(before)

    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # like the backup: token hashes
    with Registry.open(f"sqlite:///{target}") as registry:
        registry.create_token("after", ["register"])  # its log is made with the same mode
    for side in ("-wal", "-shm"):
        if Path(f"{target}{side}").exists():
            assert Path(f"{target}{side}").stat().st_mode & 0o077 == 0


def test_a_file_system_refusal_is_a_sentence(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full)
    code, _, err = invoke("backup", "--to", str(tmp_path / "b.db"), "--db", sqlite_url)
    assert code == 2
    assert "cannot write the backup" in err
    assert "No space left on device" in err


def test_the_write_ahead_log_is_in_the_backup_and_not_in_a_copy(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Committed, not yet checkpointed: a ``cp`` of the file misses it; the backup holds it."""
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    with Registry.open(sqlite_url) as registry:  # held open: the log is not checkpointed
        model = _register(registry, "ad-risk")
        assert Path(f"{database}-wal").stat().st_size > 0
        copied = tmp_path / "copied.db"
        shutil.copyfile(database, copied)
        file = tmp_path / "registry.backup"
        assert invoke("backup", "--to", str(file), "--db", sqlite_url)[0] == 0

    def models(path: Path) -> list[str]:
        with sqlite3.connect(path) as conn:
            return [row[0] for row in conn.execute("SELECT id FROM artifacts")]

    assert models(copied) == []  # what the documented `cp` used to keep
    assert models(file) == [model]


# ---------------------------------------------------------------- PostgreSQL's tools


def test_without_pg_dump_the_error_names_the_package(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = invoke("backup", "--to", str(tmp_path / "b.dump"), "--db", postgres_url)
    assert code == 2
    assert "pg_dump is not on PATH" in err
    assert "postgresql-client" in err


def test_the_password_never_reaches_a_command_line() -> None:
    database = Database("postgresql://ops:s3cret%20pw@db.example:6543/registry?sslmode=require")
    conninfo, env = pg_archive._connection(database.url)
    assert "s3cret" not in conninfo
    assert env["PGPASSWORD"] == "s3cret pw"
    assert set(conninfo.split()) == {
        "host=db.example",
        "port=6543",
        "user=ops",
        "dbname=registry",
        "sslmode=require",
    }
    database.dispose()


# ---------------------------------------------------------------- the restore drill

WRITERS = 8


class Acknowledged:
    """Every write a server answered 201 or 200 to, with when the answer came."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.registered: list[tuple[float, str, str]] = []  # (when, id, line)
        self.promoted: list[tuple[float, str]] = []
        self.failures: list[tuple[int, Any]] = []

    def writer(self, base: str, token: str, index: int, stop: threading.Event) -> None:
        line = f"drill-{index % 4}"
        count = 0
        while not stop.is_set():
            body = {"title": "t", "line": line, **PIN, "metadata": logistic_regression()}
            status, record = http(base, "POST", "/api/v1/models", body, token)
            if status != 201:
                with self.lock:
                    self.failures.append((status, record))
                continue
            with self.lock:
                self.registered.append((time.monotonic(), record["id"], line))
            count += 1
            if count % 3 == 0:
                path = f"/api/v1/models/{record['id']}/promote"
                status, answer = http(base, "POST", path, {}, token)
                with self.lock:
                    if status == 200:
                        self.promoted.append((time.monotonic(), record["id"]))
                    else:
                        self.failures.append((status, answer))

    def count(self) -> int:
        with self.lock:
            return len(self.registered)


def _wait_for(acknowledged: Acknowledged, at_least: int) -> None:
    deadline = time.monotonic() + 30
    while acknowledged.count() < at_least:
        assert time.monotonic() < deadline, "the writers stalled"
        time.sleep(0.05)


def _make_token(url: str) -> str:
    code, out, err = invoke(
        "token", "create", "--name", "drill", "--scope", "register", "--scope", "promote",
        "--db", url,
    )  # fmt: skip
    assert code == 0, err
    return out.strip().splitlines()[-1]


@pytest.mark.slow
def test_restore_drill_while_eight_clients_write(
    migrated_url: str, empty_target: str, tmp_path: Path
) -> None:
    token = _make_token(migrated_url)
    acknowledged, stop = Acknowledged(), threading.Event()
    file = tmp_path / "drill.backup"
    with served(migrated_url) as base:
        writers = [
            threading.Thread(target=acknowledged.writer, args=(base, token, i, stop))
            for i in range(WRITERS)
        ]
        for thread in writers:
            thread.start()
        try:
            _wait_for(acknowledged, 16)
            # In this process, so the snapshot follows `started` by milliseconds, not
            # by an interpreter's start-up: the last writes before it are still in
            # SQLite's write-ahead log, where a copy of the file would miss them.
            started = time.monotonic()
            code, out, err = invoke("backup", "--to", str(file), "--db", migrated_url, "--json")
            _wait_for(acknowledged, acknowledged.count() + 8)
        finally:
            stop.set()
            for thread in writers:
                thread.join()
    assert code == 0, err
    assert not acknowledged.failures

    restored = _summary("restore", "--from", str(file), "--db", empty_target)

    assert restored["tables"] == json.loads(out)["tables"]
    before = {model for when, model, _ in acknowledged.registered if when < started}
    after = {model for when, model, _ in acknowledged.registered if when >= started}
    assert before, "no write was acknowledged before the backup"
    assert after, "no write was acknowledged after the backup began"
    with Registry.open(empty_target) as back:
        kept: dict[str, Any] = {}
        for line in {line for _, _, line in acknowledged.registered}:
            versions = _versions(back, line)
            numbers = sorted(m.version_number for m in versions)
            assert numbers == list(range(1, len(numbers) + 1)), f"a gap in {line}"
            assert len([m for m in versions if m.promotion_state == "promoted"]) <= 1
            kept |= {m.id: m for m in versions}
        assert before <= kept.keys(), f"lost: {sorted(before - kept.keys())}"
        for when, model in acknowledged.promoted:
            if when < started:
                assert kept[model].promotion_state in {"promoted", "superseded"}
                assert "promoted" in [e.to_state for e in back.history(model)]
    _assert_nothing_half_present(empty_target, len(kept))
    status = json.loads(invoke("migrate", "status", "--db", empty_target, "--json")[1])
    assert {m["status"] for m in status["migrations"]} == {"applied"}


def _versions(registry: Registry, line: str) -> list[Any]:
    try:
        return registry.list_models(line=line, limit=1000)
    except NotFoundError:  # the whole line is missing: the checks below name its models
        return []


def _assert_nothing_half_present(url: str, models: int) -> None:
    """Every model whole: its artifact, its version row, and a history that matches its state."""
    with Database(url) as database, database.transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM artifacts")).scalar_one() == models
        assert conn.execute(text("SELECT count(*) FROM model_versions")).scalar_one() == models
        unexplained = conn.execute(
            text(
                "SELECT count(*) FROM model_versions v WHERE v.promotion_state <> 'candidate' "
                "AND NOT EXISTS (SELECT 1 FROM model_promotion_events e "
                "WHERE e.artifact_id = v.artifact_id AND e.to_state = v.promotion_state)"
            )
        ).scalar_one()
        assert unexplained == 0
        if database.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        else:
            assert pg_archive.orphaned_rows(database) == []
