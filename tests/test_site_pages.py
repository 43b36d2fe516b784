"""The pages: structure of each page kind, attribution, links that resolve, stale banners, reproducibility."""

from __future__ import annotations

import json
import posixpath
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import pytest
import time_machine
from bs4 import BeautifulSoup
from test_site_context import WEEKS, sample_context, sample_post, sample_status

from tracker.site import render_site, write_site
from tracker.site.pages import environment

ARENA_AS_OF = "Source: Arena (lmarena-ai/leaderboard-dataset on Hugging Face), as of 2026-08-01"
OPENROUTER_AS_OF = "Source: OpenRouter (openrouter.ai/rankings), as of 2026-08-01"


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    return render_site(sample_context())


def soup(site: dict[str, bytes], path: str) -> BeautifulSoup:
    return BeautifulSoup(site[path].decode("utf-8"), "html.parser")


def headers(table: object) -> list[str]:
    return [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]  # type: ignore[attr-defined]


def attributions(page: BeautifulSoup) -> list[str]:
    return [" ".join(p.get_text().split()) for p in page.select("p.attribution")]


def test_templates_ship_as_a_package() -> None:
    import tracker.templates  # noqa: F401 - the folder must import as a package

    assert files("tracker.templates").joinpath("base.html").is_file()
    env = environment()
    assert env.autoescape is True
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ not_defined }}").render()


def test_home_page(site: dict[str, bytes]) -> None:
    page = soup(site, "index.html")
    assert page.title.get_text() == "LLM leaderboards and usage · LLM rank tracker"
    latest = page.select_one("section.latest")
    assert latest.find("h3").get_text(strip=True) == sample_post(2).title
    assert latest.find("a")["href"] == "posts/2026-08-01-weekly.html"
    summaries = page.select("section.board-summary")
    assert [s.find("h2").get_text(strip=True) for s in summaries] == [
        "Arena Text",
        "OpenRouter weekly tokens",
    ]
    assert headers(summaries[0].find("table")) == ["Rank", "Model", "Score", "Change"]
    assert headers(summaries[1].find("table")) == ["Rank", "Model", "Tokens", "Change"]
    first_row = [td.get_text(strip=True) for td in summaries[1].find("tbody").find("tr").find_all("td")]
    assert first_row == ["#1", "DeepSeek V4 Flash", "3.29T", "="]
    assert attributions(page) == [
        ARENA_AS_OF + ". Licence: CC BY 4.0.",
        OPENROUTER_AS_OF + ". Licence: CC BY 4.0.",
    ]
    # OpenRouter is stale in the sample: the home page says so.
    assert "Stale since 2026-08-01:" in page.select_one("p.stale").get_text()


def test_board_page(site: dict[str, bytes]) -> None:
    page = soup(site, "boards/arena-text.html")
    assert page.title.get_text() == "Arena Text, 2026-08-01 · LLM rank tracker"
    assert page.find("h1").get_text() == "Arena Text"
    table = page.select_one("table.sortable")
    assert headers(table) == [
        "Rank",
        "Model",
        "Organization",
        "Score",
        "95% CI",
        "Votes",
        "Change",
        "Rank trend",
    ]
    rows = table.find("tbody").find_all("tr")
    cells = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in rows]
    assert [c[1] for c in cells] == ["claude-opus-4-6-thinking", "gemini-3-pro", "gpt-5", "muse-spark"]
    assert [c[6] for c in cells] == ["▲1", "▼1", "=", "new"]
    assert cells[0][3] == "1502"
    assert cells[0][5] == "9,003"
    assert all(tr.find("svg", class_="spark") for tr in rows)
    assert attributions(page) == [ARENA_AS_OF + ". Licence: CC BY 4.0."]
    assert [li.get_text() for li in page.select("section.changes li")] == [
        "claude-opus-4-6-thinking took the lead",
        "muse-spark entered the board at #4 (1470)",
    ]
    assert page.select_one("p.stale") is None
    weekly = soup(site, "boards/openrouter-weekly.html")
    assert headers(weekly.select_one("table.sortable"))[3:6] == ["Tokens", "Week over week", "Share"]
    assert "Stale since 2026-08-01:" in weekly.select_one("p.stale").get_text()
    assert attributions(weekly) == [OPENROUTER_AS_OF + ". Licence: CC BY 4.0."]


