"""The diff engine: every event kind, the refusals, determinism, and a brute-force cross-check."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.diff import DiffOptions, diff_snapshots, event_key, growth_pct
from tracker.diff_rules import absence_is_known
from tracker.models import BOARDS, CUT_LIST_METHODS, Entry, Event, RankKind, Snapshot
from tracker.sources.openrouter import charts

TEXT = BOARDS["arena-text"]
USAGE = BOARDS["openrouter-weekly"]
DAY = date(2026, 5, 3)
NOW = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


# ---- small builders


def usage(sid: int, end: date, rows: list[tuple], *, days: int = 7, method: str = "test") -> Snapshot:
    """A weekly usage snapshot from (model_id, tokens[, change[, name]]) rows in rank order."""
    entries = []
    for i, row in enumerate(rows):
        model_id, tokens = row[0], row[1]
        change = row[2] if len(row) > 2 else None
        name = row[3] if len(row) > 3 else model_id.upper()
        entries.append(Entry(model_id, name, rank=i + 1, rank_kind=RankKind.BY_VALUE, tokens=tokens, change=change))
    start = end - timedelta(days=days - 1)
    observed = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    return Snapshot(sid, USAGE.id, end, observed, tuple(entries), f"u{sid}", method, start, end)


def arena(
    sid: int, as_of: date, rows: list[tuple], *, board: str = TEXT.id, kind: RankKind = RankKind.ORDINAL
) -> Snapshot:
    """An Arena snapshot from (model_id, rank, score[, ci half-width]) rows; half-width None = no CI."""
    entries = []
    for row in rows:
        model_id, rank, score = row[0], row[1], row[2]
        half = row[3] if len(row) > 3 else 5.0
        low, high = (None, None) if half is None else (score - half, score + half)
        entries.append(Entry(model_id, model_id, rank=rank, rank_kind=kind, score=score, ci_low=low, ci_high=high))
    observed = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    return Snapshot(sid, board, as_of, observed, tuple(entries), f"a{sid}", "test")


def ordered(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Usage rows sorted the way the board ranks them: tokens descending, then id."""
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def kinds(events: list[Event]) -> list[tuple[str, str | None]]:
    return [(e.kind, e.model_id) for e in events]


def of(events: list[Event], kind: str) -> list[Event]:
    return [e for e in events if e.kind == kind]


LAST_WEEK = DAY - timedelta(days=7)


# ---- moves, growth and ranks


def test_a_move_carries_ranks_values_and_exact_growth():
    old = usage(1, LAST_WEEK, [("a", 200), ("b", 100)])
    new = usage(2, DAY, [("b", 123 * 2), ("a", 210)])
    moved = {e.model_id: e for e in of(diff_snapshots(USAGE, old, new), "moved")}
    assert (moved["b"].from_rank, moved["b"].to_rank) == (2, 1)
    assert (moved["b"].value_before, moved["b"].value_after) == (100, 246)
    assert moved["b"].growth_pct == 146.0
    assert moved["a"].growth_pct == 5.0
    assert moved["b"].significant is None  # token counts are exact: no significance flag
    assert moved["b"].extra["growth_source"] == "snapshots"


def test_growth_is_an_exact_float_in_json_and_rounded_only_in_prose():
    old = usage(1, LAST_WEEK, [("a", 300), ("b", 200)])
    new = usage(2, DAY, [("b", 301), ("a", 299)])
    event = of(diff_snapshots(USAGE, old, new), "moved")[0]
    assert event.model_id == "b"
    assert event.growth_pct == pytest.approx(50.5)
    assert event.growth_pct == (301 - 200) * 100 / 200
    a = next(e for e in diff_snapshots(USAGE, old, new) if e.model_id == "a" and e.kind == "moved")
    assert json.loads(json.dumps(a.to_json()))["growth_pct"] == (299 - 300) * 100 / 300


