"""``serve --workers N``: workers end with their parent, however it ends, and the port is freed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.conftest import migrated_copy
from tests.transport_server import answers, port_is_free, serve, wait_for


def _children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by whoever adopted it) serves nothing.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.slow  # three server processes
def test_killing_the_parent_ends_its_workers_and_the_port_can_be_served_again(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = migrated_copy("sqlite", tmp_path, request)
    log = tmp_path / "serve.log"
    with serve(url, log, "--workers", "2") as first:
        started = "Application startup complete."
        wait_for(lambda: log.read_text().count(started) >= 2, 60, "two workers starting")
        parent = first.process.pid
        workers = [int(pid) for pid in _children(parent)]
        assert len(workers) >= 2, workers
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        try:
            # Before, the workers kept serving on the dead parent's socket, for ever.
            wait_for(lambda: not any(_alive(pid) for pid in workers), 15, "the workers ending")
        finally:
            for pid in workers:  # the test leaves no process behind, even when it fails
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
        wait_for(lambda: port_is_free(first.port), 15, "the port being freed")
        with serve(url, log, "--workers", "2", port=first.port) as second:
            assert answers(second.port)
