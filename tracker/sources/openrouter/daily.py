"""OpenRouter's daily rankings rows in all four shapes, read into `DailyRow`s and summed into weeks.

Shapes (all: the top 50 models per UTC day by prompt + completion tokens, plus one `other` row):

* `openrouter-dataapi-csv`: the keyed Data API rows re-serialised as CSV `date,model_permaslug,total_tokens`
  (real capture: a third-party pull of `GET /api/v1/datasets/rankings-daily`).
* `openrouter-export-csv`: the keyless export `/api/v1/datasets/exports/rankings-daily/<day>.csv`,
  `date,model_permaslug,rank,total_tokens,share_of_daily_tokens`, CRLF upstream, `rank` empty on `other`.
* `openrouter-dataapi-json`: the keyed Data API response itself. No capture of ours; the shape is the
  one OpenRouter documents (API reference `RankingsDailyResponse`, cookbook "Data API"):
  `{"data": [{"date", "model_permaslug", "total_tokens": "<decimal string>"}],
  "meta": {"as_of": <ISO timestamp>, "start_date", "end_date", "version": "v1"}}`, rows sorted by date
  then tokens descending, `other` last in its date, and errors as `{"error": {"code", "message"}}`.
  Days on or after the day of `meta.as_of` were still counting when the response was made: dropped.
* `openrouter-export-json`: the JSON twin of the export CSV. No capture of ours; the shape follows a
  third party's notes on the real file (the CSV's rows, with column metadata, a row count, a
  methodology text and source pages around them) and that party's client, which reads the envelope
  keys `dataset`, `snapshot_date`, `retrieved_at`, `license`, `columns` and `rows`. Token counts may be
  JSON integers or decimal strings; `row_count`, when present, must match. A snapshot dated D holds
  complete days up to D - 1 (the 2026-10-08 export's newest day is 2026-10-07).

Every shape is validated, then summed by `weekly.weekly_windows`. The export's own `rank` and
`share_of_daily_tokens` are checked against its tokens, day by day, so a file that mixes two
snapshots or lost rows fails instead of becoming a week. A CSV that does not end in a line break was
cut off (both real captures end in one) and is refused, since a cut inside a number still parses.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from tracker.models import LayoutError, ParsedSnapshot
from tracker.sources.openrouter.common import (
    OTHER,
    day,
    field,
    first_line,
    load_json,
    mapping,
    non_empty_list,
    require_board,
    slug,
    sniff_json,
    token_count,
)
from tracker.sources.openrouter.weekly import DailyRow, weekly_windows
from tracker.sources.text import decode_text

DATAAPI_CSV = "openrouter-dataapi-csv"
EXPORT_CSV = "openrouter-export-csv"
DATAAPI_JSON = "openrouter-dataapi-json"
EXPORT_JSON = "openrouter-export-json"

DATAAPI_COLUMNS = ("date", "model_permaslug", "total_tokens")
EXPORT_COLUMNS = ("date", "model_permaslug", "rank", "total_tokens", "share_of_daily_tokens")


# ---- reading rows


def _csv_records(body: bytes, fmt: str, columns: Sequence[str]) -> list[dict[str, str]]:
    text = decode_text(body, fmt)
    if not text.endswith(("\n", "\r")):
        raise LayoutError(f"{fmt}: the CSV does not end in a line break: the file was cut off")
    lines = [line for line in csv.reader(io.StringIO(text, newline="")) if line]
    header = [cell.strip().lower() for cell in lines[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise LayoutError(f"{fmt}: the CSV header lacks the column(s) {', '.join(missing)}: {lines[0]}")
    if len(lines) < 2:
        raise LayoutError(f"{fmt}: the CSV has a header but no rows")
    records = []
    for number, cells in enumerate(lines[1:], start=2):
        if len(cells) != len(header):
            raise LayoutError(f"{fmt}: line {number} has {len(cells)} cells, the header {len(header)}")
        records.append({name: cell.strip() for name, cell in zip(header, cells, strict=True)})
    return records


def _rank(value: object, model_id: str, fmt: str, where: str) -> int | None:
    """The export's daily rank: 1..50 on model rows, empty on the `other` row."""
    if value is None or value == "":
        if model_id != OTHER:
            raise LayoutError(f"{fmt}: {where}: the rank is empty")
        return None
    if model_id == OTHER:
        raise LayoutError(f"{fmt}: {where}: the `other` row carries a rank: {value!r}")
    rank = None
    if isinstance(value, int) and not isinstance(value, bool):
        rank = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        rank = int(value)
    if rank is None or rank < 1:
        raise LayoutError(f"{fmt}: {where}: the rank is not a positive integer: {value!r}")
    return rank


