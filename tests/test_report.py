"""The steps every publish runs before building the site: the latest events stored, the week's post written
when it is due. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from test_history_site import OBSERVED, weekly

from tracker.models import Entry, FetchRecord, ParsedSnapshot, Post, PostSection
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


# ---- an Arena board whose last attempt failed: the next good capture is compared with the last good one

BEFORE, GOOD, FAILED, AFTER = date(2026, 7, 25), date(2026, 8, 1), date(2026, 8, 8), date(2026, 8, 15)
BOARD_BY_DAY = {  # Arena Text as published on each day, (model, score) in rank order; nothing on FAILED
    BEFORE: [("b", 1400.0), ("c", 1390.0), ("a", 1380.0), ("d", 1370.0), ("e", 1360.0)],
    GOOD: [("a", 1400.0), ("b", 1390.0), ("d", 1380.0), ("c", 1370.0), ("e", 1360.0)],
    AFTER: [("c", 1420.0), ("a", 1400.0), ("b", 1390.0), ("d", 1380.0), ("e", 1360.0)],
}


def fetched_on(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(3), tzinfo=UTC)


def arena_capture(store, day: date) -> int:
    """A good collect of Arena Text published on `day`: the fetch, then its snapshot; the snapshot's id."""
    entries = tuple(
        Entry(key, key.upper(), rank=i, score=score, ci_low=score - 4, ci_high=score + 4, votes=20000)
        for i, (key, score) in enumerate(BOARD_BY_DAY[day], 1)
    )
    at = fetched_on(day)
    fetch_id = store.record_fetch(
        FetchRecord("arena-text", "collect", at, "new", board="arena-text", finished_at=at, http_status=200)
    )
    saved = store.save_snapshot(ParsedSnapshot("arena-text", day, entries, "test"), observed_at=at, fetch_id=fetch_id)
    assert saved.snapshot_id is not None
    return saved.snapshot_id


def failed_attempt(store, day: date) -> None:
    """A collect of Arena Text that met a bot challenge: recorded, with no snapshot."""
    at = fetched_on(day)
    store.record_fetch(
        FetchRecord(
            "arena-text",
            "collect",
            at,
            "blocked",
            board="arena-text",
            finished_at=at,
            http_status=403,
            error="blocked by a bot challenge (HTTP 403)",
            body=b"<html><title>Just a moment...</title></html>",
        )
    )


def assert_compared_with_the_last_good(history, after_id: int) -> None:
    """Every stored event of the capture after the failure is GOOD -> AFTER, with GOOD's ranks and scores."""
    stored = [e for e in history.events("arena-text") if e.to_snapshot_id == after_id]
    assert {(e.from_as_of, e.to_as_of) for e in stored} == {(GOOD, AFTER)}
    moves = {(e.event.model_id, e.event.from_rank, e.event.to_rank) for e in stored if e.event.kind == "moved"}
    assert moves == {("c", 4, 1), ("a", 1, 2), ("b", 2, 3), ("d", 3, 4)}  # from BEFORE, c would be 2 -> 1
    (leader,) = [e.event for e in stored if e.event.kind == "new_leader"]
    assert (leader.model_id, leader.from_rank, leader.to_rank) == ("c", 4, 1)
    assert (leader.value_before, leader.value_after) == (1370.0, 1420.0)
    assert not [e for e in history.events("arena-text") if e.event.kind == "stale" or e.from_as_of is None]


def test_after_a_failed_attempt_the_stored_arena_events_compare_with_the_last_good_snapshot(store, history):
    arena_capture(store, BEFORE)
    assert refresh_events(history, store) == 0  # a first snapshot: nothing to compare with
    arena_capture(store, GOOD)
    assert refresh_events(history, store) > 0
    stored_before_the_failure = history.events()
    failed_attempt(store, FAILED)
    assert refresh_events(history, store) == 0  # the failed attempt makes no event at all
    assert history.events() == stored_before_the_failure
    after_id = arena_capture(store, AFTER)
    new = refresh_events(history, store)
    assert new == len([e for e in history.events("arena-text") if e.to_snapshot_id == after_id])
    assert_compared_with_the_last_good(history, after_id)


def test_after_a_failed_attempt_the_post_compares_arena_with_the_last_good_snapshot(store, history):
    arena_capture(store, BEFORE)
    good_id = arena_capture(store, GOOD)
    store.save_post(post_of(GOOD))  # the post of GOOD's week; FAILED's week had nothing to post
    failed_attempt(store, FAILED)
    after_id = arena_capture(store, AFTER)
    post = weekly_post(history, store)
    assert post is not None
    assert post.slug.startswith(AFTER.isoformat())
    assert post.snapshot_ids == (good_id, after_id)
    assert_compared_with_the_last_good(history, after_id)  # the events stored with the post


