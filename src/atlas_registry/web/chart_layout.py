"""Where a chart's text goes so that nothing is drawn over it: estimated boxes, kept apart.

A server-rendered SVG cannot measure its text, so a label's box is estimated
from its length and font size, generously (digits are about 0.6 em wide in the
common sans-serif faces). A label is placed at the first of its candidate spots
whose box stays inside the chart and meets no line drawn and no label placed
before it; with no free spot it is left out (the point's tooltip keeps its value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

CHAR_EM = 0.64  # a character's width, in em, rounded up
# Of the font size, above and below the baseline, as a browser boxes text.
ASCENT, DESCENT = 0.93, 0.24
HALO = 1.5  # the white stroke text is drawn over


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in the chart's coordinates (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    def meets(self, other: Box) -> bool:
        return not (
            self.right <= other.left
            or other.right <= self.left
            or self.bottom <= other.top
            or other.bottom <= self.top
        )

    def inside(self, other: Box) -> bool:
        return (
            self.left >= other.left
            and self.right <= other.right
            and self.top >= other.top
            and self.bottom <= other.bottom
        )


Segment = tuple[float, float, float, float]


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_EM + 2 * HALO


def text_box(text: str, x: float, y: float, size: float, anchor: str) -> Box:
    """The box of ``text`` drawn at ``x``, ``y`` (its baseline) with ``text-anchor``."""
    width = text_width(text, size)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, y - size * ASCENT - HALO, left + width, y + size * DESCENT + HALO)


def crosses(box: Box, segment: Segment) -> bool:
    """Whether a straight line from (x1, y1) to (x2, y2) passes through ``box`` (Liang-Barsky)."""
    x1, y1, x2, y2 = segment
    dx, dy = x2 - x1, y2 - y1
    low, high = 0.0, 1.0
    for p, q in (
        (-dx, x1 - box.left),
        (dx, box.right - x1),
        (-dy, y1 - box.top),
        (dy, box.bottom - y1),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


@dataclass
class Layout:
    """What is drawn so far: the chart's bounds, the lines, and the boxes of placed text."""

    bounds: Box
    segments: list[Segment]
    boxes: list[Box]
    # Lines a label avoids when it can, and crosses when it cannot (its white halo
    # breaks a dashed reference line where the digits are).
    soft: list[Segment] = field(default_factory=list)

    def free(self, box: Box, *, strict: bool = True) -> bool:
        lines = self.segments + self.soft if strict else self.segments
        return (
            box.inside(self.bounds)
            and not any(box.meets(taken) for taken in self.boxes)
            and not any(crosses(box, segment) for segment in lines)
        )

    def place(self, candidates: Iterable[Spot], *, strict: bool = True) -> Spot | None:
        """The first free candidate spot, taken; None when none is free."""
        for spot in candidates:
            if self.free(spot.box, strict=strict):
                self.boxes.append(spot.box)
                return spot
        return None


@dataclass(frozen=True)
class Spot:
    """Where a label may go: its baseline point, its ``text-anchor`` and the box it covers."""

    x: float
    y: float
    anchor: str
    box: Box


def spots(text: str, x: float, y: float, size: float, bounds: Box, offset: float) -> list[Spot]:
    """A point's label spots, best first: above it, below it, then beside it above and below.

    A centred spot is slid sideways to stay inside ``bounds`` (the last
    version's label ends at the chart's edge instead of running off it).
    """
    half = text_width(text, size) / 2
    middle = min(max(x, bounds.left + half), bounds.right - half)
    above, below = y - offset, y + offset + size * ASCENT
    found = []
    for baseline in (above, below):
        found.append((middle, baseline, "middle"))
    for baseline in (above, below):
        found += [(x + offset / 2, baseline, "start"), (x - offset / 2, baseline, "end")]
    return [Spot(sx, sy, anchor, text_box(text, sx, sy, size, anchor)) for sx, sy, anchor in found]
