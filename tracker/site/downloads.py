"""Data downloads: each board's history and the events, as CSV and JSON (one row per snapshot x entry).

Pure: rows in, bytes out. Rows are in (as_of, rank, model_id) order; JSON keys are sorted; floats are
written by repr (the shortest exact form), so the same history always gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from tracker.models import Board, Entry, Snapshot
from tracker.site.context import BoardView, DatedEvent

HISTORY_COLUMNS = (
    "board",
    "as_of",
    "snapshot_id",
    "rank",
    "rank_kind",
    "rank_upper",
    "rank_lower",
    "model_id",
    "model",
    "organization",
    "score",
    "ci_low",
    "ci_high",
    "votes",
    "tokens",
    "prompt_tokens",
    "completion_tokens",
    "change",
    "share",
)
EVENT_COLUMNS = (
    "as_of",
    "board",
    "kind",
    "model_id",
    "model",
    "from_rank",
    "to_rank",
    "value_before",
    "value_after",
    "growth_pct",
    "significant",
    "extra",
)


def _entry_key(e: Entry) -> tuple[bool, int, str]:
    return (e.rank is None, e.rank or 0, e.model_id)


def history_rows(board: Board, history: Sequence[Snapshot]) -> list[dict[str, Any]]:
    rows = []
    for snap in sorted(history, key=lambda s: (s.as_of, s.id)):
        for e in sorted(snap.entries, key=_entry_key):
            row = {name: getattr(e, name, None) for name in HISTORY_COLUMNS}
            row.update(board=board.id, as_of=snap.as_of.isoformat(), snapshot_id=snap.id, rank_kind=str(e.rank_kind))
            rows.append(row)
    return rows


def event_rows(events: Iterable[DatedEvent]) -> list[dict[str, Any]]:
    rows = []
    for dated in events:
        ev = dated.event
        row = {name: getattr(ev, name, None) for name in EVENT_COLUMNS}
        row.update(as_of=dated.as_of.isoformat(), extra=dict(ev.extra) or None)
        rows.append(row)
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue().encode("utf-8")


def to_json(document: Any) -> bytes:
    return (json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def board_downloads(view: BoardView) -> dict[str, bytes]:
    """The board's whole history as `data/<board>-history.csv` and `.json`."""
    rows = history_rows(view.board, view.history)
    document = {
        "board": view.board.id,
        "title": view.board.title,
        "attribution": view.attribution,
        "licence": view.board.licence,
        "columns": list(HISTORY_COLUMNS),
        "rows": rows,
    }
    return {view.csv_path: to_csv(HISTORY_COLUMNS, rows), view.json_path: to_json(document)}


def event_downloads(events: Sequence[DatedEvent]) -> dict[str, bytes]:
    rows = event_rows(events)
    return {
        "data/events.csv": to_csv(EVENT_COLUMNS, rows),
        "data/events.json": to_json({"columns": list(EVENT_COLUMNS), "rows": rows}),
    }
