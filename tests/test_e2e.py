"""End to end: a local upstream plays several weeks; `tracker run --once` each week grows the history, adds
exactly one post per publishable week, and the feed gains exactly those items. One week the upstreams fail:
nothing false is published, `status` shows it, and the next good week recovers."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
import time_machine
from upstream import Upstream, export_csv, running

from tracker.cli import main
from tracker.db import make_engine
from tracker.history import History

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

MODELS = [f"model-{i:02d}" for i in range(24)]
CHALLENGE = b"<html><head><title>Just a moment...</title></head><body>cf challenge</body></html>"


def arena_rows(week: int, published: date) -> list[dict]:
    rng = random.Random(week)
    scores = {
        m: 1500 - 9 * i + rng.uniform(-14, 14) + (25 if (m == "model-05" and week >= 2) else 0)
        for i, m in enumerate(MODELS)
    }
    ranked = sorted(MODELS, key=lambda m: -scores[m])
    return [
        {
            "model_name": m,
            "organization": "Lab",
            "license": "Proprietary",
            "rating": scores[m],
            "rating_lower": scores[m] - 4,
            "rating_upper": scores[m] + 4,
            "variance": 1.0,
            "vote_count": 10000 + i,
            "rank": i + 1,
            "category": "overall",
            "leaderboard_publish_date": published.isoformat(),
        }
        for i, m in enumerate(ranked)
    ]


def daily_rows(first: date, last: date) -> list[dict]:
    """Thirty days of daily usage: some models grow fast, some slowly, so ranks change week to week."""
    rows = []
    day = first
    while day <= last:
        n = (day - date(2026, 1, 1)).days
        for i, m in enumerate(MODELS):
            # Each model's usage swings on its own phase, so the ranking reshuffles every week.
            tokens = int(100_000_000_000 / (i + 1) ** 0.5 * (1.8 + math.sin(n / 9 + i)))
            rows.append({"date": day.isoformat(), "model_permaslug": f"lab/{m}", "total_tokens": tokens})
        rows.append({"date": day.isoformat(), "model_permaslug": "other", "total_tokens": 5 * 10**11})
        day += timedelta(days=1)
    return rows


def catalogue_row(model: str, week: int) -> dict:
    price = f"{(1 + MODELS.index(model)) * (2 if week >= 3 else 1) / 1_000_000:.8f}"
    return {
        "id": f"lab/{model}",
        "canonical_slug": f"lab/{model}",
        "name": f"Lab: {model.replace('-', ' ').title()}",
        "created": 1767225600,
        "context_length": 131072,
        "pricing": {"prompt": price, "completion": price},
    }


def serve_week(server: Upstream, today: date, week: int) -> None:
    server.arena["text_style_control"] = arena_rows(week, today - timedelta(days=2))
    server.arena["text"] = arena_rows(week + 50, today - timedelta(days=2))
    server.arena["webdev"] = arena_rows(week + 100, today - timedelta(days=2))
    server.models = json.dumps({"data": [catalogue_row(m, week) for m in MODELS]}).encode()
    server.export = export_csv(daily_rows(today - timedelta(days=30), today - timedelta(days=1)))
    server.export_date = today


def tracker(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, *args])


def arena_board(week: int, today: date) -> dict[str, tuple[int, float]]:
    """Arena Text as served in a week: model -> (rank, score)."""
    return {r["model_name"]: (r["rank"], r["rating"]) for r in arena_rows(week, today - timedelta(days=2))}


def week_tokens(model: str, end: date) -> int:
    """A model's OpenRouter tokens over the seven days ending `end`, as served."""
    rows = daily_rows(end - timedelta(days=6), end)
    return sum(r["total_tokens"] for r in rows if r["model_permaslug"] == f"lab/{model}")