def test_model_page(site: dict[str, bytes]) -> None:
    page = soup(site, "models/deepseek--deepseek-v4-flash-20260423.html")
    assert page.title.get_text() == "DeepSeek V4 Flash · LLM rank tracker"
    assert page.find("h1").get_text() == "DeepSeek V4 Flash"
    histories = page.select("section.history")
    assert [h.find("h2").get_text(strip=True) for h in histories] == ["OpenRouter weekly tokens"]
    charts = histories[0].find_all("svg", class_="chart")
    assert [c.find("title").get_text() for c in charts] == [
        "Rank of DeepSeek V4 Flash on OpenRouter weekly tokens",
        "Tokens of DeepSeek V4 Flash on OpenRouter weekly tokens",
    ]
    assert "Now #1 with 3.29T tokens (+94% week over week)." in histories[0].get_text(" ", strip=True)
    prices = page.select_one("section.prices table")
    assert headers(prices) == [
        "Since",
        "Catalogue id",
        "Input per 1M tokens",
        "Output per 1M tokens",
        "Context length",
    ]
    price_rows = [[td.get_text() for td in tr.find_all("td")] for tr in prices.find("tbody").find_all("tr")]
    assert price_rows[1] == ["2026-07-30", "deepseek/deepseek-v4-flash", "$0.25", "$1.00", "1,048,576"]
    assert attributions(page)[0] == OPENROUTER_AS_OF + ". Licence: CC BY 4.0."
    assert attributions(page)[1].startswith(  # as of the model's newest price row, not of the whole catalogue
        "Source: OpenRouter model catalogue (openrouter.ai/models), as of 2026-07-30"
    )
    assert "Stale since 2026-08-01:" in page.select_one("p.stale").get_text()
    gpt = soup(site, "models/gpt-5.html")
    assert gpt.select_one("p.stale") is None
    assert "GPT-5 (2025-08-07)" in gpt.select_one("section.aliases").get_text()


def test_post_and_archive_pages(site: dict[str, bytes]) -> None:
    post = sample_post(2)
    page = soup(site, "posts/2026-08-01-weekly.html")
    assert page.find("h1").get_text() == post.title
    assert page.title.get_text() == post.title + " · LLM rank tracker"
    assert page.find("time")["datetime"] == post.published_at.isoformat()
    assert [h.get_text() for h in page.select("article h2")] == ["Arena", "OpenRouter"]
    assert attributions(page) == [
        ARENA_AS_OF + ". Licence: CC BY 4.0.",
        OPENROUTER_AS_OF + ". Licence: CC BY 4.0.",
    ]
    ld = json.loads(page.find("script", type="application/ld+json").string)
    assert ld["headline"] == post.title
    assert ld["identifier"] == post.guid
    archive = soup(site, "posts/index.html")
    assert archive.find("h1").get_text() == "Posts"
    assert archive.title.get_text() == "Posts · LLM rank tracker"
    assert attributions(archive) == [
        ARENA_AS_OF + ". Licence: CC BY 4.0.",
        OPENROUTER_AS_OF + ". Licence: CC BY 4.0.",
    ]
    assert [a["href"] for a in archive.select("article h2 a")] == [
        "../posts/2026-08-01-weekly.html",
        "../posts/2026-07-25-weekly.html",
    ]


