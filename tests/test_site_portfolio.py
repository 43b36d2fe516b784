"""The portfolio on the site: its page (table, scatter, notes, attribution), the nav link, lanes on model
pages, hostile names in the scatter, the scatter's geometry, determinism, and a golden copy of the page.

The golden page lives in tests/golden/portfolio/; regenerate with `UPDATE_GOLDEN=1 pytest
tests/test_site_portfolio.py` and read the diff.
"""

from __future__ import annotations

import os
import re
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from test_site_context import HOSTILE, WEEKS, hostile_snapshots, sample_context
from test_site_hostile import PAYLOADS

from tracker.portfolio import Portfolio, PortfolioRow, build_portfolio
from tracker.site import render_site
from tracker.site.scatter import ScatterPoint, scatter_chart

GOLDEN = Path(__file__).parent / "golden" / "portfolio" / "portfolio.html"
DS, MM = "deepseek/deepseek-v4-flash-20260423", "minimax/minimax-m2.7"
COLUMNS = [f.name for f in fields(PortfolioRow) if f.name != "lane"]  # the view's columns


def view_row(model_id: str, model: str, **values: Any) -> dict[str, Any]:
    """A row shaped like the `portfolio` view's, unknowns None."""
    row = dict.fromkeys(COLUMNS)
    row.update(model_id=model_id, model=model, **values)
    return row


def arena_text(key: str, score: float, rank: int) -> dict[str, Any]:
    return {
        "arena_text": key,
        "arena_text_board": "arena-text",
        "arena_text_score": score,
        "arena_text_rank": rank,
        "arena_text_as_of": WEEKS[2],
    }


def usage(tokens: int, rank: int, growth: float | None) -> dict[str, Any]:
    return {"weekly_tokens": tokens, "usage_rank": rank, "growth_pct": growth, "usage_as_of": WEEKS[2]}


def priced(model_id: str, prompt: float, completion: float, tokens: int | None) -> dict[str, Any]:
    spend = None if tokens is None else tokens * (3 * prompt + completion) / 4 / 1e6
    return {
        "catalog_id": model_id.rsplit("-2026", 1)[0],
        "input_price_per_m": prompt,
        "output_price_per_m": completion,
        "context_length": 1048576,
        "price_as_of": date(2026, 7, 30),
        "estimated_weekly_spend_usd": spend,
        "spend_blend": None if spend is None else "3:1",
    }


def sample_portfolio() -> Portfolio:
    rows = [
        view_row(DS, "DeepSeek V4 Flash", **arena_text("gpt-5", 1460.0, 3), **usage(3_290_000_000_000, 1, 93.53))
        | priced(DS, 0.25, 1.0, 3_290_000_000_000),
        view_row(
            MM,
            "MiniMax M2.7",
            **arena_text("claude-opus-4-6-thinking", 1502.0, 1),
            **usage(593_000_000_000, 3, 18.6),
            arena_webdev="claude-opus-4-6-thinking",
            arena_webdev_score=1545.4,
            arena_webdev_rank=2,
            arena_webdev_as_of=WEEKS[2],
        )
        | priced(MM, 5.0, 25.0, 593_000_000_000),
        view_row("acme/catalogue-only", "Catalogue Only", **arena_text("muse-spark", 1470.0, 4)),
    ]
    counterparts = {"gpt-5": DS, "claude-opus-4-6-thinking": MM, "muse-spark": "acme/catalogue-only"}
    return Portfolio(build_portfolio(rows), counterparts)


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    return render_site(sample_context(portfolio=sample_portfolio()))


def words(element: Any) -> str:
    """An element's text with single spaces and no space before punctuation."""
    return re.sub(r"\s+([.,)])", r"\1", element.get_text(" ", strip=True))


def soup(site: dict[str, bytes], path: str) -> BeautifulSoup:
    return BeautifulSoup(site[path].decode("utf-8"), "html.parser")


