"""The portfolio on the real captures, through the real commands: import -> publish -> matches, view, page, JSON.

Arena: the 2026-04-23 dataset rows (config `text`, so the board is `arena-text-raw`, and `webdev`).
OpenRouter: the catalogue of 2026-08-01 (and of 2026-08-22 for price history) and the weekly leaderboard
of 2026-08-01. The expected matches and non-matches are the hand-checked lists of tests/test_matching.py.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import real_fixture
from sqlalchemy import text
from test_matching import MUST_NOT_MATCH, TEXT_TOP10, TOP10_MATCHES, TOP10_NO_COUNTERPART, WEBDEV_TOP10

from tracker.cli import main
from tracker.db import make_engine
from tracker.history import History
from tracker.matching_rules import split_variant
from tracker.units import format_score, format_tokens

pytestmark = pytest.mark.fixtures

ARENA = "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json"
CATALOGUE_0801 = "openrouter/models-2026-08-01.json"
CATALOGUE_0822 = "openrouter/models-2026-08-22.json"
WEEK = "openrouter/rankings-models-week-2026-08-01.json"

# The page's table, column by column: the view's column each cell's data-sort holds.
COLUMNS = (
    None,  # the model's name and id, checked apart
    "lane",
    "arena_text",
    "arena_text_score",
    "arena_text_rank",
    "arena_webdev",
    "arena_webdev_score",
    "arena_webdev_rank",
    "weekly_tokens",
    "growth_pct",
    "usage_rank",
    "input_price_per_m",
    "output_price_per_m",
    "context_length",
    "estimated_weekly_spend_usd",
)


def run(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, *args])


def capture_json(db_url: str, capsys, *args: str):
    capsys.readouterr()
    assert run(db_url, *args) == 0
    return json.loads(capsys.readouterr().out)


def build(db_url: str, out: Path, *catalogues: str) -> None:
    arena = str(real_fixture(ARENA))
    assert run(db_url, "import", "--board", "arena-text-raw", arena) == 0
    assert run(db_url, "import", "--board", "arena-webdev", arena) == 0
    for relative in catalogues:
        assert run(db_url, "import", "--board", "openrouter-models", str(real_fixture(relative))) == 0
    assert run(db_url, "import", "--board", "openrouter-weekly", str(real_fixture(WEEK))) == 0
    assert run(db_url, "publish", "--out", str(out)) == 0


@pytest.fixture
def published(db_url, tmp_path):
    build(db_url, tmp_path / "site", CATALOGUE_0801)
    engine = make_engine(db_url)
    yield engine, tmp_path / "site"
    engine.dispose()


def test_top10_models_are_matched_through_import_and_publish(published):
    engine, _ = published
    history = History(engine)
    text_board = history.latest_snapshot("arena-text-raw")
    webdev = history.latest_snapshot("arena-webdev")
    assert text_board is not None
    assert webdev is not None
    assert tuple(e.model_id for e in text_board.entries[:10]) == TEXT_TOP10
    assert tuple(e.model_id for e in webdev.entries[:10]) == WEBDEV_TOP10
    catalogue = history.catalogue()
    assert catalogue is not None
    catalog_id = {m.slug: split_variant(m.catalog_id)[0] for m in catalogue.models}
    stored = {m.arena_model_id: m for m in history.model_matches()}
    for arena_key, expected in TOP10_MATCHES.items():
        match = stored[arena_key]
        assert match.openrouter_model_id is not None, (arena_key, match.reason)
        assert catalog_id[match.openrouter_model_id] == expected, arena_key
    for arena_key, reason in TOP10_NO_COUNTERPART.items():
        assert stored[arena_key].openrouter_model_id is None, arena_key
        assert (stored[arena_key].reason or "").startswith(reason), arena_key
    pairs = {(key, catalog_id[m.openrouter_model_id]) for key, m in stored.items() if m.openrouter_model_id}
    for pair in MUST_NOT_MATCH:
        assert pair not in pairs, pair
    # Two Arena modes, one model: both Opus 4.7 keys point at the one OpenRouter row.
    assert stored["claude-opus-4-7"].openrouter_model_id == stored["claude-opus-4-7-thinking"].openrouter_model_id
    assert stored["claude-opus-4-7-thinking"].openrouter_model_id == "anthropic/claude-4.7-opus-20260416"


def test_the_portfolio_page_and_view_agree_row_for_row(published):
    engine, site = published
    with engine.connect() as conn:
        view = {r.model_id: dict(r._mapping) for r in conn.execute(text("SELECT * FROM portfolio"))}
    assert len(view) > 20
    page = BeautifulSoup((site / "portfolio.html").read_text(encoding="utf-8"), "html.parser")
    rows = page.select("table.portfolio tbody tr")
    assert [r["data-model-id"] for r in rows if r["data-model-id"] not in view] == []
    assert len(rows) == len(view)
    lanes = {}
    for tr in rows:
        expected = view[tr["data-model-id"]]
        cells = tr.find_all("td")
        assert len(cells) == len(COLUMNS)
        assert cells[0].find("code").get_text() == expected["model_id"]
        assert cells[0].get_text(" ", strip=True).startswith(expected["model"])
        for cell, column in zip(cells[1:], COLUMNS[1:], strict=True):
            shown = cell["data-sort"]
            if column == "lane":
                lanes[expected["model_id"]] = shown
                continue
            value = expected[column]
            if value is None:
                assert shown == "", (expected["model_id"], column)
            elif isinstance(value, str):
                assert shown == value, (expected["model_id"], column)
            else:
                assert float(shown) == float(value), (expected["model_id"], column)
        if expected["arena_text_score"] is not None:
            assert cells[3].get_text() == format_score(expected["arena_text_score"])
        if expected["weekly_tokens"] is not None:
            assert cells[8].get_text() == format_tokens(expected["weekly_tokens"])
    # The page is in Arena Text rank order; the lanes are the ones `tracker portfolio` computes.
    ranks = [view[tr["data-model-id"]]["arena_text_rank"] for tr in rows]
    known = [r for r in ranks if r is not None]
    assert known == sorted(known)
    assert ranks[: len(known)] == known
    assert lanes["anthropic/claude-4.7-opus-20260416"] == "frontier reasoning"
    assert b"Portfolio</a>" in (site / "index.html").read_bytes()
    opus_page = (site / "models" / "claude-opus-4-7.html").read_text(encoding="utf-8")
    assert "Sold on OpenRouter as" in opus_page
    assert "frontier reasoning" in opus_page


def test_portfolio_and_unmatched_json(published, db_url, capsys):
    engine, _ = published
    rows = capture_json(db_url, capsys, "portfolio", "--json")
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("SELECT model_id FROM portfolio"))}
    assert {r["model_id"] for r in rows} == ids
    for row in rows:
        assert {"model_id", "model", "arena_text", "arena_webdev", "openrouter", "lane"} <= set(row)
        assert {"weekly_tokens", "growth_pct", "usage_rank", "input_price_per_m", "output_price_per_m"} <= set(row)
        assert {"context_length", "estimated_weekly_spend_usd", "arena_text_score", "arena_webdev_rank"} <= set(row)
        assert row["openrouter"] == row["model_id"]
    opus = next(r for r in rows if r["model_id"] == "anthropic/claude-4.7-opus-20260416")
    assert (opus["arena_text"], opus["arena_webdev"]) == ("claude-opus-4-7-thinking", "claude-opus-4-7-thinking")
    assert (opus["input_price_per_m"], opus["output_price_per_m"]) == (5.0, 25.0)
    assert opus["spend_blend"] == "observed"  # the saved weekly leaderboard has the prompt/completion split
    assert opus["estimated_weekly_spend_usd"] > 0
    unmatched = capture_json(db_url, capsys, "models", "unmatched", "--json")
    assert set(unmatched) == {"arena", "openrouter"}
    arena = {a["model_id"]: a for a in unmatched["arena"]}
    assert not set(TOP10_MATCHES) & set(arena)
    assert arena["gemini-3-pro"]["reason"].startswith("override target")
    assert arena["muse-spark"]["reason"].startswith("no candidate")
    for item in unmatched["openrouter"]:
        assert set(item) == {"rank", "model_id", "model", "tokens", "reason"}
    # Nothing in the weekly ranking is dropped: each row is either in the portfolio or listed as unmatched.
    week = capture_json(db_url, capsys, "show", "--board", "openrouter-weekly", "--json")["entries"]
    listed = {u["model_id"] for u in unmatched["openrouter"]}
    for entry in week:
        in_portfolio = split_variant(entry["model_id"])[0] in ids
        assert in_portfolio != (entry["model_id"] in listed), entry["model_id"]


def test_price_changes_between_the_august_catalogues_are_in_the_price_history(db_url, tmp_path):
    build(db_url, tmp_path / "site", CATALOGUE_0801, CATALOGUE_0822)
    first = json.loads(real_fixture(CATALOGUE_0801).read_bytes())["data"]
    second = json.loads(real_fixture(CATALOGUE_0822).read_bytes())["data"]

    def per_million(model: dict) -> tuple[float, float]:
        # Stored as the nearest double: a few upstream prices carry float noise ("0.00000100000000000000015").
        return float(Decimal(model["pricing"]["prompt"]) * 10**6), float(
            Decimal(model["pricing"]["completion"]) * 10**6
        )

    before = {m["id"]: per_million(m) for m in first}
    changed = {m["id"]: (before[m["id"]], per_million(m)) for m in second if m["id"] in before}
    changed = {k: v for k, v in changed.items() if v[0] != v[1]}
    assert len(changed) > 30
    engine = make_engine(db_url)
    try:
        records = History(engine).price_history()
    finally:
        engine.dispose()
    by_id: dict[str, list] = {}
    for record in records:
        by_id.setdefault(record.catalog_id, []).append(record)
    for catalog_id, (old, new) in changed.items():
        seen = [
            (r.observed_on.isoformat(), (float(r.prompt_price_per_m), float(r.completion_price_per_m)))
            for r in by_id[catalog_id]
        ]
        assert ("2026-08-01", old) in seen, catalog_id
        assert ("2026-08-22", new) in seen, catalog_id
    # The model page shows both rows: DeepSeek V4 Flash (ranked #1 that week) was cut from $0.14/$0.28.
    page = BeautifulSoup(
        (tmp_path / "site" / "models" / "deepseek--deepseek-v4-flash-20260423.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    prices = [[td.get_text() for td in tr.find_all("td")] for tr in page.select("section.prices tbody tr")]
    assert prices[0][:4] == ["2026-08-01", "deepseek/deepseek-v4-flash", "$0.14", "$0.28"]
    assert prices[1][:4] == ["2026-08-22", "deepseek/deepseek-v4-flash", "$0.06426", "$0.12852"]


def test_publishing_again_gives_the_same_bytes(published, db_url, tmp_path):
    _, site = published
    again = tmp_path / "again"
    assert run(db_url, "publish", "--out", str(again)) == 0
    first = {p.relative_to(site): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in sorted(again.rglob("*")) if p.is_file()}
    assert Path("portfolio.html") in first
    assert Path("data/history.sqlite") in first  # with model_matches: rewritten as the same rows
    assert [p for p in first if first[p] != second.get(p)] == []
    assert sorted(first) == sorted(second)
