"""The site's reads of the history: the database fingerprint that tells a publish whether anything changed,
the models' signatures, read whole or grown from the last publish's, and the data clock (the newest
moment the history knows of). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from tracker import db, history_site
from tracker.history_site import SiteReads
from tracker.models import Entry, FetchRecord, ParsedSnapshot, RankKind

OBSERVED = datetime(2026, 8, 2, 3, 15, tzinfo=UTC)


def weekly(as_of: date, rows: list[tuple[str, int]]) -> ParsedSnapshot:
    ranked = sorted(rows, key=lambda r: -r[1])
    entries = tuple(
        Entry(model_id=slug, model=slug.title(), rank=i, rank_kind=RankKind.BY_VALUE, tokens=tokens)
        for i, (slug, tokens) in enumerate(ranked, 1)
    )
    return ParsedSnapshot(
        "openrouter-weekly", as_of, entries, "test", window_start=as_of - timedelta(days=6), window_end=as_of
    )


def fetch(outcome: str, at: datetime, body: bytes | None = None) -> FetchRecord:
    return FetchRecord("openrouter", "collect", at, outcome, finished_at=at, http_status=200, body=body)


class FingerprintWatch:
    """Called: whether the fingerprint now is one not seen before (every fingerprint read is kept)."""

    def __init__(self, reads: SiteReads) -> None:
        self.reads, self.seen = reads, [reads.fingerprint()]

    def __call__(self) -> bool:
        now = self.reads.fingerprint()
        fresh = now not in self.seen
        self.seen.append(now)
        return fresh


def test_the_fingerprint_changes_with_every_kind_of_write_and_only_then(engine, store):
    reads = SiteReads(engine)
    store.save_snapshot(weekly(date(2026, 8, 1), [("a/one", 300), ("b/two", 200)]), observed_at=OBSERVED, fetch_id=None)
    fetch_id = store.record_fetch(fetch("new", OBSERVED, b"raw capture"))
    changed = FingerprintWatch(reads)
    assert SiteReads(engine).fingerprint() == changed.seen[0]  # the same database, read again: the same digest

    store.set_fetch_outcome(fetch_id, "unchanged")  # an attempt's outcome, set after it was recorded
    assert changed()
    with engine.begin() as conn:  # a model's display name, changed in place
        conn.execute(update(db.ModelRow).where(db.ModelRow.slug == "a/one").values(name="Model One"))
    assert changed()
    store.save_snapshot(weekly(date(2026, 8, 2), [("a/one", 310), ("b/two", 290)]), observed_at=OBSERVED, fetch_id=None)
    assert changed()
    store.record_fetch(fetch("not_modified", OBSERVED + timedelta(hours=1)))
    assert changed()
    assert not changed()  # nothing written since: the same digest


@pytest.mark.parametrize("small", [0, 2])
def test_the_fingerprint_of_big_tables_sees_new_rows_and_the_newest_attempts(engine, store, monkeypatch, small):
    """Tables bigger than `_SMALL_TABLE` are fingerprinted by their count and highest key, and the newest
    attempts row by row (their outcome is set after they are recorded), all in the server on PostgreSQL.
    The threshold is lowered so that a small history takes those paths (2: some tables each way)."""
    monkeypatch.setattr(history_site, "_SMALL_TABLE", small)
    reads = SiteReads(engine)
    store.save_snapshot(weekly(date(2026, 8, 1), [("a/one", 300), ("b/two", 200)]), observed_at=OBSERVED, fetch_id=None)
    fetch_ids = [store.record_fetch(fetch("pending", OBSERVED + timedelta(minutes=i))) for i in range(3)]
    changed = FingerprintWatch(reads)
    assert SiteReads(engine).fingerprint() == changed.seen[0]

    store.set_fetch_outcome(fetch_ids[0], "unchanged")
    assert changed()
    store.set_fetch_outcome(fetch_ids[2], "new")
    assert changed()
    store.save_snapshot(weekly(date(2026, 8, 2), [("a/one", 310), ("b/two", 290)]), observed_at=OBSERVED, fetch_id=None)
    assert changed()
    store.record_fetch(fetch("not_modified", OBSERVED + timedelta(hours=1)))
    assert changed()
    assert not changed()
    assert reads._entries_mark == (4, max_entry_id(engine))  # the count and highest key `grown_signatures` uses


def max_entry_id(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.max(db.EntryRow.id)))


def test_grown_signatures_are_the_signatures_read_whole_and_refuse_a_table_that_shrank(engine, store):
    reads = SiteReads(engine)
    rows = [("a/one", 300), ("b/two", 200), ("c/three", 100)]
    first = store.save_snapshot(weekly(date(2026, 8, 1), rows), observed_at=OBSERVED, fetch_id=None)
    signatures, mark = reads.model_signatures(set())
    assert mark[0] == 3
    assert signatures["a/one"][0] == 1
    store.save_snapshot(weekly(date(2026, 8, 2), rows[:2]), observed_at=OBSERVED, fetch_id=None)
    third = store.save_snapshot(weekly(date(2026, 8, 3), rows[1:]), observed_at=OBSERVED, fetch_id=None)
    grown = reads.grown_signatures(signatures, mark, set())
    assert grown == SiteReads(engine).model_signatures(set())
    fingerprinted = SiteReads(engine)  # as a publish reads: the fingerprint's count, not a second one
    fingerprinted.fingerprint()
    assert fingerprinted.grown_signatures(signatures, mark, set()) == grown
    assert grown is not None
    assert grown[0]["b/two"][0] == 3
    # Snapshots left out (replaced by a later observation of their date) are left out of what was added too.
    left_out = {third.snapshot_id}
    assert reads.grown_signatures(signatures, mark, left_out) == SiteReads(engine).model_signatures(left_out)
    with engine.begin() as conn:  # an entry read at the mark, gone behind the tracker's back
        conn.execute(delete(db.EntryRow).where(db.EntryRow.snapshot_id == first.snapshot_id, db.EntryRow.rank == 3))
    assert reads.grown_signatures(signatures, mark, set()) is None
    fingerprinted = SiteReads(engine)
    fingerprinted.fingerprint()
    assert fingerprinted.grown_signatures(signatures, mark, set()) is None


def test_the_data_clock_is_the_newest_attempt_of_any_source_or_the_newest_snapshot(engine, store, history):
    assert history.data_clock() is None
    store.save_snapshot(weekly(date(2026, 8, 1), [("a/one", 300)]), observed_at=OBSERVED, fetch_id=None)
    assert history.data_clock() == OBSERVED
    # Attempts of several sources, recorded out of order: the newest is neither the last one recorded
    # nor one of the source that sorts last.
    store.record_fetches(
        [
            FetchRecord("openrouter", "collect", OBSERVED + timedelta(hours=5), "not_modified"),
            FetchRecord("arena", "collect", OBSERVED + timedelta(hours=9), "not_modified"),
            FetchRecord("zz-import", "import", OBSERVED + timedelta(hours=2), "new"),
            FetchRecord("openrouter", "collect", OBSERVED + timedelta(hours=1), "transient"),
        ]
    )
    assert history.data_clock() == OBSERVED + timedelta(hours=9)
    store.record_fetch(FetchRecord("catalogue", "collect", OBSERVED + timedelta(days=2), "unchanged"))
    assert history.data_clock() == OBSERVED + timedelta(days=2)


def test_download_sizes_are_each_boards_stored_rows_and_the_events(engine, store):
    reads = SiteReads(engine)
    assert reads.download_sizes() == ({}, 0)
    store.save_snapshot(weekly(date(2026, 8, 1), [("a/one", 300), ("b/two", 200)]), observed_at=OBSERVED, fetch_id=None)
    rows = [("a/one", 310), ("b/two", 290), ("c/three", 10)]
    store.save_snapshot(weekly(date(2026, 8, 2), rows), observed_at=OBSERVED, fetch_id=None)
    assert reads.download_sizes() == ({"openrouter-weekly": 5}, 0)
