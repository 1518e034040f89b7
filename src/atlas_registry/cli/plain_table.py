"""A table for output that is not a terminal, written without loading Rich.

Piped output (a script, a log, ``| less``) gets the same box table as a
terminal, byte for byte: scripts and people read it the same way. Importing
Rich costs a listing a quarter of its start-up, so where the table is simple
enough to be sure of Rich's bytes (every cell printable ASCII, one line, the
whole table within the width), it is written here; anything else (a terminal,
styles forced on by the environment, wide or escaped characters, a table that
must fold or leave columns out) returns None, and Rich writes it.
``tests/test_cli_fast_read.py`` compares the two on many tables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# How wide a table may be when output is not a terminal (a terminal's own width otherwise).
PIPED_WIDTH = 200

# Rich's HEAVY_HEAD box: a heavy top and header, light rows.
_TOP = ("┏", "━", "┳", "┓")
_HEAD = ("┃", "┃", "┃")
_HEAD_RULE = ("┡", "━", "╇", "┩")
_ROW = ("│", "│", "│")
_BOTTOM = ("└", "─", "┴", "┘")


def writes_plain() -> bool:
    """Whether Rich would write standard output with no styles: not a terminal, by its rules."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "0"
    if os.environ.get("FORCE_COLOR") is not None:
        return os.environ["FORCE_COLOR"] == ""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return isatty is not None and not isatty()
    except ValueError:
        return True


def _simple(text: str) -> bool:
    return text.isascii() and text.isprintable()


def plain_table(
    title: str | None, columns: Sequence[str], cells: Sequence[Sequence[str]], width: int
) -> str | None:
    """The table Rich would write for ``cells`` (already made visible), or None when unsure."""
    if not cells or not all(_simple(text) for text in (*columns, *(c for r in cells for c in r))):
        return None
    widths = [max(len(column), *(len(row[i]) for row in cells)) for i, column in enumerate(columns)]
    total = sum(widths) + 3 * len(widths) + 1
    if total > width or (title is not None and (not _simple(title) or len(title) > total)):
        return None
    lines = [title] if title else []
    lines.append(_rule(_TOP, widths))
    lines.append(_line(_HEAD, columns, widths))
    lines.append(_rule(_HEAD_RULE, widths))
    lines += [_line(_ROW, row, widths) for row in cells]
    lines.append(_rule(_BOTTOM, widths))
    return "\n".join(lines) + "\n"


def _rule(box: tuple[str, str, str, str], widths: list[int]) -> str:
    left, fill, between, right = box
    return left + between.join(fill * (w + 2) for w in widths) + right


def _line(box: tuple[str, str, str], texts: Sequence[str], widths: list[int]) -> str:
    left, between, right = box
    return (
        left + between.join(f" {t.ljust(w)} " for t, w in zip(texts, widths, strict=True)) + right
    )