def _share(value: object, fmt: str, where: str) -> float:
    share: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        share = float(value)
    elif isinstance(value, str):
        try:
            share = float(value)
        except ValueError:
            share = None
    if share is None or not math.isfinite(share) or not 0 <= share <= 1:
        raise LayoutError(f"{fmt}: {where}: share_of_daily_tokens is not a fraction: {value!r}")
    return share


def _row(record: dict[str, Any], fmt: str, where: str, *, export: bool) -> DailyRow:
    model_id = slug(field(record, "model_permaslug", fmt, where), fmt, where)
    if model_id.lower() == OTHER:
        model_id = OTHER
    row = DailyRow(
        day=day(field(record, "date", fmt, where), fmt, where),
        model_id=model_id,
        tokens=token_count(field(record, "total_tokens", fmt, where), fmt, where),
    )
    if not export:
        return row
    return DailyRow(
        row.day,
        row.model_id,
        row.tokens,
        rank=_rank(field(record, "rank", fmt, where), model_id, fmt, where),
        share=_share(field(record, "share_of_daily_tokens", fmt, where), fmt, where),
    )


def check_export_days(rows: Sequence[DailyRow], fmt: str = EXPORT_CSV) -> None:
    """The export's rank and share must agree with its tokens on every day (else: mixed or cut file)."""
    days: dict[date, list[DailyRow]] = {}
    for row in rows:
        days.setdefault(row.day, []).append(row)
    for when, day_rows in sorted(days.items()):
        total = sum(r.tokens for r in day_rows)
        for r in day_rows:
            expected = r.tokens / total if total else 0.0
            if r.share is None or not math.isclose(r.share, expected, rel_tol=1e-9, abs_tol=1e-15):
                raise LayoutError(
                    f"{fmt}: {when.isoformat()} {r.model_id}: share_of_daily_tokens {r.share} is not "
                    f"tokens / day total ({expected}): the day's rows are incomplete or mixed"
                )
        ranked = sorted((r for r in day_rows if r.rank is not None), key=lambda r: r.rank or 0)
        if [r.rank for r in ranked] != list(range(1, len(ranked) + 1)):
            raise LayoutError(f"{fmt}: {when.isoformat()}: the ranks are not 1..{len(ranked)}")
        if any(a.tokens < b.tokens for a, b in itertools.pairwise(ranked)):
            raise LayoutError(f"{fmt}: {when.isoformat()}: the ranks do not follow the token counts")


def read_dataapi_csv(body: bytes) -> list[DailyRow]:
    records = _csv_records(body, DATAAPI_CSV, DATAAPI_COLUMNS)
    return [_row(r, DATAAPI_CSV, f"line {n}", export=False) for n, r in enumerate(records, start=2)]


def read_export_csv(body: bytes) -> list[DailyRow]:
    records = _csv_records(body, EXPORT_CSV, EXPORT_COLUMNS)
    rows = [_row(r, EXPORT_CSV, f"line {n}", export=True) for n, r in enumerate(records, start=2)]
    check_export_days(rows, EXPORT_CSV)
    return rows


def _timestamp_day(value: object, fmt: str, what: str) -> date:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            pass
    raise LayoutError(f"{fmt}: {what} is not an ISO date or timestamp: {value!r}")


