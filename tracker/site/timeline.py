"""Which snapshots of a board line up in time: the comparable previous one, and the dates a chart spans.

Arena boards are compared snapshot to snapshot. OpenRouter's weekly figures are trailing 7-day windows,
so a week is compared with the window that ended exactly seven days before (windows never overlap, as in
OpenRouter's own `change`), and its charts step back in whole weeks, leaving a gap where a week is missing.
A model's chart on an Arena board plots every snapshot of its span up to `CHART_POINTS` of them, and
beyond that one a week (`chart_places`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, timedelta

from tracker.models import Board, Entry, Snapshot, Window

WEEK = timedelta(days=7)
# A model page's chart plots this many points at most before it thins to one a week: its plot is 354 px
# wide, so a longer series has under two pixels a point and a line through more shows nothing more.
CHART_POINTS = 180

# One point of a timeline: the date, and the snapshot of that date if there is one.
Slot = tuple[date, Snapshot | None]


def previous_comparable(board: Board, history: Sequence[Snapshot]) -> Snapshot | None:
    """The snapshot the newest one is compared with (history oldest first), or None."""
    if len(history) < 2:
        return None
    latest = history[-1]
    if board.window is Window.WEEK:
        target = latest.as_of - WEEK
        return next((s for s in reversed(history[:-1]) if s.as_of == target), None)
    return history[-2]


def timeline(board: Board, history: Sequence[Snapshot], limit: int | None = None) -> tuple[Slot, ...]:
    """The dates a board's chart spans, oldest first, at most `limit` of them (the most recent)."""
    if not history:
        return ()
    if board.window is not Window.WEEK:
        picked = list(history) if limit is None else list(history[-limit:])
        return tuple((s.as_of, s) for s in picked)
    by_date = {s.as_of: s for s in history}
    latest, earliest = history[-1].as_of, min(by_date)
    slots: list[Slot] = []
    day = latest
    while day >= earliest and (limit is None or len(slots) < limit):
        slots.append((day, by_date.get(day)))
        day -= WEEK
    # Leading empty weeks say nothing: trim the gaps before the first aligned snapshot.
    while slots and slots[-1][1] is None:
        slots.pop()
    return tuple(reversed(slots))


def model_span(
    board: Board, history: Sequence[Snapshot], first: date, last: date, dates: Sequence[date] | None = None
) -> tuple[Slot, ...]:
    """The dates a model's chart spans on a board (history oldest first): its first to its last appearance.

    Arena: every snapshot dated in between (`chart_places`: one a week in a span of more than
    `CHART_POINTS`). OpenRouter: whole weeks back from the last appearance, so the chart of a model that
    left the ranking no longer moves when newer weeks arrive. `dates` are the history's dates, when the
    caller has them already.
    """
    if board.window is not Window.WEEK:
        dates = [s.as_of for s in history] if dates is None else dates
        places = chart_places(week_closes(dates), bisect_left(dates, first), bisect_right(dates, last))
        return tuple((history[i].as_of, history[i]) for i in places)
    by_date = {s.as_of: s for s in history}
    return tuple((day, by_date.get(day)) for day in week_steps(first, last))


def week_steps(first: date, last: date) -> list[date]:
    """The dates a weekly board's chart of a model steps through, oldest first: whole weeks back from its
    last appearance, none before its first."""
    days = []
    day = last
    while day >= first:
        days.append(day)
        day -= WEEK
    days.reverse()
    return days


def week_closes(dates: Sequence[date]) -> list[int]:
    """The places of a board's snapshots (`dates`: theirs, oldest first) that close a calendar week (Monday
    to Sunday): the next snapshot is dated in a later week, or there is none yet."""
    weeks = [(day.toordinal() - 1) // 7 for day in dates]  # 0001-01-01, ordinal 1, was a Monday
    return [i for i in range(len(weeks)) if i + 1 == len(weeks) or weeks[i + 1] != weeks[i]]


def chart_places(closes: Sequence[int], lo: int, hi: int) -> list[int]:
    """The places in a board's history (Arena: not stepping in weeks) that a model's chart plots, for a model
    listed first at place `lo` and last at `hi - 1` (`closes`: the board's `week_closes`): each one when
    there are at most `CHART_POINTS`; else the snapshots that close a week, and its first and last. Each
    point is then the board as it stood at the end of a week, and the chart still runs from the model's
    first appearance to its last."""
    if hi - lo <= CHART_POINTS:
        return list(range(lo, hi))
    return [lo, *closes[bisect_right(closes, lo) : bisect_left(closes, hi - 1)], hi - 1]


def entries_by_model(snapshot: Snapshot | None) -> dict[str, Entry]:
    if snapshot is None:
        return {}
    return {e.model_id: e for e in snapshot.entries}
