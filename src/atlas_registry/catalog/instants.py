"""Reading the time an as-of read asks about: ISO 8601 with its zone, nothing guessed.

A time without a zone would be read in whatever zone the server runs in, so
the same question asked from a laptop and from a job in another region would
get different versions: it is refused, as is anything that is not a time.
The registry stores time to the second in UTC (``YYYY-MM-DD HH:MM:SS``),
so a time is compared in that form: a move made in the second a time names
counts as made by then.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from atlas_registry.errors import QueryValueError, Violation

# Longer than any ISO 8601 time with a zone (2026-05-01T12:00:00.123456+05:30 is 32).
MAX_INSTANT_LENGTH = 40
_EXAMPLE = "such as 2026-05-01T12:00Z or 2026-05-01T14:00:00+02:00"
# A time whose zone's "+" became a space: a URL's query reads an unencoded "+" as one.
_PLUS_AS_SPACE = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}(:?\d{2})?$")


def parse_instant(value: object, path: str = "at") -> str:
    """``value`` (ISO 8601 with a zone) as the registry stores time: UTC to the second.

    A QueryValueError (400) at ``path`` says what is wrong: not text, not a time,
    or a time without its zone.
    """
    if not isinstance(value, str) or not value.strip():
        raise _refused(path, f"must be a time with its zone, {_EXAMPLE}")
    text = value.strip()
    if len(text) > MAX_INSTANT_LENGTH:
        raise _refused(path, f"is not a time ({len(text):,} characters); give one {_EXAMPLE}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        hint = ""
        if _PLUS_AS_SPACE.search(text):
            sign = text.rindex(" ")
            hint = (
                " (a space stands where its zone's sign would be: in a URL, a '+' is read as "
                f"a space and must be written %2B, as in {text[:sign]}%2B{text[sign + 1 :]})"
            )
        raise _refused(
            path, f"{text!r} is not an ISO 8601 time{hint}; give one {_EXAMPLE}"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _refused(
            path,
            f"{text!r} has no zone, so it would mean a different moment on every machine; "
            f"add one, {_EXAMPLE}",
        )
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:
        raise _refused(path, f"{text!r} is out of range; give a time {_EXAMPLE}") from None
    # isoformat keeps a four-digit year, which strftime does not for years before 1000.
    return utc.replace(tzinfo=None, microsecond=0).isoformat(sep=" ")


def _refused(path: str, message: str) -> QueryValueError:
    return QueryValueError("the time is invalid", [Violation(path, message)])