def test_a_week_without_a_new_arena_snapshot_is_said_so_not_told_as_unchanged(store, history):
    """Arena Text failed all week (or did not update) while OpenRouter moved: the post says Arena has no new
    snapshot since the previous post, claims neither an unchanged top five nor that nothing moved, and stores
    no Arena event comparing the board with itself."""
    arena_capture(store, BEFORE)
    arena_capture(store, GOOD)
    for day, tokens in ((GOOD, (300, 200, 100)), (FAILED, (300, 500, 900))):
        rows = list(zip(("a/one", "b/two", "c/three"), tokens, strict=True))
        store.save_snapshot(weekly(day, rows), observed_at=fetched_on(day), fetch_id=None)
    store.save_post(post_of(GOOD))
    failed_attempt(store, FAILED)
    arena_events = len(history.events("arena-text"))
    post = weekly_post(history, store)
    assert post is not None
    assert post.slug.startswith(FAILED.isoformat())  # OpenRouter's new week makes the post
    assert "Arena's Text board has no new snapshot since the previous post" in post.lead
    assert "nothing moved in Arena's Text" not in post.lead
    (arena,) = [s for s in post.sections if "Arena" in s.heading]
    text = " ".join(arena.paragraphs)
    assert f"no new snapshot since the previous post; these figures are as of {GOOD.isoformat()}" in text
    assert "unchanged" not in text
    assert "A leads at 1400" in text  # the standing as last seen is still given
    assert len(history.events("arena-text")) == arena_events  # nothing stored for GOOD -> GOOD


def test_a_week_without_a_new_openrouter_window_is_said_so_not_told_again(store, history):
    """OpenRouter failed all week while Arena moved: the post does not tell last week's OpenRouter moves
    again (its newest window is the one the previous post told); it says there is no new window since."""
    for day in (BEFORE, GOOD):
        arena_capture(store, day)
    for day, tokens in ((BEFORE, (300, 200, 100)), (GOOD, (300, 500, 900))):
        rows = list(zip(("a/one", "b/two", "c/three"), tokens, strict=True))
        store.save_snapshot(weekly(day, rows), observed_at=fetched_on(day), fetch_id=None)
    first = weekly_post(history, store)  # GOOD's week: both boards moved
    assert first is not None
    assert first.slug.startswith(GOOD.isoformat())
    assert "changed places in OpenRouter's weekly top 20" in first.lead
    usage_events = len(history.events("openrouter-weekly"))
    arena_capture(store, AFTER)  # Arena moves on; every OpenRouter attempt since GOOD failed
    post = weekly_post(history, store)  # AFTER's: Arena moved, no new OpenRouter window since GOOD's
    assert post is not None
    assert post.slug.startswith(AFTER.isoformat())
    assert "OpenRouter's weekly ranking has no new snapshot since the previous post" in post.lead
    assert "changed places in OpenRouter's" not in post.lead
    (usage,) = [s for s in post.sections if "OpenRouter" in s.heading]
    text = " ".join(usage.paragraphs)
    assert f"these figures are as of {GOOD.isoformat()}" in text
    assert "C/Three" in text  # the standing as last seen is still given
    assert "climb" not in text  # no move told twice
    assert "changed places" not in text
    assert len(history.events("openrouter-weekly")) == usage_events


def _steps_spied(monkeypatch) -> list[str]:
    """The steps before a build that `operate.publish` takes, recorded as they are called (spied on in
    their own modules: `operate.publish` imports them only when there is something to build)."""
    from tracker.pipeline import portfolio, report

    taken: list[str] = []
    for module, name in ((portfolio, "refresh_matches"), (report, "refresh_events"), (report, "weekly_post")):
        step = getattr(module, name)

        def spy(*args, _step=step, _name=name, **kwargs):
            taken.append(_name)
            return _step(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return taken


def test_a_publish_with_nothing_new_since_the_last_skips_the_steps_before_the_build(
    engine, store, history, tmp_path, monkeypatch
):
    from tracker.pipeline import operate

    two_weeks(store)
    out = tmp_path / "site"
    taken = _steps_spied(monkeypatch)
    first = operate.publish(engine, store, history, out, base_url=None)
    assert taken == ["refresh_matches", "refresh_events", "weekly_post"]
    assert first.post is not None  # the first week's post: the steps wrote to the database
    assert first.published is not None
    assert first.published.written > 0
    taken.clear()
    again = operate.publish(engine, store, history, out, base_url=None)
    assert taken == []  # the site was built from the database as it is: each step would find nothing to do
    assert again.published is not None
    assert again.published.written == 0
    assert again.published.files == first.published.files
    # With other settings, or new data, the steps are taken again.
    operate.publish(engine, store, history, out, base_url="https://example.invalid/")
    assert taken == ["refresh_matches", "refresh_events", "weekly_post"]
    taken.clear()
    rows = [("a/one", 900), ("b/two", 100), ("c/three", 400)]
    store.save_snapshot(weekly(date(2026, 8, 15), rows), observed_at=OBSERVED, fetch_id=None)
    third = operate.publish(engine, store, history, out, base_url="https://example.invalid/")
    assert taken == ["refresh_matches", "refresh_events", "weekly_post"]
    assert third.post is not None
    assert third.post.slug.startswith("2026-08-15")


def test_a_damaged_site_is_published_again_with_the_steps_before_it(engine, store, history, tmp_path, monkeypatch):
    from tracker.pipeline import operate

    two_weeks(store)
    out = tmp_path / "site"
    operate.publish(engine, store, history, out, base_url=None)
    (out / "index.html").unlink()
    taken = _steps_spied(monkeypatch)
    result = operate.publish(engine, store, history, out, base_url=None)
    assert taken == ["refresh_matches", "refresh_events", "weekly_post"]
    assert result.published is not None
    assert (out / "index.html").is_file()
