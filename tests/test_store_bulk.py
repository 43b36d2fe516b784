"""Bulk writing through the store: the content hash covers every entry field, attempts recorded
in bulk are the rows `record_fetch` writes, and a `bulk()` block is one transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tracker import db
from tracker.history import History
from tracker.models import Entry, FetchRecord, ParsedSnapshot, RankKind
from tracker.store import Store
from tracker.validate import content_hash

T0 = datetime(2026, 8, 1, 12, tzinfo=UTC)


def random_snapshot(rng: random.Random) -> ParsedSnapshot:
    entries = []
    for i in range(rng.randrange(1, 12)):
        entries.append(
            Entry(
                model_id=f"org/model-{rng.randrange(50)}-{i}",
                model=rng.choice(["Model", "Modèle ü", 'with "quotes"', "😀"]),
                rank=rng.choice([None, i + 1, 1]),
                rank_kind=rng.choice(list(RankKind)),
                rank_upper=rng.choice([None, 1, 3]),
                score=rng.choice([None, 1234.5, 1e-9, -0.0]),
                ci_low=rng.choice([None, 1200.25]),
                votes=rng.choice([None, 0, 123456]),
                tokens=rng.choice([None, 3_290_000_000_000, 0]),
                change=rng.choice([None, 0.23, -0.1864]),
                share=rng.choice([None, 0.5]),
                organization=rng.choice([None, "Org"]),
                source_key=rng.choice([None, "upstream-key"]),
                aliases=tuple(rng.sample(["b", "a", "c"], rng.randrange(3))),
                tokens_lower_bound=rng.choice([False, True]),
            )
        )
    window = rng.choice([None, date(2026, 7, 26)])
    return ParsedSnapshot(
        "openrouter-weekly", date(2026, 8, 1), tuple(entries), "data-api", window, date(2026, 8, 1) if window else None
    )


def reference_hash(parsed: ParsedSnapshot) -> str:
    """The content hash written the slow, obvious way: every field of every entry via dataclasses.asdict,
    but the lower-bound mark (added later: hashes stored before it must still match)."""
    entries = []
    for e in parsed.entries:
        record = dataclasses.asdict(e)
        del record["tokens_lower_bound"]
        record["rank_kind"] = str(e.rank_kind)
        record["aliases"] = sorted(e.aliases)
        entries.append(record)
    document = {
        "board": parsed.board,
        "as_of": parsed.as_of.isoformat(),
        "window_start": parsed.window_start.isoformat() if parsed.window_start else None,
        "window_end": parsed.window_end.isoformat() if parsed.window_end else None,
        "entries": sorted(entries, key=lambda r: (r["rank"] or 0, r["model_id"])),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("seed", range(25))
def test_content_hash_covers_every_entry_field(seed: int) -> None:
    parsed = random_snapshot(random.Random(seed))
    assert content_hash(parsed) == reference_hash(parsed)


def attempt(hour: int, **values: object) -> FetchRecord:
    started = T0 + timedelta(hours=hour)
    return FetchRecord(
        source="openrouter-weekly",
        method="collect",
        started_at=started,
        outcome=str(values.pop("outcome", "not_modified")),
        board="openrouter-weekly",
        finished_at=started + timedelta(seconds=2),
        as_of=date(2026, 8, 1),
        **values,  # type: ignore[arg-type]
    )


def fetch_rows(engine) -> list[tuple[object, ...]]:
    columns = [c for c in db.FetchRow.__table__.columns if c.name != "id"]
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*columns).order_by(db.FetchRow.id))]


def test_attempts_recorded_in_bulk_are_the_rows_record_fetch_writes(engine) -> None:
    store = Store(engine)
    records = [
        attempt(1, http_status=304, etag='"x"'),
        attempt(2, outcome="unchanged", http_status=200, body=b"same body \xe2\x9c\x93"),
        attempt(3, outcome="transient", http_status=503, error="HTTP 503", attempts=3),
    ]
    for record in records:
        store.record_fetch(record)
    one_by_one = fetch_rows(engine)
    assert store.record_fetches(records) == 3
    assert store.record_fetches([]) == 0
    both = fetch_rows(engine)
    assert both[3:] == one_by_one
    status = History(engine).source_status(["openrouter-weekly"], T0 + timedelta(hours=4))[0]
    assert status.last_outcome == "transient"
    assert status.last_attempt_at == T0 + timedelta(hours=3)


def test_setting_the_outcome_of_an_unknown_attempt_is_an_error(engine) -> None:
    store = Store(engine)
    fetch_id = store.record_fetch(attempt(1, outcome="pending"))
    store.set_fetch_outcome(fetch_id, "new")
    assert fetch_rows(engine)[0][9] == "new"
    with pytest.raises(ValueError, match="no fetch attempt"):
        store.set_fetch_outcome(fetch_id + 100, "new")


def test_a_bulk_block_is_one_transaction(engine) -> None:
    store = Store(engine)
    parsed = ParsedSnapshot(
        "arena-text",
        date(2026, 8, 1),
        tuple(Entry(f"m{i}", f"m{i}", rank=i, score=1500.0 - i) for i in range(1, 6)),
        "hf-rows",
    )
    with store.bulk():
        fetch_id = store.record_fetch(attempt(1, outcome="pending"))
        saved = store.save_snapshot(parsed, observed_at=T0, fetch_id=fetch_id)
        store.set_fetch_outcome(fetch_id, saved.status)
        store.record_fetches([attempt(2), attempt(3)])
        # Inside the block the same transaction sees its own writes ...
        assert store.save_snapshot(parsed, observed_at=T0, fetch_id=None).status == "unchanged"
        # ... and other connections see none of them yet.
        with engine.connect() as other:
            assert other.execute(text("SELECT count(*) FROM fetches")).scalar() == 0
    assert len(fetch_rows(engine)) == 3
    assert History(engine).load_snapshot(saved.snapshot_id).row_count == 5


def test_an_error_in_a_bulk_block_leaves_nothing_behind(engine) -> None:
    store = Store(engine)

    def half_way() -> None:
        with store.bulk():
            store.record_fetches([attempt(1), attempt(2)])
            raise RuntimeError("half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        half_way()
    assert fetch_rows(engine) == []
    with store.bulk():  # the store is usable again afterwards
        store.record_fetch(attempt(3))
    assert len(fetch_rows(engine)) == 1
    with pytest.raises(RuntimeError, match="do not nest"), store.bulk(), store.bulk():
        pass
