"""The lineage graph and the metric trend as server-rendered SVG (and the lineage as a list).

Built from escaped values only (markupsafe): a node's title is text in a
``<text>`` element, its link a path of this site. Colours come from the state
classes in the stylesheet, so the SVG holds no inline style.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from atlas_registry import Lineage, LineageEntry, visible_text
from atlas_registry.web.chart_layout import CHAR_EM, Box, Layout, Spot, spots, text_width
from atlas_registry.web.numbers import shown_number

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 230, 44, 70, 18, 12
MAX_NODES = 40


def _label(entry: LineageEntry) -> str:
    """The node's text, cut to fit its box after control characters became escapes."""
    shown = visible_text(entry.title)
    title = shown if len(shown) <= 26 else shown[:25] + "…"
    return f"v{entry.version_number} · {title}"


def _node(entry: LineageEntry, x: int, y: int, current: bool) -> Markup:
    state = entry.promotion_state or "legacy"
    classes = f"node state-{state}" + (" current" if current else "")
    return Markup(
        '<a href="/models/{href}" class="node-link" data-id="{id}">'
        '<rect class="{classes}" x="{x}" y="{y}" width="{w}" height="{h}" rx="6"/>'
        '<text x="{tx}" y="{ty}">{label}</text>'
        '<text class="state" x="{tx}" y="{sy}">{state}</text><title>{id}</title></a>'
    ).format(
        href=quote(entry.id, safe=""),
        id=entry.id,
        classes=classes,
        x=x,
        y=y,
        w=NODE_W,
        h=NODE_H,
        tx=x + 10,
        ty=y + 18,
        sy=y + 35,
        label=_label(entry),
        state=state,
    )


def _edge(x1: int, y1: int, x2: int, y2: int, kind: str) -> Markup:
    return Markup('<line class="edge {kind}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>').format(
        kind=kind, x1=x1, y1=y1, x2=x2, y2=y2
    )


def _columns(lineage: Lineage) -> list[list[LineageEntry]]:
    """Fine-tuned from (nearest first), versions of the line, fine-tuned into; each capped."""
    return [
        list(lineage.ancestors[:MAX_NODES]),
        list(lineage.versions[:MAX_NODES]),
        list(lineage.descendants[:MAX_NODES]),
    ]


