"""Helpers every OpenRouter parser shares: decoding, keys, token cells, dates and the ranking of entries.

All of them are pure and raise `LayoutError` naming the format when the capture is not what a parser needs.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.models import Entry, LayoutError, RankKind, UsageError
from tracker.sources.text import BOM
from tracker.sources.text import load_json as load_json  # re-exported for the format modules
from tracker.units import parse_tokens

BOARD = "openrouter-weekly"
OTHER = "other"  # the reserved daily row summing every model outside the day's top 50: not a model
WINDOW_DAYS = 7

_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?Z?)?$")


def require_board(board: str, fmt: str) -> None:
    if board != BOARD:
        raise UsageError(f"{fmt}: this format feeds only the {BOARD} board, not {board!r}")


def sniff_json(body: bytes) -> Any:
    """The decoded JSON of a body for a `sniff`, or None when it is not JSON at all (never raises)."""
    head = body[3:] if body.startswith(BOM) else body
    if head.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(head)
    except (ValueError, RecursionError):
        return None


def first_line(body: bytes) -> str:
    """The first line of a text body, BOM and line ending removed, lower-cased: what a CSV sniff compares."""
    head = body[3:4099] if body.startswith(BOM) else body[:4096]
    return head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace").strip().lower()


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


def slug(value: object, fmt: str, where: str) -> str:
    """A required model key (permaslug): a non-empty string, NFC-normalised and trimmed."""
    if not isinstance(value, str) or not value.strip():
        raise LayoutError(f"{fmt}: {where}: the model slug is missing or empty")
    return nfc(value)


def display_name(value: str) -> str:
    """NFC, with runs of blanks folded: the catalogue has names like "Gemma 4 26B A4B  (free)"."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def token_count(value: object, fmt: str, where: str) -> int:
    """An exact, non-negative token count: a JSON integer or a decimal string; never a float.

    Strings go through `tracker.units.parse_tokens`, so "1.77T" reads as the integer 1770000000000 and a
    fraction of a token is refused.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise LayoutError(f"{fmt}: {where}: token count is not an integer: {value!r}")
    try:
        count = parse_tokens(value)
    except ValueError:
        raise LayoutError(f"{fmt}: {where}: token count is not an integer: {value!r}") from None
    if count < 0:
        raise LayoutError(f"{fmt}: {where}: token count is negative: {value!r}")
    return count


def optional_fraction(value: object, fmt: str, where: str) -> float | None:
    """A week-over-week change as the upstream gives it: a JSON number or null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LayoutError(f"{fmt}: {where}: not a number: {value!r}")
    return float(value)


def day(value: object, fmt: str, where: str) -> date:
    """A UTC day: "2026-07-31", or the frontend JSON's midnight timestamp "2026-07-31 00:00:00"."""
    match = _DATE_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise LayoutError(f"{fmt}: {where}: not a date: {value!r}")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise LayoutError(f"{fmt}: {where}: not a date: {value!r}") from None


def field(row: dict[str, Any], key: str, fmt: str, where: str) -> Any:
    if key not in row:
        raise LayoutError(f"{fmt}: {where}: the key {key!r} is missing")
    return row[key]


def mapping(value: object, fmt: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LayoutError(f"{fmt}: {what} is not a JSON object")
    return value


def non_empty_list(value: object, fmt: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise LayoutError(f"{fmt}: {what} is missing or not a list")
    if not value:
        raise LayoutError(f"{fmt}: {what} is empty")
    return value


@dataclass(frozen=True)
class Usage:
    """One model's usage in one window, before ranking."""

    model_id: str  # variant permaslug
    tokens: int
    model: str | None = None  # display name, when the format has one
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    change: float | None = None
    share: float | None = None
    lower_bound: bool = False  # tokens summed over only some of the window's days (see weekly.py)


def ranked_entries(usages: Iterable[Usage]) -> tuple[Entry, ...]:
    """Entries by tokens descending; equal token counts share a rank ("1, 2, 2, 4"), listed by slug.

    Sharing the rank means two models with the same count never show a "move" just because the
    tie-break put them in another order; the slug order keeps the listing deterministic.
    """
    ordered = sorted(usages, key=lambda u: (-u.tokens, u.model_id))
    entries: list[Entry] = []
    rank = 0
    previous: int | None = None
    for position, usage in enumerate(ordered, start=1):
        if usage.tokens != previous:
            rank, previous = position, usage.tokens
        entries.append(
            Entry(
                model_id=usage.model_id,
                model=usage.model or usage.model_id,
                rank=rank,
                rank_kind=RankKind.BY_VALUE,
                tokens=usage.tokens,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                change=usage.change,
                share=usage.share,
                tokens_lower_bound=usage.lower_bound,
            )
        )
    return tuple(entries)


def share_of(tokens: int, total: int) -> float | None:
    return tokens / total if total > 0 else None