@pytest.mark.parametrize(
    ("old_rows", "new_rows", "expected"),
    [
        # value up, rank down: the market grew faster around it
        ([("a", 100), ("b", 90)], [("b", 200), ("a", 110)], {("grew_lost_rank", "a")}),
        # value down, rank up: others shrank more
        ([("a", 100), ("b", 90)], [("b", 80), ("a", 50)], {("shrank_gained_rank", "b")}),
        # equal values, rank changed only because another model passed it: neither
        ([("a", 100), ("b", 90), ("c", 10)], [("c", 300), ("a", 100), ("b", 90)], set()),
        # both grew, rank kept: neither
        ([("a", 100), ("b", 90)], [("a", 150), ("b", 120)], set()),
    ],
)
def test_growth_against_rank(old_rows, new_rows, expected):
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, old_rows), usage(2, DAY, new_rows))
    got = {(e.kind, e.model_id) for e in events if e.kind in ("grew_lost_rank", "shrank_gained_rank")}
    assert got == expected


def test_arena_scores_never_report_growth_against_rank():
    old = arena(1, LAST_WEEK, [("a", 1, 1500.0, 1), ("b", 2, 1490.0, 1)])
    new = arena(2, DAY, [("b", 1, 1530.0, 1), ("a", 2, 1510.0, 1)])  # a's score rose, its rank fell
    events = diff_snapshots(TEXT, old, new)
    assert not of(events, "grew_lost_rank")
    assert not of(events, "shrank_gained_rank")
    assert all(e.growth_pct is None for e in events)


def test_a_tie_that_stays_a_tie_is_not_a_move():
    ub = RankKind.UPPER_BOUND
    old = arena(1, LAST_WEEK, [("a", 1, 1510.0), ("b", 2, 1500.0), ("c", 2, 1499.0), ("d", 4, 1480.0)], kind=ub)
    new = arena(2, DAY, [("a", 1, 1510.0), ("c", 2, 1501.0), ("b", 2, 1500.5), ("d", 4, 1480.0)], kind=ub)
    events = diff_snapshots(TEXT, old, new)
    assert not of(events, "moved")  # c passed b inside the tie: both still "#2"
    assert of(events, "top_unchanged") == []  # fewer than five rows


def test_leaving_a_tie_without_passing_anyone_is_an_insignificant_move():
    ub = RankKind.UPPER_BOUND
    old = arena(1, LAST_WEEK, [("a", 1, 1510.0), ("b", 2, 1500.0), ("c", 2, 1499.0)], kind=ub)
    new = arena(2, DAY, [("a", 1, 1510.0), ("b", 2, 1500.0), ("c", 3, 1470.0)], kind=ub)
    (move,) = of(diff_snapshots(TEXT, old, new), "moved")
    assert (move.model_id, move.from_rank, move.to_rank, move.significant) == ("c", 2, 3, False)


@pytest.mark.parametrize(
    ("half_width", "expected"),
    [(10.0, False), (2.0, True), (None, None)],  # overlapping CIs, disjoint CIs, no CIs and no rank ranges
)
def test_arena_swap_significance_follows_confidence_intervals(half_width, expected):
    old = arena(1, LAST_WEEK, [("a", 1, 1500.0, half_width), ("b", 2, 1495.0, half_width)])
    new = arena(2, DAY, [("b", 1, 1506.0, half_width), ("a", 2, 1500.0, half_width)])
    events = diff_snapshots(TEXT, old, new)
    assert {e.model_id: e.significant for e in of(events, "moved")} == {"a": expected, "b": expected}
    assert of(events, "new_leader")[0].significant is expected


