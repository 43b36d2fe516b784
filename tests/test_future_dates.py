"""A snapshot dated after the day it was read is refused: it would stay its board's "latest" for good."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from tracker.models import Entry, InvalidCaptureError, ParsedSnapshot, RankKind
from tracker.pipeline.ingest import CaptureInput, ingest, not_from_the_future

READ = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
TABLE = b"rank,model,tokens\n" + b"".join(f"{i},model-{i},{100 - i}B\n".encode() for i in range(1, 8))


def weekly(as_of: date) -> ParsedSnapshot:
    entries = (Entry("a", "a", rank=1, rank_kind=RankKind.BY_VALUE, tokens=1),)
    return ParsedSnapshot("openrouter-weekly", as_of, entries, "csv", as_of - timedelta(days=6), as_of)


def test_a_day_ahead_is_still_today_somewhere_but_two_are_the_future():
    not_from_the_future(weekly(date(2026, 11, 30)), READ)  # an upstream a time zone ahead of UTC
    with pytest.raises(InvalidCaptureError, match=r"dated 2026-12-01, after the day it was read \(2026-11-29\)"):
        not_from_the_future(weekly(date(2026, 12, 1)), READ)


def test_a_mistyped_as_of_is_refused_and_the_file_kept(store, history, engine):
    capture = CaptureInput("openrouter-weekly", "import", TABLE, "week.csv", READ, fmt="csv", as_of=date(2062, 11, 29))
    outcome = ingest(store, history, capture, observed_at=READ)
    assert outcome.outcome == "invalid"
    assert "a snapshot cannot come from the future (check --as-of)" in str(outcome.error)
    assert history.latest_snapshot("openrouter-weekly") is None
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT outcome, body_size FROM fetches")).all()
    assert [(o, size) for o, size in kept] == [("invalid", len(TABLE))]
    # The same file with the right date is stored.
    fixed = CaptureInput("openrouter-weekly", "import", TABLE, "week.csv", READ, fmt="csv", as_of=date(2026, 11, 29))
    assert ingest(store, history, fixed, observed_at=READ).outcome == "new"
