"""Validation: what may become a snapshot, and the content hash that makes the same capture one snapshot."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tracker.models import Entry, InvalidCaptureError, ParsedSnapshot, RankKind, Snapshot
from tracker.validate import ValidationRules, content_hash, validate


def arena(n: int, **changes) -> ParsedSnapshot:
    entries = tuple(
        Entry(f"model-{i}", f"Model {i}", rank=i, score=1500.0 - i, ci_low=1490.0 - i, ci_high=1510.0 - i, votes=900)
        for i in range(1, n + 1)
    )
    return replace(ParsedSnapshot("arena-text", date(2026, 4, 23), entries, "test"), **changes)


def stored(n: int) -> Snapshot:
    parsed = arena(n)
    return Snapshot(1, parsed.board, parsed.as_of, datetime(2026, 4, 24, tzinfo=UTC), parsed.entries, "h", "test")


def test_a_good_capture_passes_unchanged():
    parsed = arena(30)
    assert validate(parsed, stored(30)) == parsed


def test_far_fewer_rows_than_the_last_good_snapshot_is_refused():
    with pytest.raises(InvalidCaptureError, match="12 rows against 30"):
        validate(arena(12), stored(30))
    assert len(validate(arena(15), stored(30)).entries) == 15  # exactly half is still accepted
    with pytest.raises(InvalidCaptureError):
        validate(arena(20), stored(30), ValidationRules(min_ratio=0.8))


def test_too_few_rows_at_all_is_refused():
    with pytest.raises(InvalidCaptureError, match="only 3 rows"):
        validate(arena(3), None)


def test_missing_required_value_is_refused():
    parsed = arena(10)
    broken = replace(parsed, entries=(replace(parsed.entries[0], score=None), *parsed.entries[1:]))
    with pytest.raises(InvalidCaptureError, match="has no score"):
        validate(broken, None)
    usage = ParsedSnapshot(
        "openrouter-weekly",
        date(2026, 8, 1),
        tuple(Entry(f"m{i}", f"M{i}", rank=i, rank_kind=RankKind.BY_VALUE, tokens=None) for i in range(1, 8)),
        "test",
    )
    with pytest.raises(InvalidCaptureError, match="has no tokens"):
        validate(usage, None)


def test_identical_duplicates_are_merged_with_a_warning(caplog):
    parsed = arena(10)
    doubled = replace(parsed, entries=(*parsed.entries, parsed.entries[3]))
    with caplog.at_level(logging.WARNING):
        merged = validate(doubled, None)
    assert merged.entries == parsed.entries
    assert "model-4" in caplog.text


def test_conflicting_duplicates_refuse_the_whole_capture():
    parsed = arena(10)
    conflicting = replace(parsed.entries[3], score=1234.0)
    with pytest.raises(InvalidCaptureError, match="model-4"):
        validate(replace(parsed, entries=(*parsed.entries, conflicting)), None)


def test_content_hash_depends_on_what_the_snapshot_says_only():
    parsed = arena(10)
    assert content_hash(parsed) == content_hash(replace(parsed, notes="fetched again", method="other-format"))
    assert content_hash(parsed) == content_hash(replace(parsed, entries=tuple(reversed(parsed.entries))))
    assert content_hash(parsed) != content_hash(replace(parsed, as_of=date(2026, 4, 30)))
    moved = replace(parsed.entries[0], score=1499.5)
    assert content_hash(parsed) != content_hash(replace(parsed, entries=(moved, *parsed.entries[1:])))