def test_a_move_is_significant_if_clear_of_any_one_model_it_passed():
    old = arena(1, LAST_WEEK, [("x", 1, 1520.0, 3), ("y", 2, 1510.0, 3), ("z", 3, 1500.0, 30)])
    new = arena(2, DAY, [("z", 1, 1530.0, 30), ("x", 2, 1520.0, 3), ("y", 3, 1510.0, 3)])
    moved = {e.model_id: e.significant for e in of(diff_snapshots(TEXT, old, new), "moved")}
    # z's wide interval overlaps both it passed; x and y were passed by z only
    assert moved == {"z": False, "x": False, "y": False}
    new = arena(2, DAY, [("z", 1, 1545.0, 30), ("x", 2, 1520.0, 3), ("y", 3, 1510.0, 3)])
    moved = {e.model_id: e.significant for e in of(diff_snapshots(TEXT, old, new), "moved")}
    # z (1515..1575) overlaps x (1517..1523) but is clear of y (1507..1513): clear of one is enough
    assert moved == {"z": True, "x": False, "y": True}


@pytest.mark.parametrize(
    ("old_range", "new_range", "expected"),
    [((3, 5), (1, 2), True), ((2, 5), (1, 3), False)],
)
def test_without_intervals_the_plausible_rank_ranges_decide(old_range, new_range, expected):
    def snap(sid: int, when: date, rows: list[tuple[str, int, tuple[int, int]]]) -> Snapshot:
        entries = tuple(
            Entry(m, m, rank=r, score=1500.0 - r, rank_upper=spread[0], rank_lower=spread[1]) for m, r, spread in rows
        )
        return Snapshot(sid, TEXT.id, when, NOW, entries, f"h{sid}", "test")

    old = snap(1, LAST_WEEK, [("a", 1, (1, 2)), ("b", 2, (1, 3)), ("c", 4, old_range)])
    new = snap(2, DAY, [("c", 1, new_range), ("a", 2, (1, 3)), ("b", 3, (2, 4))])
    moved = {e.model_id: e.significant for e in of(diff_snapshots(TEXT, old, new), "moved")}
    assert moved["c"] is expected


# ---- entries and exits


def _table(prefix: str, n: int, start: int = 1000) -> list[tuple[str, int]]:
    return [(f"{prefix}{i:02d}", start - i) for i in range(n)]


def test_crossing_the_top_n_line_is_an_entry_and_an_exit():
    old = _table("m", 25)
    new = [*old[:19], old[22], *old[19:22], *old[23:]]
    new = [(m, 2000 - i) for i, (m, _) in enumerate(new)]
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, old), usage(2, DAY, new))
    assert kinds(of(events, "entered")) == [("entered", "m22")]
    assert kinds(of(events, "exited")) == [("exited", "m19")]
    entered, exited = of(events, "entered")[0], of(events, "exited")[0]
    assert (entered.from_rank, entered.to_rank, entered.extra["within_top"]) == (23, 20, 20)
    assert (exited.from_rank, exited.to_rank) == (20, 21)


def test_a_model_missing_from_a_full_list_exited_and_a_new_one_entered():
    old = _table("m", 25)
    new = [*old[:5], ("new", 999), *old[6:25]]  # m05 gone, "new" listed at #6
    new = [(m, 2000 - i, 0.5 if m == "new" else None) for i, (m, _) in enumerate(new)]
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, old), usage(2, DAY, new))
    (gone,) = of(events, "exited")
    (came,) = of(events, "entered")
    assert (gone.model_id, gone.from_rank, gone.to_rank, gone.value_after) == ("m05", 6, None, None)
    assert (came.model_id, came.from_rank, came.to_rank) == ("new", None, 6)
    assert came.growth_pct == 50.0
    assert came.extra["growth_source"] == "upstream"


def test_a_model_missing_from_a_shorter_list_is_not_an_exit():
    old = _table("m", 25)
    new = [(m, t) for m, t in old[:18] if m != "m03"]  # a truncated capture of 17 rows
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, old), usage(2, DAY, new))
    assert not of(events, "exited")
    assert not of(events, "entered")
    assert {e.model_id for e in of(events, "moved")} == {f"m{i:02d}" for i in range(4, 18)}  # moved up one


