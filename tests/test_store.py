"""The store: one snapshot per content, identity across renames, rollback, aware UTC, prices on change."""

from __future__ import annotations

import unicodedata
import zlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from tracker import db
from tracker.models import (
    CatalogModel,
    Entry,
    Event,
    FetchRecord,
    ParsedCatalog,
    ParsedSnapshot,
    Post,
    PostSection,
    RankKind,
)
from tracker.sources import ranking_format
from tracker.store_rows import ZSTD_MAGIC, compress, decompress

OBSERVED = datetime(2026, 8, 2, 3, 15, tzinfo=UTC)


def weekly(as_of: date, rows: list[tuple[str, int]], names: dict[str, str] | None = None) -> ParsedSnapshot:
    names = names or {}
    ranked = sorted(rows, key=lambda r: (-r[1], r[0]))
    entries = tuple(
        Entry(
            model_id=slug,
            model=names.get(slug, slug),
            rank=i,
            rank_kind=RankKind.BY_VALUE,
            tokens=tokens,
        )
        for i, (slug, tokens) in enumerate(ranked, 1)
    )
    return ParsedSnapshot(
        "openrouter-weekly", as_of, entries, "test", window_start=as_of - timedelta(days=6), window_end=as_of
    )


ROWS = [(f"org/model-{i}", 10**12 // i) for i in range(1, 11)]


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_same_capture_twice_is_one_snapshot(store, history, engine):
    first = store.save_snapshot(weekly(date(2026, 8, 1), ROWS), observed_at=OBSERVED, fetch_id=None)
    second = store.save_snapshot(
        weekly(date(2026, 8, 1), ROWS), observed_at=OBSERVED + timedelta(hours=1), fetch_id=None
    )
    assert (first.status, second.status) == ("new", "unchanged")
    assert first.snapshot_id == second.snapshot_id
    assert count(engine, db.SnapshotRow) == 1
    assert count(engine, db.EntryRow) == len(ROWS)
    snap = history.latest_snapshot("openrouter-weekly")
    assert snap is not None
    assert [e.model_id for e in snap.entries][:3] == ["org/model-1", "org/model-2", "org/model-3"]
    assert snap.entries[0].tokens == 10**12
    assert isinstance(snap.entries[0].tokens, int)


def test_times_come_back_aware_utc(store, history):
    fetch_id = store.record_fetch(
        FetchRecord(
            source="openrouter-weekly",
            method="import",
            started_at=datetime(2026, 8, 2, 5, 0, tzinfo=UTC) + timedelta(hours=0),
            outcome="new",
            body=b"x",
        )
    )
    # An aware time in another zone is stored as the same instant in UTC.
    from zoneinfo import ZoneInfo

    observed = datetime(2026, 8, 2, 7, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    store.save_snapshot(weekly(date(2026, 8, 1), ROWS), observed_at=observed, fetch_id=fetch_id)
    snap = history.latest_snapshot("openrouter-weekly")
    assert snap is not None
    assert snap.observed_at.tzinfo is not None
    assert snap.observed_at.utcoffset() == timedelta(0)
    assert snap.observed_at == datetime(2026, 8, 2, 5, 0, tzinfo=UTC)
    statuses = history.source_status(["openrouter-weekly"], now=datetime(2026, 8, 3, tzinfo=UTC))
    assert statuses[0].last_attempt_at == datetime(2026, 8, 2, 5, 0, tzinfo=UTC)
    assert statuses[0].last_attempt_at.tzinfo is not None


# U+2011 non-breaking hyphen, CJK, an emoji outside the BMP, and "é" written decomposed (e + U+0301).
ODD_NAMES = ["GPT\u20115 Turbo", "星河 2", "Rocket 🚀 Chat", "Cafe\u0301 LM"]


def test_odd_names_are_stored_and_read_back_exactly_in_nfc(store, history):
    rows = "".join(f"{rank},{name},{1400 - rank}\r\n" for rank, name in enumerate(ODD_NAMES, 1))
    capture = ("\ufeffrank,model,score\r\n" + rows).encode("utf-8")  # BOM and CRLF, as spreadsheets save
    (parsed,) = ranking_format("csv").parse(capture, board="arena-text", as_of=date(2026, 8, 1))
    store.save_snapshot(parsed, observed_at=OBSERVED, fetch_id=None)
    snap = history.latest_snapshot("arena-text")
    assert snap is not None
    expected = ["GPT\u20115 Turbo", "星河 2", "Rocket 🚀 Chat", "Caf\u00e9 LM"]
    assert [e.model for e in snap.entries] == expected
    assert [e.model_id for e in snap.entries] == expected
    assert all(unicodedata.is_normalized("NFC", e.model) for e in snap.entries)
    assert sorted(m.name for m in history.model_infos()) == sorted(expected)


def test_naive_datetimes_are_refused(store):
    with pytest.raises(Exception, match="naive datetime"):
        store.save_snapshot(weekly(date(2026, 8, 1), ROWS), observed_at=datetime(2026, 8, 2), fetch_id=None)


def test_renamed_model_stays_one_model(store, history, engine):
    store.save_snapshot(
        weekly(date(2026, 7, 25), ROWS, {"org/model-1": "Model One"}), observed_at=OBSERVED, fetch_id=None
    )
    store.save_snapshot(
        weekly(date(2026, 8, 1), ROWS, {"org/model-1": "Model One Pro"}),
        observed_at=OBSERVED + timedelta(days=7),
        fetch_id=None,
    )
    assert count(engine, db.ModelRow) == len(ROWS)
    snap = history.latest_snapshot("openrouter-weekly")
    assert snap is not None
    assert snap.entries[0].model_id == "org/model-1"
    assert snap.entries[0].model == "Model One Pro"
    info = {m.model_id: m for m in history.model_infos()}["org/model-1"]
    assert ("name", "Model One") in info.aliases
    assert ("name", "Model One Pro") in info.aliases
    # Re-importing the older capture later does not bring the old name back.
    older = weekly(date(2026, 7, 18), ROWS, {"org/model-1": "Model One"})
    store.save_snapshot(older, observed_at=OBSERVED + timedelta(days=8), fetch_id=None)
    assert {m.model_id: m for m in history.model_infos()}["org/model-1"].name == "Model One Pro"


def test_failure_half_way_rolls_back_everything(store, engine):
    too_big = [*ROWS, ("org/overflow", 2**70)]  # does not fit a BIGINT: the insert fails mid-snapshot
    with pytest.raises((OverflowError, StatementError), match=r"(?i)int|range|large"):
        store.save_snapshot(weekly(date(2026, 8, 1), too_big), observed_at=OBSERVED, fetch_id=None)
    for table in (db.SnapshotRow, db.EntryRow, db.ModelRow, db.ModelAliasRow):
        assert count(engine, table) == 0, table.__tablename__


def test_raw_body_is_kept_compressed_and_comes_back(store, engine):
    body = ("é,中文,🙂\n" * 2000).encode()
    fetch_id = store.record_fetch(
        FetchRecord(
            source="arena-text",
            method="collect",
            started_at=OBSERVED,
            outcome="layout",
            format="hf-rows",
            board="arena-text",
            error="no table",
            body=body,
        )
    )
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT body, body_size, sha256 FROM fetches WHERE id = :i"), {"i": fetch_id}).one()
    assert stored.body_size == len(body)
    assert len(stored.body) < len(body) / 10
    captures = list(store.raw_captures())
    assert [c.body for c in captures] == [body]


def test_bodies_stored_by_earlier_versions_as_zlib_still_come_back(store, engine):
    """Earlier versions stored zlib streams; rows written since are Zstandard frames. Both are read."""
    old_body, new_body = b'{"data": "stored before"}' * 50, b'{"data": "stored after"}' * 50
    old_id = store.record_fetch(
        FetchRecord(source="openrouter-weekly", method="collect", started_at=OBSERVED, outcome="new", format="x")
    )
    with engine.begin() as conn:
        conn.execute(text("UPDATE fetches SET body = :b WHERE id = :i"), {"b": zlib.compress(old_body, 6), "i": old_id})
    store.record_fetch(
        FetchRecord(
            source="openrouter-weekly",
            method="collect",
            started_at=OBSERVED + timedelta(hours=1),
            outcome="new",
            format="x",
            body=new_body,
        )
    )
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT body FROM fetches ORDER BY id")).scalars().all()
    assert stored[0][:2] == b"\x78\x9c"  # zlib at level 6
    assert stored[1][:4] == ZSTD_MAGIC
    assert [c.body for c in store.raw_captures()] == [old_body, new_body]


@pytest.mark.parametrize(
    "capture",
    [
        "arena/lmarena-text-gradio-pagesource-2025-03-28.html",
        "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json",
        "openrouter/rankings-models-week-2026-08-02.json",
    ],
)
def test_real_captures_compress_no_bigger_than_zlib_did(fixture_bytes, capture):
    """The store switched from zlib (level 6) to Zstandard for speed; it must not cost disk on real bodies."""
    body = fixture_bytes(capture)
    packed = compress(body)
    assert packed[:4] == ZSTD_MAGIC
    assert len(packed) <= len(zlib.compress(body, 6))
    assert decompress(packed) == body


def test_catalogue_prices_stored_only_on_change(store, history, engine):
    def catalogue(as_of: date, price: str, context: int) -> ParsedCatalog:
        return ParsedCatalog(
            as_of,
            (
                CatalogModel("org/a-20260101", "org/a", "A", Decimal(price), Decimal("2"), context),
                CatalogModel("org/a-20260101:free", "org/a:free", "A (free)", Decimal("0"), Decimal("0"), context),
            ),
            "test",
        )

    first = store.save_catalog(catalogue(date(2026, 8, 1), "0.5", 1000), fetch_id=None)
    same = store.save_catalog(catalogue(date(2026, 8, 2), "0.5", 1000), fetch_id=None)
    moved = store.save_catalog(catalogue(date(2026, 8, 3), "0.25", 1000), fetch_id=None)
    assert (first.status, first.price_changes, first.new_models) == ("new", 2, 2)
    assert (same.status, same.price_changes) == ("unchanged", 0)
    assert moved.price_changes == 1  # the paid model's price fell; the free variant's did not
    prices = [p for p in history.price_history() if p.model_id == "org/a-20260101"]
    assert [(p.observed_on, p.prompt_price_per_m) for p in prices] == [
        (date(2026, 8, 1), Decimal("0.5")),
        (date(2026, 8, 3), Decimal("0.25")),
    ]
    free = [p for p in history.price_history() if p.model_id == "org/a-20260101:free"]
    assert [(p.observed_on, p.prompt_price_per_m) for p in free] == [(date(2026, 8, 1), Decimal("0"))]


def test_events_and_posts_are_stored_once(store, history):
    snap = store.save_snapshot(weekly(date(2026, 8, 1), ROWS), observed_at=OBSERVED, fetch_id=None)
    event = Event(kind="moved", board="openrouter-weekly", model_id="org/model-2", model="org/model-2", from_rank=3)
    assert store.save_events("openrouter-weekly", None, snap.snapshot_id, [("k1", event)]) == 1
    assert store.save_events("openrouter-weekly", None, snap.snapshot_id, [("k1", event)]) == 0
    stored = history.events()
    assert len(stored) == 1
    assert stored[0].event.to_json() == event.to_json()
    post = Post(
        guid="urn:test:post:1",
        slug="2026-08-01",
        title="T",
        published_at=datetime(2026, 8, 1, tzinfo=UTC),
        lead="L",
        sections=(PostSection("H", ("p1", "p2")),),
    )
    assert store.save_post(post) is True
    assert store.save_post(post) is False
    assert history.posts() == [post]