def test_the_page_lists_every_row_in_quality_order_with_links_and_figures(site):
    page = soup(site, "portfolio.html")
    rows = page.select("table.portfolio tbody tr")
    assert [r["data-model-id"] for r in rows] == [MM, DS, "acme/catalogue-only"]  # Arena Text #1, #3, #4
    first = [td.get_text(" ", strip=True) for td in rows[0].find_all("td")]
    assert first[:8] == [
        f"MiniMax M2.7 {MM}",
        "frontier reasoning",
        "claude-opus-4-6-thinking",
        "1502",
        "#1",
        "claude-opus-4-6-thinking",
        "1545",
        "#2",
    ]
    assert first[8:] == ["593B", "+19%", "#3", "$5.00", "$25.00", "1,048,576", "$5.93M"]
    assert rows[0].find("a")["href"] == "models/minimax--minimax-m2.7.html"
    assert rows[1].find_all("td")[2].find("a")["href"] == "models/gpt-5.html"
    assert rows[1].find_all("td")[1].get_text() == "cheap bulk"  # (3 x 0.25 + 1) / 4 = 0.4375 <= 0.60
    last = rows[2].find_all("td")
    assert last[0].find("a") is None  # no page: not on a tracked board
    assert [td.get_text() for td in last[8:]] == [""] * 7
    assert last[1].get_text() == "frontier reasoning"  # a Text score of 1470 is on the line
    # Sortable with the shared machinery; every number column has a raw sort key.
    assert "sortable" in page.find("table")["class"]
    assert rows[0].find_all("td")[8]["data-sort"] == "593000000000"
    text = page.get_text(" ", strip=True)
    assert "Estimated weekly spend is an estimate" in text
    attributions = [words(p) for p in page.select("p.attribution")]
    arena_source = (
        "Source: Arena (lmarena-ai/leaderboard-dataset on Hugging Face), as of 2026-08-01. Licence: CC BY 4.0."
    )
    assert attributions == [
        arena_source,  # Arena Text
        arena_source,  # Arena WebDev
        "Source: OpenRouter (openrouter.ai/rankings), as of 2026-08-01. Licence: CC BY 4.0.",
        "Source: OpenRouter model catalogue (openrouter.ai/models), as of 2026-07-30.",  # the newest price shown
    ]


def test_the_scatter_plots_models_with_score_and_tokens(site):
    svg = soup(site, "portfolio.html").find("svg", class_="scatter")
    assert svg is not None
    dots = svg.select("circle.dot")
    assert len(dots) == 2  # Catalogue Only has no tokens
    assert {"frontier", "cheap"} == {next(c for c in d["class"] if c in ("frontier", "cheap", "fast")) for d in dots}
    tips = sorted(d.find("title").get_text() for d in dots)
    assert tips[0].startswith("DeepSeek V4 Flash: 1460, 3.29T tokens, #1 on OpenRouter")
    assert [t.get_text() for t in svg.select("text.label")] == ["MiniMax M2.7", "DeepSeek V4 Flash"]
    assert svg.find("a")["href"].startswith("models/")
    assert "http" not in str(svg)  # nothing external


def test_the_nav_links_the_page_only_when_the_site_has_one(site):
    for path in ("index.html", "boards/arena-text.html", "models/gpt-5.html", "posts/index.html"):
        links = [a["href"] for a in soup(site, path).select("header nav a")]
        assert any(h.endswith("portfolio.html") for h in links), path
    plain = render_site(sample_context())
    assert "portfolio.html" not in plain
    assert b"Portfolio</a>" not in plain["index.html"]


def test_model_pages_show_the_lane_and_the_openrouter_counterpart(site):
    arena = soup(site, "models/gpt-5.html").find("p", class_="lane")
    assert words(arena) == "Sold on OpenRouter as DeepSeek V4 Flash. Lane: cheap bulk (see the portfolio)."
    assert arena.find("a")["href"] == "../models/deepseek--deepseek-v4-flash-20260423.html"
    own = soup(site, f"models/{DS.replace('/', '--')}.html").find("p", class_="lane")
    assert words(own) == "Lane: cheap bulk (see the portfolio)."
    assert soup(site, "models/openrouter--owl-alpha.html").find("p", class_="lane") is None
    muse = soup(site, "models/muse-spark.html").find("p", class_="lane")
    assert words(muse) == "Sold on OpenRouter as Catalogue Only. Lane: frontier reasoning (see the portfolio)."
    assert muse.find("a")["href"] == "../portfolio.html"  # Catalogue Only has no page of its own


