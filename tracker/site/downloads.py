"""Data downloads: each board's history and the events, as CSV and JSON (one row per snapshot x entry).

Pure: rows in, bytes out. Rows are in (as_of, rank, model_id) order; JSON keys are sorted; floats are
written by repr (the shortest exact form), so the same history always gives the same bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from tracker.models import Board, Entry, RankKind, Snapshot
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
    return entry_rows(board, snap.id, snap.as_of, [vars(e) for e in snap.entries])


def entry_rows(
    board: Board, snapshot_id: int, as_of: date, fields: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The download rows of one snapshot from its entries' fields (an `Entry`'s own, or the same read
    straight from the history), in (rank, model_id) order."""
    rows = []
    day = as_of.isoformat()
    for f in sorted(fields, key=lambda f: (f["rank"] is None, f["rank"] or 0, f["model_id"])):
        row = dict(f)  # the entry's fields, less those that are not columns, plus the snapshot's
        for name in _NOT_COLUMNS:
            del row[name]
        row.update(board=board.id, as_of=day, snapshot_id=snapshot_id, rank_kind=str(f["rank_kind"]))
        rows.append(row)
    return rows


_NOT_COLUMNS = tuple(f.name for f in dataclasses.fields(Entry) if f.name not in HISTORY_COLUMNS)

# An entry as `stored_rows` takes it: its snapshot, its model's row id and its own columns, as stored.
STORED_ENTRY = (
    "snapshot_id",
    "model_row_id",
    "rank",
    "rank_kind",
    "rank_upper",
    "rank_lower",
    "score",
    "ci_low",
    "ci_high",
    "votes",
    "tokens",
    "prompt_tokens",
    "completion_tokens",
    "change",
    "share",
    "organization",
)
_RANK_KINDS = {k.value: str(k) for k in RankKind}


def stored_rows(
    board: Board, snapshot_id: int, as_of: date, stored: Iterable[Sequence[Any]], models: Mapping[int, tuple[str, str]]
) -> list[dict[str, Any]]:
    """The download rows of one snapshot straight from its entries as stored (`STORED_ENTRY` tuples; `models`:
    row id -> canonical id and current name): the rows `entry_rows` makes, without an `Entry` or its fields
    in between, in (rank, model_id) order."""
    board_id, day = board.id, as_of.isoformat()
    rows = []
    for (
        _,
        model,
        rank,
        kind,
        upper,
        lower,
        score,
        low,
        high,
        votes,
        tokens,
        prompt,
        completion,
        change,
        share,
        org,
    ) in stored:
        slug, name = models[model]
        rows.append(
            {
                "board": board_id,
                "as_of": day,
                "snapshot_id": snapshot_id,
                "rank": rank,
                "rank_kind": _RANK_KINDS.get(kind) or str(RankKind(kind)),
                "rank_upper": upper,
                "rank_lower": lower,
                "model_id": slug,
                "model": name,
                "organization": org,
                "score": score,
                "ci_low": low,
                "ci_high": high,
                "votes": votes,
                "tokens": tokens,
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "change": change,
                "share": share,
            }
        )
    rows.sort(key=_row_order)
    return rows


def _row_order(row: Mapping[str, Any]) -> tuple[bool, int, str]:
    return (row["rank"] is None, row["rank"] or 0, row["model_id"])


def history_rows(board: Board, history: Sequence[Snapshot]) -> list[dict[str, Any]]:
    return [row for snap in _by_date(history) for row in snapshot_rows(board, snap)]


def event_rows(events: Iterable[DatedEvent]) -> list[dict[str, Any]]:
    rows = []
    day, text = None, ""
    for dated in events:
        ev = dated.event
        if dated.as_of != day:  # a block's events are of one day
            day, text = dated.as_of, dated.as_of.isoformat()
        rows.append(
            {
                "as_of": text,
                "board": ev.board,
                "kind": ev.kind,
                "model_id": ev.model_id,
                "model": ev.model,
                "from_rank": ev.from_rank,
                "to_rank": ev.to_rank,
                "value_before": ev.value_before,
                "value_after": ev.value_after,
                "growth_pct": ev.growth_pct,
                "significant": ev.significant,
                "extra": dict(ev.extra) or None,
            }
        )
    return rows


# ---- the files, a block at a time (tracker.site.tables): one block per snapshot, or per group of events


def history_csv_block(board: Board, snap: Snapshot) -> bytes:
    return history_blocks(board, snap)[0]


def history_json_block(board: Board, snap: Snapshot) -> bytes:
    return history_blocks(board, snap)[1]


def history_blocks(board: Board, snap: Snapshot) -> tuple[bytes, bytes]:
    """One snapshot's block of the CSV and of the JSON history download."""
    return history_blocks_of(snapshot_rows(board, snap))


def history_blocks_of(rows: list[dict[str, Any]]) -> tuple[bytes, bytes]:
    return tables.csv_rows(HISTORY_COLUMNS, rows, plain=HISTORY_COLUMNS), tables.json_rows(rows, flat=True)


def history_document(view: BoardView) -> dict[str, Any]:
    """The JSON history download without its rows (they come in blocks)."""
    return board_document(view.board, view.attribution)


def board_document(board: Board, attribution: str) -> dict[str, Any]:
    return {
        "board": board.id,
        "title": board.title,
        "attribution": attribution,
        "licence": board.licence,
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
