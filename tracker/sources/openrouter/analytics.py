"""The legacy find-analytics file (`/api/frontend/models/find`, `data.analytics`, gone since about mid-2026).

An object keyed by variant permaslug; each value is a 7-day aggregate row with `date`, `model_permaslug`,
`variant`, `variant_permaslug`, `total_prompt_tokens`, `total_completion_tokens` and request counters,
but no `change`.

The window we assume: the 7 days ending on the newest `date`. In the real capture (saved 2025-12-11)
351 of 363 rows carry 2025-12-04 and the rest 12-05..12-10, and the late ones are models released in
those days (`mistralai/devstral-2512`, `z-ai/glm-4.6-20251208`): here `date` reads as each model's first
day with usage, so the window is 2025-12-04..2025-12-10, which is also max(date) - 6..max(date). Any
row dated before max(date) - 6 would contradict a 7-day window and fails the parse.
The file may be a subset of the catalogue (its saver kept only the models it listed), so its sum is
not known to be the market total: `share` is left empty.
"""

from __future__ import annotations

from datetime import date

from tracker.models import LayoutError, ParsedSnapshot
from tracker.sources.openrouter.common import (
    BOARD,
    Usage,
    day,
    field,
    load_json,
    mapping,
    nfc,
    ranked_entries,
    require_board,
    sniff_json,
    token_count,
)
from tracker.sources.openrouter.frontend import trailing_window, variant_key

FORMAT = "openrouter-find-analytics"


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    require_board(board, FORMAT)
    doc = mapping(load_json(body, FORMAT), FORMAT, "the analytics file")
    if not doc:
        raise LayoutError(f"{FORMAT}: the analytics object is empty")
    usages: list[Usage] = []
    days: list[date] = []
    for key, raw in doc.items():
        where = f"[{key!r}]"
        row = mapping(raw, FORMAT, where)
        model_id = variant_key(row, FORMAT, where)
        if model_id != nfc(key):
            raise LayoutError(f"{FORMAT}: {where}: keyed by {key!r} but its variant_permaslug is {model_id!r}")
        days.append(day(field(row, "date", FORMAT, where), FORMAT, where))
        prompt = token_count(field(row, "total_prompt_tokens", FORMAT, where), FORMAT, f"{where} prompt")
        completion = token_count(field(row, "total_completion_tokens", FORMAT, where), FORMAT, f"{where} completion")
        usages.append(Usage(model_id, prompt + completion, prompt_tokens=prompt, completion_tokens=completion))
    start, end = trailing_window(days, as_of, FORMAT)
    return [
        ParsedSnapshot(
            board=BOARD,
            as_of=end,
            entries=ranked_entries(usages),
            method=FORMAT,
            window_start=start,
            window_end=end,
            notes="legacy find-analytics 7-day totals; window assumed to end on the newest row date",
        )
    ]


def sniff(body: bytes, filename: str) -> bool:
    doc = sniff_json(body)
    if not isinstance(doc, dict) or not doc or "data" in doc:
        return False
    first = next(iter(doc.values()))
    return isinstance(first, dict) and {"variant_permaslug", "total_prompt_tokens"} <= first.keys()