def test_models_index(site: dict[str, bytes]) -> None:
    page = soup(site, "models/index.html")
    assert page.find("h1").get_text() == "Models"
    assert page.title.get_text() == "Models · LLM rank tracker"
    table = page.select_one("table.sortable")
    assert headers(table) == ["Model", "Id", "Boards"]
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
    assert len(rows) == 7
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=str.casefold)
    assert ["gpt-5", "gpt-5", "Arena Text #3"] in rows
    assert attributions(page) == [
        ARENA_AS_OF + ". Licence: CC BY 4.0.",
        OPENROUTER_AS_OF + ". Licence: CC BY 4.0.",
    ]


def test_status_page(site: dict[str, bytes]) -> None:
    page = soup(site, "status.html")
    assert page.find("h1").get_text() == "Source status"
    assert page.title.get_text() == "Status · LLM rank tracker"
    table = page.select_one("table.status")
    assert headers(table) == [
        "Source",
        "State",
        "Data as of",
        "Last success",
        "Last attempt",
        "Outcome",
        "Failures in a row",
        "Last error",
    ]
    rows = {
        tr.find("td").get_text(): [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in table.find("tbody").find_all("tr")
    }
    assert list(rows) == ["arena-text", "openrouter-weekly", "openrouter-models"]
    assert rows["openrouter-weekly"][1] == "stale since 2026-08-01"
    assert rows["openrouter-weekly"][3] == "2026-08-01 06:00 UTC"
    assert rows["openrouter-weekly"][7] == "HTTP 503 <Service Unavailable> from openrouter.ai"
    assert rows["arena-text"][1] == "ok"
    assert b"<Service Unavailable>" not in site["status.html"]


def test_methodology_page(site: dict[str, bytes]) -> None:
    page = soup(site, "methodology.html")
    assert page.find("h1").get_text() == "Methodology and attribution"
    assert page.title.get_text() == "Methodology and attribution · LLM rank tracker"
    assert attributions(page) == [
        ARENA_AS_OF + ". Licence: CC BY 4.0.",
        OPENROUTER_AS_OF + ". Licence: CC BY 4.0.",
    ]
    links = [a["href"] for a in page.find_all("a")]
    assert "https://creativecommons.org/licenses/by/4.0/" in links
    assert "data/arena-text-history.csv" in links
    assert "data/events.json" in links
    assert "data/history.sqlite" not in links


def test_database_download_link_when_the_storage_side_publishes_it() -> None:
    site = render_site(sample_context(database_download=True))
    links = [a["href"] for a in soup(site, "methodology.html").find_all("a")]
    assert "data/history.sqlite" in links


def test_no_board_data_yet() -> None:
    site = render_site(sample_context(snapshots={}, posts=[], status=[], events=[], prices=[]))
    page = soup(site, "index.html")
    assert "No snapshots yet." in page.get_text()
    assert "No posts yet." in soup(site, "posts/index.html").get_text()
    assert "No collection has been recorded yet." in soup(site, "status.html").get_text()


def local_targets(page_path: str, page: BeautifulSoup) -> list[str]:
    out = []
    for tag, attr in (("a", "href"), ("link", "href"), ("script", "src")):
        for el in page.find_all(tag):
            ref = el.get(attr)
            if ref is None or urlsplit(ref).scheme or ref.startswith("#"):
                continue
            out.append(posixpath.normpath(posixpath.join(posixpath.dirname(page_path), ref)))
    return out


def test_every_local_link_resolves_to_a_published_file(tmp_path: Path) -> None:
    database = tmp_path / "copy.sqlite"
    database.write_bytes(b"SQLite format 3\x00")
    site = render_site(sample_context(database_download=True))
    out = tmp_path / "site"
    write_site(site, out, copy_in={"data/history.sqlite": database})
    checked = 0
    for path in site:
        if not path.endswith(".html"):
            continue
        for target in local_targets(path, soup(site, path)):
            assert not target.startswith(".."), (path, target)
            assert (out / target).is_file(), (path, target)
            checked += 1
    assert checked > 200


def test_stale_banner_follows_the_status() -> None:
    fresh = render_site(sample_context(status=sample_status(stale=False)))
    assert b'class="stale"' not in fresh["index.html"]
    assert b'class="stale"' not in fresh["boards/openrouter-weekly.html"]
    stale = render_site(sample_context())
    assert b'class="stale"' in stale["boards/openrouter-weekly.html"]
    assert b'class="stale"' not in stale["boards/arena-text.html"]


def test_same_context_same_bytes_whatever_the_clock() -> None:
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False):
        first = render_site(sample_context())
    with time_machine.travel(datetime(2035, 5, 5, 5, 5, tzinfo=UTC), tick=False):
        second = render_site(sample_context())
    assert first == second
    assert not any(b"2030-01-01" in data or b"2035" in data for data in first.values())


