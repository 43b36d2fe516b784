"""Which snapshots a model's chart plots: every one in a short span, one a week (each week's close) in a
long one, always from the model's first appearance to its last."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tracker.models import BOARDS, Snapshot
from tracker.site.timeline import CHART_POINTS, chart_places, model_span, week_closes

MONDAY = date(2026, 1, 5)


def every_other_day(count: int, start: date = MONDAY) -> list[date]:
    return [start + timedelta(days=2 * i) for i in range(count)]


def test_a_week_closes_with_its_last_snapshot_from_monday_to_sunday():
    # Mon, Wed, Fri, Sun | Tue, Thu, Sat | Mon
    dates = every_other_day(8)
    assert [d.strftime("%a") for d in dates] == ["Mon", "Wed", "Fri", "Sun", "Tue", "Thu", "Sat", "Mon"]
    assert week_closes(dates) == [3, 6, 7]  # Sunday, Saturday, and the newest (its week is not over)


def test_a_week_with_one_snapshot_and_a_missing_week():
    dates = [MONDAY, MONDAY + timedelta(days=14), MONDAY + timedelta(days=15)]
    assert week_closes(dates) == [0, 2]


def test_a_short_span_plots_every_snapshot():
    closes = week_closes(every_other_day(400))
    assert chart_places(closes, 10, 10 + CHART_POINTS) == list(range(10, 10 + CHART_POINTS))
    assert chart_places(closes, 3, 3) == []


def test_a_long_span_plots_each_weeks_close_from_the_first_appearance_to_the_last():
    dates = every_other_day(600)
    lo, hi = 5, 5 + CHART_POINTS + 1  # one more than a chart plots in full
    places = chart_places(week_closes(dates), lo, hi)
    assert places[0] == lo
    assert places[-1] == hi - 1
    assert places == sorted(set(places))
    inner = places[1:-1]
    week = [(d.toordinal() - 1) // 7 for d in dates]
    assert all(week[i + 1] != week[i] for i in inner)  # each one its week's last snapshot
    assert len({week[i] for i in inner}) == len(inner)  # one a week
    # every week of the span has its point (the first and the last weeks through the model's own)
    assert {week[i] for i in places} == set(week[lo:hi])
    assert len(places) < (hi - lo) / 3


def test_model_span_on_an_arena_board_thins_a_long_span_as_chart_places_does():
    board = BOARDS["arena-text"]
    dates = every_other_day(CHART_POINTS + 50)
    history = [
        Snapshot(i + 1, board.id, d, datetime(d.year, d.month, d.day, tzinfo=UTC), (), f"h{i}", "test")
        for i, d in enumerate(dates)
    ]
    short = model_span(board, history, dates[10], dates[20])
    assert [s.id for _, s in short if s is not None] == list(range(11, 22))
    long = model_span(board, history, dates[1], dates[-2])
    expected = chart_places(week_closes(dates), 1, len(dates) - 1)
    assert [s.id for _, s in long if s is not None] == [history[i].id for i in expected]
    assert [day for day, _ in long] == [dates[i] for i in expected]