def read_dataapi_json(body: bytes) -> tuple[list[DailyRow], date | None]:
    """The rows, and the last day that was complete when the response was made (from `meta.as_of`)."""
    doc = mapping(load_json(body, DATAAPI_JSON), DATAAPI_JSON, "the response")
    if "error" in doc:
        error = doc["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise LayoutError(f"{DATAAPI_JSON}: the response is an error, not rows: {message!r}")
    data = non_empty_list(doc.get("data"), DATAAPI_JSON, "the `data` array")
    rows = [
        _row(mapping(r, DATAAPI_JSON, f"data[{i}]"), DATAAPI_JSON, f"data[{i}]", export=False)
        for i, r in enumerate(data)
    ]
    through = None
    meta = doc.get("meta")
    if meta is not None and mapping(meta, DATAAPI_JSON, "`meta`").get("as_of") is not None:
        through = _timestamp_day(meta["as_of"], DATAAPI_JSON, "meta.as_of") - timedelta(days=1)
    return rows, through


def read_export_json(body: bytes) -> tuple[list[DailyRow], date | None]:
    """The rows, and the newest complete day the export vouches for (the day before its snapshot date)."""
    doc = mapping(load_json(body, EXPORT_JSON), EXPORT_JSON, "the export")
    dataset = doc.get("dataset", "rankings-daily")
    if dataset != "rankings-daily":
        raise LayoutError(f"{EXPORT_JSON}: this export is the {dataset!r} dataset, not rankings-daily")
    data = non_empty_list(doc.get("rows"), EXPORT_JSON, "the `rows` array")
    if "row_count" in doc and doc["row_count"] != len(data):
        raise LayoutError(f"{EXPORT_JSON}: row_count says {doc['row_count']!r} rows, the file has {len(data)}")
    rows = [
        _row(mapping(r, EXPORT_JSON, f"rows[{i}]"), EXPORT_JSON, f"rows[{i}]", export=True) for i, r in enumerate(data)
    ]
    check_export_days(rows, EXPORT_JSON)
    stamp = doc.get("snapshot_date") or doc.get("retrieved_at")
    through = None
    if stamp is not None:
        through = _timestamp_day(stamp, EXPORT_JSON, "snapshot_date") - timedelta(days=1)
    return rows, through


# ---- the ranking formats: parse and sniff


def _earliest(*bounds: date | None) -> date | None:
    known = [b for b in bounds if b is not None]
    return min(known) if known else None


def parse_dataapi_csv(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    require_board(board, DATAAPI_CSV)
    return weekly_windows(read_dataapi_csv(body), as_of, method=DATAAPI_CSV)


def parse_export_csv(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    require_board(board, EXPORT_CSV)
    return weekly_windows(read_export_csv(body), as_of, method=EXPORT_CSV)


def parse_dataapi_json(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    require_board(board, DATAAPI_JSON)
    rows, through = read_dataapi_json(body)
    return weekly_windows(rows, _earliest(as_of, through), method=DATAAPI_JSON)


def parse_export_json(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    require_board(board, EXPORT_JSON)
    rows, through = read_export_json(body)
    return weekly_windows(rows, _earliest(as_of, through), method=EXPORT_JSON)


def sniff_dataapi_csv(body: bytes, filename: str) -> bool:
    return first_line(body).replace(" ", "") == ",".join(DATAAPI_COLUMNS)


def sniff_export_csv(body: bytes, filename: str) -> bool:
    return first_line(body).replace(" ", "") == ",".join(EXPORT_COLUMNS)


def _first_row(doc: Any, key: str) -> dict[str, Any] | None:
    rows = doc.get(key) if isinstance(doc, dict) else None
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        return rows[0]
    return None


def sniff_dataapi_json(body: bytes, filename: str) -> bool:
    doc = sniff_json(body)
    row = _first_row(doc, "data")
    return (
        row is not None
        and isinstance(doc.get("meta"), dict)
        and {"date", "model_permaslug", "total_tokens"} <= row.keys()
    )


def sniff_export_json(body: bytes, filename: str) -> bool:
    doc = sniff_json(body)
    row = _first_row(doc, "rows")
    return row is not None and {"date", "model_permaslug", "total_tokens", "rank"} <= row.keys()
