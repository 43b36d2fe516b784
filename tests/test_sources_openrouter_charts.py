"""The weekly chart series: complete Monday-Sunday weeks, the same window type as the trailing 7 days."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from conftest import stored

from tracker.diff import DiffOptions, diff_snapshots
from tracker.models import BOARDS, LayoutError, Snapshot
from tracker.narrate import write_post
from tracker.narrate_board import BoardWeek
from tracker.sources.openrouter import charts, daily

CHART_0802 = "openrouter/rankings-weekly-charts-2026-08-02.json"
CHART_0905 = "openrouter/rankings-weekly-charts-2026-09-05.json"
DAILY = "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv"
BOARD = "openrouter-weekly"


def _parse(body: bytes, as_of: date | None = None):
    return charts.parse(body, board=BOARD, as_of=as_of)


def test_one_snapshot_per_complete_week_and_not_the_one_in_progress(fixture_bytes):
    # fetched 2026-08-02T09:50Z: the week of 2026-07-27 is still counting
    weeks = _parse(fixture_bytes(CHART_0802))
    assert len(weeks) == 51
    assert (weeks[0].window_start, weeks[0].window_end) == (date(2025, 8, 4), date(2025, 8, 10))
    assert (weeks[-1].window_start, weeks[-1].window_end) == (date(2026, 7, 20), date(2026, 7, 26))
    for week in weeks:
        assert week.window_start.weekday() == 0
        assert week.window_end - week.window_start == timedelta(days=6)
        assert week.as_of == week.window_end
        assert len(week.entries) == 9
        assert all(e.model_id.lower() != "others" for e in week.entries)


def test_a_chart_week_equals_the_daily_sums_over_its_seven_days(fixture_bytes):
    chart_week = _parse(fixture_bytes(CHART_0802))[-1]
    rows = daily.read_dataapi_csv(fixture_bytes(DAILY))
    from_daily = daily.weekly_windows(rows, chart_week.window_end)[-1]
    assert (from_daily.window_start, from_daily.window_end) == (
        chart_week.window_start,
        chart_week.window_end,
    )
    summed = {e.model_id: e for e in from_daily.entries}
    days_listed: dict[str, int] = {}
    for row in rows:
        if chart_week.window_start <= row.day <= chart_week.window_end:
            days_listed[row.model_id] = days_listed.get(row.model_id, 0) + 1
    everyday = [e for e in chart_week.entries if days_listed.get(e.model_id) == 7]
    assert len(everyday) == 7  # the other two were below a day's top 50 once: the daily sum undercounts
    for entry in everyday:
        assert entry.tokens == summed[entry.model_id].tokens
        assert entry.share == pytest.approx(summed[entry.model_id].share, abs=1e-12)
    for entry in chart_week.entries:
        if entry not in everyday:
            assert summed[entry.model_id].tokens < entry.tokens


def test_share_counts_others_and_change_uses_the_previous_week(fixture_bytes):
    body = fixture_bytes(CHART_0802)
    points = {p["x"]: p["ys"] for p in json.loads(body)["model"]}
    week = _parse(body)[-1]
    ys, before = points["2026-07-20"], points["2026-07-13"]
    total = sum(ys.values())
    assert sum(e.share or 0 for e in week.entries) == pytest.approx(1 - ys["Others"] / total, abs=1e-12)
    for entry in week.entries:
        assert entry.tokens == ys[entry.model_id]
        if entry.model_id in before:
            assert entry.change == ys[entry.model_id] / before[entry.model_id] - 1
        else:
            assert entry.change is None
    assert _parse(body)[0].entries[0].change is None  # the first week has no previous week


def test_the_later_capture_finalises_the_week_that_was_in_progress(fixture_bytes):
    older = {w.window_start: w for w in _parse(fixture_bytes(CHART_0802))}
    newer = {w.window_start: w for w in _parse(fixture_bytes(CHART_0905))}
    assert len(newer) == 51
    assert max(newer) == date(2026, 8, 24)  # fetched 2026-09-05: the week of 08-31 is still counting
    assert date(2026, 7, 27) in newer
    assert date(2026, 7, 27) not in older
    shared = sorted(older.keys() & newer.keys())
    assert len(shared) == 46  # 2025-09-08 .. 2026-07-20
    for monday in shared[1:]:  # the first shared week has no previous week in the newer series
        assert older[monday].entries == newer[monday].entries


def test_as_of_keeps_only_weeks_ending_by_then(fixture_bytes):
    weeks = _parse(fixture_bytes(CHART_0802), as_of=date(2026, 7, 25))
    assert weeks[-1].window_end == date(2026, 7, 19)


def test_the_bare_endpoint_response_is_accepted(fixture_bytes):
    wrapper = json.loads(fixture_bytes(CHART_0802))
    bare = {"data": {"data": wrapper["model"], "cachedAt": wrapper["fetched_at"]}}
    from_bare = _parse(json.dumps(bare).encode())
    assert from_bare == _parse(fixture_bytes(CHART_0802))
    # without any capture time the newest week is assumed in progress
    undated = _parse(json.dumps({"data": {"data": wrapper["model"][:-1]}}).encode())
    assert undated[-1].window_start == date(2026, 7, 13)


# ---- diffing two chart weeks: a top-9 list says nothing of the models it leaves out


def _two_chart_weeks(fixture_bytes) -> tuple[Snapshot, Snapshot]:
    weeks = {w.as_of: w for w in _parse(fixture_bytes(CHART_0802))}
    return stored(weeks[date(2026, 7, 19)], 1), stored(weeks[date(2026, 7, 26)], 2)


def _routes(events, kind: str) -> list[tuple[str, int | None, int | None]]:
    return [(e.model_id, e.from_rank, e.to_rank) for e in events if e.kind == kind]


OPUS_47, OPUS_48 = "anthropic/claude-4.7-opus-20260416", "anthropic/claude-4.8-opus-20260528"


@pytest.mark.fixtures
def test_two_chart_weeks_make_no_top_20_entry_or_exit_by_absence(fixture_bytes):
    older, newer = _two_chart_weeks(fixture_bytes)
    old_ranks = {e.model_id: e.rank for e in older.entries}
    assert (old_ranks[OPUS_47], old_ranks[OPUS_48]) == (8, 9)
    assert {OPUS_47, OPUS_48}.isdisjoint(e.model_id for e in newer.entries)  # below the newer top 9
    # ... but not out of the top 20: the Data API's daily rows for the same week put them at #14 and #10
    summed = daily.weekly_windows(daily.read_dataapi_csv(fixture_bytes(DAILY)), newer.as_of)[-1]
    assert (summed.window_start, summed.window_end) == (newer.window_start, newer.window_end)
    daily_ranks = {e.model_id: e.rank for e in summed.entries}
    assert (daily_ranks[OPUS_47], daily_ranks[OPUS_48]) == (14, 10)

    board = BOARDS[BOARD]
    events = diff_snapshots(board, older, newer)
    assert _routes(events, "entered") == []
    assert _routes(events, "exited") == []
    assert ("tencent/hy3-20260706:free", 1, 9) in _routes(events, "moved")  # what the lists do show
    text = write_post([BoardWeek(board, newer, older, events)]).text
    for claim in ("left the top", "new in the top", "entered the top", "no longer listed"):
        assert claim not in text


@pytest.mark.fixtures
def test_two_chart_weeks_still_show_their_whole_top_5(fixture_bytes):
    # A list of 9 shows its whole top 5: crossing that line, or missing from the 9, is known.
    older, newer = _two_chart_weeks(fixture_bytes)
    events = diff_snapshots(BOARDS[BOARD], older, newer, options=DiffOptions(top_n=5))
    assert _routes(events, "entered") == [
        ("tencent/hy3-20260706", None, 3),  # not in the older top 9, so not in its top 5
        ("deepseek/deepseek-v4-pro-20260423", 7, 5),
    ]
    assert _routes(events, "exited") == [
        ("minimax/minimax-m3-20260531", 4, 7),
        ("tencent/hy3-20260706:free", 1, 9),
    ]


def _chart(points: list[dict], fetched: str = "2026-03-01T00:00:00Z") -> bytes:
    return json.dumps({"schema": 3, "fetched_at": fetched, "model": points}).encode()


def test_a_week_not_labelled_by_a_monday_is_refused():
    with pytest.raises(LayoutError, match="not a Monday"):
        _parse(_chart([{"x": "2026-01-06", "ys": {"a/x": 5, "Others": 1}}]))


def test_no_complete_week_is_refused():
    body = _chart([{"x": "2026-02-23", "ys": {"a/x": 5, "Others": 1}}], fetched="2026-02-27T10:00:00Z")
    with pytest.raises(LayoutError, match="no complete week"):
        _parse(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"schema": 3, "creator": []}',
        _chart([{"x": "2026-01-05", "ys": {"Others": 4}}]),
        _chart([{"x": "2026-01-05", "ys": {"a/x": 5.5}}]),
        _chart([{"x": "2026-01-05", "ys": {"a/x": 5}}, {"x": "2026-01-05", "ys": {"a/x": 6}}]),
        _chart([{"x": "2026-01-05", "ys": {"a/x": 5}}])[:-9],
    ],
)
def test_broken_charts_are_refused(body):
    with pytest.raises(LayoutError):
        _parse(body)
