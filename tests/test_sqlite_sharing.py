"""One SQLite file shared by several registries and processes, as a server and a CLI share it.

Opening a registry must not disturb the connections this process already has
on the file: a descriptor of the file opened and closed outside SQLite drops
every POSIX lock the process holds on it, and another process can then take
itself for the file's last user and remove the write-ahead log and its index
from under them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from atlas_registry import ConfigurationError, Registry, SchemaAdmin
from atlas_registry.store.db import Database
from tests.lock_table import LOCK_TABLE, locks_of_this_process
from tests.payloads import logistic_regression

# Enough registrations to fill SQLite's write-ahead log past its automatic
# checkpoint (1,000 pages): the corruption needed the log to be reset.
PAST_A_CHECKPOINT = 80

_OTHER_PROCESS = textwrap.dedent(
    """
    import json, sqlite3, sys
    from atlas_registry import ModelRegistration, Registry

    url, path, document = sys.argv[1], sys.argv[2], json.loads(sys.stdin.read())
    # A connection that reads and closes: the last user of the file closes it for good.
    probe = sqlite3.connect(path)
    probe.execute("SELECT count(*) FROM artifacts").fetchall()
    probe.close()
    with Registry.open(url) as registry:
        for index in range(int(sys.argv[3])):
            registry.register_model(ModelRegistration.from_dict({**document, "title": f"m{index}"}))
    """
)


def _registry_file(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "shared.db"
    url = f"sqlite:///{path}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    return url, path


def _register_in_another_process(url: str, path: Path, count: int) -> None:
    document = {"title": "m", "metadata": logistic_regression()}
    subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, url, str(path), str(count)],
        input=json.dumps(document),
        text=True,
        check=True,
        timeout=120,
    )


@pytest.mark.skipif(not LOCK_TABLE.exists(), reason="reads the lock table of Linux")
def test_opening_a_second_registry_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    url, path = _registry_file(tmp_path)
    with Registry.open(url) as first:
        first.list_models()
        held = locks_of_this_process(path)
        assert held, "an open SQLite connection in WAL mode holds a shared lock on its file"
        with Registry.open(url) as second:
            second.list_models()
        Database(url).dispose()
        assert locks_of_this_process(path) == held


@pytest.mark.slow  # another process
def test_registries_open_in_one_process_read_what_another_process_wrote(tmp_path: Path) -> None:
    url, path = _registry_file(tmp_path)
    with Registry.open(url) as first:
        first.list_models()  # its pooled connection stays open, holding the file
        with Registry.open(url) as second:
            second.has_tokens()
            _register_in_another_process(url, path, PAST_A_CHECKPOINT)
            assert len(second.list_models(limit=500)) == PAST_A_CHECKPOINT
        assert len(first.list_models(limit=500)) == PAST_A_CHECKPOINT


def test_a_file_sqlite_cannot_read_is_refused_by_name(tmp_path: Path) -> None:
    header_only = tmp_path / "header.db"
    header_only.write_bytes(b"SQLite format 3\x00" + bytes(84))
    with pytest.raises(ConfigurationError, match="not a SQLite database, or its header is damaged"):
        Database(f"sqlite:///{header_only}")


def test_an_empty_file_is_a_database_to_create(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    url = f"sqlite:///{empty}"
    with SchemaAdmin.open(url) as admin:
        admin.migrate()
    with Registry.open(url) as registry:
        assert registry.list_models() == []
