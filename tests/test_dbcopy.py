"""The published SQLite copy: the same history gives the same bytes, whether the copy is made afresh or
brought up to date from the previous one (on SQLite and PostgreSQL sources)."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tracker.dbcopy import export_sqlite
from tracker.history import History
from tracker.models import Entry, FetchRecord, ParsedSnapshot, RankKind
from tracker.store import Store

T0 = datetime(2026, 7, 1, 6, tzinfo=UTC)


def snapshot(day: int, names: dict[str, str] | None = None) -> ParsedSnapshot:
    names = names or {}
    entries = tuple(
        Entry(key, names.get(key, key), rank=i, rank_kind=RankKind.ORDINAL, score=1400.0 - i - day / 10)
        for i, key in enumerate(("alpha-1", "beta-2", "gamma-3", "delta-4", "eps-5", "zeta-6"), start=1)
    )
    return ParsedSnapshot("arena-text", date(2026, 7, 1) + timedelta(days=day), entries, "hf-rows")


def store_day(store: Store, day: int, names: dict[str, str] | None = None) -> None:
    when = T0 + timedelta(days=day)
    fetch_id = store.record_fetch(
        FetchRecord("arena-text", "collect", when, "pending", board="arena-text", body=b"rank,model\r\n" * 3)
    )
    result = store.save_snapshot(snapshot(day, names), observed_at=when, fetch_id=fetch_id)
    store.set_fetch_outcome(fetch_id, result.status)
    store.record_fetches(
        [
            FetchRecord("arena-text", "collect", when + timedelta(hours=h), "not_modified", http_status=304)
            for h in (1, 2)
        ]
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_updated_copy_is_byte_for_byte_a_fresh_one(engine, tmp_path):
    store = Store(engine)
    for day in range(3):
        store_day(store, day)
    first = export_sqlite(engine, tmp_path / "first.sqlite")
    assert export_sqlite(engine, tmp_path / "again.sqlite").read_bytes() == first.read_bytes()
    # New rows (appended), a renamed model (a row updated in place), an attempt whose outcome changes.
    store_day(store, 3, names={"beta-2": "Beta Two"})
    late = store.record_fetch(FetchRecord("arena-text", "collect", T0 + timedelta(days=5), "pending"))
    store.set_fetch_outcome(late, "transient", "HTTP 503")
    fresh = export_sqlite(engine, tmp_path / "fresh.sqlite")
    updated = export_sqlite(engine, tmp_path / "updated.sqlite", previous=first)
    assert digest(updated) == digest(fresh)
    assert digest(fresh) != digest(first)
    with sqlite3.connect(updated) as conn:
        assert conn.execute("SELECT name FROM models WHERE slug = 'beta-2'").fetchone() == ("Beta Two",)
        assert conn.execute("SELECT count(*) FROM fetches WHERE body IS NOT NULL").fetchone() == (0,)
        assert conn.execute("SELECT outcome FROM fetches ORDER BY id DESC LIMIT 1").fetchone() == ("transient",)
    history = History(engine)
    assert len(history.board_history("arena-text")) == 4


def test_a_copy_from_another_schema_or_a_broken_file_is_made_afresh(engine, tmp_path):
    store = Store(engine)
    store_day(store, 0)
    fresh = export_sqlite(engine, tmp_path / "fresh.sqlite")
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"not a database")
    assert digest(export_sqlite(engine, tmp_path / "a.sqlite", previous=broken)) == digest(fresh)
    older = tmp_path / "older.sqlite"
    older.write_bytes(fresh.read_bytes())
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'an-older-one'")
    assert digest(export_sqlite(engine, tmp_path / "b.sqlite", previous=older)) == digest(fresh)


def test_the_copy_never_overwrites_a_file(engine, tmp_path):
    target = tmp_path / "taken.sqlite"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        export_sqlite(engine, target)
    assert target.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.sqlite"]


def test_a_copy_made_while_collectors_write_is_one_moment_of_the_history(engine, tmp_path):
    store = Store(engine)
    for day in range(2):
        store_day(store, day)
    copy = export_sqlite(engine, tmp_path / "copy.sqlite")
    with sqlite3.connect(copy) as conn:
        snapshots = conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    assert (snapshots, entries) == (2, 12)
    assert replace(snapshot(0)).as_of == date(2026, 7, 1)


def test_the_copy_has_large_pages_even_when_brought_up_from_one_with_small_pages(engine, tmp_path):
    store = Store(engine)
    for day in range(2):
        store_day(store, day)
    first = export_sqlite(engine, tmp_path / "first.sqlite")
    small = tmp_path / "small.sqlite"  # as an earlier version published it: 4 KB pages
    with sqlite3.connect(first) as conn:
        conn.execute(f"VACUUM INTO '{small}'")  # keeps the page size it was made with
    with sqlite3.connect(small) as conn:
        conn.execute("PRAGMA page_size = 4096")
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA page_size").fetchone() == (4096,)
    store_day(store, 2)
    fresh = export_sqlite(engine, tmp_path / "fresh.sqlite")
    updated = export_sqlite(engine, tmp_path / "updated.sqlite", previous=small)
    assert digest(updated) == digest(fresh)
    with sqlite3.connect(fresh) as conn:
        assert conn.execute("PRAGMA page_size").fetchone() == (65536,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_bringing_a_copy_up_to_date_needs_no_alembic(tmp_path):
    """An update's copy (made in a process forked from the publisher, which has not imported Alembic) tells
    the previous copy's schema by `migrate.HEAD`: importing Alembic there cost each update ~0.1 s of CPU."""
    import subprocess
    import sys

    from tracker.db import make_engine
    from tracker.pipeline import schema

    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    engine = make_engine(url)
    schema.ensure(engine)
    for day in range(2):
        store_day(Store(engine), day)
    previous = export_sqlite(engine, tmp_path / "previous.sqlite")
    engine.dispose()
    code = (
        "import sys; from pathlib import Path; from tracker.db import make_engine; from tracker.dbcopy import "
        f"export_sqlite; export_sqlite(make_engine({url!r}), Path({str(tmp_path / 'next.sqlite')!r}), "
        f"previous=Path({str(previous)!r})); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "False"
    assert digest(tmp_path / "next.sqlite") == digest(previous)  # nothing new: the same bytes
