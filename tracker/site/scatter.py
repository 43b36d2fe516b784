"""The portfolio's scatter, drawn at build time as inline SVG: quality (Arena Text score, x) against usage
(weekly tokens, y, log scale), with price as dot area and the lane as dot colour.

No JavaScript, nothing fetched. Numbers are written with two decimals at most so the same data gives the
same bytes; every label and tooltip is escaped here, because the result is marked safe for the templates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from tracker.lanes import CHEAP_BULK, FAST_GENERAL_PURPOSE, FRONTIER_REASONING
from tracker.units import format_score, format_tokens

WIDTH, HEIGHT = 640, 420
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48
MIN_RADIUS, MAX_RADIUS = 3.0, 14.0
LABELLED = 6  # the top models by usage and by score get a text label where it fits; every dot has a tooltip
LABEL_CHAR_WIDTH = 6.2  # an 11px system-font character, near enough to keep labels apart
LANE_CLASS = {FRONTIER_REASONING: "frontier", FAST_GENERAL_PURPOSE: "fast", CHEAP_BULK: "cheap"}
_SCORE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200)

Box = tuple[float, float, float, float]  # left, top, right, bottom


def _num(x: float) -> str:
    """At most two decimals, no trailing zeros: the same data always gives the same bytes."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class ScatterPoint:
    label: str  # the model's name (any text: it is escaped)
    score: float  # Arena Text score
    tokens: int  # weekly tokens, > 0
    price: float | None  # blended USD per million tokens; None: unknown (drawn hollow, smallest)
    lane: str | None
    href: str | None = None  # a site-relative link, already made safe by the caller
    detail: str = ""  # extra text for the tooltip


def _score_ticks(low: float, high: float) -> list[float]:
    step = next((s for s in _SCORE_STEPS if (high - low) / s <= 8), _SCORE_STEPS[-1])
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) // step) + 1)]


def _radius(price: float | None, top: float) -> float:
    if price is None or top <= 0 or price <= 0:
        return MIN_RADIUS
    # Area proportional to price: the radius grows with its square root.
    return MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(price / top)


def _labelled(points: Sequence[ScatterPoint]) -> list[int]:
    """The points to label, most important first: the best score, the most tokens, the second best ..."""
    by_usage = sorted(range(len(points)), key=lambda i: (-points[i].tokens, points[i].label, i))
    by_score = sorted(range(len(points)), key=lambda i: (-points[i].score, points[i].label, i))
    paired = [i for pair in zip(by_score[:LABELLED], by_usage[:LABELLED], strict=False) for i in pair]
    return list(dict.fromkeys(paired))


def _overlaps(box: Box, others: Sequence[Box]) -> bool:
    return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in others)


