"""Inline SVG charts drawn at build time: sparklines for table rows and line charts for model pages.

No JavaScript, no external library, nothing fetched: the SVG is text in the page. Numbers are written
with a fixed two decimals so the same data always gives the same bytes. Every piece of text in a chart
is escaped here, because the result is marked safe for the templates.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Series:
    """Values over time; None where the model was absent (drawn as a gap)."""

    labels: tuple[str, ...]  # one per point, e.g. ISO dates
    values: tuple[float | None, ...]
    invert: bool = False  # ranks: 1 is drawn at the top

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.values):
            raise ValueError("a series needs one label per value")


@functools.lru_cache(maxsize=65536)  # charts repeat coordinates (same widths, same ranks): format each once
def _num(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _bounds(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if low == high:  # a flat line sits in the middle
        return low - 1, high + 1
    return low, high


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Split points into unbroken runs at the gaps."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def _project(series: Series, left: float, top: float, width: float, height: float) -> list[tuple[float, float] | None]:
    present = [v for v in series.values if v is not None]
    if not present:
        return [None] * len(series.values)
    low, high = _bounds(present)
    steps = max(len(series.values) - 1, 1)
    out: list[tuple[float, float] | None] = []
    for i, value in enumerate(series.values):
        if value is None:
            out.append(None)
            continue
        share = (value - low) / (high - low)
        y = top + (share if series.invert else 1 - share) * height
        x = left + (i / steps) * width if len(series.values) > 1 else left + width / 2
        out.append((x, y))
    return out


def _path(runs: list[list[tuple[float, float]]]) -> str:
    return " ".join("M" + " L".join(f"{_num(x)} {_num(y)}" for x, y in run) for run in runs if len(run) > 1)


def _dots(runs: list[list[tuple[float, float]]], radius: float) -> str:
    # Lone points have no line through them; draw them so a one-week appearance is visible.
    return "".join(
        f'<circle cx="{_num(run[0][0])}" cy="{_num(run[0][1])}" r="{_num(radius)}"/>' for run in runs if len(run) == 1
    )


def sparkline(series: Series, *, title: str, width: int = 80, height: int = 20) -> Markup:
    """A small line without axes, for a table cell; `title` is its accessible name."""
    runs = _runs(_project(series, 2, 2, width - 4, height - 4))
    body = f'<path d="{_path(runs)}"/>' if any(len(r) > 1 for r in runs) else ""
    # Safe: the title is escaped; the rest is numbers we formatted.
    return Markup(  # noqa: S704
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">'
        f"<title>{escape(title)}</title>{body}{_dots(runs, 1.5)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text class="axis" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def line_chart(
    series: Series,
    *,
    title: str,
    value_label: str,
    format_value: Callable[[float], str],
    width: int = 420,
    height: int = 180,
) -> Markup:
    """A line chart with its extremes and first/last dates labelled; `title` names it for screen readers."""
    left, right, top, bottom = 56, 10, 12, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    runs = _runs(_project(series, left, top, plot_w, plot_h))
    present = [v for v in series.values if v is not None]
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect class="frame" x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"/>',
    ]
    if present:
        best, worst = (min(present), max(present)) if series.invert else (max(present), min(present))
        if format_value(worst) == format_value(best):  # a flat line: one label, level with it
            parts.append(_text(left - 6, top + plot_h / 2 + 4, format_value(best), "end"))
        else:
            parts.append(_text(left - 6, top + 10, format_value(best), "end"))
            parts.append(_text(left - 6, top + plot_h, format_value(worst), "end"))
    if series.labels:
        parts.append(_text(left, height - 8, series.labels[0]))
        parts.append(_text(left + plot_w, height - 8, series.labels[-1], "end"))
    middle = _num(top + plot_h / 2)
    parts.append(_text(12, top + plot_h / 2, value_label, "middle", f' transform="rotate(-90 12 {middle})"'))
    if any(len(r) > 1 for r in runs):
        parts.append(f'<path class="line" d="{_path(runs)}"/>')
    parts.append(f'<g class="dots">{_dots(runs, 3)}</g>')
    parts.append("</svg>")
    # Safe: every piece of text above went through escape(); the rest is numbers we formatted.
    return Markup("".join(parts))  # noqa: S704
