"""The lineage graph as server-rendered SVG: ancestors, the line's versions, descendants.

Built from escaped values only (markupsafe): a node's title is text in a
``<text>`` element, its link a path of this site. Colours come from the state
classes in the stylesheet, so the SVG holds no inline style.
"""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup, escape

from atlas_registry import Lineage, LineageEntry, visible_text

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


def lineage_svg(lineage: Lineage) -> Markup:
    """Three columns: fine-tuned from (nearest first), versions of the line, fine-tuned into."""
    columns = [
        lineage.ancestors[:MAX_NODES],
        lineage.versions[:MAX_NODES],
        lineage.descendants[:MAX_NODES],
    ]
    height = max(1, *(len(column) for column in columns)) * (NODE_H + GAP_Y) + 2 * PAD + 20
    width = 3 * NODE_W + 2 * GAP_X + 2 * PAD
    parts: list[Markup] = []
    position: dict[str, tuple[int, int]] = {}
    headings = ("fine-tuned from", "versions of the line", "fine-tuned into")
    for index, (heading, column) in enumerate(zip(headings, columns, strict=True)):
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


def trend_svg(points: list[tuple[int, float]], metric: str, direction: str = "unknown") -> Markup:
    """A small line chart of one metric across a line's versions.

    ``direction`` (``higher``, ``lower`` or ``unknown``, from the registry) is
    said in the heading, so a falling line reads as better or worse as it is.
    """
    if len(points) < 2:
        return Markup("")
    width, height, pad = 420, 140, 28
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    first, last = points[0][0], points[-1][0]
    steps = (last - first) or 1

    def xy(number: int, value: float) -> tuple[float, float]:
        x = pad + (number - first) / steps * (width - 2 * pad)
        y = height - pad - (value - low) / span * (height - 2 * pad)
        return round(x, 1), round(y, 1)

    coords = " ".join(f"{x},{y}" for x, y in (xy(n, v) for n, v in points))
    dots = Markup("").join(
        Markup('<circle cx="{}" cy="{}" r="3"><title>v{}: {}</title></circle>').format(
            *xy(n, v), n, v
        )
        for n, v in points
    )
    return Markup(
        '<svg class="trend" role="img" aria-label="{m} by version" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<text class="heading" x="{pad}" y="14">{m} by version{better}</text>'
        '<polyline points="{c}"/>{dots}</svg>'
    ).format(
        m=escape(metric),
        better="" if direction == "unknown" else f" ({direction} is better)",
        w=width,
        h=height,
        pad=pad,
        c=coords,
        dots=dots,
    )
