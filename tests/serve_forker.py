"""``atlas-registry serve`` processes forked from one warm interpreter per test worker.

A new ``serve`` spends a second or two of CPU starting Python and importing
the stack (FastAPI, uvicorn, SQLAlchemy, the registry) before it listens, and
the suite starts dozens. This module, run as its own process
(``python -m tests.serve_forker``), imports that stack once and then forks a
child for each server asked for: the child sets the environment, working
folder and log of the test that asked, and runs the command line exactly as
``atlas-registry serve ...`` does, as a process of its own (its own pid,
signals and sockets). The forker has no threads, so forking it is safe.

Protocol, one JSON line each way on stdin/stdout: ``{"argv", "env", "cwd",
"log"}`` is answered ``{"pid"}``. The forker reaps its children as they end
(their CPU time counted in its own, as for any child) and writes each one's
exit status, as ``subprocess`` gives it (``-9`` for SIGKILL), to the file
``LOG.exit``: a test sees one has exited when that file is there.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

# What ``serve`` imports before it listens (the app factory imports the rest).
_WARM = (
    "uvicorn",
    "uvicorn.protocols.http.httptools_impl",
    "atlas_registry.cli",
    "atlas_registry.api",
    "atlas_registry.api.server",
    "atlas_registry.api.connections",
)


def _child(request: dict[str, Any]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    log = os.open(str(request["log"]), os.O_WRONLY | os.O_APPEND)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.close(devnull)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(str(request["cwd"]))
    sys.argv = [str(arg) for arg in request["argv"]]
    from atlas_registry.cli import main

    code = 0
    try:
        main()
    except SystemExit as stopped:
        code = stopped.code if isinstance(stopped.code, int) else (0 if stopped.code is None else 1)
    except BaseException:  # a crash is reported in the log, as Python would
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# Each running child's exit status file, by pid.
_EXIT_FILES: dict[int, str] = {}


def _reap(_signal: int, _frame: object) -> None:
    """Reap every child that ended (its CPU time counts as this process tree's); keep its status."""
    with contextlib.suppress(ChildProcessError):
        while (ended := os.waitpid(-1, os.WNOHANG))[0] > 0:
            pid, status = ended
            exit_file = _EXIT_FILES.pop(pid, None)
            if exit_file is not None:
                part = Path(exit_file + ".part")
                # Its folder is gone when the test did not wait for the exit: nobody reads it.
                with contextlib.suppress(OSError):
                    part.write_text(str(os.waitstatus_to_exitcode(status)))
                    part.replace(exit_file)  # whole, or not there yet


def serve_forever() -> None:
    # Everything `serve` imports before it listens, imported once here.
    for module in _WARM:
        importlib.import_module(module)

    signal.signal(signal.SIGCHLD, _reap)
    started: list[int] = []
    for line in sys.stdin:
        request = json.loads(line)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])  # not reaped before it is known
        pid = os.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
            _child(request)
        _EXIT_FILES[pid] = f"{request['log']}.exit"
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
        started.append(pid)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()
    # The test worker is gone (its end of the pipe closed): so are its servers.
    for pid in started:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    with contextlib.suppress(ChildProcessError):
        while True:
            os.wait()


if __name__ == "__main__":
    serve_forever()