def test_an_empty_portfolio_says_what_it_needs():
    site = render_site(sample_context(portfolio=Portfolio(())))
    page = soup(site, "portfolio.html")
    assert page.find("table") is None
    assert "No model is matched across Arena and OpenRouter yet" in page.get_text(" ", strip=True)
    assert "tracker import --board openrouter-models" in page.get_text(" ", strip=True)


def test_hostile_names_are_escaped_in_the_table_and_the_scatter():
    rows = [
        view_row(f"evil/{i}", name, **arena_text(key, 1400.0 - i, i + 10), **usage(10**9 * (i + 1), i + 1, 1.0))
        | priced(f"evil/{i}", 1.0, 2.0, 10**9 * (i + 1))
        for i, (key, name) in enumerate(HOSTILE.items())
    ]
    site = render_site(sample_context(snapshots=hostile_snapshots(), portfolio=Portfolio(build_portfolio(rows))))
    html = site["portfolio.html"].decode("utf-8")
    for payload in PAYLOADS:
        assert payload not in html, payload
    page = BeautifulSoup(html, "html.parser")
    assert page.find("img") is None
    assert all(s.get("src", "").endswith("sort.js") for s in page.find_all("script"))
    for el in page.find_all(True):
        assert not any(attr.startswith("on") for attr in el.attrs), el.name
        assert not str(el.get("href", "")).lower().startswith("javascript:"), el
    svg = page.find("svg", class_="scatter")
    labels = {t.get_text() for t in svg.select("text.label")}
    tips = " ".join(t.get_text() for t in svg.select("circle title"))
    for name in HOSTILE.values():
        assert name in tips  # shown as text, exactly
    assert labels <= set(HOSTILE.values())
    assert labels
    names = [tr.find_all("td")[0].find(string=True).strip() for tr in page.select("table.portfolio tbody tr")]
    assert sorted(names) == sorted(HOSTILE.values())


def test_scatter_geometry_log_usage_and_price_area():
    points = [
        ScatterPoint("a", 1400.0, 10**9, 1.0, "cheap bulk"),
        ScatterPoint("b", 1450.0, 10**10, 4.0, "fast general-purpose"),
        ScatterPoint("c", 1500.0, 10**11, None, None),
    ]
    svg = BeautifulSoup(str(scatter_chart(points, title="t")), "html.parser")
    dots = {d.find("title").get_text()[0]: d for d in svg.select("circle")}
    ys = [float(dots[k]["cy"]) for k in "abc"]
    xs = [float(dots[k]["cx"]) for k in "abc"]
    assert ys[0] > ys[1] > ys[2]
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2], abs=0.02)  # one decade, one step: a log scale
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.02)  # scores: linear
    ra, rb = float(dots["a"]["r"]), float(dots["b"]["r"])
    assert (rb - 3) == pytest.approx(2 * (ra - 3), abs=0.02)  # area grows with price: radius with its root
    assert "unpriced" in dots["c"]["class"]
    assert [t.get_text() for t in svg.select("text.axis") if t.get_text().endswith("B")] == ["1B", "10B", "100B"]
    empty = str(scatter_chart([], title="t"))
    assert "No model has both an Arena score and usage yet." in empty
    assert scatter_chart(points, title="t") == scatter_chart(list(points), title="t")


def test_numbers_in_the_svg_have_at_most_two_decimals(site):
    svg = str(soup(site, "portfolio.html").find("svg", class_="scatter"))
    for number in re.findall(r'(?:cx|cy|r|x|y|x1|x2|y1|y2)="([-0-9.]+)"', svg):
        assert len(number.partition(".")[2]) <= 2, number


def test_the_page_is_reproducible_and_matches_the_golden_copy(site):
    again = render_site(sample_context(portfolio=sample_portfolio()))
    assert again == site
    page = site["portfolio.html"]
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(page)
    assert page == GOLDEN.read_bytes()
