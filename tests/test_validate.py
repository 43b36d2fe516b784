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


def with_first(parsed: ParsedSnapshot, **changes) -> ParsedSnapshot:
    """The capture with its first entry changed."""
    return replace(parsed, entries=(replace(parsed.entries[0], **changes), *parsed.entries[1:]))


def usage(*tokens: int, ranks: tuple[int, ...] | None = None) -> ParsedSnapshot:
    """An OpenRouter week ranked by value: rank i holds tokens[i - 1] unless `ranks` says otherwise."""
    entries = tuple(
        Entry(f"m{i}", f"M{i}", rank=rank, rank_kind=RankKind.BY_VALUE, tokens=n)
        for i, (rank, n) in enumerate(zip(ranks or range(1, len(tokens) + 1), tokens, strict=True), start=1)
    )
    return ParsedSnapshot("openrouter-weekly", date(2026, 8, 1), entries, "test")


@pytest.mark.parametrize("field", ["score", "ci_low", "ci_high", "change", "share"])
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_figure_that_is_not_finite_is_refused(field, value):
    # Infinity would be stored, printed as invalid JSON and crash every later publish; nan would read back as NULL.
    with pytest.raises(InvalidCaptureError, match=f"'model-1' has a {field} that is not a finite number"):
        validate(with_first(arena(10), **{field: value}), None)


@pytest.mark.parametrize("rank", [0, -1])
def test_a_rank_below_one_is_refused(rank):
    with pytest.raises(InvalidCaptureError, match=f"'model-1' has rank {rank}; ranks start at 1"):
        validate(with_first(arena(10), rank=rank), None)


@pytest.mark.parametrize("field", ["votes", "prompt_tokens", "completion_tokens"])
def test_a_negative_count_is_refused(field):
    with pytest.raises(InvalidCaptureError, match=f"'model-1' has negative {field} \\(-5\\)"):
        validate(with_first(arena(10), **{field: -5}), None)
    assert validate(with_first(arena(10), **{field: 0}), None).entries[0].rank == 1  # none at all is a count


def test_an_interval_whose_low_end_is_above_its_high_end_is_refused():
    with pytest.raises(InvalidCaptureError, match="'model-1' has a confidence interval whose low end 1600"):
        validate(with_first(arena(10), ci_low=1600.0), None)
    assert validate(with_first(arena(10), ci_low=1499.0, ci_high=1499.0), None)  # a zero-width interval is one


def test_ranks_by_value_that_contradict_the_token_counts_are_refused():
    with pytest.raises(InvalidCaptureError, match="ranks contradict the tokens: 'm1' is #1 with 100 but 'm2' is #2"):
        validate(usage(100, 200, 50, 40, 30), None)
    with pytest.raises(InvalidCaptureError, match="'m4' is #4 with 70 but 'm5' is #5 with 90"):
        validate(usage(100, 80, 80, 70, 90), None)  # at the bottom of the list too
    with pytest.raises(InvalidCaptureError, match="'m1' is #1 with 90 but 'm3' is #2 with 95"):
        validate(usage(90, 100, 95, 70, 60, ranks=(1, 1, 2, 3, 4)), None)  # against the smaller of a tie


def test_ranks_by_value_that_agree_with_the_tokens_pass_ties_included():
    assert validate(usage(100, 90, 90, 70, 70, 10), None)
    assert validate(usage(100, 90, 90, 70, 60, ranks=(1, 2, 2, 4, 5)), None)


def test_ordinal_ranks_may_disagree_with_the_scores():
    # Arena numbers its own ranks (style control, ties by interval): a lower score at a better rank is theirs.
    assert validate(with_first(arena(10), score=1000.0, ci_low=990.0, ci_high=1010.0), None)
