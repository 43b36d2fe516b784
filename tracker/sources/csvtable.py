"""The tracker's own CSV import format: one ranking table, one snapshot.

Header row, case-insensitive. Required: `rank`, `model`, and `tokens` (openrouter-weekly) or `score` (Arena
boards). Optional: `model_id`, `organization`, `votes`, `ci_low`, `ci_high`, `change_pct`, `prompt_tokens`,
`completion_tokens`. Token cells accept 3290000000000, 3.29T, 609B, 12.3M, 950K and 1,234; ranks are plain
whole numbers from 1; scores, intervals and changes are finite numbers (a bad cell is named by line and column).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

from tracker.models import BOARDS, Entry, LayoutError, ParsedSnapshot, RankKind, UsageError, ValueKind, Window
from tracker.sources import RankingFormat
from tracker.sources.text import decode_text, nfc
from tracker.units import parse_tokens

NAME = "csv"
T = TypeVar("T")


def sniff(body: bytes, filename: str) -> bool:
    """Our own table: a header with `rank`, `model` and a value column (other columns are ignored).

    The upstream formats are tried first, so their CSVs (which have other value columns) are never ours.
    """
    lines = body[:4096].decode("utf-8-sig", errors="ignore").splitlines()  # a cut character is no matter here
    if not lines:
        return False
    first = lines[0]
    header = {h.strip().lower() for h in next(csv.reader([first]))}
    return {"rank", "model"} <= header and bool(header & {"tokens", "score"})


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    spec = BOARDS.get(board)
    if spec is None:
        raise LayoutError(f"csv: unknown board {board!r}")
    if as_of is None:  # the caller's omission, not a changed layout: the same file imports once dated
        raise UsageError("csv: the table holds no date; give one with --as-of YYYY-MM-DD")
    rows = list(csv.reader(io.StringIO(decode_text(body, NAME))))
    if not rows:
        raise LayoutError("csv: empty file")
    header = [h.strip().lower() for h in rows[0]]
    value = "tokens" if spec.value is ValueKind.TOKENS else "score"
    missing = [c for c in ("rank", "model", value) if c not in header]
    if missing:
        raise LayoutError(f"csv: missing column(s) {', '.join(missing)} for board {board}; header: {rows[0]}")
    index = {name: i for i, name in enumerate(header)}
    entries = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise LayoutError(f"csv: line {line} has {len(cells)} cells, the header has {len(header)}")

        def cell(name: str, convert: Callable[[str], T], at: int = line, row: list[str] = cells) -> T | None:
            if name not in index or not row[index[name]].strip():
                return None
            raw = row[index[name]].strip()
            try:
                return convert(raw)
            except ValueError as exc:
                raise LayoutError(f"csv: line {at}, column {name}: {raw!r} is not valid ({exc})") from None

        model = nfc(cells[index["model"]].strip())
        if not model:
            raise LayoutError(f"csv: line {line} has no model name")
        change = cell("change_pct", _number)
        entries.append(
            Entry(
                model_id=nfc(cell("model_id", str) or model),
                model=model,
                rank=cell("rank", _rank),
                rank_kind=RankKind.BY_VALUE if spec.value is ValueKind.TOKENS else RankKind.ORDINAL,
                score=cell("score", _number),
                ci_low=cell("ci_low", _number),
                ci_high=cell("ci_high", _number),
                votes=cell("votes", parse_tokens),
                tokens=cell("tokens", parse_tokens),
                prompt_tokens=cell("prompt_tokens", parse_tokens),
                completion_tokens=cell("completion_tokens", parse_tokens),
                change=None if change is None else change / 100,
                organization=cell("organization", nfc),
            )
        )
    if not entries:
        raise LayoutError("csv: the table has a header but no rows")
    entries.sort(key=lambda e: (e.rank if e.rank is not None else 10**9, e.model_id))
    week = spec.window is Window.WEEK
    return [
        ParsedSnapshot(
            board=board,
            as_of=as_of,
            entries=tuple(entries),
            method=NAME,
            window_start=as_of - timedelta(days=6) if week else None,
            window_end=as_of if week else None,
        )
    ]


_RANK_RE = re.compile(r"[0-9]+")


def _rank(text: str) -> int:
    """A rank is a plain whole number from 1: "1K" or "1,000" is a value, not a rank."""
    if not _RANK_RE.fullmatch(text) or int(text) < 1:
        raise ValueError("a rank is a plain whole number from 1")
    return int(text)


def _number(text: str) -> float:
    value = float(text.replace(",", "").rstrip("%"))
    if not math.isfinite(value):  # "inf" and "nan" read as floats, but no score or change is infinite
        raise ValueError("not a finite number")
    return value


FORMATS = (
    RankingFormat(
        name=NAME,
        boards=tuple(BOARDS),
        description="the tracker's CSV table: rank, model, tokens or score (+ optional columns)",
        sniff=sniff,
        parse=parse,
    ),
)
