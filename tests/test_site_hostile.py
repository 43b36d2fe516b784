"""Hostile model names and ids: escaped in tables, titles, inline JSON, SVG and feeds; never code or links."""

from __future__ import annotations

import json

import feedparser
import pytest
from bs4 import BeautifulSoup
from test_site_context import HOSTILE, hostile_snapshots, sample_context, sample_post, sample_snapshots

from tracker.models import Post, PostSection
from tracker.site import render_site
from tracker.site.figures import inline_json

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</script><script>alert(1)</script>",
    "<script>",
)


def hostile_post() -> Post:
    base = sample_post(2)
    names = " | ".join(HOSTILE.values())
    return Post(
        base.guid,
        base.slug,
        "Week: " + names,
        base.published_at,
        names + " \u2028 line separators \u2029",
        (PostSection(HOSTILE["GPT-4o"], (names,)),),
        base.boards,
        base.snapshot_ids,
    )


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    return render_site(sample_context(snapshots=hostile_snapshots(), posts=[hostile_post()]))


def html_pages(site: dict[str, bytes]) -> dict[str, str]:
    return {k: v.decode("utf-8") for k, v in site.items() if k.endswith(".html")}


def test_no_payload_appears_unescaped_in_any_page_or_feed(site: dict[str, bytes]) -> None:
    markup = [p for p in site if p.endswith((".html", ".xml"))]
    assert len(markup) > 15
    for path in markup:
        text = site[path].decode("utf-8")
        for payload in PAYLOADS:
            assert payload not in text, (path, payload)


def test_downloads_keep_the_names_exactly(site: dict[str, bytes]) -> None:
    # Data files are data (text/csv, application/json), never markup: they carry the upstream text as is.
    rows = json.loads(site["data/arena-text-history.json"])["rows"]
    assert {r["model_id"]: r["model"] for r in rows if r["model_id"] in HOSTILE} == HOSTILE


def test_no_injected_elements_or_handlers(site: dict[str, bytes]) -> None:
    for path, text in html_pages(site).items():
        soup = BeautifulSoup(text, "html.parser")
        assert soup.find("img") is None, path
        for script in soup.find_all("script"):
            # Only our own script file and the post's JSON-LD exist.
            assert script.get("src", "").endswith("sort.js") or script.get("type") == "application/ld+json", path
        for el in soup.find_all(True):
            assert not any(attr.startswith("on") for attr in el.attrs), (path, el.name)
            for attr in ("href", "src"):
                assert not str(el.get(attr, "")).lower().startswith("javascript:"), (path, el)


def test_names_render_as_text_in_tables_and_titles(site: dict[str, bytes]) -> None:
    board = BeautifulSoup(site["boards/arena-text.html"], "html.parser")
    names = [tr.find_all("td")[1].get_text() for tr in board.select("table.sortable tbody tr")]
    for name in HOSTILE.values():
        assert name in names  # exactly as the upstream wrote it, shown as text
    cell = next(td for td in board.select("table.sortable tbody td") if td.get_text() == "{{7*7}}")
    assert cell.find("a") is not None
    for view in sample_context(snapshots=hostile_snapshots()).models:
        if view.model_id not in HOSTILE:
            continue
        page = BeautifulSoup(site[view.path], "html.parser")
        assert page.find("h1").get_text() == HOSTILE[view.model_id]
        assert page.title.get_text() == HOSTILE[view.model_id] + " · LLM rank tracker"
        assert page.find("code").get_text() == view.model_id
        # The SVG titles carry the name as text, too.
        assert all(HOSTILE[view.model_id] in svg.find("title").get_text() for svg in page.find_all("svg"))


def test_template_syntax_in_data_is_never_evaluated(site: dict[str, bytes]) -> None:
    view = next(m for m in sample_context(snapshots=hostile_snapshots()).models if m.model_id == "{{7*7}}")
    page = site[view.path].decode("utf-8")
    assert "{{7*7}}" in page
    assert "49" not in page
    assert "{{7*7}}" in site["boards/arena-text.html"].decode("utf-8")


def test_hostile_ids_become_safe_distinct_paths(site: dict[str, bytes]) -> None:
    ctx = sample_context(snapshots=hostile_snapshots())
    paths = {m.model_id: m.path for m in ctx.models}
    hostile_paths = [paths[i] for i in HOSTILE]
    assert len(set(hostile_paths)) == len(HOSTILE)
    for path in hostile_paths:
        assert path.startswith("models/")
        assert path.count("/") == 1
        assert ".." not in path
        assert path in site
    assert paths["GPT-4o"] != paths["gpt 4o"]


def test_inline_json_cannot_end_its_script_element(site: dict[str, bytes]) -> None:
    page = site["posts/2026-08-01-weekly.html"].decode("utf-8")
    soup = BeautifulSoup(page, "html.parser")
    scripts = soup.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    assert json.loads(scripts[0].string)["headline"] == hostile_post().title
    raw = str(inline_json({"x": "</script><!-- & \u2028\u2029"}))
    assert "<" not in raw
    assert ">" not in raw
    assert "&" not in raw
    assert "\u2028" not in raw
    assert "\u2029" not in raw
    assert json.loads(raw) == {"x": "</script><!-- & \u2028\u2029"}


def test_feeds_escape_hostile_names(site: dict[str, bytes]) -> None:
    for path in ("feed.xml", "atom.xml", "feeds/arena-text.xml"):
        raw = site[path].decode("utf-8")
        for payload in PAYLOADS:
            assert payload not in raw, (path, payload)
        assert "49" not in raw


def test_non_ascii_names_survive_as_utf8() -> None:
    name = "GPT\u20115 通义千问 🚀 café"
    post = sample_post(2, title=f"{name} leads")
    site = render_site(sample_context(snapshots=sample_snapshots({"gpt-5": name}), posts=[post], models=[]))
    page = BeautifulSoup(site["models/gpt-5.html"], "html.parser")
    assert page.find("h1").get_text() == name
    assert name.encode("utf-8") in site["boards/arena-text.html"]
    assert b'<meta charset="utf-8">' in site["boards/arena-text.html"]
    assert feedparser.parse(site["feed.xml"]).entries[0].title == f"{name} leads"
