"""The diff engine: two validated snapshots of one board -> the events between them (pure, deterministic).

Models are matched by `model_id` (the canonical id), so a renamed model is the same model; events carry
the newer display name. Per-model events (`moved`, `grew_lost_rank`, `shrank_gained_rank`) cover every
model listed in both snapshots of a usage board (OpenRouter lists its top 50), and on Arena boards (hundreds
of models) the watched zone only: models ranked within the top N (default 20) in either snapshot. Rules:

- `moved`: the rank number changed (a tie at #2 that stays a tie at #2 did not move).
- `entered` / `exited` the top N: crossing the line, or appearing/vanishing where the absence is
  known (see `diff_rules.absence_is_known`): a model missing from a shorter list is not an exit.
- `grew_lost_rank` / `shrank_gained_rank`: token boards only. Arena scores are relative ratings
  re-fitted on every publication, not a volume a market grows around, so "rose yet fell" says nothing.
- `biggest_mover`: the largest rank change (either direction) among models in both snapshots and in
  the newer top N; every tie is reported; not reported below `biggest_mover_min_places` (2), because a
  one-place shuffle is every swap, not a story.
- `new_leader`: a model at the newer top rank that was not at the older top rank.
- `top_unchanged`: the same models at the same ranks in the top five.
- `stale`: the newer upstream date lags `now` past the board's `stale_after`; then it is the only
  event (a stale board never reports moves). With `now=None` staleness is not checked.
- No older snapshot (the first one): no events but `stale`; nothing can have dropped.

Growth (token boards, in percent, exact float): from our two snapshots when the older lists the model
with tokens > 0 and neither figure is a lower bound (`Entry.tokens_lower_bound`: a sum of daily top-50
rows the model was missing from on some day), otherwise OpenRouter's own `change` of the newer entry
(`extra.growth_source` says which: "snapshots" or "upstream"). A lower bound never makes a model
"grow yet lose rank" or "shrink yet gain rank". Arena events carry `significant` (see `diff_rules`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tracker.diff_checks import check_comparable, is_stale
from tracker.diff_rules import absence_is_known, ci_separated, move_significance, rank_of
from tracker.models import CUT_LIST_METHODS, DEFAULT_TOP_N, Board, Entry, Event, Snapshot, ValueKind

KIND_ORDER = (
    "stale",
    "new_leader",
    "top_unchanged",
    "biggest_mover",
    "entered",
    "exited",
    "moved",
    "grew_lost_rank",
    "shrank_gained_rank",
)


@dataclass(frozen=True)
class DiffOptions:
    top_n: int = DEFAULT_TOP_N  # the watched zone, and the line for entered/exited and biggest_mover
    top_unchanged: int = 5
    comparable_ratio: float = 0.8  # small boards: shorter list >= 80% of the longer to trust absences
    biggest_mover_min_places: int = 2


DEFAULT_OPTIONS = DiffOptions()


def entry_value(board: Board, entry: Entry) -> float | int | None:
    """The figure a board ranks by: a score on Arena, a token count on OpenRouter."""
    return entry.tokens if board.value is ValueKind.TOKENS else entry.score


def growth_pct(board: Board, new: Entry, old: Entry | None) -> tuple[float | None, str | None]:
    """(growth in percent, "snapshots" | "upstream") of a model's tokens; (None, None) if unknown."""
    if board.value is not ValueKind.TOKENS:
        return None, None
    if old is not None and old.tokens and new.tokens is not None and not _lower_bound(old, new):
        return (new.tokens - old.tokens) * 100 / old.tokens, "snapshots"
    if new.change is not None:
        return new.change * 100, "upstream"
    return None, None


def diff_snapshots(
    board: Board,
    older: Snapshot | None,
    newer: Snapshot,
    *,
    now: datetime | None = None,
    options: DiffOptions = DEFAULT_OPTIONS,
) -> list[Event]:
    """Events from `older` to `newer` (module docstring); ValueError if they are not comparable."""
    check_comparable(board, older, newer)
    if now is not None and is_stale(board, newer, now):
        return [Event("stale", board.id, extra={"since": newer.as_of.isoformat()})]
    if older is None:
        return []
    pair = _Pair(board, older, newer, options)
    events = [
        *pair.new_leaders(),
        *pair.top_unchanged(),
        *pair.biggest_movers(),
        *pair.entries_and_exits(),
        *pair.moves(),
        *pair.growth_against_rank(),
    ]
    return sort_events(events)


def sort_events(events: Iterable[Event]) -> list[Event]:
    """Kind order of KIND_ORDER, then rank (newer rank, else older), then model id."""

    def key(event: Event) -> tuple[int, float, float, str]:
        kind = KIND_ORDER.index(event.kind) if event.kind in KIND_ORDER else len(KIND_ORDER)
        rank = event.to_rank if event.to_rank is not None else event.from_rank
        return (
            kind,
            math.inf if rank is None else rank,
            math.inf if event.from_rank is None else event.from_rank,
            event.model_id or "",
        )

    return sorted(events, key=key)


def event_key(event: Event, from_snapshot_id: int | None, to_snapshot_id: int) -> str:
    """A stable id for one event of one diff: sha256 of compact, key-sorted JSON.

    Display names are left out: a model renamed between two runs of the same diff is the same event.
    """
    payload = {
        "board": event.board,
        "from": from_snapshot_id,
        "to": to_snapshot_id,
        "event": _without_names(event.to_json()),
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _without_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_names(v) for k, v in value.items() if k != "model"}
    if isinstance(value, list):
        return [_without_names(v) for v in value]
    return value


