"""Data downloads: each board's history and the events, as CSV and JSON (one row per snapshot x entry).

Pure: rows in, bytes out. Rows are in (as_of, rank, model_id) order; JSON keys are sorted; floats are
written by repr (the shortest exact form), so the same history always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tracker.models import Board, Entry, Snapshot
from tracker.site import tables
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


def _by_date(history: Sequence[Snapshot]) -> list[Snapshot]:
    return sorted(history, key=lambda s: (s.as_of, s.id))


def snapshot_rows(board: Board, snap: Snapshot) -> list[dict[str, Any]]:
    """The download rows of one snapshot, in (rank, model_id) order."""
    rows = []
    for e in sorted(snap.entries, key=_entry_key):
        row = {name: getattr(e, name, None) for name in HISTORY_COLUMNS}
        row.update(board=board.id, as_of=snap.as_of.isoformat(), snapshot_id=snap.id, rank_kind=str(e.rank_kind))
        rows.append(row)
    return rows


def history_rows(board: Board, history: Sequence[Snapshot]) -> list[dict[str, Any]]:
    return [row for snap in _by_date(history) for row in snapshot_rows(board, snap)]


def event_rows(events: Iterable[DatedEvent]) -> list[dict[str, Any]]:
    rows = []
    for dated in events:
        ev = dated.event
        row = {name: getattr(ev, name, None) for name in EVENT_COLUMNS}
        row.update(as_of=dated.as_of.isoformat(), extra=dict(ev.extra) or None)
        rows.append(row)
    return rows


# ---- the files, a block at a time (tracker.site.tables): one block per snapshot, or per group of events


def history_csv_block(board: Board, snap: Snapshot) -> bytes:
    return tables.csv_rows(HISTORY_COLUMNS, snapshot_rows(board, snap), plain=HISTORY_COLUMNS)


def history_json_block(board: Board, snap: Snapshot) -> bytes:
    return tables.json_rows(snapshot_rows(board, snap))


def history_document(view: BoardView) -> dict[str, Any]:
    """The JSON history download without its rows (they come in blocks)."""
    return {
        "board": view.board.id,
        "title": view.board.title,
        "attribution": view.attribution,
        "licence": view.board.licence,
        "columns": list(HISTORY_COLUMNS),
    }


def events_csv_block(events: Iterable[DatedEvent]) -> bytes:
    return tables.csv_rows(EVENT_COLUMNS, event_rows(events), plain=EVENT_PLAIN)


def events_json_block(events: Iterable[DatedEvent]) -> bytes:
    return tables.json_rows(event_rows(events))


EVENTS_DOCUMENT: dict[str, Any] = {"columns": list(EVENT_COLUMNS)}
EVENT_PLAIN = tuple(c for c in EVENT_COLUMNS if c not in ("significant", "extra"))  # never bool or dict


def board_downloads(view: BoardView) -> dict[str, bytes]:
    """The board's whole history as `data/<board>-history.csv` and `.json`."""
    history = _by_date(view.history)
    return {
        view.csv_path: tables.csv_file(HISTORY_COLUMNS, (history_csv_block(view.board, s) for s in history)),
        view.json_path: tables.json_file(history_document(view), (history_json_block(view.board, s) for s in history)),
    }


def event_downloads(events: Sequence[DatedEvent]) -> dict[str, bytes]:
    return {
        "data/events.csv": tables.csv_file(EVENT_COLUMNS, [events_csv_block(events)]),
        "data/events.json": tables.json_file(EVENTS_DOCUMENT, [events_json_block(events)]),
    }
