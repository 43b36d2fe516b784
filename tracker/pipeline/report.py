"""Turning stored snapshots into events and posts: the diff of a board, and the weekly post when it is due."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tracker.diff import diff_snapshots, event_key
from tracker.history import History
from tracker.models import BOARDS, Board, Event, Post, Snapshot, SnapshotRef, UsageError
from tracker.narrate import BoardWeek, post_date, write_post
from tracker.pipeline.portfolio import matchup
from tracker.policy import DEFAULT_POLICY, Comparison, PublishPolicy, pick_comparison, pick_for_post, should_publish
from tracker.store import Store

log = logging.getLogger(__name__)

# The boards a weekly post covers (Arena Text without style control is kept in the history, not the post).
POST_BOARDS = ("arena-text", "arena-webdev", "openrouter-weekly")
POST_INTERVAL = timedelta(days=7)


@dataclass(frozen=True)
class BoardDiff:
    board: Board
    older: Snapshot | None
    newer: Snapshot
    events: list[Event]
    publish: bool
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "board": self.board.id,
            "from": {"as_of": self.older.as_of.isoformat()} if self.older else None,
            "to": {"as_of": self.newer.as_of.isoformat()},
            "publish": self.publish,
            "events": [e.to_json() for e in self.events],
            **({"note": self.note} if self.note else {}),
        }


def watch_clock(history: History, board: str) -> datetime | None:
    """When the tracker last looked at a board live: staleness is measured up to then.

    A board that only ever arrived by import is not being watched, so it is never stale; and the clock
    comes from the data, so the same database always gives the same events and site.
    """
    return history.last_collect_attempt(board)


def _diff(history: History, board: Board, comparison: Comparison, policy: PublishPolicy) -> BoardDiff:
    if comparison.newer is None:
        raise UsageError(f"no snapshot of {board.id} yet: run `tracker collect` or `tracker import` first")
    newer = history.load_snapshot(comparison.newer.id)
    older = history.load_snapshot(comparison.older.id) if comparison.older else None
    clock = watch_clock(history, board.id)
    if older is not None and older.id == newer.id:  # nothing new for the post since the last: staleness only
        events = [e for e in diff_snapshots(board, None, newer, now=clock) if e.kind == "stale"]
    else:
        try:
            events = diff_snapshots(board, older, newer, now=clock)
        except ValueError as exc:
            raise UsageError(f"{board.id}: these snapshots cannot be compared: {exc}") from None
    return BoardDiff(board, older, newer, events, should_publish(events, policy), comparison.note)


def board_diff(
    history: History,
    store: Store | None,
    board_id: str,
    *,
    from_date: date | None = None,
    to_date: date | None = None,
    policy: PublishPolicy = DEFAULT_POLICY,
    refs: Sequence[SnapshotRef] | None = None,
) -> BoardDiff:
    """Diff a board (latest against the previous comparable snapshot unless dates are given); store the events.
    `refs`: the board's `History.snapshot_refs`, if the caller has read them already."""
    board = BOARDS[board_id]
    refs = history.snapshot_refs(board_id) if refs is None else refs
    comparison = pick_comparison(board, refs, from_date=from_date, to_date=to_date)
    if comparison.newer is None and to_date is not None:
        later = [r.as_of for r in refs if r.as_of > to_date]
        if later:  # stored, only not that early: "collect or import first" would be wrong
            raise UsageError(f"no snapshot of {board_id} on or before {to_date}: the earliest is as of {min(later)}")
    result = _diff(history, board, comparison, policy)
    if store is not None:
        save_events(store, result)
    return result


def save_events(store: Store, result: BoardDiff) -> int:
    older_id = result.older.id if result.older else None
    if older_id == result.newer.id:
        older_id = None
    keyed = [(event_key(e, older_id, result.newer.id), e) for e in result.events]
    return store.save_events(result.board.id, older_id, result.newer.id, keyed)


def refresh_events(history: History, store: Store) -> int:
    """Store the events of every board's latest comparison (already stored ones are skipped)."""
    new = 0
    for board_id in BOARDS:
        refs = history.snapshot_refs(board_id)
        if not refs:
            continue
        try:
            new += save_events(store, board_diff(history, None, board_id, refs=refs))
        except UsageError as exc:
            log.warning("%s", exc)
    return new


def weekly_post(history: History, store: Store, *, policy: PublishPolicy = DEFAULT_POLICY) -> Post | None:
    """Write and store the week's post when one is due and the week moved enough; else None.

    Due: no post yet, or the newest data is at least seven days newer than the last post's.
    """
    posts = history.posts()
    previous = date.fromisoformat(posts[0].slug[:10]) if posts else None
    told = set(posts[0].snapshot_ids) if posts else set()
    comparisons: list[tuple[Board, Comparison]] = []
    for board_id in POST_BOARDS:
        board = BOARDS[board_id]
        refs = history.snapshot_refs(board_id)
        if refs:
            comparisons.append((board, pick_for_post(board, refs, previous_post=previous, told=told)))
    newest = max((c.newer.as_of for _, c in comparisons if c.newer is not None), default=None)
    if previous is not None and newest is not None and newest - previous < POST_INTERVAL:
        # Not due, whatever the diffs say (the post's date is the newest of its boards'): none is made.
        log.info("no post: the last one (%s) is less than a week older than the data (%s)", previous, newest)
        return None
    weeks: list[BoardWeek] = []
    diffs: list[BoardDiff] = []
    for board, comparison in comparisons:
        try:
            result = _diff(history, board, comparison, policy)
        except UsageError as exc:
            log.warning("%s", exc)
            continue
        diffs.append(result)
        weeks.append(BoardWeek(board, result.newer, result.older, result.events))
    if not weeks:
        return None
    day = post_date(weeks)
    if previous is not None and day - previous < POST_INTERVAL:
        log.info("no post: the last one (%s) is less than a week older than the data (%s)", previous, day)
        return None
    if not any(d.publish for d in diffs):
        log.info("no post for %s: nothing moved enough to publish", day)
        return None
    post = write_post(weeks, matchup=matchup(history))
    for result in diffs:
        save_events(store, result)
    if store.save_post(post):
        log.info("post %s written: %s", post.slug, post.title)
        return post
    return None