@pytest.mark.parametrize(
    ("old_n", "new_n", "exits"),
    [(10, 9, True), (10, 7, False)],  # a small board shown whole: 9 of 10 rows is comparable, 7 is not
)
def test_small_boards_compare_only_lists_of_similar_length(old_n, new_n, exits):
    old = _table("m", old_n)
    new = old[1 : new_n + 1] if new_n < old_n else old
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, old), usage(2, DAY, new))
    assert bool(of(events, "exited")) is exits
    if exits:
        assert [e.model_id for e in of(events, "exited")] == ["m00"]


CHART = "openrouter-weekly-chart"  # a format whose lists are cut at their top 9


def _top_nine_weeks() -> tuple[Snapshot, Snapshot]:
    """Two top-9 charts: m00 and m01 drop out of the nine, m04 falls #5 -> #9, "new" and "newer" come in at
    #1 and #3 (neither list says where the four are when unlisted)."""
    old = _table("m", 9)
    new = [("new", 2000), ("m02", 1900), ("newer", 1800), ("m03", 1700)]
    new += [("m05", 1600), ("m06", 1500), ("m07", 1400), ("m08", 1300), ("m04", 1200)]
    return usage(1, LAST_WEEK, old, method=CHART), usage(2, DAY, new, method=CHART)


@pytest.mark.parametrize(("old_n", "new_n"), [(9, 9), (10, 9), (9, 10), (19, 19), (19, 30), (30, 19)])
def test_an_absence_from_a_cut_list_counts_only_where_it_shows_n_rows(old_n, new_n):
    # However alike the two lengths (a top-9 chart each week), a cut list says nothing of the models it leaves out.
    old = _table("m", old_n)
    new = [("new", 5000), *_table("m", new_n)[1:]]  # m00 gone, "new" listed at #1
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, old, method=CHART), usage(2, DAY, new, method=CHART))
    assert [e.model_id for e in of(events, "exited")] == (["m00"] if new_n >= 20 else [])
    assert [e.model_id for e in of(events, "entered")] == (["new"] if old_n >= 20 else [])


def test_two_top_nine_charts_make_no_entry_or_exit_in_the_top_20():
    events = diff_snapshots(USAGE, *_top_nine_weeks())
    assert not of(events, "entered")
    assert not of(events, "exited")
    assert [(e.model_id, e.from_rank, e.to_rank) for e in of(events, "new_leader")] == [("new", None, 1)]
    assert ("moved", "m04") in kinds(events)
    # The same lists from a format that shows its whole (small) board: the absences are known.
    old, new = _top_nine_weeks()
    whole = diff_snapshots(USAGE, replace(old, method="test"), replace(new, method="test"))
    assert [e.model_id for e in of(whole, "exited")] == ["m00", "m01"]


def test_two_top_nine_charts_still_show_their_whole_top_5():
    # Within the nine, the line of a top 5 is known: crossing it, or missing from a list of 9 >= 5 rows.
    events = diff_snapshots(USAGE, *_top_nine_weeks(), options=DiffOptions(top_n=5))
    assert [(e.model_id, e.from_rank, e.to_rank) for e in of(events, "entered")] == [
        ("new", None, 1),
        ("newer", None, 3),
        ("m05", 6, 5),
    ]
    assert [(e.model_id, e.from_rank, e.to_rank) for e in of(events, "exited")] == [
        ("m00", 1, None),
        ("m01", 2, None),
        ("m04", 5, 9),
    ]


@pytest.mark.parametrize(
    ("absent_from", "other", "top_n", "cut", "known"),
    [
        (20, 5, 20, True, True),
        (50, 50, 20, False, True),
        (19, 19, 20, True, False),
        (19, 19, 20, False, True),
        (9, 9, 20, True, False),
        (9, 9, 20, False, True),
        (9, 10, 20, False, True),
        (7, 10, 20, False, False),
        (9, 9, 9, True, True),
        (0, 1, 1, False, False),
    ],
)
def test_absence_is_known_from_the_lists_lengths_unless_cut(absent_from, other, top_n, cut, known):
    assert absence_is_known(absent_from, other, top_n, 0.8, cut=cut) is known