def _ranked(entries: Sequence[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (rank_of(e), e.model_id))


@dataclass
class _Pair:
    """Both snapshots indexed by model id, and the event builders that read them."""

    board: Board
    older: Snapshot
    newer: Snapshot
    options: DiffOptions
    old: dict[str, Entry] = field(init=False)
    new: dict[str, Entry] = field(init=False)

    def __post_init__(self) -> None:
        self.old = {e.model_id: e for e in _ranked(self.older.entries)}
        self.new = {e.model_id: e for e in _ranked(self.newer.entries)}

    # ---- helpers

    def common_in_zone(self) -> list[str]:
        # A usage ranking is a short list (OpenRouter's top 50): every model listed in both is watched,
        # so a model that grew yet lost rank at #30 is reported too. Arena's hundreds: the top N only.
        if self.board.value is ValueKind.TOKENS:
            return [i for i in self.new if i in self.old]
        return [i for i in self.new if i in self.old and _within(self.options.top_n, self.old[i], self.new[i])]

    def significance(self, model_id: str) -> bool | None:
        if self.board.value is not ValueKind.SCORE or model_id not in self.old or model_id not in self.new:
            return None
        return move_significance(model_id, self.old, self.new)

    def event(self, kind: str, model_id: str, **extra: Any) -> Event:
        old, new = self.old.get(model_id), self.new.get(model_id)
        shown = new or old
        assert shown is not None
        growth, source = growth_pct(self.board, new, old) if new is not None else (None, None)
        if source is not None:
            extra["growth_source"] = source
        return Event(
            kind=kind,
            board=self.board.id,
            model_id=model_id,
            model=shown.model,
            from_rank=old.rank if old else None,
            to_rank=new.rank if new else None,
            value_before=entry_value(self.board, old) if old else None,
            value_after=entry_value(self.board, new) if new else None,
            growth_pct=growth,
            significant=self.significance(model_id),
            extra=extra,
        )

    def summary(self, entry: Entry) -> dict[str, Any]:
        return {"model": entry.model, "model_id": entry.model_id, "value": entry_value(self.board, entry)}

    # ---- event builders

    def new_leaders(self) -> list[Event]:
        if not self.old or not self.new:
            return []
        old_top = _at_top(self.old.values())
        previous = [self.summary(e) for e in old_top]
        before = {e.model_id for e in old_top}
        events = []
        for leader in _at_top(self.new.values()):
            if leader.model_id in before:
                continue
            event = self.event("new_leader", leader.model_id, previous=previous)
            if leader.model_id not in self.old and self.board.value is ValueKind.SCORE:
                # A newcomer at #1 is a clear leader only if apart from every previous leader still listed.
                verdicts = [ci_separated(leader, self.new[e.model_id]) for e in old_top if e.model_id in self.new]
                clear = all(verdicts) if verdicts and None not in verdicts else None
                event = replace(event, significant=clear)
            events.append(event)
        return events

    def top_unchanged(self) -> list[Event]:
        k = self.options.top_unchanged
        if min(len(self.old), len(self.new)) < k:
            return []
        old_top, new_top = list(self.old.values())[:k], list(self.new.values())[:k]
        if [(e.model_id, e.rank) for e in old_top] != [(e.model_id, e.rank) for e in new_top]:
            return []
        models = [self.summary(e) for e in new_top]
        return [Event("top_unchanged", self.board.id, extra={"n": k, "models": models})]

    def biggest_movers(self) -> list[Event]:
        n = self.options.top_n
        places = {
            i: abs(rank_of(self.old[i]) - rank_of(e)) for i, e in self.new.items() if i in self.old and rank_of(e) <= n
        }
        best = max(places.values(), default=0)
        if best < max(1, self.options.biggest_mover_min_places):
            return []
        return [self.event("biggest_mover", i, within_top=n, places=best) for i, p in places.items() if p == best]

    def entries_and_exits(self) -> list[Event]:
        n, ratio = self.options.top_n, self.options.comparable_ratio
        events = []
        sides = (("entered", self.new, self.old, self.older), ("exited", self.old, self.new, self.newer))
        for kind, here, there, there_snapshot in sides:
            cut = there_snapshot.method in CUT_LIST_METHODS
            absence_known = absence_is_known(len(there), len(here), n, ratio, cut=cut)
            for i, entry in here.items():
                other = there.get(i)
                crossed = other is not None and rank_of(other) > n
                if rank_of(entry) <= n and (crossed or (other is None and absence_known)):
                    events.append(self.event(kind, i, within_top=n))
        return events

    def moves(self) -> list[Event]:
        return [self.event("moved", i) for i in self.common_in_zone() if self.old[i].rank != self.new[i].rank]

    def growth_against_rank(self) -> list[Event]:
        if self.board.value is not ValueKind.TOKENS:
            return []
        events = []
        for i in self.common_in_zone():
            old, new = self.old[i], self.new[i]
            if old.tokens is None or new.tokens is None or _lower_bound(old, new):
                continue
            if rank_of(new) > rank_of(old) and new.tokens > old.tokens:
                events.append(self.event("grew_lost_rank", i))
            elif rank_of(new) < rank_of(old) and new.tokens < old.tokens:
                events.append(self.event("shrank_gained_rank", i))
        return events


def _lower_bound(*entries: Entry) -> bool:
    """Whether any of these token figures is only a lower bound (a partial sum of daily rows)."""
    return any(e.tokens_lower_bound for e in entries)


def _within(n: int, *entries: Entry) -> bool:
    return any(e.rank is not None and e.rank <= n for e in entries)


def _at_top(entries: Iterable[Entry]) -> list[Entry]:
    """Every entry sharing the best rank (several under Arena's tied "Rank (UB)")."""
    listed = list(entries)
    best = min(rank_of(e) for e in listed)
    return [e for e in listed if rank_of(e) == best]
