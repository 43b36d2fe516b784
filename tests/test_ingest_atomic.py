"""A capture is stored all or nothing: every snapshot it holds and the attempt's outcome in one transaction,
the attempt itself (with its raw body) committed before, so a capture that fails while being stored is
kept for `tracker reparse` (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from conftest import real_fixture
from sqlalchemy import text

from tracker.models import CATALOGUE
from tracker.pipeline.ingest import CaptureInput, ingest, reparse
from tracker.store import Store

pytestmark = pytest.mark.fixtures

NOW = datetime(2026, 8, 3, 9, tzinfo=UTC)
DAILY = "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv"  # several weekly windows
CATALOGUE_FILE = "openrouter/models-2026-08-01.json"


def capture(relative: str, source: str) -> CaptureInput:
    path = real_fixture(relative)
    return CaptureInput(
        source=source, method="import", body=path.read_bytes(), name=path.name, started_at=NOW, as_of=date(2026, 8, 2)
    )


def rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def fail_on_call(monkeypatch, method: str, number: int) -> None:
    """Make the store's `method` raise on its `number`th call, as a full disk or a lost server would."""
    real = getattr(Store, method)
    calls = 0

    def failing(self, *args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == number:
            raise RuntimeError(f"{method} failed")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, method, failing)


def test_a_capture_whose_storing_fails_half_way_stores_none_of_its_snapshots(store, history, engine, monkeypatch):
    fail_on_call(monkeypatch, "save_snapshot", 2)
    with pytest.raises(RuntimeError, match="save_snapshot failed"):
        ingest(store, history, capture(DAILY, "openrouter-weekly"), observed_at=NOW)
    assert rows(engine, "SELECT count(*) FROM snapshots") == [(0,)]  # the first window went back too
    assert rows(engine, "SELECT count(*) FROM entries") == [(0,)]
    # The attempt and its body are kept, as they were before storing began.
    assert rows(engine, "SELECT outcome, body IS NOT NULL FROM fetches") == [("pending", True)]

    monkeypatch.undo()
    outcomes = reparse(store, history, observed_at=NOW)
    stored = len(outcomes[0].snapshots)
    assert stored >= 2
    assert all(s.status == "new" for s in outcomes[0].snapshots)
    assert rows(engine, "SELECT count(*) FROM snapshots") == [(stored,)]


def test_the_outcome_is_stored_with_the_snapshots(store, history, engine, monkeypatch):
    """A failure setting the outcome takes the capture's snapshots back with it: never snapshots whose
    attempt still says "pending" as if storing had not finished."""
    fail_on_call(monkeypatch, "set_fetch_outcome", 1)
    with pytest.raises(RuntimeError, match="set_fetch_outcome failed"):
        ingest(store, history, capture(DAILY, "openrouter-weekly"), observed_at=NOW)
    assert rows(engine, "SELECT count(*) FROM snapshots") == [(0,)]
    assert rows(engine, "SELECT outcome FROM fetches") == [("pending",)]

    monkeypatch.undo()
    outcome = ingest(store, history, capture(DAILY, "openrouter-weekly"), observed_at=NOW)
    assert outcome.outcome == "new"
    assert rows(engine, "SELECT outcome FROM fetches ORDER BY id") == [("pending",), ("new",)]
    assert rows(engine, "SELECT count(*) FROM snapshots") == [(len(outcome.snapshots),)]


def test_a_catalogue_and_its_outcome_are_stored_together(store, history, engine, monkeypatch):
    fail_on_call(monkeypatch, "set_fetch_outcome", 1)
    with pytest.raises(RuntimeError, match="set_fetch_outcome failed"):
        ingest(store, history, capture(CATALOGUE_FILE, CATALOGUE), observed_at=NOW)
    assert rows(engine, "SELECT count(*) FROM catalog_prices") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM models") == [(0,)]
    assert rows(engine, "SELECT outcome, body IS NOT NULL FROM fetches") == [("pending", True)]

    monkeypatch.undo()
    outcome = ingest(store, history, capture(CATALOGUE_FILE, CATALOGUE), observed_at=NOW)
    assert outcome.outcome == "new"
    assert outcome.catalog is not None
    assert rows(engine, "SELECT count(*) FROM catalog_prices") == [(outcome.catalog.price_changes,)]


def test_storing_a_capture_is_one_commit_after_its_attempt(store, history, engine, monkeypatch):
    """A capture of several snapshots is two transactions (the attempt, then everything it holds), not one
    per snapshot: a backfill stopped half-way through a dataset's hundreds of snapshots leaves none of them."""
    commits = []
    real = Store._own_transaction

    def counted(self):
        commits.append(1)
        return real(self)

    monkeypatch.setattr(Store, "_own_transaction", counted)
    outcome = ingest(store, history, capture(DAILY, "openrouter-weekly"), observed_at=NOW)
    assert len(outcome.snapshots) >= 2
    assert len(commits) == 2
