"""Which stored snapshots to compare, and whether what changed is worth a post (pure).

Choosing the pair (`pick_comparison`, `pick_for_post`), from a board's stored snapshots given as
`(snapshot_id, as_of, window_start, window_end)` tuples, `SnapshotRef`s or `Snapshot`s:

- Newest = the greatest (as_of, window end, id): a later stored revision of the same date wins.
- OpenRouter week windows (stored every day, overlapping): the newest window against the window that
  ended exactly seven days earlier, as OpenRouter's own `change` does. If that window is not stored the
  answer is "no comparable snapshot" (`older=None` and a `note` saying so) — overlapping windows are
  never compared. Snapshots whose window is not seven days long are ignored on a week board.
- Arena boards: the newest snapshot against the newest one with an earlier `as_of`.
- Explicit dates: each side is the newest snapshot with `as_of <= date`; a pair of week windows that
  overlap, or two dates that land on one snapshot, is refused with a note.
- The weekly post (`pick_for_post`): OpenRouter week over week as above; Arena against the board as it
  stood at the previous post (newest `as_of <= previous_post`). A board with nothing new for the post
  (Arena unchanged since the previous post; an OpenRouter window the previous post already told) has
  its newest snapshot compared with itself: the post says the board has no new snapshot, and tells no
  move again.

Growth figures are not chosen here: the diff takes them from the paired snapshots when the older one
lists the model, else from the source's own `change` (see `tracker.diff.growth_pct`).

Publishing (`should_publish`): a week publishes if any board that is not stale has a new leader, a move
touching the top five, a move of two or more places in the top 20, or an entry to or exit from the top
20. Stale boards never publish (their only event is `stale`). Arena moves marked `significant: false`
count less: they publish only at `insignificant_min_places` (4) places or more, within the top 20,
and neither a top-five shuffle nor a new leader inside the confidence intervals publishes alone.
Unknown significance counts as significant.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from tracker.diff_checks import WEEK_DAYS, usage_window, window_days
from tracker.models import Board, Event, Snapshot, SnapshotRef, Window


class Candidate(NamedTuple):
    """A stored snapshot as far as choosing goes."""

    id: int
    as_of: date
    window_start: date | None = None
    window_end: date | None = None


SnapshotLike = Candidate | SnapshotRef | Snapshot | tuple[int, date, date | None, date | None]


@dataclass(frozen=True)
class Comparison:
    """The pair to diff; `older` is None when there is none to compare with, and `note` says why."""

    board: str
    newer: Candidate | None
    older: Candidate | None
    note: str = ""

    @property
    def comparable(self) -> bool:
        return self.newer is not None and self.older is not None


def _candidate(item: SnapshotLike) -> Candidate:
    if isinstance(item, tuple):
        return Candidate(*item)
    return Candidate(item.id, item.as_of, item.window_start, item.window_end)


def _window(board: Board, c: Candidate) -> tuple[date, date] | None:
    return usage_window(board, c.as_of, c.window_start, c.window_end)


def _order(board: Board, c: Candidate) -> tuple[date, date, int]:
    window = _window(board, c)
    return (c.as_of, window[1] if window else c.as_of, c.id)


def _newest(board: Board, candidates: Iterable[Candidate]) -> Candidate | None:
    return max(candidates, key=lambda c: _order(board, c), default=None)


def _pool(board: Board, snapshots: Iterable[SnapshotLike]) -> list[Candidate]:
    pool = [_candidate(s) for s in snapshots]
    if board.window is Window.WEEK:
        # A day view stored on a week board would never be comparable with a week.
        pool = [c for c in pool if window_days(_window(board, c) or (c.as_of, c.as_of)) == WEEK_DAYS]
    return pool


def _describe(board: Board, c: Candidate) -> str:
    window = _window(board, c)
    return f"{window[0]}..{window[1]}" if window else f"as of {c.as_of}"


def _week_before(board: Board, newer: Candidate, pool: Sequence[Candidate]) -> Candidate | None:
    window = _window(board, newer)
    assert window is not None  # week boards always have a window
    week = timedelta(days=WEEK_DAYS)
    return _newest(board, (c for c in pool if _window(board, c) == (window[0] - week, window[1] - week)))


def _default_older(board: Board, newer: Candidate, pool: Sequence[Candidate]) -> tuple[Candidate | None, str]:
    if board.window is Window.WEEK:
        older = _week_before(board, newer, pool)
        if older is None:
            window = _window(board, newer)
            assert window is not None
            week = timedelta(days=WEEK_DAYS)
            return None, (
                f"no comparable snapshot: the {board.id} window {window[0] - week}..{window[1] - week} "
                f"(the week before {_describe(board, newer)}) is not stored; overlapping windows are "
                "never compared"
            )
        return older, ""
    older = _newest(board, (c for c in pool if c.as_of < newer.as_of))
    if older is None:
        return None, f"no comparable snapshot: nothing stored for {board.id} before {newer.as_of}"
    return older, ""


def pick_comparison(
    board: Board,
    snapshots: Iterable[SnapshotLike],
    *,
    from_date: date | None = None,
    to_date: date | None = None,
) -> Comparison:
    """The pair `tracker diff` compares: by default the newest and its predecessor (module docstring)."""
    pool = _pool(board, snapshots)
    newer = _newest(board, (c for c in pool if to_date is None or c.as_of <= to_date))
    if newer is None:
        bound = f" as of {to_date} or earlier" if to_date else ""
        return Comparison(board.id, None, None, f"no snapshot of {board.id}{bound}")
    if from_date is None:
        older, note = _default_older(board, newer, pool)
        return Comparison(board.id, newer, older, note)
    older = _newest(board, (c for c in pool if c.as_of <= from_date))
    refusal = _refuse_explicit(board, older, newer, from_date)
    return Comparison(board.id, newer, None if refusal else older, refusal)


def _refuse_explicit(board: Board, older: Candidate | None, newer: Candidate, from_date: date) -> str:
    if older is None:
        return f"no comparable snapshot: nothing stored for {board.id} as of {from_date} or earlier"
    if older.id == newer.id:
        return f"no comparable snapshot: both dates select the same snapshot ({_describe(board, newer)})"
    if _order(board, older) > _order(board, newer):
        return "no comparable snapshot: the from date selects a snapshot newer than the to date's"
    old_window, new_window = _window(board, older), _window(board, newer)
    if board.window is Window.WEEK and old_window and new_window and old_window[1] >= new_window[0]:
        return (
            f"no comparable snapshot: windows {_describe(board, older)} and {_describe(board, newer)} "
            "overlap; pick dates at least seven days apart"
        )
    return ""


def pick_for_post(
    board: Board,
    snapshots: Iterable[SnapshotLike],
    *,
    previous_post: date | None,
    to_date: date | None = None,
    told: Collection[int] = (),
) -> Comparison:
    """The pair a weekly post describes: OpenRouter week over week, Arena since the previous post (`told`:
    the snapshot ids the previous post was written from)."""
    pool = _pool(board, snapshots)
    if board.window is Window.WEEK or previous_post is None:
        picked = pick_comparison(board, pool, to_date=to_date)
        if picked.newer is not None and picked.newer.id in told:  # told already: nothing new since
            return Comparison(
                board.id, picked.newer, picked.newer, f"{board.id} has nothing new since the previous post"
            )
        return picked
    newer = _newest(board, (c for c in pool if to_date is None or c.as_of <= to_date))
    if newer is None:
        return Comparison(board.id, None, None, f"no snapshot of {board.id}")
    older = _newest(board, (c for c in pool if c.as_of <= previous_post))
    if older is None:
        return Comparison(
            board.id, newer, None, f"no comparable snapshot: nothing stored for {board.id} by {previous_post}"
        )
    if older.id == newer.id:
        return Comparison(board.id, newer, newer, f"{board.id} unchanged since the previous post")
    return Comparison(board.id, newer, older)


# ---- publishing


@dataclass(frozen=True)
class PublishPolicy:
    """What makes a week worth a post (module docstring)."""

    new_leader: bool = True
    top_moves_within: int = 5  # any significant move touching the top five publishes
    min_places: int = 2  # ... and any significant move of this many places within `within_top`
    within_top: int = 20
    entries_exits: bool = True  # an entry to or exit from the top `within_top`
    insignificant_min_places: int = 4  # an Arena move inside the confidence intervals counts only this big


DEFAULT_POLICY = PublishPolicy()


def _touches(event: Event, n: int) -> bool:
    return any(r is not None and r <= n for r in (event.from_rank, event.to_rank))


def _places(event: Event) -> int:
    if event.from_rank is None or event.to_rank is None:
        return 0
    return abs(event.from_rank - event.to_rank)


def _reason(event: Event, policy: PublishPolicy) -> str | None:
    clear = event.significant is not False
    name = event.model or event.model_id or "?"
    if event.kind == "new_leader" and policy.new_leader and clear:
        return f"{event.board}: {name} is the new leader"
    if event.kind in ("entered", "exited") and policy.entries_exits and clear:
        side = event.to_rank if event.kind == "entered" else event.from_rank
        if side is not None and side <= policy.within_top:
            return f"{event.board}: {name} {event.kind} the top {policy.within_top}"
    if event.kind != "moved" or not _touches(event, policy.within_top):
        return None
    if clear and _touches(event, policy.top_moves_within):
        return f"{event.board}: {name} moved within the top {policy.top_moves_within}"
    if _places(event) >= (policy.min_places if clear else policy.insignificant_min_places):
        return f"{event.board}: {name} moved {_places(event)} places"
    return None


def publish_reasons(events: Iterable[Event], policy: PublishPolicy = DEFAULT_POLICY) -> list[str]:
    """Why these events make a post, one line per qualifying event; empty when they do not."""
    events = list(events)
    stale = {e.board for e in events if e.kind == "stale"}
    reasons = (_reason(e, policy) for e in events if e.board not in stale)
    return [r for r in reasons if r is not None]


def should_publish(events: Iterable[Event], policy: PublishPolicy = DEFAULT_POLICY) -> bool:
    """The `publish` flag of `tracker diff --json`."""
    return bool(publish_reasons(events, policy))
