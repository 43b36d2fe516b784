"""The OpenRouter weekly board computed from daily rows: one pure function for every daily shape.

OpenRouter's weekly figure is the sum of a model's last 7 complete UTC days, and its `change` is
(this 7 days / the previous 7 days) - 1 (verified on the real captures: the daily Data API rows of
2026-07-25..31 reproduce the saved weekly leaderboard of 2026-08-01).

The daily rows hold only each day's top 50 plus one `other` row, so a model that dropped out of the
top 50 on some day is missing from that day. For such a model the weekly sum is a lower bound, and
its `change` is left out rather than computed from a partial week: the snapshot's `notes` say how many
entries are affected. `change` is given only when the previous 7 days are covered by the rows and the
model is in all 14 daily top-50 lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.models import InvalidCaptureError, LayoutError, ParsedSnapshot
from tracker.sources.openrouter.common import BOARD, OTHER, WINDOW_DAYS, Usage, ranked_entries, share_of

DAILY_METHOD = "openrouter-daily"


@dataclass(frozen=True)
class DailyRow:
    """One model's tokens on one UTC day (or the day's `other` row)."""

    day: date
    model_id: str  # variant permaslug, e.g. "deepseek/deepseek-v4-flash-20260423:free", or "other"
    tokens: int  # prompt + completion
    rank: int | None = None  # the keyless export's own daily rank; None for `other` and in the Data API
    share: float | None = None  # the keyless export's share_of_daily_tokens


Days = dict[date, dict[str, int]]


def index_days(rows: Iterable[DailyRow], method: str = DAILY_METHOD) -> Days:
    """Tokens by day and slug; one (day, slug) twice is a broken capture, never added up."""
    by_day: Days = {}
    for row in rows:
        models = by_day.setdefault(row.day, {})
        if row.model_id in models:
            raise InvalidCaptureError(f"{method}: duplicate daily row for {row.model_id!r} on {row.day.isoformat()}")
        models[row.model_id] = row.tokens
    return by_day


def _window(end: date, offset: int = 0) -> list[date]:
    """The 7 days ending `offset` weeks before `end`."""
    last = end - timedelta(days=WINDOW_DAYS * offset)
    return [last - timedelta(days=back) for back in range(WINDOW_DAYS - 1, -1, -1)]


def complete_window_ends(days: Iterable[date], complete_through: date | None = None) -> list[date]:
    """Every day that ends a fully covered 7-day window, oldest first, none after `complete_through`."""
    covered = set(days)
    if not covered:
        return []
    first, last = min(covered), max(covered)
    if complete_through is not None:
        last = min(last, complete_through)
    ends = []
    end = first + timedelta(days=WINDOW_DAYS - 1)
    while end <= last:
        if all(d in covered for d in _window(end)):
            ends.append(end)
        end += timedelta(days=1)
    return ends


def _no_window(by_day: Days, complete_through: date | None, method: str) -> LayoutError:
    days = sorted(by_day)
    listed = ", ".join(d.isoformat() for d in days[:10]) + (", ..." if len(days) > 10 else "")
    through = f" through {complete_through.isoformat()}" if complete_through else ""
    return LayoutError(
        f"{method}: the daily rows cover no complete 7-day window{through} "
        f"(days present: {listed or 'none'}); a weekly figure needs 7 consecutive complete days"
    )


def window_snapshot(by_day: Days, end: date, method: str = DAILY_METHOD) -> ParsedSnapshot:
    """The weekly snapshot for the 7 days ending on `end` (all of which must be in `by_day`)."""
    days = _window(end)
    previous = _window(end, offset=1)
    previous_covered = all(d in by_day for d in previous)
    window_total = sum(sum(by_day[d].values()) for d in days)
    slugs = sorted({s for d in days for s in by_day[d] if s != OTHER})
    usages: list[Usage] = []
    partial = 0
    for model_id in slugs:
        present = [by_day[d][model_id] for d in days if model_id in by_day[d]]
        tokens = sum(present)
        change = None
        if len(present) == WINDOW_DAYS and previous_covered and all(model_id in by_day[d] for d in previous):
            before = sum(by_day[d][model_id] for d in previous)
            change = tokens / before - 1 if before > 0 else None
        lower_bound = len(present) < WINDOW_DAYS
        partial += lower_bound
        usages.append(
            Usage(model_id, tokens, change=change, share=share_of(tokens, window_total), lower_bound=lower_bound)
        )
    if not usages:
        raise LayoutError(f"{method}: the window ending {end.isoformat()} has no model rows, only `other`")
    notes = [f"sum of the daily top-50 rows of {days[0].isoformat()}..{end.isoformat()}"]
    if partial:
        notes.append(
            f"{partial} models missing from the daily top 50 on some days: their tokens are lower bounds "
            "and their change is omitted"
        )
    if not previous_covered:
        notes.append("the previous 7 days are not covered: no week-over-week change")
    return ParsedSnapshot(
        board=BOARD,
        as_of=end,
        entries=ranked_entries(usages),
        method=method,
        window_start=days[0],
        window_end=end,
        notes="; ".join(notes),
    )


def weekly_windows(
    daily_rows: Iterable[DailyRow], complete_through: date | None = None, *, method: str = DAILY_METHOD
) -> list[ParsedSnapshot]:
    """One snapshot per complete 7-day window the rows cover, oldest first.

    `complete_through` is the last day known to be complete (the live collector passes yesterday,
    since today's UTC day is still counting); windows ending after it are left out. Rows that cover
    no complete window raise `LayoutError`: a week is never invented from fewer days.
    """
    by_day = index_days(daily_rows, method)
    ends = complete_window_ends(by_day, complete_through)
    if not ends:
        raise _no_window(by_day, complete_through, method)
    return [window_snapshot(by_day, end, method) for end in ends]


def latest_window(
    daily_rows: Iterable[DailyRow], complete_through: date | None = None, *, method: str = DAILY_METHOD
) -> ParsedSnapshot:
    """Only the newest complete window: what the live collector stores."""
    by_day = index_days(daily_rows, method)
    ends = complete_window_ends(by_day, complete_through)
    if not ends:
        raise _no_window(by_day, complete_through, method)
    return window_snapshot(by_day, ends[-1], method)
