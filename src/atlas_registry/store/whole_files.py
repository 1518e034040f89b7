"""Files the registry writes (a migration report, a model card) appear whole or not at all.

A report is streamed from the database as it is written; if the database
fails half-way, or the process is stopped, writing in place would leave a
truncated file where the previous, complete one was. Each file is written
beside its target and moved into place only once complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from atlas_registry.errors import InputError


def target_file(path: str | Path) -> Path:
    """``path`` as a file to write, refused before any work when it cannot be one.

    A report is written after the backfill it describes, so a path that names
    a folder (``--report .``) or a device must be refused before the work, not
    after. A device is never replaced: written over, ``/dev/null`` would become
    a file.
    """
    if not str(path).strip():
        raise InputError("no file named: give the path of a file to write")
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target} is a folder: give the path of a file to write")
    if target.exists() and not target.is_file():
        raise InputError(
            f"{target} is not a regular file (a device, a pipe or a socket): "
            "give the path of a file to write"
        )
    return target


@contextmanager
def written_whole(target: Path) -> Iterator[TextIO]:
    """A text file to write; it replaces ``target`` when the block ends without an error."""
    target = target_file(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    partial = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        partial.chmod(0o666 & ~_umask())  # the mode a plain write makes, not mkstemp's 0600
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
