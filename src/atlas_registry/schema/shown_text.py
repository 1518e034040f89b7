"""Stored text made safe to show: the one rule the terminal, the pages and the cards share.

Anything registered may be shown to someone. Control characters could drive a
terminal (``ESC [ 2 J`` clears it). Unicode's bidirectional overrides and
isolates reorder what follows them: a title ``report\\u202egnp.exe`` reads as
``reportexe.png``, and a title can pass for another model's. The marks that
steer neutral characters (U+200E, U+200F, U+061C), zero-width spaces and
joiners, and the other invisible format characters (Unicode's category Cf:
soft hyphen, word joiner, byte order mark, tag characters) draw nothing, so a
tag value can hide them, pass for another, or shift a table's columns. All of
them are written as visible escapes (``\\x1b``, ``\\u202e``) wherever stored
text is shown; the stored value and the API's JSON keep them as registered.

One exception keeps emoji readable: a zero width joiner between two
pictographs (the ``👩‍💻`` of a team tag) is part of one emoji and is kept; one
anywhere else is escaped. Right-to-left text shows its direction marks as
escapes: it still reads, and nothing in it is hidden.
"""

from __future__ import annotations

import re

# The nine embedding, override and isolate characters, as a character-class range.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Unicode's format characters (category Cf, as of Unicode 15.1), as a character class;
# tests/test_trial_fixes_shown_text.py checks it against the running Python's unicodedata.
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# C0 and C1 control characters other than tab and newline, and every format character.
_UNSHOWABLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{FORMAT_CHARACTERS}]")
ZWJ = "\u200d"
# Pictographs an emoji ZWJ sequence joins (symbols, dingbats, the emoji planes), and the
# variation selector and skin tones that may follow one before the joiner.
_PICTOGRAPH = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]"
)
_EMOJI_MODIFIERS = "\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff"


def _joins_emoji(text: str, at: int) -> bool:
    """Whether the joiner at ``at`` sits between two pictographs (one emoji)."""
    before = at - 1
    while before >= 0 and text[before] in _EMOJI_MODIFIERS:
        before -= 1
    after = at + 1
    return (
        before >= 0
        and after < len(text)
        and bool(_PICTOGRAPH.fullmatch(text[before]))
        and bool(_PICTOGRAPH.fullmatch(text[after]))
    )


def _escape(found: re.Match[str]) -> str:
    character = found.group()
    if character == ZWJ and _joins_emoji(found.string, found.start()):
        return character
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible_text(text: str) -> str:
    """``text`` with every control and invisible format character written as an escape."""
    return _UNSHOWABLE.sub(_escape, text)
