"""The steps every publish runs before building the site: the latest events stored, the week's post written
when it is due. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from test_history_site import OBSERVED, weekly

from tracker.models import Post, PostSection
from tracker.pipeline.report import refresh_events, weekly_post


def post_of(day: date) -> Post:
    return Post(
        guid=f"urn:test:post:{day}",
        slug=day.isoformat(),
        title="A week",
        published_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
        lead="Lead.",
        sections=(PostSection("Heading", ("Paragraph.",)),),
    )


def two_weeks(store) -> None:
    for day, tokens in ((date(2026, 8, 1), (300, 200, 100)), (date(2026, 8, 8), (300, 500, 900))):
        rows = list(zip(("a/one", "b/two", "c/three"), tokens, strict=True))
        store.save_snapshot(weekly(day, rows), observed_at=OBSERVED, fetch_id=None)


def test_no_post_is_due_within_a_week_of_the_last_one_and_no_snapshot_is_read(store, history, monkeypatch):
    two_weeks(store)
    store.save_post(post_of(date(2026, 8, 5)))  # three days older than the data: not due

    def no_reading(snapshot_id: int):
        raise AssertionError("a snapshot was read to decide nothing")

    monkeypatch.setattr(history, "load_snapshot", no_reading)
    assert weekly_post(history, store) is None
    assert [p.slug for p in history.posts()] == ["2026-08-05"]


def test_a_post_is_written_when_a_week_has_passed(store, history):
    two_weeks(store)
    store.save_post(post_of(date(2026, 8, 1)))
    post = weekly_post(history, store)
    assert post is not None
    assert post.slug.startswith("2026-08-08")
    assert history.posts()[0].slug == post.slug  # the newest first


@pytest.mark.parametrize("stored_twice", [False, True])
def test_refresh_events_stores_the_latest_comparison_once(store, history, stored_twice):
    two_weeks(store)
    assert refresh_events(history, store) == 5
    stored = history.events()
    assert {(e.from_as_of, e.to_as_of) for e in stored} == {(date(2026, 8, 1), date(2026, 8, 8))}
    assert sorted((e.event.kind, e.event.model_id) for e in stored) == [
        ("biggest_mover", "a/one"),
        ("biggest_mover", "c/three"),
        ("moved", "a/one"),
        ("moved", "c/three"),
        ("new_leader", "c/three"),  # from #3 to #1, past a/one
    ]
    if stored_twice:
        assert refresh_events(history, store) == 0  # already stored: nothing new
        assert len(history.events()) == 5


def test_snapshot_refs_are_every_snapshot_of_a_board_oldest_first(store, history):
    two_weeks(store)
    refs = history.snapshot_refs("openrouter-weekly")
    assert [r.as_of for r in refs] == [date(2026, 8, 1), date(2026, 8, 8)]
    assert refs[0].observed_at == OBSERVED  # an aware UTC datetime on both backends
    assert (refs[0].window_start, refs[0].window_end) == (date(2026, 7, 26), date(2026, 8, 1))
    assert (refs[0].row_count, refs[0].board) == (3, "openrouter-weekly")
    assert history.snapshot_refs("arena-text") == []
