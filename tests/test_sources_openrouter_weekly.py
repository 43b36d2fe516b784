"""The weekly computation from daily rows: the acceptance check against OpenRouter's own weekly board."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tracker.models import InvalidCaptureError, LayoutError, RankKind
from tracker.sources.openrouter import daily, frontend
from tracker.sources.openrouter.weekly import DailyRow, latest_window, weekly_windows

DAILY = "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv"
WEEK_0801 = "openrouter/rankings-models-week-2026-08-01.json"
WEEK_0802 = "openrouter/rankings-models-week-2026-08-02.json"
BOARD = "openrouter-weekly"

# The upstream revised this model's 2026-07-25 figure after the 08-01 leaderboard was saved: the
# daily rows (pulled later) hold 2,763 tokens more than the saved weekly row.
REVISED = "deepseek/deepseek-v4-flash-20260423"
REVISION = 2_763


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _in_every_top50(rows: list[DailyRow], days: list[date]) -> set[str]:
    present: dict[str, set[date]] = {}
    for row in rows:
        present.setdefault(row.model_id, set()).add(row.day)
    return {s for s, seen in present.items() if s != "other" and all(d in seen for d in days)}


def _weekly_rows(body: bytes) -> dict[str, dict[str, object]]:
    return {r["variant_permaslug"]: r for r in json.loads(body)["data"]}


def test_window_0725_0731_reproduces_the_saved_weekly_leaderboard(fixture_bytes):
    rows = daily.read_dataapi_csv(fixture_bytes(DAILY))
    snapshots = weekly_windows(rows, date(2026, 7, 31), method=daily.DATAAPI_CSV)
    week = snapshots[-1]
    assert (week.window_start, week.window_end, week.as_of) == (date(2026, 7, 25),) + (date(2026, 7, 31),) * 2
    computed = {e.model_id: e for e in week.entries}
    saved = _weekly_rows(fixture_bytes(WEEK_0801))

    comparable = _in_every_top50(rows, _days(date(2026, 7, 18), date(2026, 7, 31)))
    assert len(comparable) == 33
    exact = 0
    for model_id in sorted(comparable):
        row = saved[model_id]
        assert computed[model_id].change == pytest.approx(row["change"], abs=1e-9), model_id
        upstream = row["total_prompt_tokens"] + row["total_completion_tokens"]
        if model_id == REVISED:
            assert computed[model_id].tokens - upstream == REVISION
        else:
            assert computed[model_id].tokens == upstream, model_id
            exact += 1
    assert exact == 32

    mimo = computed["xiaomi/mimo-v2.5-20260422"]
    assert mimo.tokens == 8_093_457_855_675
    assert round(mimo.change, 4) == -0.1864
    assert isinstance(mimo.tokens, int)
    assert week.entries[0].model_id == "xiaomi/mimo-v2.5-20260422"


def test_window_0726_0801_reproduces_the_next_days_leaderboard(fixture_bytes):
    rows = daily.read_dataapi_csv(fixture_bytes(DAILY))
    week = latest_window(rows, date(2026, 8, 1), method=daily.DATAAPI_CSV)
    assert (week.window_start, week.window_end) == (date(2026, 7, 26), date(2026, 8, 1))
    computed = {e.model_id: e for e in week.entries}
    saved = _weekly_rows(fixture_bytes(WEEK_0802))
    comparable = _in_every_top50(rows, _days(date(2026, 7, 19), date(2026, 8, 1)))
    assert len(comparable) == 32
    for model_id in comparable:  # 07-25 (revised) is only in the previous week here: tokens all exact
        row = saved[model_id]
        assert computed[model_id].tokens == row["total_prompt_tokens"] + row["total_completion_tokens"]
        assert computed[model_id].change == pytest.approx(row["change"], abs=1e-9), model_id


def test_frontend_and_daily_parsers_agree_on_the_window(fixture_bytes):
    from_daily = daily.parse_dataapi_csv(fixture_bytes(DAILY), board=BOARD, as_of=date(2026, 7, 31))[-1]
    from_frontend = frontend.parse(fixture_bytes(WEEK_0801), board=BOARD, as_of=None)[0]
    assert (from_daily.window_start, from_daily.window_end) == (
        from_frontend.window_start,
        from_frontend.window_end,
    )
    assert [e.model_id for e in from_daily.entries[:10]] == [e.model_id for e in from_frontend.entries[:10]]


def test_one_snapshot_per_complete_window_and_the_as_of_cut(fixture_bytes):
    body = fixture_bytes(DAILY)
    every = daily.parse_dataapi_csv(body, board=BOARD, as_of=None)
    assert [s.window_end for s in every] == _days(date(2026, 7, 24), date(2026, 8, 2))
    assert all(s.window_end - s.window_start == timedelta(days=6) and s.as_of == s.window_end for s in every)
    # the first window has no previous 7 days in the file: no change anywhere
    assert all(e.change is None for e in every[0].entries)
    assert "previous 7 days are not covered" in every[0].notes
    assert any(e.change is not None for e in every[7].entries)
    cut = daily.parse_dataapi_csv(body, board=BOARD, as_of=date(2026, 7, 28))
    assert cut[-1].window_end == date(2026, 7, 28)
    with pytest.raises(LayoutError, match="no complete 7-day window through 2026-07-20"):
        daily.parse_dataapi_csv(body, board=BOARD, as_of=date(2026, 7, 20))


def test_other_is_not_an_entry_but_counts_in_the_share(fixture_bytes):
    rows = daily.read_dataapi_csv(fixture_bytes(DAILY))
    week = latest_window(rows)
    assert all(e.model_id != "other" for e in week.entries)
    window = set(_days(week.window_start, week.window_end))
    total = sum(r.tokens for r in rows if r.day in window)
    other = sum(r.tokens for r in rows if r.day in window and r.model_id == "other")
    assert sum(e.share or 0 for e in week.entries) == pytest.approx(1 - other / total, abs=1e-12)
    top = week.entries[0]
    assert top.share == top.tokens / total


def test_models_missing_from_a_days_top_50_get_lower_bound_tokens_and_no_change(fixture_bytes):
    rows = daily.read_dataapi_csv(fixture_bytes(DAILY))
    week = latest_window(rows, date(2026, 7, 31))
    days = _days(week.window_start, week.window_end)
    full = _in_every_top50(rows, _days(date(2026, 7, 18), date(2026, 7, 31)))
    partial = [e for e in week.entries if e.model_id not in _in_every_top50(rows, days)]
    assert partial  # e.g. models that entered the top 50 mid-week
    assert all(e.change is None for e in partial)
    assert all(e.change is not None for e in week.entries if e.model_id in full)
    assert f"{len(partial)} models missing from the daily top 50" in week.notes
    hy3 = next(e for e in week.entries if e.model_id == "tencent/hy3-20260706")
    assert hy3.change is None  # absent from 07-18..07-20: the previous week is only a lower bound


# ---- the pure function on hand-made rows


def _rows(spec: dict[str, list[int | None]], start: date = date(2026, 1, 1)) -> list[DailyRow]:
    out = []
    for model_id, values in spec.items():
        for i, tokens in enumerate(values):
            if tokens is not None:
                out.append(DailyRow(start + timedelta(days=i), model_id, tokens))
    return out


def test_change_is_this_week_over_the_previous_week():
    rows = _rows({"a/x": [10] * 7 + [15] * 7, "b/y": [20] * 7 + [10] * 7, "other": [5] * 14})
    week = latest_window(rows)
    by_id = {e.model_id: e for e in week.entries}
    assert by_id["a/x"].tokens == 105
    assert by_id["a/x"].change == pytest.approx(0.5)
    assert by_id["b/y"].tokens == 70
    assert by_id["b/y"].change == pytest.approx(-0.5)
    assert by_id["a/x"].share == 105 / (105 + 70 + 35)
    assert [e.rank for e in week.entries] == [1, 2]
    assert all(e.rank_kind is RankKind.BY_VALUE for e in week.entries)


def test_equal_tokens_share_a_rank_and_list_by_slug():
    rows = _rows({"z/top": [9] * 7, "b/tie": [3] * 7, "a/tie": [3] * 7, "c/low": [1] * 7})
    entries = latest_window(rows).entries
    assert [(e.rank, e.model_id) for e in entries] == [(1, "z/top"), (2, "a/tie"), (2, "b/tie"), (4, "c/low")]


def test_a_missing_day_breaks_every_window_through_it():
    rows = _rows({"a/x": [1, 1, 1, 1, 1, None, 1, 1, 1, 1, 1, 1, 1, 1], "other": [1] * 5 + [None] + [1] * 8})
    ends = [s.window_end for s in weekly_windows(rows)]
    assert ends == [date(2026, 1, 13), date(2026, 1, 14)]


def test_rows_covering_no_complete_window_raise_and_invent_nothing():
    rows = _rows({"a/x": [5] * 6})
    with pytest.raises(LayoutError, match="no complete 7-day window"):
        weekly_windows(rows)
    with pytest.raises(LayoutError, match="no complete 7-day window"):
        latest_window([])


def test_a_duplicate_day_and_slug_is_refused_not_added_twice():
    rows = [*_rows({"a/x": [5] * 7}), DailyRow(date(2026, 1, 3), "a/x", 5)]
    with pytest.raises(InvalidCaptureError, match="duplicate daily row for 'a/x' on 2026-01-03"):
        weekly_windows(rows)


def test_a_window_with_only_the_other_row_is_not_a_snapshot():
    with pytest.raises(LayoutError, match="only `other`"):
        weekly_windows(_rows({"other": [5] * 7}))
