"""What may be compared with what: boards, usage windows, rank kinds, and staleness.

The diff refuses (ValueError) any pair whose numbers would tell a false story: two boards, a day view
against a week view, windows of different lengths, overlapping usage windows, or ranks of different
kinds (a legacy "Rank (UB)" table against today's ordinal ranks).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tracker.models import Board, RankKind, Snapshot, Window

WEEK_DAYS = 7


def usage_window(
    board: Board, as_of: date, window_start: date | None, window_end: date | None
) -> tuple[date, date] | None:
    """The (first day, last day) a snapshot covers, or None for a board published as a whole.

    A week board's snapshot without stored window dates covers the seven days ending on its `as_of`
    (OpenRouter's trailing week); a missing start is likewise taken as six days before the end.
    """
    if board.window is Window.WEEK:
        end = window_end or as_of
        return (window_start or end - timedelta(days=WEEK_DAYS - 1), end)
    if window_start is None and window_end is None:
        return None
    end = window_end or as_of
    return (window_start or end, end)


def window_days(window: tuple[date, date]) -> int:
    return (window[1] - window[0]).days + 1


def snapshot_window(board: Board, snapshot: Snapshot) -> tuple[date, date] | None:
    return usage_window(board, snapshot.as_of, snapshot.window_start, snapshot.window_end)


def rank_kind(snapshot: Snapshot) -> RankKind | None:
    """The one rank kind a snapshot uses; ValueError if its entries mix kinds."""
    kinds = {e.rank_kind for e in snapshot.entries}
    if len(kinds) > 1:
        raise ValueError(f"snapshot {snapshot.id} mixes rank kinds: {sorted(k.value for k in kinds)}")
    return next(iter(kinds), None)


def check_snapshot(board: Board, snapshot: Snapshot) -> None:
    """One snapshot fits its board: right board id, a week window on a week board, unique ranked models."""
    if snapshot.board != board.id:
        raise ValueError(f"snapshot {snapshot.id} is of board {snapshot.board!r}, not {board.id!r}")
    window = snapshot_window(board, snapshot)
    if board.window is Window.WEEK and window is not None and window_days(window) != WEEK_DAYS:
        raise ValueError(
            f"snapshot {snapshot.id} covers {window_days(window)} days; board {board.id!r} compares "
            f"{WEEK_DAYS}-day windows only (a day view is not a week view)"
        )
    seen: set[str] = set()
    for entry in snapshot.entries:
        if entry.model_id in seen:
            raise ValueError(f"snapshot {snapshot.id} lists model {entry.model_id!r} twice")
        seen.add(entry.model_id)
        if entry.rank is None:
            raise ValueError(f"snapshot {snapshot.id}: model {entry.model_id!r} has no rank")
    rank_kind(snapshot)


def check_comparable(board: Board, older: Snapshot | None, newer: Snapshot) -> None:
    """Raise ValueError unless `older` -> `newer` is a fair comparison on `board`."""
    check_snapshot(board, newer)
    if older is None:
        return
    check_snapshot(board, older)
    if older.as_of > newer.as_of:
        raise ValueError(
            f"snapshot {older.id} (as of {older.as_of}) is newer than snapshot {newer.id} (as of {newer.as_of})"
        )
    old_kind, new_kind = rank_kind(older), rank_kind(newer)
    if old_kind is not None and new_kind is not None and old_kind is not new_kind:
        raise ValueError(
            f"ranks of different kinds are not comparable: {old_kind.value} (snapshot {older.id}) "
            f"vs {new_kind.value} (snapshot {newer.id})"
        )
    old_window, new_window = snapshot_window(board, older), snapshot_window(board, newer)
    if (old_window is None) != (new_window is None):
        raise ValueError(
            f"a snapshot with a usage window is not comparable with one without (snapshots {older.id} and {newer.id})"
        )
    if old_window is None or new_window is None:
        return
    if window_days(old_window) != window_days(new_window):
        raise ValueError(
            f"windows of different lengths are not comparable: {window_days(old_window)} days "
            f"(snapshot {older.id}) vs {window_days(new_window)} days (snapshot {newer.id})"
        )
    # A published board may be revised on the same date; usage windows must not share a day.
    if board.window is Window.WEEK and old_window[1] >= new_window[0]:
        raise ValueError(
            f"usage windows overlap: {old_window[0]}..{old_window[1]} (snapshot {older.id}) and "
            f"{new_window[0]}..{new_window[1]} (snapshot {newer.id})"
        )


def is_stale(board: Board, newer: Snapshot, now: datetime) -> bool:
    """The board's upstream date lags `now` by more than the board tolerates."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC).date() - newer.as_of > board.stale_after
