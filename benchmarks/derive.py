"""What a tracker running for years would also have stored: the events of every comparison and the weekly posts.

`tracker run` diffs each new snapshot against the previous comparable one (Arena: the previous snapshot;
OpenRouter: the window that ended seven days before) and stores the events, and writes a post once a week
when something moved enough. Here the same pure functions (`pick_for_post`, `diff_snapshots`,
`should_publish`, `write_post`) run over a whole stored history at once, and the results are stored
through the normal store.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine

from tracker.diff import diff_snapshots, event_key
from tracker.history import History
from tracker.models import BOARDS, Board, Event, Snapshot, Window
from tracker.narrate import BoardWeek, post_date, write_post
from tracker.pipeline.report import POST_BOARDS, POST_INTERVAL
from tracker.policy import pick_for_post, should_publish
from tracker.store import Store

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Pair:
    board: Board
    older: Snapshot | None
    newer: Snapshot


def comparable_pairs(board: Board, history: Sequence[Snapshot]) -> list[Pair]:
    """Every snapshot with the one it is compared with (history oldest first)."""
    if board.window is Window.WEEK:
        by_day = {s.as_of: s for s in history}
        return [Pair(board, by_day.get(s.as_of - WEEK), s) for s in history]
    return [Pair(board, history[i - 1] if i else None, s) for i, s in enumerate(history)]


def diff_pairs(pairs: Sequence[Pair]) -> tuple[list[list[Event]], float]:
    """The events of every pair, and the seconds the diffs took (the diff engine alone)."""
    started = time.perf_counter()
    events = [diff_snapshots(p.board, p.older, p.newer, now=p.newer.observed_at) for p in pairs]
    return events, time.perf_counter() - started


def _save(store: Store, pair: Pair, events: Sequence[Event]) -> int:
    older = pair.older.id if pair.older else None
    keyed = [(event_key(e, older, pair.newer.id), e) for e in events]
    return store.save_events(pair.board.id, older, pair.newer.id, keyed)


def _up_to(history: Sequence[Snapshot], day: date) -> Sequence[Snapshot]:
    return history[: bisect.bisect_right([s.as_of for s in history], day)]


def weekly_posts(store: Store, histories: dict[str, list[Snapshot]], first: date, last: date) -> int:
    """Replay `tracker.pipeline.report.weekly_post` as a daily run would have called it; returns posts stored."""
    posts, previous, day = 0, None, first
    while day <= last:
        if previous is not None and day - previous < POST_INTERVAL:
            day += timedelta(days=1)
            continue
        weeks: list[BoardWeek] = []
        found: list[tuple[Pair, list[Event]]] = []
        publish = False
        for board_id in POST_BOARDS:
            board, pool = BOARDS[board_id], _up_to(histories.get(board_id, []), day)
            if not pool:
                continue
            chosen = pick_for_post(board, pool, previous_post=previous)
            if chosen.newer is None or chosen.older is None:
                continue
            by_id = {s.id: s for s in pool}
            pair = Pair(board, by_id[chosen.older.id], by_id[chosen.newer.id])
            older = None if pair.older is pair.newer else pair.older
            events = diff_snapshots(board, older, pair.newer, now=pair.newer.observed_at)
            publish = publish or should_publish(events)
            found.append((Pair(board, older, pair.newer), events))
            weeks.append(BoardWeek(board, pair.newer, pair.older, events))
        if weeks and publish and (previous is None or post_date(weeks) - previous >= POST_INTERVAL):
            for pair, events in found:
                _save(store, pair, events)
            post = write_post(weeks)
            posts += store.save_post(post)
            previous = post_date(weeks)
        day += timedelta(days=1)
    return posts


def derive_events_and_posts(engine: Engine) -> dict[str, float]:
    """Store the events of every comparable pair and the weekly posts; returns counts and timings."""
    history, store = History(engine), Store(engine)
    started = time.perf_counter()
    histories = {b: history.board_history(b) for b in POST_BOARDS}
    loaded = time.perf_counter() - started
    pairs = [p for b, h in histories.items() for p in comparable_pairs(BOARDS[b], h)]
    events, diff_seconds = diff_pairs(pairs)
    stored = sum(_save(store, pair, found) for pair, found in zip(pairs, events, strict=True) if pair.older)
    days = [s.as_of for h in histories.values() for s in h]
    posts = weekly_posts(store, histories, min(days) + WEEK, max(days)) if days else 0
    return {
        "history_read_seconds": round(loaded, 3),
        "pairs": len(pairs),
        "diff_seconds": round(diff_seconds, 3),
        "events_stored": stored,
        "posts_stored": posts,
    }
