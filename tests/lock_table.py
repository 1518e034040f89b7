"""The kernel's table of file locks (Linux), to see which locks a process really holds."""

from __future__ import annotations

import os
from pathlib import Path

LOCK_TABLE = Path("/proc/locks")


def locks_of_this_process(path: Path) -> list[tuple[str, ...]]:
    """(kind, mode, range) of each lock the kernel says this process holds on ``path``."""
    inode, mine = str(path.stat().st_ino), str(os.getpid())
    held = []
    for line in LOCK_TABLE.read_text().splitlines():
        # "1: POSIX  ADVISORY  READ 7630 fe:00:1234 1073741826 1073742335"
        fields = line.split()
        if len(fields) >= 8 and fields[4] == mine and fields[5].rsplit(":", 1)[-1] == inode:
            held.append((fields[1], fields[3], fields[6], fields[7]))
    return sorted(held)
