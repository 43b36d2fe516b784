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


@functools.lru_cache(maxsize=4096)  # every series of a length shares its x positions
def _xs(count: int, left: float, width: float) -> tuple[str, ...]:
    if count == 1:
        return (_num(left + width / 2),)
    steps = count - 1
    return tuple(_num(left + (i / steps) * width) for i in range(count))


_HUNDREDTHS: list[str] = []  # "0", "0.01", ... "12.3", ...: a coordinate by its hundredths, as _num writes it


def _hundredths(limit: float) -> list[str]:
    """The formatted coordinates from 0 to `limit` (at least), by hundredths: a chart's y values are drawn
    from this table, one rounding and one lookup a point. A longer table replaces the shorter one whole
    (never extended in place), so charts drawn in two threads at once each get a complete table."""
    global _HUNDREDTHS
    top = round(limit * 100) + 1
    table = _HUNDREDTHS
    if len(table) <= top:
        table = [f"{q // 100}.{q % 100:02d}".rstrip("0").rstrip(".") for q in range(top + 1)]
        _HUNDREDTHS = table
    return table


# A run of points without a gap: each point as its two formatted coordinates.
Run = list[tuple[str, str]]


def _plot(series: Series, left: float, top: float, width: float, height: float) -> list[Run]:
    """The series' points in chart coordinates, formatted, split into unbroken runs at the gaps."""
    values = series.values
    present = [v for v in values if v is not None]
    if not present:
        return []
    low, high = _bounds(present)
    # In hundredths of a unit, rounded, each y is an index into the table of formatted coordinates.
    table, base, scale = _hundredths(top + height), top * 100, height * 100 / (high - low)
    if series.invert:  # ranks: the lowest value at the top
        ys = [None if v is None else table[round(base + (v - low) * scale)] for v in values]
    else:
        ys = [None if v is None else table[round(base + (high - v) * scale)] for v in values]
    xs = _xs(len(values), left, width)
    if len(present) == len(values):  # no gap: one run
        return [list(zip(xs, ys, strict=True))]  # type: ignore[arg-type]
    runs: list[Run] = []
    run: Run = []
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            if run:
                runs.append(run)
                run = []
        else:
            run.append((x, y))
    if run:
        runs.append(run)
    return runs


def _path(runs: list[Run]) -> str:
    return " ".join("M" + " L".join(map(" ".join, run)) for run in runs if len(run) > 1)


def _dots(runs: list[Run], radius: float) -> str:
    # Lone points have no line through them; draw them so a one-week appearance is visible.
    r = _num(radius)
    return "".join(f'<circle cx="{run[0][0]}" cy="{run[0][1]}" r="{r}"/>' for run in runs if len(run) == 1)


def sparkline(series: Series, *, title: str, width: int = 80, height: int = 20) -> Markup:
    """A small line without axes, for a table cell; `title` is its accessible name."""
    runs = _plot(series, 2, 2, width - 4, height - 4)
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
    runs = _plot(series, left, top, plot_w, plot_h)
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
