"""Stored text made safe to show: the one rule the terminal and the pages share.

Anything registered may be shown to someone. Control characters could drive a
terminal (``ESC [ 2 J`` clears it). Unicode's bidirectional overrides and
isolates reorder what follows them: a title ``report\\u202egnp.exe`` reads as
``reportexe.png``, and a title can pass for another model's. Both kinds are
written as visible escapes (``\\x1b``, ``\\u202e``) wherever stored text is
shown; the stored value and the API's JSON keep them as registered. Marks
that only steer neutral characters (U+200E, U+200F, U+061C) belong to
right-to-left text and are kept.
"""

from __future__ import annotations

import re

# The nine embedding, override and isolate characters, as a character-class range.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# C0 and C1 control characters other than tab and newline, and those nine.
_UNSHOWABLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible_text(text: str) -> str:
    """``text`` with every control and bidirectional override written as an escape."""
    return _UNSHOWABLE.sub(_escape, text)
