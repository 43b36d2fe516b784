"""The saved frontend weekly leaderboard and the legacy find-analytics file."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tracker.models import InvalidCaptureError, LayoutError, RankKind
from tracker.sources.openrouter import analytics, frontend

WEEK_0801 = "openrouter/rankings-models-week-2026-08-01.json"
WEEK_0802 = "openrouter/rankings-models-week-2026-08-02.json"
ANALYTICS = "openrouter/models-find-analytics-2025-12-11.json"
BOARD = "openrouter-weekly"


def _parse(body: bytes, as_of: date | None = None):
    (snapshot,) = frontend.parse(body, board=BOARD, as_of=as_of)
    return snapshot


def test_weekly_leaderboard_0801(fixture_bytes):
    body = fixture_bytes(WEEK_0801)
    week = _parse(body)
    assert len(week.entries) == 471
    assert (week.window_start, week.window_end, week.as_of) == (
        date(2026, 7, 25),
        date(2026, 7, 31),
        date(2026, 7, 31),
    )
    top = week.entries[0]
    assert (top.rank, top.model_id, top.model) == (
        1,
        "xiaomi/mimo-v2.5-20260422",
        "xiaomi/mimo-v2.5-20260422",
    )
    assert top.tokens == 8_093_457_855_675 == top.prompt_tokens + top.completion_tokens
    assert top.change == -0.18639834446937018
    assert top.rank_kind is RankKind.BY_VALUE


def test_the_file_is_not_sorted_so_we_rank_it(fixture_bytes):
    body = fixture_bytes(WEEK_0801)
    first_in_file = json.loads(body)["data"][0]["variant_permaslug"]
    week = _parse(body)
    assert week.entries[0].model_id != first_in_file
    tokens = [e.tokens for e in week.entries]
    assert tokens == sorted(tokens, reverse=True)
    ranks = [e.rank for e in week.entries]
    assert ranks[0] == 1
    assert ranks == sorted(ranks)
    assert all(isinstance(t, int) for t in tokens)


def test_variants_are_separate_entries_and_null_change_is_none(fixture_bytes):
    week = _parse(fixture_bytes(WEEK_0801))
    ids = {e.model_id for e in week.entries}
    assert "openai/gpt-5-nano-2025-08-07:batch" in ids
    assert "qwen/qwen-plus-2025-07-28:thinking" in ids
    assert sum(1 for i in ids if i.endswith(":free")) == 20
    assert sum(1 for e in week.entries if e.change is None) == 71
    new = next(e for e in week.entries if e.model_id == "deepseek/deepseek-v4-flash-20260731")
    assert new.change is None


def test_shares_are_parts_of_the_whole_window(fixture_bytes):
    week = _parse(fixture_bytes(WEEK_0801))
    assert sum(e.share or 0 for e in week.entries) == pytest.approx(1.0, abs=1e-9)
    total = sum(e.tokens or 0 for e in week.entries)
    assert week.entries[0].share == 8_093_457_855_675 / total


def test_the_next_days_file_is_one_day_later(fixture_bytes):
    week = _parse(fixture_bytes(WEEK_0802))
    assert len(week.entries) == 471
    assert (week.window_start, week.window_end) == (date(2026, 7, 26), date(2026, 8, 1))
    assert week.entries[0].model_id == "deepseek/deepseek-v4-flash-20260423"


def test_as_of_before_the_window_end_is_refused(fixture_bytes):
    body = fixture_bytes(WEEK_0801)
    assert _parse(body, as_of=date(2026, 8, 1)).window_end == date(2026, 7, 31)
    with pytest.raises(LayoutError, match="after the last complete day"):
        _parse(body, as_of=date(2026, 7, 30))


# ---- hand-made rows


def _row(variant_permaslug: str, prompt: object = 10, completion: object = 5, day: str = "2026-07-31") -> dict:
    base, _, variant = variant_permaslug.partition(":")
    return {
        "date": f"{day} 00:00:00",
        "model_permaslug": base,
        "variant": variant or "standard",
        "variant_permaslug": variant_permaslug,
        "total_prompt_tokens": prompt,
        "total_completion_tokens": completion,
        "change": None,
    }


def _body(*rows: dict) -> bytes:
    return json.dumps({"data": list(rows)}).encode()


def test_ties_share_a_rank():
    week = _parse(_body(_row("b/x"), _row("a/x"), _row("c/x", 100), _row("d/x", 1, 1)))
    assert [(e.rank, e.model_id) for e in week.entries] == [(1, "c/x"), (2, "a/x"), (2, "b/x"), (4, "d/x")]


def test_a_duplicate_variant_is_refused():
    with pytest.raises(InvalidCaptureError, match="a second row for 'a/x:free'"):
        _parse(_body(_row("a/x:free"), _row("a/x"), _row("a/x:free")))


def test_a_variant_permaslug_that_contradicts_its_parts_is_refused():
    row = _row("a/x:free")
    row["variant"] = "batch"
    with pytest.raises(LayoutError, match="is not 'a/x:batch'"):
        _parse(_body(row))


def test_rows_spanning_more_than_a_week_are_refused():
    with pytest.raises(LayoutError, match="more than one 7-day window"):
        _parse(_body(_row("a/x", day="2026-07-31"), _row("b/x", day="2026-07-20")))


@pytest.mark.parametrize("key", ["total_prompt_tokens", "total_completion_tokens", "variant_permaslug", "date"])
def test_missing_keys_are_refused(key):
    row = _row("a/x")
    del row[key]
    with pytest.raises(LayoutError, match=f"'{key}' is missing"):
        _parse(_body(row))


@pytest.mark.parametrize("body", [b"", b"{}", b'{"data": []}', b'{"data": [{"date": "2026-07-31"', b"[1, 2]"])
def test_empty_truncated_or_foreign_bodies_are_refused(body):
    with pytest.raises(LayoutError):
        _parse(body)


def test_float_tokens_are_refused():
    with pytest.raises(LayoutError, match="token count is not an integer"):
        _parse(_body(_row("a/x", prompt=1.5e9)))


# ---- legacy find-analytics


def test_find_analytics_is_one_week_ending_on_the_newest_date(fixture_bytes):
    (week,) = analytics.parse(fixture_bytes(ANALYTICS), board=BOARD, as_of=None)
    assert (week.window_start, week.window_end, week.as_of) == (
        date(2025, 12, 4),
        date(2025, 12, 10),
        date(2025, 12, 10),
    )
    assert len(week.entries) == 363
    assert all(e.change is None and e.share is None for e in week.entries)
    top = week.entries[0]
    assert (top.model_id, top.tokens) == ("x-ai/grok-code-fast-1", 840_870_022_922 + 21_474_167_874)
    ids = {e.model_id for e in week.entries}
    assert "mistralai/devstral-2512:free" in ids


def test_find_analytics_key_must_be_the_rows_variant_permaslug():
    row = _row("a/x:free")
    with pytest.raises(LayoutError, match="keyed by 'a/x' but its variant_permaslug is 'a/x:free'"):
        analytics.parse(json.dumps({"a/x": row}).encode(), board=BOARD, as_of=None)
    with pytest.raises(LayoutError, match="empty"):
        analytics.parse(b"{}", board=BOARD, as_of=None)
