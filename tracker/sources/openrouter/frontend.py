"""The saved frontend weekly leaderboard (`/api/frontend/v1/rankings/models`): `{"data": [row, ...]}`.

One row per (model_permaslug, variant) with trailing 7-day totals: `total_prompt_tokens`,
`total_completion_tokens`, `change` (a fraction against the previous 7 days, or null for a new model)
and `date`, the last day in the window on which the model had usage. The window therefore ends on
the newest `date` in the file and spans the 7 days up to it (verified: the 2026-08-01 capture's rows
are exactly the daily Data API sums of 2026-07-25..31). Every row must fall inside that window.

The rows are not sorted by tokens; we rank them. The file lists every model with usage in the window,
so the sum of its rows is the window's total (it equals the daily rows' total including `other`, to
the token, but for one later upstream revision): `share` is each row's part of that sum.
Import only: OpenRouter's terms forbid scraping the site, so no collector fetches this URL.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tracker.models import InvalidCaptureError, LayoutError, ParsedSnapshot
from tracker.sources.openrouter.common import (
    BOARD,
    WINDOW_DAYS,
    Usage,
    day,
    field,
    load_json,
    mapping,
    non_empty_list,
    optional_fraction,
    ranked_entries,
    require_board,
    share_of,
    slug,
    sniff_json,
    token_count,
)

FORMAT = "openrouter-frontend-week"

_REQUIRED = ("date", "variant_permaslug", "total_prompt_tokens", "total_completion_tokens")


def variant_key(row: dict[str, Any], fmt: str, where: str) -> str:
    """The row's `variant_permaslug`, checked against `model_permaslug` + `variant` when both are there."""
    key = slug(field(row, "variant_permaslug", fmt, where), fmt, where)
    base, variant = row.get("model_permaslug"), row.get("variant")
    if isinstance(base, str) and isinstance(variant, str):
        expected = base.strip() if variant in ("", "standard") else f"{base.strip()}:{variant}"
        if slug(expected, fmt, where) != key:
            raise LayoutError(f"{fmt}: {where}: variant_permaslug {key!r} is not {expected!r}")
    return key


def trailing_window(days: list[date], as_of: date | None, fmt: str) -> tuple[date, date]:
    """The 7-day window ending on the newest row date; every row date must lie inside it."""
    end = max(days)
    start = end - timedelta(days=WINDOW_DAYS - 1)
    if min(days) < start:
        raise LayoutError(
            f"{fmt}: row dates span {min(days).isoformat()}..{end.isoformat()}, more than one 7-day window"
        )
    if as_of is not None and end > as_of:
        raise LayoutError(
            f"{fmt}: the window ends {end.isoformat()}, after the last complete day given ({as_of.isoformat()})"
        )
    return start, end


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    require_board(board, FORMAT)
    doc = mapping(load_json(body, FORMAT), FORMAT, "the leaderboard")
    rows = non_empty_list(doc.get("data"), FORMAT, "the `data` array")
    seen: dict[str, tuple[int, int, float | None]] = {}
    days: list[date] = []
    for i, raw in enumerate(rows):
        where = f"data[{i}]"
        row = mapping(raw, FORMAT, where)
        for key in _REQUIRED:
            field(row, key, FORMAT, where)
        model_id = variant_key(row, FORMAT, where)
        if model_id in seen:
            raise InvalidCaptureError(f"{FORMAT}: {where}: a second row for {model_id!r}")
        days.append(day(row["date"], FORMAT, where))
        seen[model_id] = (
            token_count(row["total_prompt_tokens"], FORMAT, f"{where}.total_prompt_tokens"),
            token_count(row["total_completion_tokens"], FORMAT, f"{where}.total_completion_tokens"),
            optional_fraction(row.get("change"), FORMAT, f"{where}.change"),
        )
    start, end = trailing_window(days, as_of, FORMAT)
    total = sum(p + c for p, c, _ in seen.values())
    usages = [
        Usage(
            model_id,
            prompt + completion,
            prompt_tokens=prompt,
            completion_tokens=completion,
            change=change,
            share=share_of(prompt + completion, total),
        )
        for model_id, (prompt, completion, change) in seen.items()
    ]
    return [
        ParsedSnapshot(
            board=BOARD,
            as_of=end,
            entries=ranked_entries(usages),
            method=FORMAT,
            window_start=start,
            window_end=end,
            notes="OpenRouter's own trailing 7-day totals (saved frontend leaderboard)",
        )
    ]


def sniff(body: bytes, filename: str) -> bool:
    doc = sniff_json(body)
    rows = doc.get("data") if isinstance(doc, dict) else None
    return (
        isinstance(rows, list)
        and bool(rows)
        and isinstance(rows[0], dict)
        and {"variant_permaslug", "total_prompt_tokens", "total_completion_tokens"} <= rows[0].keys()
    )
