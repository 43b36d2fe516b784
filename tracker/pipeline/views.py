"""What `show` and `status` print: a snapshot's ranking and the sources' health, as JSON-ready dicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.models import BOARDS, Entry, Event, Snapshot, SourceStatus, ValueKind
from tracker.units import format_rank


def entry_json(entry: Entry, value: ValueKind) -> dict[str, Any]:
    out: dict[str, Any] = {"rank": entry.rank, "model": entry.model, "model_id": entry.model_id}
    if value is ValueKind.SCORE:
        out.update(score=entry.score, ci_low=entry.ci_low, ci_high=entry.ci_high, votes=entry.votes)
        if entry.rank_upper is not None or entry.rank_lower is not None:
            out.update(rank_upper=entry.rank_upper, rank_lower=entry.rank_lower)
        out["rank_kind"] = str(entry.rank_kind)
    else:
        out["tokens"] = entry.tokens
        if entry.tokens_lower_bound:
            out["tokens_lower_bound"] = True  # missing from the daily top 50 on some day of the window
        if entry.prompt_tokens is not None:
            out.update(prompt_tokens=entry.prompt_tokens, completion_tokens=entry.completion_tokens)
        if entry.change is not None:
            out["change_pct"] = entry.change * 100
        if entry.share is not None:
            out["share"] = entry.share
    return out


def snapshot_json(snapshot: Snapshot, top: int | None = None) -> dict[str, Any]:
    board = BOARDS[snapshot.board]
    entries = snapshot.entries[:top] if top else snapshot.entries
    out: dict[str, Any] = {"board": snapshot.board, "as_of": snapshot.as_of.isoformat()}
    if snapshot.window_start is not None:
        out["window"] = {
            "start": snapshot.window_start.isoformat(),
            "end": (snapshot.window_end or snapshot.as_of).isoformat(),
        }
    out["observed_at"] = snapshot.observed_at.isoformat()
    out["attribution"] = board.attribution.format(as_of=snapshot.as_of.isoformat())
    out["entries"] = [entry_json(e, board.value) for e in entries]
    return out


def describe(event: Event) -> str:
    """One line of plain text for an event, for `tracker diff` on a terminal."""
    name = event.model or event.model_id or ""
    ranks = ""
    if event.from_rank is not None or event.to_rank is not None:
        ranks = f" {format_rank(event.from_rank)} -> {format_rank(event.to_rank)}"
    growth = f", {event.growth_pct:+.1f}%" if event.growth_pct is not None else ""
    significance = " (within the confidence intervals)" if event.significant is False else ""
    extra = ""
    if event.kind == "top_unchanged":
        extra = " " + ", ".join(str(m.get("model", m.get("model_id"))) for m in event.extra.get("models", []))
    elif event.kind == "stale":
        extra = f" since {event.extra.get('since')}"
    elif event.kind == "biggest_mover":
        extra = f" (top {event.extra.get('within_top')})"
    return f"{event.kind}: {name}{ranks}{growth}{significance}{extra}".replace(":  ", ": ").rstrip()


def status_json(statuses: list[SourceStatus], now: datetime) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "checked_at": now.isoformat(),
        "sources": [
            {
                "source": s.source,
                "last_attempt_at": when(s.last_attempt_at),
                "last_outcome": s.last_outcome,
                "last_success_at": when(s.last_success_at),
                "last_as_of": s.last_as_of.isoformat() if s.last_as_of else None,
                "consecutive_failures": s.consecutive_failures,
                "last_error": s.last_error,
                "stale": s.stale,
                "stale_since": s.stale_since.isoformat() if s.stale_since else None,
            }
            for s in statuses
        ],
    }