def test_the_weekly_chart_is_the_format_known_to_cut_its_list():
    assert charts.FORMAT in CUT_LIST_METHODS


def test_a_renamed_model_is_the_same_model():
    old = usage(1, LAST_WEEK, [("a", 100, None, "Alpha"), ("b", 90, None, "Beta")])
    new = usage(2, DAY, [("b", 120, None, "Beta 2 (renamed)"), ("a", 110, None, "Alpha")])
    events = diff_snapshots(USAGE, old, new)
    assert not of(events, "entered")
    assert not of(events, "exited")
    b = next(e for e in of(events, "moved") if e.model_id == "b")
    assert b.model == "Beta 2 (renamed)"


# ---- leader, top five, biggest mover


def test_new_leader_names_the_previous_one():
    old = usage(1, LAST_WEEK, [("a", 100), ("b", 90), ("c", 80)])
    new = usage(2, DAY, [("c", 300), ("a", 100), ("b", 90)])
    (leader,) = of(diff_snapshots(USAGE, old, new), "new_leader")
    assert (leader.model_id, leader.from_rank, leader.to_rank) == ("c", 3, 1)
    assert leader.extra["previous"] == [{"model": "A", "model_id": "a", "value": 100}]


def test_a_co_leader_joining_a_tie_at_the_top_is_a_new_leader_and_the_old_one_is_not():
    ub = RankKind.UPPER_BOUND
    old = arena(1, LAST_WEEK, [("a", 1, 1500.0), ("b", 2, 1480.0)], kind=ub)
    new = arena(2, DAY, [("a", 1, 1500.0), ("b", 1, 1498.0)], kind=ub)
    assert kinds(of(diff_snapshots(TEXT, old, new), "new_leader")) == [("new_leader", "b")]


def test_top_unchanged_lists_the_five_in_order_with_newer_values():
    rows = [(f"m{i}", i + 1, 1500.0 - 3 * i) for i in range(7)]
    old = arena(1, LAST_WEEK, rows)
    new = arena(
        2,
        DAY,
        [(m, r, s + 0.4) for m, r, s in rows[:5]] + [(*rows[6][:1], 6, 1400.0), (*rows[5][:1], 7, 1390.0)],
    )
    events = diff_snapshots(TEXT, old, new)
    (top,) = of(events, "top_unchanged")
    assert top.to_json() == {
        "kind": "top_unchanged",
        "n": 5,
        "models": [{"model": f"m{i}", "model_id": f"m{i}", "value": 1500.0 - 3 * i + 0.4} for i in range(5)],
    }
    swapped = arena(3, DAY, [(*rows[1][:1], 1, 1505.0), (*rows[0][:1], 2, 1500.0), *rows[2:]])
    assert not of(diff_snapshots(TEXT, old, swapped), "top_unchanged")


def test_biggest_movers_are_ties_in_both_directions_within_the_newer_top_n():
    old = _table("m", 30)
    order = [m for m, _ in old]
    order.insert(3, order.pop(6))  # m06 climbs #7 -> #4 (three places)
    order.insert(12, order.pop(9))  # m09 falls #10 -> #13 (three places)
    order.insert(5, order.pop(28))  # m28 climbs from #29 to #6: 23 places, but from outside the top 20
    new = [(m, 5000 - i) for i, m in enumerate(order)]
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, old), usage(2, DAY, new), options=DiffOptions(top_n=20))
    movers = of(events, "biggest_mover")
    assert [(e.model_id, e.from_rank, e.to_rank) for e in movers] == [("m28", 29, 6)]
    assert movers[0].extra == {"within_top": 20, "places": 23, "growth_source": "snapshots"}
    without = [(m, t) for m, t in new if m != "m28"]
    without_old = [(m, t) for m, t in old if m != "m28"]
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, without_old), usage(2, DAY, without))
    assert sorted((e.model_id, e.from_rank, e.to_rank) for e in of(events, "biggest_mover")) == [
        ("m06", 7, 4),
        ("m09", 10, 13),
    ]


