"""Numbers as a page shows them: four significant digits, never fifteen.

A metric arrives as ``0.791689547867472``; a person compares ``0.7917``. Pages
and charts round through :func:`shown_number` only (the page renderer applies
it to every float it prints), while the JSON twins keep the exact value.
"""

from __future__ import annotations

import math

SIGNIFICANT = 4
# A float's arithmetic noise sits past its 15th digit; a value equal to its shown
# digits at 12 significant digits was not rounded by showing it.
EXACT_DIGITS = 12


def shown_number(value: float) -> str:
    """``value`` to :data:`SIGNIFICANT` significant digits.

    Plain decimals between 1e-5 and 1e7, the exponent form (``1.235e+08``)
    outside. A value the digits hold exactly drops its trailing zeros (``0.86``,
    ``1``); a rounded one keeps them (``0.99996`` is ``1.000``, not a perfect ``1``).
    "Exactly" is read at :data:`EXACT_DIGITS` significant digits: ``0.3 - 0.02`` is
    stored as ``0.27999999999999997``, a float's own noise, and is shown ``0.28``
    like its neighbours ``0.29`` and ``0.27``, not ``0.2800``.
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if -5 <= magnitude < 7:
        text = f"{value:.{max(0, SIGNIFICANT - 1 - magnitude)}f}"
    else:
        text = f"{value:.{SIGNIFICANT - 1}e}"
    if float(text) != float(f"{value:.{EXACT_DIGITS}g}"):
        return text
    mantissa, _, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + (f"e{exponent}" if exponent else "")
