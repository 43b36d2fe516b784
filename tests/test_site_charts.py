"""Inline SVG charts: escaped text, gaps for absences, ranks drawn best-on-top, stable numbers."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from tracker.site import charts
from tracker.site.charts import Series, line_chart, sparkline

HOSTILE_TITLE = '</title><script>alert(1)</script><title x="'


def points(svg: str) -> list[tuple[float, float]]:
    path = BeautifulSoup(svg, "html.parser").find("path")
    assert path is not None
    return [(float(x), float(y)) for x, y in re.findall(r"([\d.]+) ([\d.]+)", str(path["d"]))]


def test_sparkline_draws_ranks_with_the_best_on_top() -> None:
    svg = sparkline(Series(("a", "b", "c"), (3.0, 1.0, 2.0), invert=True), title="t", width=80, height=20)
    (x1, y1), (x2, y2), (x3, y3) = points(svg)
    assert x1 < x2 < x3
    assert y2 < y3 < y1  # rank 1 is highest on the page (smallest y)
    assert (y1, y2) == (18.0, 2.0)


def test_values_draw_larger_higher() -> None:
    svg = sparkline(Series(("a", "b"), (10.0, 20.0)), title="t")
    (_, y1), (_, y2) = points(svg)
    assert y2 < y1


def test_gaps_split_the_line_and_lone_points_are_dots() -> None:
    svg = str(sparkline(Series(("a", "b", "c", "d", "e"), (1.0, 2.0, None, None, 3.0)), title="t"))
    soup = BeautifulSoup(svg, "html.parser")
    assert soup.find("path")["d"].count("M") == 1  # one run of two points
    assert len(soup.find_all("circle")) == 1  # the lone last point


def test_a_flat_series_sits_in_the_middle() -> None:
    svg = sparkline(Series(("a", "b"), (5.0, 5.0)), title="t", height=20)
    assert {y for _, y in points(svg)} == {10.0}


def test_chart_text_is_escaped() -> None:
    series = Series(("2026-07-18", HOSTILE_TITLE), (1.0, 2.0), invert=True)
    for svg in (
        str(sparkline(series, title=HOSTILE_TITLE)),
        str(line_chart(series, title=HOSTILE_TITLE, value_label=HOSTILE_TITLE, format_value=lambda v: HOSTILE_TITLE)),
    ):
        assert "<script>" not in svg
        assert "&lt;/title&gt;&lt;script&gt;" in svg
        soup = BeautifulSoup(svg, "html.parser")
        assert soup.find("script") is None
        assert soup.find("title").get_text() == HOSTILE_TITLE


def test_numbers_are_written_the_same_way_every_time() -> None:
    series = Series(tuple("abcdefg"), (1 / 3, 2 / 3, 1.0, None, 0.1, 0.2, 0.30000000000000004))
    first = str(line_chart(series, title="t", value_label="v", format_value=lambda v: f"{v:.1f}"))
    assert first == str(line_chart(series, title="t", value_label="v", format_value=lambda v: f"{v:.1f}"))
    for number in re.findall(r"-?\d+\.\d+", first):
        assert len(number.split(".")[1]) <= 2


def test_line_chart_labels_extremes_and_dates() -> None:
    svg = str(
        line_chart(
            Series(("2026-07-18", "2026-07-25"), (4.0, 2.0), invert=True),
            title="t",
            value_label="Rank",
            format_value=lambda v: f"#{v:.0f}",
        )
    )
    texts = [t.get_text() for t in BeautifulSoup(svg, "html.parser").find_all("text")]
    assert texts[:4] == ["#2", "#4", "2026-07-18", "2026-07-25"]


def test_empty_and_mismatched_series() -> None:
    assert "<path" not in str(sparkline(Series((), ()), title="t"))
    assert "<path" not in str(sparkline(Series(("a",), (None,)), title="t"))
    with pytest.raises(ValueError, match="one label per value"):
        Series(("a",), (1.0, 2.0))


def test_a_flat_line_gets_one_label_level_with_it() -> None:
    svg = str(
        line_chart(
            Series(("a", "b"), (1.0, 1.0), invert=True),
            title="t",
            value_label="Rank",
            format_value=lambda v: f"#{v:.0f}",
        )
    )
    soup = BeautifulSoup(svg, "html.parser")
    labels = [t for t in soup.find_all("text") if t.get_text() == "#1"]
    assert len(labels) == 1
    line_y = {y for _, y in points(svg)}
    assert len(line_y) == 1
    assert abs(float(labels[0]["y"]) - 4 - line_y.pop()) < 0.01


def test_the_coordinate_table_writes_each_hundredth_as_num_does() -> None:
    table = charts._hundredths(180)
    assert len(table) > 18000
    assert all(table[q] == charts._num(q / 100) for q in range(len(table)))
    assert charts._hundredths(1) is table  # a shorter table is never made again


def test_plotted_points_are_within_a_hundredth_of_the_exact_position() -> None:
    values = (1500.0, 1487.123, None, 1412.5, 1499.999, 1450.0)
    for invert in (False, True):
        runs = charts._plot(Series(tuple("abcdef"), values, invert), 56, 12, 354, 142)
        ys = [float(y) for run in runs for _, y in run]
        present = [v for v in values if v is not None]
        low, high = min(present), max(present)
        exact = [12 + ((v - low) if invert else (high - v)) / (high - low) * 142 for v in present]
        assert all(abs(y - e) <= 0.005 + 1e-9 for y, e in zip(ys, exact, strict=True))
