"""Numbers as a page shows them: four significant digits, never fifteen.

A metric arrives as ``0.791689547867472``; a person compares ``0.7917``. Pages
and charts round through :func:`shown_number` only (the page renderer applies
it to every float it prints), while the JSON twins keep the exact value.
"""

from __future__ import annotations

import math

SIGNIFICANT = 4


def shown_number(value: float) -> str:
    """``value`` to :data:`SIGNIFICANT` significant digits.

    Plain decimals between 1e-5 and 1e7, the exponent form (``1.235e+08``)
    outside. A value the digits hold exactly drops its trailing zeros (``0.86``,
    ``1``); a rounded one keeps them (``0.99996`` is ``1.000``, not a perfect ``1``).
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
    if float(text) != value:
        return text
    mantissa, _, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + (f"e{exponent}" if exponent else "")
