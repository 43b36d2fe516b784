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
