"""Small helpers every Arena parser shares: decoding, names, numbers, CI cells, rank order.

All of them are pure and raise `LayoutError` (naming the format) when the text is not what a parser needs.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from tracker.models import Entry, LayoutError, UsageError
from tracker.sources.text import BOM
from tracker.sources.text import load_json as load_json  # re-exported for the format modules

_INT_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+$|^[+-]?\d+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# "+3/-4" (Gradio tables) or "±4" (2025 site); a minus may be the ASCII or the Unicode sign.
_CI_PLUS_MINUS_RE = re.compile(r"^\+\s*(\d+(?:\.\d+)?)\s*/\s*[-\u2212]\s*(\d+(?:\.\d+)?)$")
_CI_PM_RE = re.compile(r"^(?:±|\+/-)\s*(\d+(?:\.\d+)?)$")


def body_head(body: bytes, size: int = 65536) -> bytes:
    """The start of a body without BOM or leading blanks: what a cheap `sniff` looks at."""
    head = body[: size + len(BOM)]
    if head.startswith(BOM):
        head = head[len(BOM) :]
    return head.lstrip()


def csv_header(head: bytes) -> list[str]:
    """The lower-cased column names of a body's first line (for a cheap `sniff`)."""
    line = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    return [cell.strip().strip('"').lower() for cell in line.split(",")]


def csv_records(text: str, fmt: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    """The data rows of a CSV with a header row, keyed by lower-cased column name.

    Blank lines are skipped; a row with fewer cells than the header (a cut file) is a failed capture.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = [cell.strip().lower() for cell in next(reader, [])]
    missing = [column for column in required if column not in header]
    if missing:
        raise LayoutError(f"{fmt}: no table header with the columns {', '.join(missing)} (header: {header})")
    records: list[dict[str, str]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) < len(header):
                row = len(records) + 1
                raise LayoutError(f"{fmt}: truncated capture: data row {row} has {len(cells)} of {len(header)} cells")
            if len(cells) > len(header):
                raise LayoutError(f"{fmt}: data row {len(records) + 1} has more cells than the header")
            records.append(dict(zip(header, cells, strict=True)))
    except csv.Error as exc:
        raise LayoutError(f"{fmt}: the CSV is malformed ({exc})") from exc
    if not records:
        raise LayoutError(f"{fmt}: the table has a header but no rows")
    return records


def name(value: object, fmt: str, what: str) -> str:
    """A required key or name: a non-empty string, NFC-normalised and trimmed."""
    if not isinstance(value, str) or not value.strip():
        raise LayoutError(f"{fmt}: {what} is missing or empty")
    return unicodedata.normalize("NFC", value.strip())


def optional_name(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return unicodedata.normalize("NFC", value.strip())


def number(value: object, fmt: str, what: str) -> float:
    """A required finite number, given as a JSON number or as text ("1,443" is accepted)."""
    if isinstance(value, bool):
        raise LayoutError(f"{fmt}: {what} is not a number: {value!r}")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            result = float(value.strip().replace(",", ""))
        except ValueError:
            raise LayoutError(f"{fmt}: {what} is not a number: {value!r}") from None
    else:
        raise LayoutError(f"{fmt}: {what} is missing or empty")
    if not math.isfinite(result):
        raise LayoutError(f"{fmt}: {what} is not a finite number: {value!r}")
    return result


def optional_number(value: object, fmt: str, what: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return number(value, fmt, what)


def whole(value: object, fmt: str, what: str) -> int:
    """A required whole number: 3, 3.0, "3" or "62,764" -> int; 3.5 is refused."""
    if isinstance(value, bool):
        raise LayoutError(f"{fmt}: {what} is not a whole number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise LayoutError(f"{fmt}: {what} is not a whole number: {value!r}")
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if _INT_RE.match(text):
            return int(text.replace(",", ""))
        raise LayoutError(f"{fmt}: {what} is not a whole number: {value!r}")
    raise LayoutError(f"{fmt}: {what} is missing or empty")


def optional_whole(value: object, fmt: str, what: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return whole(value, fmt, what)


def iso_date(value: object, fmt: str, what: str) -> date:
    if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
        raise LayoutError(f"{fmt}: {what} is not a YYYY-MM-DD date: {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise LayoutError(f"{fmt}: {what} is not a valid date: {value!r}") from None


def ci_bounds(cell: object, score: float, fmt: str, what: str) -> tuple[float | None, float | None]:
    """(ci_low, ci_high) from a CI cell relative to the score: "+3/-4" or "±4"; empty -> no CI."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None, None
    text = str(cell).strip()
    match = _CI_PLUS_MINUS_RE.match(text)
    if match:
        return score - float(match.group(2)), score + float(match.group(1))
    match = _CI_PM_RE.match(text)
    if match:
        margin = float(match.group(1))
        return score - margin, score + margin
    raise LayoutError(f"{fmt}: {what} is not a confidence interval like '+3/-4' or '±4': {cell!r}")


def require_as_of(as_of: date | None, fmt: str) -> date:
    """The caller's date for a capture that carries none of its own."""
    if as_of is None:
        raise LayoutError(
            f"{fmt}: this capture carries no date of its own; give the leaderboard's date with --as-of YYYY-MM-DD"
        )
    return as_of


def check_board(board: str, boards: tuple[str, ...], fmt: str, why: str = "") -> None:
    """Asking a format for a board it can never feed is a usage mistake, not a failed capture."""
    if board not in boards:
        reason = f" ({why})" if why else ""
        raise UsageError(f"{fmt}: cannot feed board {board!r}; it feeds {', '.join(boards)}{reason}")


def in_rank_order(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """Entries sorted by rank; rows sharing a rank keep the upstream's order (stable sort)."""
    return tuple(sorted(entries, key=lambda e: e.rank if e.rank is not None else math.inf))


def competition_ranks(values: list[float]) -> list[int]:
    """Ranks of values already sorted best first: equal values share a rank (1, 2, 2, 4)."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        ranks.append(ranks[-1] if i and value == values[i - 1] else i + 1)
    return ranks