def test_one_place_shuffles_make_no_biggest_mover_by_default():
    old = usage(1, LAST_WEEK, [("a", 100), ("b", 90), ("c", 80)])
    new = usage(2, DAY, [("b", 100), ("a", 90), ("c", 80)])
    assert not of(diff_snapshots(USAGE, old, new), "biggest_mover")
    opts = DiffOptions(biggest_mover_min_places=1)
    assert len(of(diff_snapshots(USAGE, old, new, options=opts), "biggest_mover")) == 2


# ---- first snapshot, staleness, refusals


def test_first_snapshot_reports_nothing_dropped_or_moved():
    assert diff_snapshots(USAGE, None, usage(2, DAY, _table("m", 25)), now=NOW) == []


@pytest.mark.parametrize(("lag_days", "stale"), [(10, False), (11, True)])
def test_a_stale_board_reports_only_that_it_is_stale(lag_days, stale):
    as_of = NOW.date() - timedelta(days=lag_days)
    old = arena(1, as_of - timedelta(days=7), [("a", 1, 1500.0, 1), ("b", 2, 1490.0, 1)])
    new = arena(2, as_of, [("b", 1, 1530.0, 1), ("a", 2, 1500.0, 1)])
    events = diff_snapshots(TEXT, old, new, now=NOW)
    if stale:
        assert [e.to_json() for e in events] == [{"kind": "stale", "since": as_of.isoformat()}]
    else:
        assert of(events, "moved")
        assert not of(events, "stale")
    assert [e.kind for e in diff_snapshots(TEXT, None, new, now=NOW)] == (["stale"] if stale else [])


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        diff_snapshots(USAGE, None, usage(2, DAY, [("a", 1)]), now=datetime(2026, 5, 4))


@pytest.mark.parametrize(
    ("older", "newer", "message"),
    [
        (usage(1, LAST_WEEK, [("a", 1)], days=1), usage(2, DAY, [("a", 2)]), "day view"),
        (usage(1, LAST_WEEK, [("a", 1)]), usage(2, DAY, [("a", 2)], days=1), "day view"),
        (usage(1, DAY - timedelta(days=1), [("a", 1)]), usage(2, DAY, [("a", 2)]), "overlap"),
        (usage(1, DAY + timedelta(days=7), [("a", 1)]), usage(2, DAY, [("a", 2)]), "newer than"),
        (arena(1, LAST_WEEK, [("a", 1, 1.0)]), usage(2, DAY, [("a", 2)]), "arena-text"),
        (
            arena(1, LAST_WEEK, [("a", 1, 1.0)], kind=RankKind.UPPER_BOUND),
            arena(2, DAY, [("a", 1, 1.0)]),
            "different kinds",
        ),
        (usage(1, LAST_WEEK, [("a", 1), ("a", 2)]), usage(2, DAY, [("a", 2)]), "twice"),
    ],
)
def test_incomparable_snapshots_are_refused(older, newer, message):
    board = USAGE if newer.board == USAGE.id else TEXT
    with pytest.raises(ValueError, match=message):
        diff_snapshots(board, older, newer)


def test_a_board_compares_its_own_snapshots_only():
    with pytest.raises(ValueError, match="not 'arena-webdev'"):
        diff_snapshots(BOARDS["arena-webdev"], None, arena(2, DAY, [("a", 1, 1.0)]))
    windowed = replace(arena(2, DAY, [("a", 1, 1.0)]), window_start=DAY, window_end=DAY)
    with pytest.raises(ValueError, match="usage window"):
        diff_snapshots(TEXT, arena(1, LAST_WEEK, [("a", 1, 1.0)]), windowed)


