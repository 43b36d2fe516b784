"""Data downloads: one row per snapshot x entry, exact values, parseable CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

from test_site_context import WEEKS, sample_context, sample_events, sample_snapshots

from tracker.site.downloads import EVENT_COLUMNS, HISTORY_COLUMNS, board_downloads, event_downloads


def test_history_has_one_row_per_snapshot_and_entry() -> None:
    ctx = sample_context()
    for view in ctx.boards:
        out = board_downloads(view)
        rows = list(csv.DictReader(io.StringIO(out[view.csv_path].decode("utf-8"))))
        expected = sum(len(s.entries) for s in sample_snapshots()[view.board.id])
        assert len(rows) == expected
        assert list(rows[0]) == list(HISTORY_COLUMNS)
        assert [r["as_of"] for r in rows] == sorted(r["as_of"] for r in rows)
        document = json.loads(out[view.json_path])
        assert len(document["rows"]) == expected
        assert document["attribution"] == view.attribution
        assert document["licence"] == "CC BY 4.0"


def test_values_round_trip_exactly() -> None:
    ctx = sample_context()
    weekly = next(v for v in ctx.boards if v.board.id == "openrouter-weekly")
    out = board_downloads(weekly)
    rows = list(csv.DictReader(io.StringIO(out[weekly.csv_path].decode("utf-8"))))
    newest = [r for r in rows if r["as_of"] == WEEKS[2].isoformat()]
    assert [(r["rank"], r["model_id"], int(r["tokens"])) for r in newest] == [
        ("1", "deepseek/deepseek-v4-flash-20260423", 3_290_000_000_000),
        ("2", "openrouter/owl-alpha", 1_110_000_000_000),
        ("3", "minimax/minimax-m2.7", 593_000_000_000),
    ]
    assert float(newest[0]["change"]) == 0.9353
    assert rows[0]["change"] == ""  # unknown stays empty, not 0
    doc_rows = json.loads(out[weekly.json_path])["rows"]
    assert doc_rows[-1]["tokens"] == 593_000_000_000
    assert doc_rows[0]["change"] is None


def test_events_export() -> None:
    ctx = sample_context()
    out = event_downloads(ctx.events)
    rows = list(csv.DictReader(io.StringIO(out["data/events.csv"].decode("utf-8"))))
    assert len(rows) == len(sample_events())
    assert list(rows[0]) == list(EVENT_COLUMNS)
    top = next(r for r in rows if r["kind"] == "top_unchanged")
    assert json.loads(top["extra"]) == {"models": ["DeepSeek V4 Flash"], "n": 1}
    grew = next(r for r in json.loads(out["data/events.json"])["rows"] if r["kind"] == "grew_lost_rank")
    assert (grew["from_rank"], grew["to_rank"], grew["growth_pct"]) == (2, 3, 18.6)


def test_same_context_same_bytes() -> None:
    first = [board_downloads(v) for v in sample_context().boards]
    assert first == [board_downloads(v) for v in sample_context().boards]
