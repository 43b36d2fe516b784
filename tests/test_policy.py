"""Which snapshots are compared, and whether a week moved enough to publish."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.diff import diff_snapshots
from tracker.models import BOARDS, Entry, Event, Snapshot, SnapshotRef
from tracker.policy import (
    Candidate,
    PublishPolicy,
    pick_comparison,
    pick_for_post,
    publish_reasons,
    should_publish,
)

USAGE = BOARDS["openrouter-weekly"]
TEXT = BOARDS["arena-text"]
D = date(2026, 8, 1)


def week_ending(sid: int, end: date, days: int = 7) -> tuple[int, date, date, date]:
    return (sid, end, end - timedelta(days=days - 1), end)


def daily_weeks(first_end: date, count: int, start_id: int = 1) -> list[tuple[int, date, date, date]]:
    """A week window stored every day: windows ending first_end, first_end + 1 day, ..."""
    return [week_ending(start_id + i, first_end + timedelta(days=i)) for i in range(count)]


def overlaps(a: Candidate, b: Candidate) -> bool:
    assert a.window_start
    assert a.window_end
    assert b.window_start
    assert b.window_end
    return a.window_start <= b.window_end and b.window_start <= a.window_end


# ---- OpenRouter: week over week, never overlapping


def test_latest_week_is_compared_with_the_week_that_ended_seven_days_earlier():
    stored = daily_weeks(D - timedelta(days=9), 10)  # windows ending D-9 .. D
    pair = pick_comparison(USAGE, stored)
    assert pair.newer is not None
    assert pair.older is not None
    assert pair.newer.window_end == D
    assert pair.older.window_end == D - timedelta(days=7)
    assert pair.older.window_end == pair.newer.window_start - timedelta(days=1)  # adjacent, no overlap
    assert pair.comparable
    assert pair.note == ""


def test_without_the_week_before_there_is_no_comparable_snapshot():
    stored = daily_weeks(D - timedelta(days=5), 6)  # only six days of daily windows: all overlap the newest
    pair = pick_comparison(USAGE, stored)
    assert pair.newer is not None
    assert pair.newer.window_end == D
    assert pair.older is None
    assert "no comparable snapshot" in pair.note
    assert "2026-07-19..2026-07-25" in pair.note  # the missing week is named


@pytest.mark.parametrize("missing_days", [[7], [7, 8], [3, 7, 12]])
def test_no_pair_ever_overlaps(missing_days):
    stored = [w for w in daily_weeks(D - timedelta(days=14), 15) if (D - w[1]).days not in missing_days]
    for to_day in range(15):
        pair = pick_comparison(USAGE, stored, to_date=D - timedelta(days=to_day))
        if pair.older is not None and pair.newer is not None:
            assert not overlaps(pair.older, pair.newer)
            assert (pair.newer.as_of - pair.older.as_of).days == 7


def test_a_later_revision_of_the_same_window_wins_and_day_views_are_ignored():
    stored = [
        week_ending(1, D - timedelta(days=7)),
        week_ending(5, D - timedelta(days=7)),  # the same window stored again later
        week_ending(2, D),
        week_ending(9, D + timedelta(days=1), days=1),  # a day view on the week board
    ]
    pair = pick_comparison(USAGE, stored)
    assert (pair.newer.id if pair.newer else None, pair.older.id if pair.older else None) == (2, 5)


def test_explicit_dates_pick_the_snapshots_as_of_those_dates():
    stored = daily_weeks(D - timedelta(days=20), 21)
    pair = pick_comparison(USAGE, stored, from_date=D - timedelta(days=10), to_date=D - timedelta(days=3))
    assert pair.newer is not None
    assert pair.older is not None
    assert (pair.older.as_of, pair.newer.as_of) == (D - timedelta(days=10), D - timedelta(days=3))


@pytest.mark.parametrize(
    ("from_days", "to_days", "note"),
    [
        (5, 0, "overlap"),  # windows five days apart share two days
        (0, 0, "same snapshot"),
        (0, 9, "newer than"),
        (40, 0, "as of 2026-06-22 or earlier"),
    ],
)
def test_explicit_dates_that_cannot_be_compared_say_why(from_days, to_days, note):
    stored = daily_weeks(D - timedelta(days=20), 21)
    pair = pick_comparison(USAGE, stored, from_date=D - timedelta(days=from_days), to_date=D - timedelta(days=to_days))
    assert pair.older is None
    assert note in pair.note


def test_no_snapshot_at_all():
    pair = pick_comparison(USAGE, [], to_date=D)
    assert pair.newer is None
    assert pair.older is None
    assert pair.note == "no snapshot of openrouter-weekly as of 2026-08-01 or earlier"


# ---- Arena: the previous snapshot, or the board as it stood at the previous post


def arena_refs() -> list[SnapshotRef]:
    seen = datetime(2026, 8, 2, tzinfo=UTC)
    return [
        SnapshotRef(1, TEXT.id, date(2026, 7, 10), seen),
        SnapshotRef(2, TEXT.id, date(2026, 7, 17), seen),
        SnapshotRef(3, TEXT.id, date(2026, 7, 24), seen),
        SnapshotRef(4, TEXT.id, date(2026, 7, 24), seen),  # a revision published the same day
        SnapshotRef(5, TEXT.id, date(2026, 7, 30), seen),
    ]


def test_arena_latest_is_compared_with_the_previous_publication():
    pair = pick_comparison(TEXT, arena_refs())
    assert pair.newer == Candidate(5, date(2026, 7, 30))
    assert pair.older == Candidate(4, date(2026, 7, 24))


def test_arena_first_snapshot_has_nothing_to_compare_with():
    pair = pick_comparison(TEXT, arena_refs()[:1])
    assert pair.newer is not None
    assert pair.older is None
    assert pair.note == "no comparable snapshot: nothing stored for arena-text before 2026-07-10"


def test_the_post_compares_arena_with_the_board_at_the_previous_post():
    pair = pick_for_post(TEXT, arena_refs(), previous_post=date(2026, 7, 20))
    assert (pair.newer.id if pair.newer else None, pair.older.id if pair.older else None) == (5, 2)
    unchanged = pick_for_post(TEXT, arena_refs(), previous_post=date(2026, 7, 31))
    assert unchanged.newer == unchanged.older == Candidate(5, date(2026, 7, 30))
    assert "unchanged since the previous post" in unchanged.note
    too_early = pick_for_post(TEXT, arena_refs(), previous_post=date(2026, 7, 1))
    assert too_early.older is None
    assert "by 2026-07-01" in too_early.note


def test_the_post_compares_openrouter_week_over_week_whatever_the_previous_post():
    stored = daily_weeks(D - timedelta(days=9), 10)
    assert pick_for_post(USAGE, stored, previous_post=D - timedelta(days=2)) == pick_comparison(USAGE, stored)


def test_an_unchanged_arena_board_compared_with_itself_has_an_unchanged_top_five():
    entries = tuple(Entry(f"m{i}", f"m{i}", rank=i + 1, score=1500.0 - i) for i in range(6))
    snap = Snapshot(5, TEXT.id, date(2026, 7, 30), datetime(2026, 7, 30, tzinfo=UTC), entries, "h", "test")
    pair = pick_for_post(TEXT, [snap], previous_post=date(2026, 7, 31))
    assert pair.older == pair.newer
    assert [e.kind for e in diff_snapshots(TEXT, snap, snap)] == ["top_unchanged"]


# ---- publishing


def ev(kind: str, frm: int | None = None, to: int | None = None, sig: bool | None = None, board: str = USAGE.id):
    return Event(kind, board, model_id="m", model="M", from_rank=frm, to_rank=to, significant=sig)


@pytest.mark.parametrize(
    ("events", "publish"),
    [
        ([], False),
        ([ev("new_leader", 2, 1)], True),
        ([ev("new_leader", 2, 1, sig=False, board=TEXT.id)], False),  # a lead inside the intervals
        ([ev("moved", 4, 5)], True),  # any move touching the top five
        ([ev("moved", 4, 5, sig=False, board=TEXT.id)], False),
        ([ev("moved", 12, 13)], False),  # one place mid-table
        ([ev("moved", 12, 14)], True),  # two places within the top 20
        ([ev("moved", 12, 14, sig=False, board=TEXT.id)], False),  # insignificant moves count less
        ([ev("moved", 12, 16, sig=False, board=TEXT.id)], True),  # ... unless big
        ([ev("moved", 12, 14, sig=True, board=TEXT.id)], True),
        ([ev("moved", 30, 25)], False),  # outside the top 20
        ([ev("entered", 22, 19)], True),
        ([ev("entered", None, 20)], True),
        ([ev("exited", 20, None)], True),
        ([ev("entered", 21, 20, sig=False, board=TEXT.id)], False),
        ([ev("top_unchanged")], False),
        ([ev("grew_lost_rank", 12, 13)], False),
        ([Event("stale", TEXT.id, extra={"since": "2026-04-23"})], False),
        # a stale board's other events never publish; another board's still do
        ([Event("stale", TEXT.id), ev("new_leader", 2, 1, board=TEXT.id)], False),
        ([Event("stale", TEXT.id), ev("moved", 3, 1)], True),
    ],
)
def test_should_publish(events, publish):
    assert should_publish(events) is publish


def test_the_policy_is_configurable():
    mid_table = [ev("moved", 12, 14)]
    assert should_publish(mid_table)
    assert not should_publish(mid_table, PublishPolicy(min_places=3))
    assert not should_publish([ev("new_leader", 2, 1)], PublishPolicy(new_leader=False, top_moves_within=0))
    assert not should_publish([ev("entered", 22, 19)], PublishPolicy(entries_exits=False))


def test_publish_reasons_say_which_event_qualified():
    reasons = publish_reasons([ev("moved", 12, 13), ev("moved", 3, 1), ev("entered", None, 18)])
    assert reasons == [
        "openrouter-weekly: M moved within the top 5",
        "openrouter-weekly: M entered the top 20",
    ]