def test_windows_of_different_lengths_are_refused():
    old = usage(1, LAST_WEEK - timedelta(days=7), [("a", 1)])
    long_window = usage(2, DAY, [("a", 2)], days=14)  # two weeks against one
    with pytest.raises(ValueError, match="covers 14 days"):
        diff_snapshots(USAGE, old, long_window)
    with pytest.raises(ValueError, match="covers 14 days"):
        diff_snapshots(USAGE, long_window, usage(3, DAY + timedelta(days=14), [("a", 2)]))


# ---- determinism and keys


def _week_pair(seed: int, n: int = 30) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    rng = random.Random(seed)
    names = [f"model-{i:02d}" for i in range(n)]
    old = {m: rng.randrange(10**9, 10**12) for m in names}
    new = {m: int(v * rng.uniform(0.6, 1.8)) for m, v in old.items()}
    return ordered(list(old.items())), ordered(list(new.items()))


def test_rediffing_gives_the_same_events_in_the_same_order_and_the_same_keys():
    old_rows, new_rows = _week_pair(7)
    old, new = usage(11, LAST_WEEK, old_rows), usage(12, DAY, new_rows)
    first = diff_snapshots(USAGE, old, new)
    shuffled = replace(new, entries=tuple(random.Random(1).sample(new.entries, len(new.entries))))
    second = diff_snapshots(USAGE, old, shuffled)
    assert first == second
    keys = [event_key(e, 11, 12) for e in first]
    assert keys == [event_key(e, 11, 12) for e in second]
    assert len(set(keys)) == len(keys)
    assert all(len(k) == 64 for k in keys)
    assert event_key(first[0], 11, 13) != keys[0]  # another pair, another event


def test_event_key_is_sha256_of_compact_sorted_json():
    import hashlib

    event = Event("moved", "openrouter-weekly", "a", "A", 2, 1, 10, 20, 100.0)
    blob = '{"board":"openrouter-weekly","event":{"from_rank":2,"growth_pct":100.0,"kind":"moved",'
    blob += '"model_id":"a","to_rank":1,"value_after":20,"value_before":10},"from":1,"to":2}'
    assert event_key(event, 1, 2) == hashlib.sha256(blob.encode()).hexdigest()
    # The display name is not part of the key: a renamed model's event is the same event.
    assert event_key(replace(event, model="A renamed"), 1, 2) == event_key(event, 1, 2)


def test_growth_falls_back_to_the_upstream_change():
    new = Entry("a", "A", rank=1, tokens=150, change=0.25)
    assert growth_pct(USAGE, new, Entry("a", "A", rank=2, tokens=100)) == (50.0, "snapshots")
    assert growth_pct(USAGE, new, None) == (25.0, "upstream")
    assert growth_pct(USAGE, new, Entry("a", "A", rank=2, tokens=0)) == (25.0, "upstream")
    assert growth_pct(USAGE, replace(new, change=None), None) == (None, None)
    assert growth_pct(TEXT, new, None) == (None, None)


# ---- brute force: the diff agrees with a direct reading of two weekly tables


@pytest.mark.parametrize("seed", range(12))
def test_diff_agrees_with_brute_force_on_random_weeks(seed):
    old_rows, new_rows = _week_pair(seed)
    old_rank = {m: i + 1 for i, (m, _) in enumerate(old_rows)}
    new_rank = {m: i + 1 for i, (m, _) in enumerate(new_rows)}
    old_tok, new_tok = dict(old_rows), dict(new_rows)
    events = diff_snapshots(USAGE, usage(1, LAST_WEEK, old_rows), usage(2, DAY, new_rows))

    zone = {m for m in new_rank if old_rank[m] <= 20 or new_rank[m] <= 20}
    # On a usage board every model listed in both weeks is watched, not only the top 20.
    grew = {m for m in new_rank if new_tok[m] > old_tok[m] and new_rank[m] > old_rank[m]}
    assert {e.model_id for e in of(events, "grew_lost_rank")} == grew

    shifts = {m: abs(old_rank[m] - new_rank[m]) for m in new_rank if new_rank[m] <= 20}
    best = max(shifts.values())
    expected = {m for m, s in shifts.items() if s == best} if best >= 2 else set()
    assert {e.model_id for e in of(events, "biggest_mover")} == expected

    for e in of(events, "moved"):
        assert e.growth_pct == (new_tok[e.model_id] - old_tok[e.model_id]) * 100 / old_tok[e.model_id]
    assert {e.model_id for e in of(events, "entered")} == {m for m in zone if new_rank[m] <= 20 < old_rank[m]}


