"""The two consoles every command prints through, made when a command first prints with Rich.

Kept apart from :mod:`.common` so that a command whose output needs no Rich
(a listing piped to a script, ``--json``) does not load it.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console

from atlas_registry import visible_text
from atlas_registry.cli.plain_table import PIPED_WIDTH

# Piped output is read by people in logs and pagers: do not fold tables to 80 columns.
_PIPED_WIDTH = None if sys.stdout.isatty() else PIPED_WIDTH


class SafeConsole(Console):
    """A console for stored text: no Rich markup is read, control characters are shown.

    Registered text reaches the terminal through every command, so the guard is
    here once rather than at each print: ``[link=...]`` in a title stays text,
    and so does ``:warning:``.
    """

    def __init__(self, **options: Any) -> None:
        # No emoji codes either: a title or an id holding ":x:" is printed as typed.
        super().__init__(markup=False, emoji=False, **options)

    def print(self, *objects: Any, **options: Any) -> None:
        shown = [visible_text(item) if isinstance(item, str) else item for item in objects]
        super().print(*shown, **options)


stdout = SafeConsole(soft_wrap=True, width=_PIPED_WIDTH)
stderr = SafeConsole(stderr=True, soft_wrap=True, width=_PIPED_WIDTH)
