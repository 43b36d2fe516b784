"""Feeds: valid RSS 2.0 and Atom, stable guids, dates from the data, newest first, hostile text escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import time_machine
from lxml import etree
from test_site_context import HOSTILE, WEEKS, sample_context, sample_post

from tracker.feed import FeedItem, FeedSpec, atom_id, post_html, render_atom, render_rss
from tracker.models import Post, PostSection
from tracker.site import render_site

BASE = "https://example.org/tracker/"


def feeds(**overrides: object) -> dict[str, bytes]:
    files = render_site(sample_context(**overrides))
    return {k: v for k, v in files.items() if k.endswith(".xml")}


def parse(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def test_all_feeds_are_valid_rss_or_atom() -> None:
    out = feeds()
    assert set(out) == {"feed.xml", "atom.xml", "feeds/arena-text.xml", "feeds/openrouter-weekly.xml"}
    for path, data in out.items():
        parsed = parse(data)
        assert parsed.version == ("atom10" if path == "atom.xml" else "rss20")
        for entry in parsed.entries:
            assert entry.id, path
            assert entry.published_parsed is not None


def test_every_item_carries_the_post_guid_not_a_permalink() -> None:
    data = feeds()["feed.xml"]
    guids = etree.fromstring(data).findall("./channel/item/guid")
    assert [g.text for g in guids] == [sample_post(2).guid, sample_post(1).guid]
    assert {g.get("isPermaLink") for g in guids} == {"false"}
    atom = parse(feeds()["atom.xml"])
    assert [e.id for e in atom.entries] == [sample_post(2).guid, sample_post(1).guid]


def test_channel_link_is_the_site() -> None:
    assert parse(feeds()["feed.xml"]).feed.link == "index.html"
    assert parse(feeds(base_url=BASE)["feed.xml"]).feed.link == BASE
    board = parse(feeds(base_url=BASE)["feeds/arena-text.xml"])
    assert board.feed.link == BASE + "boards/arena-text.html"
    assert board.entries[0].link == BASE + "posts/2026-08-01-weekly.html"
    # Without a base URL, links are relative to the feed file, as feed readers resolve them.
    assert parse(feeds()["feeds/arena-text.xml"]).entries[0].link == "../posts/2026-08-01-weekly.html"


def test_publishing_twice_gives_identical_bytes_whatever_the_clock() -> None:
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False):
        first = feeds()
    with time_machine.travel(datetime(2031, 6, 15, 12, 30, tzinfo=UTC), tick=False):
        second = feeds()
    assert first == second
    assert b"2030" not in first["feed.xml"]
    assert b"2030" not in first["atom.xml"]


def test_dates_come_from_the_posts() -> None:
    rss = parse(feeds()["feed.xml"])
    newest = sample_post(2).published_at
    assert rss.feed.updated_parsed[:6] == newest.timetuple()[:6]
    atom = parse(feeds()["atom.xml"])
    assert atom.feed.updated_parsed[:6] == newest.timetuple()[:6]
    assert [e.published_parsed[:6] for e in atom.entries] == [
        sample_post(2).published_at.timetuple()[:6],
        sample_post(1).published_at.timetuple()[:6],
    ]


def test_a_feed_without_posts_is_dated_by_the_newest_data() -> None:
    rss = parse(feeds(posts=[])["feed.xml"])
    assert rss.entries == []
    assert rss.feed.updated_parsed[:3] == WEEKS[2].timetuple()[:3]


def test_a_new_week_adds_exactly_the_new_post_on_top() -> None:
    before = parse(feeds(posts=[sample_post(0), sample_post(1)])["feed.xml"])
    after = parse(feeds(posts=[sample_post(1), sample_post(2), sample_post(0)])["feed.xml"])
    old_ids = [e.id for e in before.entries]
    new_ids = [e.id for e in after.entries]
    assert new_ids == [sample_post(2).guid, *old_ids]
    old_items = {e.id: (e.title, e.link, e.published) for e in before.entries}
    assert {i: (e.title, e.link, e.published) for e in after.entries if (i := e.id) in old_items} == old_items


def test_entries_are_newest_first_whatever_the_input_order() -> None:
    posts = [sample_post(0), sample_post(2), sample_post(1)]
    for name in ("feed.xml", "atom.xml"):
        entries = parse(feeds(posts=posts)[name]).entries
        dates = [e.published_parsed for e in entries]
        assert dates == sorted(dates, reverse=True)
        assert len(entries) == 3


def test_board_feeds_hold_the_posts_that_mention_the_board() -> None:
    out = feeds(posts=[sample_post(0), sample_post(1), sample_post(2)])
    arena = parse(out["feeds/arena-text.xml"])
    weekly = parse(out["feeds/openrouter-weekly.xml"])
    assert [e.id for e in arena.entries] == [
        sample_post(2).guid,
        sample_post(1).guid,
    ]  # week 0 is OpenRouter only
    assert len(weekly.entries) == 3


def test_post_bodies_are_escaped_html_paragraphs() -> None:
    rss = parse(feeds()["feed.xml"])
    body = rss.entries[0].description
    assert body.startswith("<p>DeepSeek V4 Flash is #1 with 3 things &amp; more &lt;to&gt; say.</p>")
    assert "<h2>OpenRouter</h2>" in body
    raw = feeds()["feed.xml"].decode()
    assert "&lt;p&gt;" in raw
    assert "<p>" not in raw


def hostile_post() -> Post:
    title = " ".join(HOSTILE.values())
    base = sample_post(2, title=title)
    return Post(
        base.guid,
        base.slug,
        title,
        base.published_at,
        "Lead: " + title,
        (PostSection(HOSTILE["../../etc/passwd"], (title,)),),
        base.boards,
    )


def test_hostile_titles_are_escaped_in_feed_xml() -> None:
    out = feeds(posts=[hostile_post()])
    for name in ("feed.xml", "atom.xml"):
        raw = out[name].decode()
        for payload in ("<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>', "</script><script>"):
            assert payload not in raw
        parsed = parse(out[name])
        # Escaped, not mangled: a reader shows the name exactly as the upstream wrote it.
        assert parsed.entries[0].title == hostile_post().title
        assert "49" not in raw


def test_text_that_xml_cannot_carry_is_dropped_not_fatal() -> None:
    post = sample_post(1, title="Bad\x00 control\x0b characters\x1f")
    spec = FeedSpec(
        "all",
        "t",
        "d",
        "index.html",
        (FeedItem(post.guid, post.title, "p.html", post.published_at, "s", post_html(post)),),
        post.published_at,
    )
    for data in (render_rss(spec, path="feed.xml"), render_atom(spec, path="atom.xml")):
        assert parse(data).entries[0].title == "Bad control characters"


def test_atom_ids_are_iris_even_for_plain_guids() -> None:
    assert atom_id("tag:example.org,2026:week-31") == "tag:example.org,2026:week-31"
    assert atom_id("week 31/arena") == "urn:llm-rank-tracker:post:week%2031%2Farena"
