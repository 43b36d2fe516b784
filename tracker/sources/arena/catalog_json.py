"""Arena's own leaderboard export from the `lmarena/arena-catalog` repository.

Shape `{category: {model_key: {rating, rating_q975, rating_q025}}}`; the `full` category is the overall
board. The export carries no ranks, votes or date: ranks are computed here by rating (equal ratings
share a rank) and the date comes from the caller. `leaderboard-text-style-control.json` feeds
`arena-text`; the same shape without style control (`leaderboard-text.json`) feeds `arena-text-raw` —
the file cannot tell which it is, so the caller's --board decides.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.models import Entry, LayoutError, ParsedSnapshot, RankKind
from tracker.sources.arena.common import (
    body_head,
    check_board,
    competition_ranks,
    load_json,
    name,
    number,
    require_as_of,
)

FORMAT = "arena-catalog"
BOARDS = ("arena-text", "arena-text-raw")
CATEGORY = "full"


def sniff(body: bytes, filename: str) -> bool:
    head = body_head(body)
    return head[:1] == b"{" and b'"rating_q975"' in head and b'"rating_q025"' in head and b'"row_idx"' not in head


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    check_board(board, BOARDS, FORMAT)
    doc = load_json(body, FORMAT)
    if not isinstance(doc, dict):
        raise LayoutError(f"{FORMAT}: the export is not an object of categories")
    models = doc.get(CATEGORY)
    if not isinstance(models, dict) or not models:
        held = ", ".join(sorted(doc)) or "none"
        raise LayoutError(f"{FORMAT}: category {CATEGORY!r} is missing or empty; the file holds: {held}")
    rated = sorted((_rated(key, value) for key, value in models.items()), key=lambda r: (-r[1], r[0]))
    ranks = competition_ranks([rating for _, rating, _, _ in rated])
    entries = tuple(
        Entry(
            model_id=key,
            model=key,  # the export names models by their Arena key only
            rank=rank,
            rank_kind=RankKind.BY_VALUE,
            score=rating,
            ci_low=low,
            ci_high=high,
        )
        for rank, (key, rating, low, high) in zip(ranks, rated, strict=True)
    )
    return [
        ParsedSnapshot(
            board=board,
            as_of=require_as_of(as_of, FORMAT),
            entries=entries,
            method=FORMAT,
            notes=f"category {CATEGORY}; ranked by rating here (ties share a rank)",
        )
    ]


def _rated(key: Any, value: Any) -> tuple[str, float, float | None, float | None]:
    model = name(key, FORMAT, "a model key")
    if not isinstance(value, dict):
        raise LayoutError(f"{FORMAT}: the entry of {model!r} is not an object")
    low = value.get("rating_q025")
    high = value.get("rating_q975")
    return (
        model,
        number(value.get("rating"), FORMAT, f"rating of {model!r}"),
        None if low is None else number(low, FORMAT, f"rating_q025 of {model!r}"),
        None if high is None else number(high, FORMAT, f"rating_q975 of {model!r}"),
    )