def test_footer_dates_come_from_the_data(site: dict[str, bytes]) -> None:
    # The home page says how recent the data is; no footer carries the build's date, so that a page
    # changes only when its own data does (incremental publishing rewrites only those).
    lede = soup(site, "index.html").select_one("p.lede").get_text(" ", strip=True)
    assert f"data up to {sample_context().built_from}" in lede
    assert sample_context().built_from == WEEKS[2].replace(day=2)
    for path in ("index.html", "models/gpt-5.html", "status.html"):
        assert "Data up to" not in soup(site, path).find("footer").get_text(" ", strip=True)


# ---- compiled templates kept between runs


def _cache_in(folder: Path):
    from tracker.site.pages import template_cache

    cache = template_cache({"XDG_CACHE_HOME": str(folder)})
    assert cache is not None
    return cache


def test_compiled_templates_are_kept_and_loaded_instead_of_compiled(tmp_path: Path, monkeypatch) -> None:
    from tracker.site.pages import make_environment

    make_environment(_cache_in(tmp_path)).get_template("model.html")
    assert len(list((tmp_path / "llm-rank-tracker" / "templates").iterdir())) == 1
    second = make_environment(_cache_in(tmp_path))

    def no_compiling(*args, **kwargs):
        raise AssertionError("a template was compiled although its compiled code is in the cache")

    monkeypatch.setattr(second, "compile", no_compiling)
    assert second.get_template("model.html").name == "model.html"


def test_a_cached_template_renders_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    from tracker.site import pages

    context = sample_context()
    fresh = render_site(context)
    monkeypatch.setattr(pages, "environment", lambda: pages.make_environment(_cache_in(tmp_path)))
    assert render_site(context) == fresh  # compiled and stored
    assert render_site(context) == fresh  # loaded from the cache


def test_a_damaged_cache_file_is_compiled_again(tmp_path: Path) -> None:
    from tracker.site.pages import make_environment

    make_environment(_cache_in(tmp_path)).get_template("base.html")
    for path in (tmp_path / "llm-rank-tracker" / "templates").iterdir():
        path.write_bytes(path.read_bytes()[:40])  # cut short: the magic, part of the checksum
    env = make_environment(_cache_in(tmp_path))
    assert env.get_template("base.html").name == "base.html"


def test_no_cache_where_the_cache_folder_cannot_be_made(tmp_path: Path) -> None:
    from tracker.site.pages import make_environment, template_cache

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert template_cache({"XDG_CACHE_HOME": str(blocker)}) is None
    assert make_environment(None).get_template("base.html").name == "base.html"


def test_cache_files_are_named_for_the_jinja_version_and_options(tmp_path: Path, monkeypatch) -> None:
    from tracker.site import pages

    pages.make_environment(_cache_in(tmp_path)).get_template("base.html")
    monkeypatch.setitem(pages._TEMPLATE_OPTIONS, "trim_blocks", False)
    pages.make_environment(_cache_in(tmp_path)).get_template("base.html")
    names = sorted(p.name for p in (tmp_path / "llm-rank-tracker" / "templates").iterdir())
    assert len(names) == 2
    assert names[0].split("-")[0] != names[1].split("-")[0]  # same template, other options: another file