def test_hand_written_weekly_tables():
    """Two weeks written out by hand; the expectations are read off the tables, not off the code."""
    last_week = [
        ("alpha", 900), ("bravo", 800), ("charlie", 700), ("delta", 600), ("echo", 500),
        ("foxtrot", 400), ("golf", 300), ("hotel", 200), ("india", 100),
    ]  # fmt: skip
    this_week = [
        ("alpha", 1000), ("charlie", 950), ("golf", 900), ("bravo", 850), ("echo", 700),
        ("delta", 590), ("foxtrot", 420), ("india", 150), ("hotel", 140),
    ]  # fmt: skip
    events = diff_snapshots(
        USAGE, usage(1, LAST_WEEK, last_week), usage(2, DAY, this_week), options=DiffOptions(top_n=20)
    )
    # bravo 800->850 fell #2->#4, echo 500->700 stayed #5, foxtrot 400->420 fell #6->#7: two grew yet fell
    assert {e.model_id for e in of(events, "grew_lost_rank")} == {"bravo", "foxtrot"}
    # delta 600->590 fell #4->#6 and shrank: an ordinary move. india 100->150 climbed, grew.
    # hotel 200->140 fell #8->#9 and shrank. No model shrank yet climbed.
    assert of(events, "shrank_gained_rank") == []
    # golf climbed four places (#7 -> #3): the biggest move.
    assert [(e.model_id, e.from_rank, e.to_rank) for e in of(events, "biggest_mover")] == [("golf", 7, 3)]
    assert not of(events, "new_leader")
    assert not of(events, "top_unchanged")


# ---- the real OpenRouter rows: our week-over-week growth is OpenRouter's own `change`


DAILY = "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv"
WEEKLY = "openrouter/rankings-models-week-2026-08-01.json"


@pytest.mark.fixtures
def test_growth_between_two_real_weeks_matches_openrouters_change(fixture_bytes):
    daily: dict[str, dict[str, int]] = defaultdict(dict)
    for row in csv.DictReader(io.StringIO(fixture_bytes(DAILY).decode())):
        if row["model_permaslug"] != "other":
            daily[row["model_permaslug"]][row["date"]] = int(row["total_tokens"])
    week1 = [(date(2026, 7, 18) + timedelta(days=i)).isoformat() for i in range(7)]
    week2 = [(date(2026, 7, 25) + timedelta(days=i)).isoformat() for i in range(7)]
    complete = [m for m, days in daily.items() if all(d in days for d in week1 + week2)]
    old_rows = ordered([(m, sum(daily[m][d] for d in week1)) for m in complete])
    new_rows = ordered([(m, sum(daily[m][d] for d in week2)) for m in complete])
    events = diff_snapshots(USAGE, usage(1, date(2026, 7, 24), old_rows), usage(2, date(2026, 7, 31), new_rows))

    upstream = {
        r["variant_permaslug"]: r["change"]
        for r in json.loads(fixture_bytes(WEEKLY))["data"]
        if r["change"] is not None
    }
    checked = 0
    for event in of(events, "moved"):
        if event.model_id in upstream:
            assert event.growth_pct == pytest.approx(upstream[event.model_id] * 100, abs=1e-3)
            checked += 1
    assert checked >= 10
