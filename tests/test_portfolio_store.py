"""Cross-source matches in SQL and the `portfolio` view, on SQLite and PostgreSQL, from a small hand-made history.

The history: Arena Text (raw) and WebDev boards where two modes of one model (`alpha-2`, `alpha-2-thinking`)
rank differently on each board, two OpenRouter weekly windows (one with a prompt/completion split, a `:free`
variant ranked above its base model), and a catalogue with a negative (unknown) price. Every expected figure
below is worked out by hand from those rows.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from tracker import db
from tracker.models import CatalogModel, Entry, ParsedCatalog, ParsedSnapshot, RankKind
from tracker.pipeline.portfolio import matchup, portfolio, refresh_matches, unmatched_json, unmatched_usage
from tracker.store import MatchRecord

OBSERVED = datetime(2026, 8, 2, 6, 0, tzinfo=UTC)
ARENA_DAY = date(2026, 7, 30)
WEEK = date(2026, 7, 31)
ALPHA, BETA, BETA_FREE, DELTA, OMEGA = (
    "alpha/alpha-2-20260101",
    "beta/beta-1-20260101",
    "beta/beta-1-20260101:free",
    "delta/delta-3-20260101",
    "omega/omega-1",
)


def arena(board: str, rows: list[tuple[str, str, float]], as_of: date = ARENA_DAY) -> ParsedSnapshot:
    """Rows (key, organisation, score) in rank order."""
    entries = tuple(
        Entry(key, key, rank=i, score=score, ci_low=score - 5, ci_high=score + 5, votes=1000, organization=org)
        for i, (key, org, score) in enumerate(rows, 1)
    )
    return ParsedSnapshot(board, as_of, entries, "test")


def weekly(end: date, rows: list[tuple[str, int, int | None, float | None]]) -> ParsedSnapshot:
    """Rows (slug, tokens, prompt tokens or None, upstream change or None) in rank order."""
    entries = tuple(
        Entry(
            slug,
            slug.split("/")[1],
            rank=i,
            rank_kind=RankKind.BY_VALUE,
            tokens=tokens,
            prompt_tokens=prompt,
            completion_tokens=None if prompt is None else tokens - prompt,
            change=change,
        )
        for i, (slug, tokens, prompt, change) in enumerate(rows, 1)
    )
    return ParsedSnapshot(
        "openrouter-weekly", end, entries, "test", window_start=end - timedelta(days=6), window_end=end
    )


def catalogue(as_of: date, rows: list[tuple[str, str, str, str]]) -> ParsedCatalog:
    """Rows (canonical slug, catalogue id, input price, output price), prices in USD per million."""
    return ParsedCatalog(
        as_of,
        tuple(
            CatalogModel(slug, cid, cid.split("/")[1].title(), Decimal(i), Decimal(o), 131072)
            for slug, cid, i, o in rows
        ),
        "test",
    )


CATALOGUE = [
    (ALPHA, "alpha/alpha-2", "2", "10"),
    (BETA, "beta/beta-1", "0.5", "1.5"),
    (BETA_FREE, "beta/beta-1:free", "0", "0"),
    (DELTA, "delta/delta-3", "-1", "-1"),  # unknown, as OpenRouter marks its routers
    (OMEGA, "omega/omega-1", "1", "1"),
]


def seed(store) -> None:
    save = store.save_snapshot
    save(
        arena(
            "arena-text-raw",
            [
                ("alpha-2-thinking", "Alpha", 1500.5),
                ("beta-1", "Beta", 1490.25),
                ("alpha-2", "Alpha", 1480.0),
                ("gamma-x", "Gamma", 1450.0),  # nothing like it in the catalogue
                ("delta-3", "Delta", 1400.0),
            ],
        ),
        observed_at=OBSERVED,
        fetch_id=None,
    )
    save(
        arena("arena-webdev", [("alpha-2", "Alpha", 1560.0), ("alpha-2-thinking", "Alpha", 1550.0)]),
        observed_at=OBSERVED,
        fetch_id=None,
    )
    previous = [(ALPHA, 1000, None, None), (OMEGA, 900, None, None)]
    save(weekly(WEEK - timedelta(days=7), previous), observed_at=OBSERVED, fetch_id=None)
    latest = [
        (BETA_FREE, 5000, None, None),
        (BETA, 2000, None, 0.1),
        (ALPHA, 1500, 1200, 0.2),
        (OMEGA, 100, None, None),
    ]
    save(weekly(WEEK, latest), observed_at=OBSERVED, fetch_id=None)
    store.save_catalog(catalogue(date(2026, 7, 31), CATALOGUE), fetch_id=None)


def view(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r.model_id: dict(r._mapping) for r in conn.execute(text("SELECT * FROM portfolio"))}


# ---- model_matches


def test_refresh_stores_every_arena_model_matched_or_not(store, history, engine):
    seed(store)
    result = refresh_matches(history, store)
    assert result is not None
    matches = {m.arena_model_id: m for m in history.model_matches()}
    assert set(matches) == {"alpha-2", "alpha-2-thinking", "beta-1", "delta-3", "gamma-x"}
    assert matches["alpha-2"].openrouter_model_id == ALPHA
    assert (matches["alpha-2-thinking"].openrouter_model_id, matches["alpha-2-thinking"].mode) == (ALPHA, "thinking")
    assert matches["alpha-2-thinking"].method == "rule:id"
    assert matches["beta-1"].openrouter_model_id == BETA  # the base model, not its :free variant
    assert matches["delta-3"].openrouter_model_id == DELTA
    assert all(m.catalogue_as_of == date(2026, 7, 31) for m in matches.values())
    (gamma,) = history.unmatched()
    assert gamma.arena_model_id == "gamma-x"
    assert gamma.reason.startswith("no candidate")
    assert gamma.method is None


def test_save_matches_replaces_in_one_transaction_and_is_idempotent(store, history, engine):
    seed(store)
    refresh_matches(history, store)
    with engine.connect() as conn:
        before = conn.execute(select(db.ModelMatchRow.__table__)).all()
    assert refresh_matches(history, store) is not None
    with engine.connect() as conn:
        assert conn.execute(select(db.ModelMatchRow.__table__)).all() == before  # same rows, same keys
    records = [MatchRecord("beta-1", BETA, "override"), MatchRecord("gamma-x", None, reason="not sold")]
    assert store.save_matches(records, catalogue_as_of=date(2026, 8, 1)) is True
    assert store.save_matches(records, catalogue_as_of=date(2026, 8, 1)) is False
    stored = {m.arena_model_id: (m.openrouter_model_id, m.method, m.reason) for m in history.model_matches()}
    assert stored == {"beta-1": (BETA, "override", None), "gamma-x": (None, None, "not sold")}
    with pytest.raises(ValueError, match="no-such-key"):
        store.save_matches([MatchRecord("alpha-2", ALPHA), MatchRecord("no-such-key", BETA)], catalogue_as_of=WEEK)
    with pytest.raises(ValueError, match="nope/nope"):
        store.save_matches([MatchRecord("alpha-2", "nope/nope")], catalogue_as_of=WEEK)
    after = {m.arena_model_id: (m.openrouter_model_id, m.method, m.reason) for m in history.model_matches()}
    assert after == stored  # the failed replacements wrote nothing


def test_matches_without_a_catalogue_are_not_stored(store, history):
    store.save_snapshot(arena("arena-webdev", [("alpha-2", "Alpha", 1560.0)]), observed_at=OBSERVED, fetch_id=None)
    assert refresh_matches(history, store) is None
    assert history.model_matches() == []
    assert history.catalogue() is None


def test_catalogue_is_each_models_newest_row(store, history):
    seed(store)
    newer = [(ALPHA, "alpha/alpha-2", "1.5", "9"), (BETA, "beta/beta-1", "0.5", "1.5")]  # the others left
    store.save_catalog(catalogue(date(2026, 8, 7), newer), fetch_id=None)
    known = history.catalogue()
    assert known is not None
    assert known.as_of == date(2026, 8, 7)
    by_slug = {m.slug: m for m in known.models}
    assert (by_slug[ALPHA].prompt_price_per_m, by_slug[ALPHA].completion_price_per_m) == (Decimal("1.5"), Decimal("9"))
    assert by_slug[ALPHA].catalog_id == "alpha/alpha-2"
    # Leaving the catalogue is not recorded: a model keeps its last row (documented in History.catalogue).
    assert set(by_slug) == {ALPHA, BETA, BETA_FREE, DELTA, OMEGA}


# ---- the view


def test_portfolio_view_joins_the_boards_per_model(store, history, engine):
    seed(store)
    refresh_matches(history, store)
    rows = view(engine)
    assert set(rows) == {ALPHA, BETA, DELTA}  # gamma has no counterpart; omega no Arena model
    alpha, beta, delta = rows[ALPHA], rows[BETA], rows[DELTA]
    # Two modes match Alpha 2: each board shows its best-ranked one.
    assert (alpha["arena_text"], alpha["arena_text_rank"], alpha["arena_text_score"]) == ("alpha-2-thinking", 1, 1500.5)
    assert (alpha["arena_webdev"], alpha["arena_webdev_rank"], alpha["arena_webdev_score"]) == ("alpha-2", 1, 1560.0)
    assert alpha["arena_text_board"] == "arena-text-raw"  # no style-controlled board stored: the raw one
    # Usage: the base row only; the :free variant ranked #1 is its own row.
    assert (alpha["weekly_tokens"], alpha["usage_rank"]) == (1500, 3)
    assert (beta["weekly_tokens"], beta["usage_rank"]) == (2000, 2)
    assert alpha["growth_pct"] == pytest.approx(50.0)  # 1500 against 1000 in the window a week before
    assert beta["growth_pct"] == pytest.approx(10.0)  # not there a week before: the upstream's change
    # Prices and the spend estimate.
    assert (alpha["input_price_per_m"], alpha["output_price_per_m"], alpha["context_length"]) == (2.0, 10.0, 131072)
    assert alpha["catalog_id"] == "alpha/alpha-2"
    assert alpha["spend_blend"] == "observed"
    assert alpha["estimated_weekly_spend_usd"] == pytest.approx((1200 * 2 + 300 * 10) / 1e6)
    assert beta["spend_blend"] == "3:1"
    assert beta["estimated_weekly_spend_usd"] == pytest.approx(2000 * (3 * 0.5 + 1.5) / 4 / 1e6)
    assert (delta["input_price_per_m"], delta["output_price_per_m"]) == (None, None)  # negative = unknown
    assert delta["estimated_weekly_spend_usd"] is None
    assert delta["weekly_tokens"] is None
    assert str(delta["arena_text_as_of"])[:10] == "2026-07-30"


def test_style_controlled_text_board_wins_when_stored(store, history, engine):
    seed(store)
    later = date(2026, 7, 31)
    store.save_snapshot(arena("arena-text", [("beta-1", "Beta", 1410.0)], later), observed_at=OBSERVED, fetch_id=None)
    refresh_matches(history, store)
    rows = view(engine)
    assert set(rows) == {ALPHA, BETA}  # Delta was only on the raw board; Alpha stays for WebDev
    assert (rows[BETA]["arena_text_board"], rows[BETA]["arena_text_score"]) == ("arena-text", 1410.0)
    assert rows[ALPHA]["arena_text"] is None
    assert rows[ALPHA]["arena_webdev"] == "alpha-2"


def test_history_reads_the_view_with_typed_values_and_lanes(store, history):
    seed(store)
    refresh_matches(history, store)
    raw = history.portfolio_rows()
    assert [r["model_id"] for r in raw] == sorted([ALPHA, BETA, DELTA])
    assert all(isinstance(r["arena_text_as_of"], date) for r in raw)
    rows = {r.model_id: r for r in portfolio(history)}
    assert [r.model_id for r in portfolio(history)] == [ALPHA, BETA, DELTA]  # by Arena Text rank
    assert rows[ALPHA].lane == "frontier reasoning"  # a Text score of at least 1470
    assert rows[BETA].lane == "frontier reasoning"
    assert rows[DELTA].lane is None  # below the frontier line and no price to decide by
    assert rows[BETA].input_price_per_m == Decimal("0.5")
    document = rows[ALPHA].to_json()
    assert (document["arena_text"], document["arena_webdev"], document["openrouter"]) == (
        "alpha-2-thinking",
        "alpha-2",
        ALPHA,
    )


def test_unmatched_on_both_sides(store, history):
    seed(store)
    refresh_matches(history, store)
    usage = {u.model_id: u for u in unmatched_usage(history)}
    assert set(usage) == {OMEGA}  # beta's :free variant counts as Beta, which is matched
    document = unmatched_json(history)
    assert [a["model_id"] for a in document["arena"]] == ["gamma-x"]
    assert document["openrouter"][0]["model_id"] == OMEGA
    assert document["openrouter"][0]["reason"] == "no Arena model is matched to it"


def test_matchup_prices_both_leaders(store, history):
    seed(store)
    refresh_matches(history, store)
    m = matchup(history)
    assert m is not None
    assert (m.quality_board.id, m.quality_leader.name, m.quality_leader.listed_as) == (
        "arena-text-raw",
        "alpha-2-thinking",
        "Alpha-2",
    )
    assert (m.quality_leader.input_price_per_m, m.quality_leader.output_price_per_m) == (Decimal("2"), Decimal("10"))
    # Names are the current display names: the catalogue renamed the variant.
    assert (m.usage_leader.name, m.usage_leader.output_price_per_m) == ("Beta-1:Free", Decimal("0"))
    assert m.usage_leader.openrouter_id == BETA
    assert m.catalogue_as_of == date(2026, 7, 31)


# ---- the commands


def test_commands_need_a_catalogue_and_print_both_sides(store, db_url, capsys):
    from tracker.cli import main

    store.save_snapshot(arena("arena-webdev", [("alpha-2", "Alpha", 1560.0)]), observed_at=OBSERVED, fetch_id=None)
    for command in (["portfolio"], ["models", "unmatched", "--json"]):
        assert main(["--database-url", db_url, *command]) == 2
        assert "no OpenRouter catalogue stored yet" in capsys.readouterr().err
    seed(store)
    assert main(["--database-url", db_url, "portfolio"]) == 0
    table = capsys.readouterr().out
    assert "Alpha-2" in table  # the OpenRouter display name
    assert "#1 1501" in table  # Arena Text rank and score (1500.5, rounded) share a cell
    assert "$2/$10" in table
    assert main(["--database-url", db_url, "models", "unmatched"]) == 0
    out = capsys.readouterr().out
    assert "Arena models with no OpenRouter counterpart: 1\n  gamma-x: no candidate" in out
    assert f"#4 {OMEGA}: no Arena model is matched to it" in out


def test_lane_thresholds_come_from_the_environment(store, db_url, capsys, monkeypatch):
    from tracker.cli import main

    seed(store)
    assert main(["--database-url", db_url, "portfolio", "--json"]) == 0
    default = {r["model_id"]: r["lane"] for r in json.loads(capsys.readouterr().out)}
    assert default[ALPHA] == "frontier reasoning"
    monkeypatch.setenv("TRACKER_LANES", "frontier_min_score=9999, frontier_min_completion_per_m=1000")
    assert main(["--database-url", db_url, "portfolio", "--json"]) == 0
    raised = {r["model_id"]: r["lane"] for r in json.loads(capsys.readouterr().out)}
    assert raised[ALPHA] != "frontier reasoning"  # nothing reaches the raised frontier line
    monkeypatch.setenv("TRACKER_LANES", "frontier_min_scor=1")
    assert main(["--database-url", db_url, "portfolio", "--json"]) == 2
    assert "unknown threshold 'frontier_min_scor'" in capsys.readouterr().err
