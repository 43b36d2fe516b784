"""The SQLite copy made from PostgreSQL (rows streamed from psycopg, the text of dates, datetimes and JSON
made by the server) is byte for byte the copy made from SQLite for the same history, and the copy the
SQLAlchemy path made before it: NULLs, dates, datetimes given in other time zones, JSON, floats at their
limits, 64-bit integers; made afresh or brought up to date from the previous copy."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert

from tracker import db, dbcopy
from tracker.db import make_engine
from tracker.dbcopy import export_sqlite
from tracker.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import derive
import generate
from world import Plan

pytestmark = pytest.mark.postgres

PLAN = Plan(days=12, scale=0.05)
NEPAL = timezone(timedelta(hours=5, minutes=45))
PACIFIC = timezone(timedelta(hours=-8))
FLOATS = (0.1, -0.0, 5e-324, 1.7976931348623157e308, 1e16, 2.0, -1234.5678901234567, float("inf"))


def edge_rows(base: int) -> dict[str, list[dict[str, object]]]:
    """Rows with the values a copy can get wrong, with ids from `base` (clear of the generated ones)."""
    return {
        "boards": [],
        "fetches": [
            {
                "id": base,
                "source": "arena",
                "board_id": None,
                "method": "collect",
                "url": "https://example.invalid/ünïcode?q=1&x='\"",
                "format": None,
                "as_of": date(1, 1, 1),
                "started_at": datetime(2026, 7, 1, 23, 30, 0, 1, tzinfo=NEPAL),  # the day before, in UTC
                "finished_at": None,
                "http_status": None,
                "outcome": "transient",
                "error": "line one\nline two\ttab",
                "attempts": 2**31 - 1,
                "body": b"\x00\x01 left out of the copy",
            },
            {
                "id": base + 1,
                "source": "openrouter",
                "method": "collect",
                "started_at": datetime(9999, 12, 31, 15, 59, 59, 999999, tzinfo=PACIFIC),  # 23:59:59.999999 UTC
                "finished_at": datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
                "outcome": "ok",
                "as_of": date(9999, 12, 31),
            },
        ],
        "models": [
            {"id": base, "slug": f"edge-{base}", "source": "arena", "name": 'Ωmega 🚀 "quoted"', "name_as_of": None},
            {"id": base + 1, "slug": f"edge-{base + 1}", "source": "openrouter", "name": "", "organization": "Org"},
        ],
        "snapshots": [
            {
                "id": base,
                "board_id": "arena-text",
                "as_of": date(2000, 2, 29),
                "window_start": None,
                "window_end": date(2000, 3, 1),
                "observed_at": datetime(2000, 2, 29, 12, 0, tzinfo=NEPAL),
                "fetch_id": base,
                "content_hash": f"edge-{base}",
                "row_count": len(FLOATS),
                "method": "edge",
                "rank_kind": "ordinal",
                "notes": "",
            }
        ],
        "entries": [
            {
                "id": base + i,
                "snapshot_id": base,
                "model_id": base + i % 2,
                "source_key": f"key-{i}",
                "display_name": "name \u2028 with a line separator",
                "rank": None if i == 0 else i,
                "rank_kind": "ordinal",
                "rank_upper": None,
                "rank_lower": -(2**31),
                "score": value,
                "ci_low": None,
                "ci_high": -value,
                "votes": 0,
                "tokens": 2**63 - 1,
                "prompt_tokens": -(2**63),
                "completion_tokens": None,
                "change": value / 3,
                "share": None,
                "organization": None if i % 2 else "Org",
                "tokens_lower_bound": i == 1,
            }
            for i, value in enumerate(FLOATS)
            if i < 2  # (snapshot, model) is unique: two models, two entries
        ],
        "events": [
            {
                "id": base + i,
                "event_key": f"edge-{base + i}",
                "board_id": "arena-text",
                "from_snapshot_id": None,
                "to_snapshot_id": base,
                "kind": "entered",
                "model_id": None if i else base,
                "from_rank": None,
                "to_rank": i,
                "value_before": FLOATS[i],
                "value_after": None,
                "growth_pct": -FLOATS[i],
                "significant": (True, False, None)[i],
                "payload": payload,
            }
            for i, payload in enumerate(
                (
                    {"name": "Ωmega 🚀", "nested": {"list": [1, 2.5, None, True, "\u0000"], "empty": {}}, "big": 2**70},
                    {"floats": [0.1, 1e-7, 1e300, -0.0], "text": 'quote " backslash \\ tab \t', "unicode": "\u2028"},
                    {},
                )
            )
        ],
        "posts": [
            {
                "id": base,
                "guid": f"edge-{base}",
                "slug": f"edge-{base}",
                "title": "Édition",
                "published_at": datetime(2026, 1, 1, 0, 0, tzinfo=NEPAL),
                "lead": "",
                "sections": [{"heading": "Ω", "items": [[1, "a"], []]}],
                "boards": [],
                "snapshot_ids": [base, 2**40],
                "content_hash": "x" * 64,
            }
        ],
        "job_runs": [
            {"id": base, "job": "collect", "started_at": datetime(2026, 6, 30, 22, 0, tzinfo=UTC), "exit_code": None},
            {
                "id": base + 1,
                "job": "publish",
                "started_at": datetime(1, 1, 2, 0, 0, 0, 1, tzinfo=UTC),
                "finished_at": datetime(2026, 6, 30, 22, 0, 0, 123456, tzinfo=PACIFIC),
                "exit_code": -1,
            },
        ],
        "catalog_prices": [
            {
                "id": base,
                "model_id": base + 1,
                "observed_on": date(2026, 2, 28),
                "catalog_id": "edge/model",
                "name": "Edge",
                "prompt_price_per_m": 5e-324,
                "completion_price_per_m": None,
                "context_length": 2**31 - 1,
                "fetch_id": None,
            }
        ],
        "model_matches": [
            {
                "arena_model_id": base,
                "openrouter_model_id": base + 1,
                "method": None,
                "mode": "thinking",
                "reason": None,
                "catalogue_as_of": date(2026, 2, 28),
            }
        ],
    }


def add_rows(engine, rows: dict[str, list[dict[str, object]]]) -> None:
    with engine.begin() as conn:
        for table in db.Base.metadata.sorted_tables:
            if rows.get(table.name):  # every row with the same columns: the ones not given are NULL
                given = [{c.name: row.get(c.name) for c in table.columns} for row in rows[table.name]]
                conn.execute(insert(table), given)


def same_history(url: str) -> object:
    """The generated history (snapshots, entries, fetches, catalogue, events, posts) and the edge rows."""
    engine = make_engine(url)
    generate.generate(Store(engine), PLAN)
    derive.derive_events_and_posts(engine)
    add_rows(engine, edge_rows(900_000))
    return engine


@pytest.fixture
def both(databases):
    """The same history in an SQLite file and in a PostgreSQL database."""
    urls = [databases.new("sqlite", migrated=True), databases.new("postgresql", migrated=True)]
    engines = [same_history(url) for url in urls]
    yield engines
    for engine, url in zip(engines, urls, strict=True):
        engine.dispose()
        databases.drop(url)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sa_path(monkeypatch) -> None:
    """Make the copy take the SQLAlchemy path it took before: no psycopg connection is recognised."""
    monkeypatch.setattr(dbcopy, "uses_psycopg", lambda engine: False)


def test_the_copy_from_postgresql_is_the_copy_from_sqlite(both, tmp_path):
    lite, pg = both
    from_sqlite = export_sqlite(lite, tmp_path / "sqlite.sqlite")
    from_pg = export_sqlite(pg, tmp_path / "pg.sqlite")
    with sqlite3.connect(from_pg) as conn:  # the edge rows are there, as the SQLite dialect writes them
        assert conn.execute("SELECT as_of, started_at, finished_at FROM fetches WHERE id = 900000").fetchone() == (
            "0001-01-01",
            "2026-07-01 17:45:00.000001",
            None,
        )
        assert conn.execute("SELECT started_at FROM fetches WHERE id = 900001").fetchone() == (
            "9999-12-31 23:59:59.999999",
        )
        assert conn.execute("SELECT count(*) FROM fetches WHERE body IS NOT NULL").fetchone() == (0,)
        assert conn.execute("SELECT tokens, prompt_tokens FROM entries WHERE id = 900000").fetchone() == (
            2**63 - 1,
            -(2**63),
        )
        assert conn.execute("SELECT score FROM entries WHERE id = 900001").fetchone() == (-0.0,)
        assert conn.execute("SELECT significant FROM events WHERE id >= 900000 ORDER BY id").fetchall() == [
            (1,),
            (0,),
            (None,),
        ]
        assert conn.execute("SELECT payload FROM events WHERE id = 900002").fetchone() == ("{}",)
    assert digest(from_pg) == digest(from_sqlite)


def test_the_streamed_copy_is_the_copy_the_sqlalchemy_path_made(both, tmp_path, monkeypatch):
    _, pg = both
    streamed = export_sqlite(pg, tmp_path / "streamed.sqlite")
    sa_path(monkeypatch)
    before = export_sqlite(pg, tmp_path / "before.sqlite")
    assert digest(streamed) == digest(before)


def test_the_session_time_zone_changes_nothing(both, tmp_path):
    lite, pg = both
    far = make_engine(pg.url.render_as_string(hide_password=False), connect_args={"options": "-c TimeZone=Asia/Tokyo"})
    try:
        assert digest(export_sqlite(far, tmp_path / "tokyo.sqlite")) == digest(
            export_sqlite(lite, tmp_path / "u.sqlite")
        )
    finally:
        far.dispose()


def test_small_batches_and_statements_give_the_same_bytes(both, tmp_path, monkeypatch):
    """Every way rows split into fetched batches and multi-row INSERTs (and the rows left over)."""
    _, pg = both
    whole = export_sqlite(pg, tmp_path / "whole.sqlite")
    monkeypatch.setattr(dbcopy, "_BATCH", 7)
    monkeypatch.setattr(dbcopy, "_SQLITE_VARIABLES", 40)  # two or three rows per INSERT
    assert digest(export_sqlite(pg, tmp_path / "small.sqlite")) == digest(whole)


def test_an_updated_copy_from_postgresql_is_a_fresh_one(both, tmp_path, monkeypatch):
    """Brought up to date from the previous copy: new rows of the appendable tables (every table with more
    than two rows, here), and an attempt whose outcome was set after the previous copy."""
    lite, pg = both
    monkeypatch.setattr(dbcopy, "_SMALL", 2)
    monkeypatch.setattr(dbcopy, "_FETCH_TAIL", 1)
    previous = export_sqlite(pg, tmp_path / "previous.sqlite")
    for engine in both:
        add_rows(engine, edge_rows(950_000))
        with engine.begin() as conn:  # the newest attempt of the previous copy, whose outcome came late
            conn.execute(db.FetchRow.__table__.update().where(db.FetchRow.id == 900_001).values(outcome="changed"))
    updated = export_sqlite(pg, tmp_path / "updated.sqlite", previous=previous)
    fresh = export_sqlite(pg, tmp_path / "fresh.sqlite")
    assert digest(updated) == digest(fresh) == digest(export_sqlite(lite, tmp_path / "lite.sqlite"))
    assert digest(fresh) != digest(previous)
    sa_path(monkeypatch)
    assert digest(export_sqlite(pg, tmp_path / "before.sqlite", previous=previous)) == digest(fresh)