def lineage_svg(lineage: Lineage) -> Markup:
    """Three columns: fine-tuned from (nearest first), versions of the line, fine-tuned into."""
    columns = _columns(lineage)
    height = max(1, *(len(column) for column in columns)) * (NODE_H + GAP_Y) + 2 * PAD + 20
    width = 3 * NODE_W + 2 * GAP_X + 2 * PAD
    parts: list[Markup] = []
    position: dict[str, tuple[int, int]] = {}
    for index, (heading, column) in enumerate(zip(HEADINGS, columns, strict=True)):
        x = PAD + index * (NODE_W + GAP_X)
        parts.append(
            Markup('<text class="heading" x="{}" y="{}">{}</text>').format(x, PAD + 8, heading)
        )
        for row, entry in enumerate(column):
            y = PAD + 20 + row * (NODE_H + GAP_Y)
            position.setdefault(f"{index}:{entry.id}", (x, y))
            parts.append(_node(entry, x, y, entry.id == lineage.model_id))
    current = position.get(f"1:{lineage.model_id}")
    if current is not None:
        cx, cy = current
        for row in range(len(columns[1]) - 1):
            y = PAD + 20 + row * (NODE_H + GAP_Y)
            parts.append(
                _edge(cx + NODE_W // 2, y + NODE_H, cx + NODE_W // 2, y + NODE_H + GAP_Y, "version")
            )
        if columns[0]:
            ax, ay = position[f"0:{columns[0][0].id}"]
            parts.append(_edge(ax + NODE_W, ay + NODE_H // 2, cx, cy + NODE_H // 2, "base"))
        for entry in columns[2]:
            if entry.depth == 1:
                dx, dy = position[f"2:{entry.id}"]
                parts.append(_edge(cx + NODE_W, cy + NODE_H // 2, dx, dy + NODE_H // 2, "base"))
    body = Markup("").join(parts)
    return Markup(
        '<svg class="lineage" role="img" aria-label="lineage graph" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    ).format(w=width, h=height, body=body)


HEADINGS = ("fine-tuned from", "versions of the line", "fine-tuned into")


def lineage_view(lineage: Lineage) -> Markup:
    """The graph for a wide screen and the same lineage as a list for a narrow one.

    The stylesheet shows one of the two: scaled to a narrow screen, the
    three-column graph's text would be too small to read.
    """
    return lineage_svg(lineage) + lineage_list(lineage)


def lineage_list(lineage: Lineage) -> Markup:
    """The lineage as headed lists of links: full titles that wrap, the current one in bold."""
    sections = []
    for heading, column in zip(HEADINGS, _columns(lineage), strict=True):
        if not column:
            continue
        items = Markup("").join(
            Markup(
                '<li{current}><a href="/models/{href}">v{number} · {title}</a> '
                '<span class="badge state-{state}">{state}</span></li>'
            ).format(
                current=Markup(' class="current"') if entry.id == lineage.model_id else "",
                href=quote(entry.id, safe=""),
                number=entry.version_number,
                title=visible_text(entry.title),
                state=entry.promotion_state or "legacy",
            )
            for entry in column
        )
        sections.append(Markup("<h3>{}</h3><ol>{}</ol>").format(heading, items))
    return Markup('<div class="lineage-list">{}</div>').format(Markup("").join(sections))


@dataclass(frozen=True)
class GateLine:
    """The promotion gate's threshold on the charted metric: at least (or at most) ``value``."""

    value: float
    at_least: bool


TREND_W, TREND_H = 400, 240
# Above the plot: the heading's row, then the gate's key; below it: versions and their title.
TREND_TOP, TREND_RIGHT, TREND_BOTTOM = 48, 12, 46
HEADING_Y, KEY_Y, TEXT_X = 15, 32, 8
# Left of the plot: the value axis's rotated title, then the tick labels, as wide as they are.
TITLE_BAND, TICK_GAP, MIN_LEFT = 22, 6, 48
INSET = 14  # the first and last versions stand off the axes, with room for their labels
TICK_SIZE, VALUE_SIZE, TITLE_SIZE, HEADING_SIZE = 12, 11, 13, 12
DOT = 4.5  # a dot's half-width, with a margin no label enters
VALUE_OFFSET = 9  # from a dot's centre to its label's baseline (above) or top (below)
MAX_X_LABELS, MAX_VALUE_LABELS = 10, 12
# Of the values' span, at each end: about 26 of the plot's 146 units, a label's height and gap.
MARGIN = 0.27


def _ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Round values (two to six) spanning ``low``..``high`` for the value axis, labelled.

    The labels share the decimals the step needs, so close values (0.8000001,
    0.8000002) get distinct labels where four significant digits would not.
    """
    raw = (high - low) / 4
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if step * m >= raw)
    first = math.ceil(low / step - 1e-9)
    ticks = [n * step for n in range(first, math.floor(high / step + 1e-9) + 1)]
    decimals = max(
        0, -math.floor(math.log10(step) + 1e-9) + (step / 10 ** math.floor(math.log10(step)) == 2.5)
    )
    if max(abs(low), abs(high)) >= 1e7 or decimals > 12:
        return [(tick, shown_number(tick)) for tick in ticks]
    return [(tick, f"{tick:.{decimals}f}") for tick in ticks]


def _value_range(values: list[float], gate: GateLine | None) -> tuple[float, float]:
    """The plotted range: every value and the threshold, with a margin, never empty.

    The margin leaves room for a value's label above the highest point and
    below the lowest (a dip's label has nowhere else to go: the line holds
    both sides above it).
    """
    shown = values + ([gate.value] if gate else [])
    low, high = min(shown), max(shown)
    margin = (high - low) * MARGIN or abs(high) * 0.05 or 1.0
    return low - margin, high + margin


@dataclass(frozen=True)
class _Frame:
    """The plot's place in the chart and the scales from versions and values to it."""

    left: float
    first: int
    last: int
    low: float
    high: float
    right: float = TREND_W - TREND_RIGHT
    bottom: float = TREND_H - TREND_BOTTOM

    def x_at(self, number: int) -> float:
        span = (self.last - self.first) or 1
        inner = self.right - self.left - 2 * INSET
        return round(self.left + INSET + (number - self.first) / span * inner, 1)

    def y_at(self, value: float) -> float:
        return round(TREND_TOP + (self.high - value) / (self.high - self.low) * self.height, 1)

    @property
    def height(self) -> float:
        return self.bottom - TREND_TOP


def trend_svg(
    points: list[tuple[int, float]],
    metric: str,
    gate: GateLine | None = None,
    direction: str = "unknown",
) -> Markup:
    """One metric across a line's versions: labelled axes, versions on x, the gate drawn.

    Values are printed rounded (:func:`shown_number`); each point's tooltip and
    the page's JSON twin keep the exact value. Sized by its viewBox, the chart
    shrinks with its card on a phone instead of running off it. ``direction``
    (``higher``, ``lower`` or ``unknown``, from the registry) is said in the
    heading, so a falling line reads as better or worse as it is. No text is
    drawn over a line or other text (:mod:`atlas_registry.web.chart_layout`):
    the value axis makes room for its widest tick label, the gate's condition
    is a key above the plot, and a value label goes where it is free.
    """
    if len(points) < 2:
        return Markup("")
    low, high = _value_range([v for _, v in points], gate)
    ticks = _ticks(low, high)
    widest = max(text_width(label, TICK_SIZE) for _, label in ticks)
    frame = _Frame(
        max(MIN_LEFT, TITLE_BAND + widest + TICK_GAP), points[0][0], points[-1][0], low, high
    )
    parts = [_axes(metric, frame), *_tick_marks(ticks, frame), *_version_labels(points, frame)]
    gate_y = frame.y_at(gate.value) if gate is not None else None
    if gate is not None and gate_y is not None:
        parts.append(_gate_line(metric, gate, gate_y, frame))
    coords = " ".join(f"{frame.x_at(n)},{frame.y_at(v)}" for n, v in points)
    parts.append(Markup('<polyline points="{}"/>').format(coords))
    parts += _points(points, frame, gate_y)
    better = "" if direction == "unknown" else f" ({direction} is better)"
    room = int((TREND_W - 2 * TEXT_X) / (HEADING_SIZE * CHAR_EM)) - len(" by version" + better)
    return Markup(
        '<svg class="trend" role="img" aria-label="{m} by version" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<text class="heading" x="{x}" y="{y}">{cut} by version{better}</text>{body}</svg>'
    ).format(
        m=visible_text(metric),
        cut=_cut(visible_text(metric), max(8, room)),
        better=better,
        w=TREND_W,
        h=TREND_H,
        x=TEXT_X,
        y=HEADING_Y,
        body=Markup("").join(parts),
    )


def _tick_marks(ticks: list[tuple[float, str]], frame: _Frame) -> list[Markup]:
    """A grid line and a right-aligned label for each round value."""
    return [
        Markup(
            '<line class="grid" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}"/>'
            '<text class="axis-tick" x="{tx}" y="{ty}" text-anchor="end">{label}</text>'
        ).format(
            x1=frame.left,
            x2=frame.right,
            y=frame.y_at(tick),
            tx=frame.left - TICK_GAP,
            ty=frame.y_at(tick) + 4,
            label=label,
        )
        for tick, label in ticks
    ]


def _version_labels(points: list[tuple[int, float]], frame: _Frame) -> list[Markup]:
    """Every few versions, and always the newest (a label too near it gives way)."""
    every = math.ceil(len(points) / MAX_X_LABELS)
    last_index = len(points) - 1
    return [
        Markup('<text class="axis-tick" x="{}" y="{}" text-anchor="middle">v{}</text>').format(
            frame.x_at(number), frame.bottom + 16, number
        )
        for index, (number, _) in enumerate(points)
        if index == last_index or (index % every == 0 and last_index - index >= every)
    ]


def _axes(metric: str, frame: _Frame) -> Markup:
    """The two axes and their titles: version across, the metric up (cut to the plot's height)."""
    return Markup(
        '<line class="axis" x1="{l}" y1="{t}" x2="{l}" y2="{b}"/>'
        '<line class="axis" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>'
        '<text class="axis-title" x="{cx}" y="{xt}" text-anchor="middle">version</text>'
        '<text class="axis-title" transform="rotate(-90)" x="{cy}" y="14" '
        'text-anchor="middle">{m}</text>'
    ).format(
        l=frame.left,
        t=TREND_TOP,
        b=frame.bottom,
        r=frame.right,
        cx=(frame.left + frame.right) / 2,
        xt=TREND_H - 8,
        cy=-(TREND_TOP + frame.height / 2),
        m=_cut(visible_text(metric), int(frame.height / (TITLE_SIZE * CHAR_EM))),
    )


def _gate_line(metric: str, gate: GateLine, y: float, frame: _Frame) -> Markup:
    """The threshold as a dashed line across the plot, and a key above the plot saying
    what it is: inside the plot its words would cross the line or a value."""
    condition = f"gate: {_cut(visible_text(metric), 20)} {'≥' if gate.at_least else '≤'} "
    return Markup(
        '<line class="gate" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}"/>'
        '<line class="gate key" x1="{kx}" y1="{ky}" x2="{kx2}" y2="{ky}"/>'
        '<text class="gate" x="{tx}" y="{ty}">{label}</text>'
    ).format(
        x1=frame.left,
        x2=frame.right,
        y=y,
        kx=TEXT_X,
        kx2=TEXT_X + 22,
        ky=KEY_Y - 4,
        tx=TEXT_X + 28,
        ty=KEY_Y,
        label=condition + shown_number(gate.value),
    )


def _points(points: list[tuple[int, float]], frame: _Frame, gate_y: float | None) -> list[Markup]:
    """Each version's dot with its exact value in the tooltip, and its rounded value beside it
    where a free spot is found (:func:`_value_labels`)."""
    at = [(frame.x_at(n), frame.y_at(v)) for n, v in points]
    labels = _value_labels(points, at, frame, gate_y) if len(points) <= MAX_VALUE_LABELS else {}
    return [
        _point(number, value, *at[index], labels.get(index))
        for index, (number, value) in enumerate(points)
    ]


def _value_labels(
    points: list[tuple[int, float]],
    at: list[tuple[float, float]],
    frame: _Frame,
    gate_y: float | None,
) -> dict[int, Spot]:
    """Each value's label spot, clear of the line, the dots and each other.

    The newest version is placed first, then the oldest, then the rest; a
    label that finds no spot clear of the gate's line too may cross it.
    """
    segments = [(*a, *b) for a, b in itertools.pairwise(at)]
    gate = [(frame.left, gate_y, frame.right, gate_y)] if gate_y is not None else []
    dots = [Box(x - DOT, y - DOT, x + DOT, y + DOT) for x, y in at]
    bounds = Box(frame.left + 1, KEY_Y + 4, TREND_W - 1, frame.bottom - 1)
    layout = Layout(bounds, segments, dots, soft=gate)
    order = list(dict.fromkeys([len(points) - 1, 0, *range(len(points))]))
    labels: dict[int, Spot] = {}
    for index in order:
        x, y = at[index]
        candidates = spots(shown_number(points[index][1]), x, y, VALUE_SIZE, bounds, VALUE_OFFSET)
        spot = layout.place(candidates) or layout.place(candidates, strict=False)
        if spot is not None:
            labels[index] = spot
    return labels


def _point(number: int, value: float, x: float, y: float, label: Spot | None) -> Markup:
    """A version's dot, its exact value in the tooltip and, when placed, rounded beside."""
    dot = Markup('<circle cx="{}" cy="{}" r="3.5"><title>v{}: {}</title></circle>').format(
        x, y, number, repr(value)
    )
    if label is None:
        return dot
    return dot + Markup('<text class="value" x="{}" y="{}" text-anchor="{}">{}</text>').format(
        round(label.x, 1), round(label.y, 1), label.anchor, shown_number(value)
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