def week_after_the_failure(db_url: str, first: date, capsys) -> None:
    """Week 3, right after the failing week 2: each board is compared with its last good snapshot.

    Arena: week 3's board against week 1's (week 2's was never stored). OpenRouter: week 3's window
    against the window ending seven days earlier (the failing week's, stored from week 3's export, which
    covers 30 days); never week 1's window, two weeks older, and never an overlapping one."""
    arena_before, arena_after = first + timedelta(days=5), first + timedelta(days=19)
    usage_before, usage_after = first + timedelta(days=13), first + timedelta(days=20)
    # What the run stored (its refresh and its post), before `tracker diff` stores anything.
    engine = make_engine(db_url)
    try:
        history = History(engine)
        stored = {
            board: {(e.from_as_of, e.to_as_of) for e in history.events(board) if e.to_as_of == after}
            for board, after in (("arena-text", arena_after), ("openrouter-weekly", usage_after))
        }
        post = history.posts()[0]
        arena_ids = {r.as_of: r.id for r in history.snapshot_refs("arena-text")}
    finally:
        engine.dispose()
    assert stored == {
        "arena-text": {(arena_before, arena_after)},
        "openrouter-weekly": {(usage_before, usage_after)},
    }
    assert post.slug == usage_after.isoformat()
    assert {arena_ids[arena_before], arena_ids[arena_after]} <= set(post.snapshot_ids)
    assert arena_ids[first - timedelta(days=2)] not in post.snapshot_ids  # week 0's board is not in it
    # The user's path: `tracker diff` with no dates.
    capsys.readouterr()
    assert tracker(db_url, "diff", "--board", "arena-text", "--json") == 0
    arena = json.loads(capsys.readouterr().out)
    assert (arena["from"]["as_of"], arena["to"]["as_of"]) == (arena_before.isoformat(), arena_after.isoformat())
    before, after = arena_board(1, first + timedelta(days=7)), arena_board(3, first + timedelta(days=21))
    moves = [e for e in arena["events"] if e["kind"] == "moved"]
    assert moves
    for e in moves:  # ranks and scores of week 1 and week 3, and of no other week
        (rank_before, score_before), (rank_after, score_after) = before[e["model_id"]], after[e["model_id"]]
        assert (e["from_rank"], e["to_rank"]) == (rank_before, rank_after)
        assert (e["value_before"], e["value_after"]) == (pytest.approx(score_before), pytest.approx(score_after))
    assert tracker(db_url, "diff", "--board", "openrouter-weekly", "--json") == 0
    usage = json.loads(capsys.readouterr().out)
    assert (usage["from"]["as_of"], usage["to"]["as_of"]) == (usage_before.isoformat(), usage_after.isoformat())
    moves = [e for e in usage["events"] if e["kind"] == "moved"]
    assert moves
    for e in moves:
        model = e["model_id"].removeprefix("lab/")
        tokens = (week_tokens(model, usage_before), week_tokens(model, usage_after))
        assert (e["value_before"], e["value_after"]) == tokens
        assert e["value_before"] != week_tokens(model, first + timedelta(days=6))  # not week 1's window


def feed_guids(site) -> list[str]:
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert feed.bozo == 0
    return [e.id for e in feed.entries]


def test_weeks_of_runs_with_a_failing_week(db_url, tmp_path, monkeypatch, capsys):
    site = tmp_path / "site"
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.setenv("TRACKER_SITE_DIR", str(site))
    first = date(2026, 3, 2)
    guids: list[str] = []
    with running() as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        for week in range(5):
            today = first + timedelta(days=7 * week)
            serve_week(server, today, week)
            server.scripts.clear()
            failing = week == 2
            if failing:
                server.fail(
                    "/filter", *[(403, {"cf-mitigated": "challenge", "content-type": "text/html"}, CHALLENGE)] * 3
                )  # one per Arena board
                server.fail("/api/v1/datasets/exports/rankings-daily/latest.manifest.json", (404, {}, b"gone"))
            with time_machine.travel(datetime(today.year, today.month, today.day, 3, 0, tzinfo=UTC), tick=True):
                code = tracker(db_url, "run", "--once", "--all", "--lock-wait", "0")
                capsys.readouterr()
                status_code = tracker(db_url, "status", "--json")
                status = json.loads(capsys.readouterr().out)
            sources = {s["source"]: s for s in status["sources"]}
            now_guids = feed_guids(site)
            if failing:
                assert code == 69  # blocked outranks the gone export in the exit code
                assert sources["arena-text"]["last_outcome"] == "blocked"
                assert sources["arena-text"]["consecutive_failures"] == 1
                assert sources["openrouter-weekly"]["last_outcome"] == "gone"
                assert now_guids == guids  # nothing new, nothing false
            else:
                assert code == 0
                assert sources["arena-text"]["consecutive_failures"] == 0
                assert status_code == 0
                # Exactly one new post, newest first; the old items keep their GUIDs.
                assert now_guids[1:] == guids
                assert len(now_guids) == len(guids) + 1
            if week == 3:
                week_after_the_failure(db_url, first, capsys)
            guids = now_guids
    assert len(guids) == 4
    posts = sorted(p for p in (site / "posts").glob("*.html") if p.name != "index.html")
    assert len(posts) == 4
    for post in posts:  # each source is cited once, in the post's own "Sources" section
        text = post.read_text(encoding="utf-8")
        assert text.count("Source: OpenRouter (openrouter.ai/rankings), as of") == 1, post.name
        assert text.count("(Arena Text; CC BY 4.0)") == 1, post.name
        assert '<p class="attribution">' not in text, post.name
    # And the week after that is plain week over week again: week 4 against week 3.
    capsys.readouterr()
    assert tracker(db_url, "diff", "--board", "openrouter-weekly", "--json") == 0
    last = json.loads(capsys.readouterr().out)
    assert last["to"]["as_of"] == (first + timedelta(days=27)).isoformat()
    assert last["from"]["as_of"] == (first + timedelta(days=20)).isoformat()
