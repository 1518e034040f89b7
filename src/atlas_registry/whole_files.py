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


@contextmanager
def written_whole(target: Path) -> Iterator[TextIO]:
    """A text file to write; it replaces ``target`` when the block ends without an error."""
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
