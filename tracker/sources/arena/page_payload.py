"""arena.ai leaderboard page payload: the Text and WebDev sections of the overview page.

The page's data travels in `self.__next_f.push([1, "..."])` chunks. Each leaderboard section is an object
`{"id": "webdev", "label": ..., "scoreUnit": "rating", ..., "entries": [{rank, rankUpper, rankLower,
modelKey, modelDisplayName, rating, ratingUpper, ratingLower, votes, modelOrganization, ...}]}`.
Agent sections carry a nested `agentPareto.entries` too, so only the section's own top-level `entries`
count. A whole page whose entries list does not close is a truncated capture; a bare excerpt may be cut,
and then its complete rows are kept with a note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from tracker.models import Entry, LayoutError, ParsedSnapshot, RankKind
from tracker.sources.arena.common import (
    check_board,
    in_rank_order,
    name,
    number,
    optional_name,
    optional_number,
    optional_whole,
    require_as_of,
    whole,
)
from tracker.sources.arena.rsc import ObjectHead, array_items, object_head, payload_of
from tracker.sources.text import decode_text

FORMAT = "arena-page"
# The WebDev id is seen in a real capture; the Text section ("Best Text Models") follows the same scheme.
SECTION_FOR_BOARD = {"arena-text": "text", "arena-webdev": "webdev"}
BOARDS = tuple(SECTION_FOR_BOARD)
SCORE_UNIT = "rating"  # Elo-like ratings; agent sections use "net-improvement" (values near 0)
# Section-level fields that would date the data, if the site ever adds one.
DATE_FIELDS = (
    "lastUpdated",
    "lastUpdatedAt",
    "updatedAt",
    "publishedAt",
    "publishDate",
    "leaderboardPublishDate",
)
_DATE_VALUE_RE = re.compile(r"^(?:\$D)?(\d{4}-\d{2}-\d{2})")
_UNDEFINED = "$undefined"  # how RSC writes a missing value


def sniff(body: bytes, filename: str) -> bool:
    if b"self.__next_f.push(" in body:
        return b"modelDisplayName" in body
    return b'modelDisplayName\\"' in body or (b'"modelDisplayName"' in body and b'"rankUpper"' in body)


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    check_board(board, BOARDS, FORMAT, "the page shows Text with style control only")
    payload = payload_of(decode_text(body, FORMAT), FORMAT)
    section_id = SECTION_FOR_BOARD[board]
    head, entries_at = _section(payload.text, section_id)
    label = head.fields.get("label", section_id)
    unit = head.fields.get("scoreUnit")
    if unit is not None and unit != SCORE_UNIT:
        raise LayoutError(f"{FORMAT}: section {section_id!r} scores in {unit!r}, not {SCORE_UNIT!r}")
    listed = array_items(payload.text, entries_at, FORMAT)
    if not listed.closed and payload.from_page:
        raise LayoutError(
            f"{FORMAT}: truncated capture: the entries list of section {section_id!r} does not close "
            f"({len(listed.items)} complete rows)"
        )
    if not listed.items:
        raise LayoutError(f"{FORMAT}: section {section_id!r} has no complete entries")
    entries = [_entry(row, i) for i, row in enumerate(listed.items, start=1)]
    notes = f"section {section_id} ({label})"
    if not listed.closed:
        notes += f"; excerpt: the entries list is cut after rank {entries[-1].rank}"
    return [
        ParsedSnapshot(
            board=board,
            as_of=_section_date(head.fields) or require_as_of(as_of, FORMAT),
            entries=in_rank_order(entries),
            method=FORMAT,
            notes=notes,
        )
    ]


def _section(text: str, section_id: str) -> tuple[ObjectHead, int]:
    """The first object with this id that has its own entries list, and where that list starts."""
    start = re.compile(r'\{\s*"id"\s*:\s*"' + re.escape(section_id) + r'"')
    seen = False
    for match in start.finditer(text):
        seen = True
        head = object_head(text, match.start(), "entries")
        if head.array_at is not None:
            return head, head.array_at
    if seen:
        raise LayoutError(f"{FORMAT}: section {section_id!r} has no entries list")
    raise LayoutError(f'{FORMAT}: no leaderboard section with "id":"{section_id}" in the payload')


def _section_date(fields: Mapping[str, str]) -> date | None:
    for key in DATE_FIELDS:
        match = _DATE_VALUE_RE.match(fields.get(key, ""))
        if match:
            try:
                return date.fromisoformat(match.group(1))
            except ValueError:
                raise LayoutError(f"{FORMAT}: section field {key} is not a date: {fields[key]!r}") from None
    return None


def _entry(row: Any, position: int) -> Entry:
    if not isinstance(row, dict):
        raise LayoutError(f"{FORMAT}: entry {position} is not an object")
    values = {k: (None if v == _UNDEFINED else v) for k, v in row.items()}
    where = f"entry {position}"
    key = name(values.get("modelKey"), FORMAT, f"modelKey of {where}")
    return Entry(
        model_id=key,
        model=optional_name(values.get("modelDisplayName")) or key,
        rank=whole(values.get("rank"), FORMAT, f"rank of {where}"),
        rank_kind=RankKind.ORDINAL,
        rank_upper=optional_whole(values.get("rankUpper"), FORMAT, f"rankUpper of {where}"),
        rank_lower=optional_whole(values.get("rankLower"), FORMAT, f"rankLower of {where}"),
        score=number(values.get("rating"), FORMAT, f"rating of {where}"),
        ci_low=optional_number(values.get("ratingLower"), FORMAT, f"ratingLower of {where}"),
        ci_high=optional_number(values.get("ratingUpper"), FORMAT, f"ratingUpper of {where}"),
        votes=optional_whole(values.get("votes"), FORMAT, f"votes of {where}"),
        organization=optional_name(values.get("modelOrganization")),
    )