def _label_spot(
    label: str, x: float, y: float, r: float, taken: list[Box], labels: list[Box]
) -> tuple[float, float, str] | None:
    """Where a label fits beside its dot: right, left, above or below, clear of the other labels.

    The chosen box joins `taken` and `labels`; None when no side is free (the dot's tooltip still names it).
    """
    width, height = LABEL_CHAR_WIDTH * len(label), 12.0
    cx = min(max(x, LEFT + width / 2), WIDTH - 2 - width / 2)  # above or below: slid inside the chart
    candidates = (
        (x + r + 3, y + 4, "start", (x + r + 2, y - 8, x + r + 3 + width, y + 4)),
        (x - r - 3, y + 4, "end", (x - r - 3 - width, y - 8, x - r - 2, y + 4)),
        (cx, y - r - 4, "middle", (cx - width / 2, y - r - 4 - height, cx + width / 2, y - r - 3)),
        (cx, y + r + 12, "middle", (cx - width / 2, y + r + 1, cx + width / 2, y + r + 13)),
    )
    own = (x - r, y - r, x + r, y + r)
    fits = [c for c in candidates if c[3][0] >= LEFT and c[3][2] <= WIDTH - 2 and c[3][1] >= TOP]
    # Clear of every dot and label if possible; else clear of the other labels only.
    for avoid in ([t for t in taken if t != own], labels):
        for tx, ty, anchor, box in fits:
            if not _overlaps(box, avoid):
                taken.append(box)
                labels.append(box)
                return tx, ty, anchor
    return None


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "axis", extra: str = "") -> str:
    return f'<text class="{cls}" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def scatter_chart(points: Sequence[ScatterPoint], *, title: str) -> Markup:
    """The chart, or a short note in its place when no model has both a score and tokens."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    points = [p for p in points if p.tokens > 0]
    parts = [
        f'<svg class="chart scatter" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect class="frame" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
    ]
    if not points:
        parts.append(
            _text(LEFT + plot_w / 2, TOP + plot_h / 2, "No model has both an Arena score and usage yet.", "middle")
        )
        parts.append("</svg>")
        return Markup("".join(parts))  # noqa: S704 - the only text is escaped above
    low_s, high_s = min(p.score for p in points) - 5, max(p.score for p in points) + 5
    low_t = math.floor(math.log10(min(p.tokens for p in points)))
    high_t = max(math.ceil(math.log10(max(p.tokens for p in points))), low_t + 1)

    def x_of(score: float) -> float:
        return LEFT + (score - low_s) / (high_s - low_s) * plot_w

    def y_of(tokens: float) -> float:
        return TOP + (1 - (math.log10(tokens) - low_t) / (high_t - low_t)) * plot_h

    for power in range(low_t, high_t + 1):
        y = y_of(10**power)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{_num(y)}" x2="{LEFT + plot_w}" y2="{_num(y)}"/>')
        parts.append(_text(LEFT - 6, y + 4, format_tokens(10**power), "end"))
    for tick in _score_ticks(low_s, high_s):
        x = x_of(tick)
        parts.append(f'<line class="grid" x1="{_num(x)}" y1="{TOP}" x2="{_num(x)}" y2="{TOP + plot_h}"/>')
        parts.append(_text(x, TOP + plot_h + 16, format_score(tick), "middle"))
    parts.append(_text(LEFT + plot_w / 2, HEIGHT - 8, "Arena Text score", "middle"))
    middle = _num(TOP + plot_h / 2)
    parts.append(
        _text(
            14, TOP + plot_h / 2, "Weekly tokens (log scale)", "middle", extra=f' transform="rotate(-90 14 {middle})"'
        )
    )
    top_price = max((p.price for p in points if p.price is not None), default=0.0)
    labelled = _labelled(points)
    # Big dots first, so that small ones stay visible on top of them.
    order = sorted(range(len(points)), key=lambda i: (-_radius(points[i].price, top_price), points[i].label, i))
    dots: list[str] = []
    placed: list[Box] = []
    label_boxes: list[Box] = []
    wanted: dict[int, tuple[float, float, float]] = {}
    for i in order:
        p = points[i]
        x, y, r = x_of(p.score), y_of(p.tokens), _radius(p.price, top_price)
        lane = LANE_CLASS.get(p.lane or "", "none")
        hollow = " unpriced" if p.price is None else ""
        tip = escape(f"{p.label}: {format_score(p.score)}, {format_tokens(p.tokens)} tokens{p.detail}")
        at = f'cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}"'
        circle = f'<circle class="dot {lane}{hollow}" {at}><title>{tip}</title></circle>'
        dots.append(f'<a href="{escape(p.href)}">{circle}</a>' if p.href else circle)
        placed.append((x - r, y - r, x + r, y + r))
        if i in labelled:
            wanted[i] = (x, y, r)
    labels = []
    for i in labelled:
        x, y, r = wanted[i]
        spot = _label_spot(points[i].label, x, y, r, placed, label_boxes)
        if spot is not None:
            labels.append(_text(spot[0], spot[1], points[i].label, spot[2], cls="label"))
    parts.append(f'<g class="points">{"".join(dots)}</g>')
    parts.append(f'<g class="labels">{"".join(labels)}</g>')
    parts.append("</svg>")
    # Safe: every piece of text above went through escape(); the rest is numbers we formatted.
    return Markup("".join(parts))  # noqa: S704
