"""Weekly token sums that are lower bounds: marked by the parser, stored, shown, and never made into growth.

OpenRouter's daily rows list each day's top 50 only; a model missing from that list on some day of a window
has a weekly sum that is only a lower bound (`Entry.tokens_lower_bound`).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import stored
from sqlalchemy import text

from tracker.diff import diff_snapshots, growth_pct
from tracker.history_site import SiteReads
from tracker.models import BOARDS, Entry, ParsedSnapshot, RankKind
from tracker.pipeline.views import entry_json
from tracker.site import build_context
from tracker.site.pages import render_site
from tracker.sources.openrouter.daily import parse_dataapi_csv
from tracker.validate import content_hash

USAGE = BOARDS["openrouter-weekly"]
DAILY = "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv"
OBSERVED = datetime(2026, 8, 2, 3, 15, tzinfo=UTC)


def days_present(body: bytes, start: date) -> dict[str, int]:
    """How many of the seven days from `start` list each model in their top 50."""
    window = {(start + timedelta(days=i)).isoformat() for i in range(7)}
    seen: dict[str, set[str]] = defaultdict(set)
    for row in csv.DictReader(io.StringIO(body.decode())):
        if row["model_permaslug"] != "other" and row["date"] in window:
            seen[row["model_permaslug"]].add(row["date"])
    return {model: len(days) for model, days in seen.items()}


@pytest.fixture
def real_windows(fixture_bytes) -> dict[date, ParsedSnapshot]:
    return {s.as_of: s for s in parse_dataapi_csv(fixture_bytes(DAILY), board=USAGE.id, as_of=None)}


def test_the_real_daily_rows_mark_exactly_the_models_missing_on_some_day(real_windows, fixture_bytes):
    window = real_windows[date(2026, 8, 1)]
    present = days_present(fixture_bytes(DAILY), date(2026, 7, 26))
    marked = {e.model_id for e in window.entries if e.tokens_lower_bound}
    assert marked == {m for m, n in present.items() if n < 7}
    assert 0 < len(marked) < len(window.entries)
    assert f"{len(marked)} models missing from the daily top 50 on some days" in (window.notes or "")
    assert all(e.change is None for e in window.entries if e.tokens_lower_bound)


def test_growth_between_the_real_windows_never_comes_from_a_lower_bound(real_windows):
    older, newer = real_windows[date(2026, 7, 25)], real_windows[date(2026, 8, 1)]
    events = diff_snapshots(USAGE, stored(older, 1), stored(newer, 2))
    bounded = {e.model_id for s in (older, newer) for e in s.entries if e.tokens_lower_bound}
    told = [e for e in events if e.model_id in bounded]
    assert told, "the real windows move models whose sums are lower bounds"
    assert all(e.growth_pct is None for e in told)
    assert not [e for e in told if e.kind in ("grew_lost_rank", "shrank_gained_rank")]
    exact = [e for e in events if e.model_id not in bounded and e.kind == "moved"]
    assert exact
    assert all(e.extra.get("growth_source") == "snapshots" for e in exact)


def entry(model_id: str, tokens: int, *, lower_bound: bool = False, change: float | None = None) -> Entry:
    return Entry(
        model_id, model_id, rank=1, rank_kind=RankKind.BY_VALUE, tokens=tokens, change=change,
        tokens_lower_bound=lower_bound,
    )  # fmt: skip


def test_growth_from_snapshots_needs_two_exact_sums():
    exact_old, exact_new = entry("m", 100), entry("m", 150)
    assert growth_pct(USAGE, exact_new, exact_old) == (50.0, "snapshots")
    assert growth_pct(USAGE, exact_new, entry("m", 20, lower_bound=True)) == (None, None)
    assert growth_pct(USAGE, entry("m", 150, lower_bound=True), exact_old) == (None, None)
    # OpenRouter's own change, where the newer entry has one, still counts.
    assert growth_pct(USAGE, entry("m", 150, change=0.25), entry("m", 20, lower_bound=True)) == (25.0, "upstream")


def weekly(as_of: date, bounded: set[str]) -> ParsedSnapshot:
    rows = [(f"org/model-{i}", 10**12 // i) for i in range(1, 8)]
    entries = tuple(
        Entry(slug, slug, rank=i, rank_kind=RankKind.BY_VALUE, tokens=tokens, tokens_lower_bound=slug in bounded)
        for i, (slug, tokens) in enumerate(rows, 1)
    )
    return ParsedSnapshot(USAGE.id, as_of, entries, "test", as_of - timedelta(days=6), as_of)


def test_the_mark_is_stored_and_read_back_by_every_reader(store, history, engine):
    saved = store.save_snapshot(weekly(date(2026, 8, 1), {"org/model-6"}), observed_at=OBSERVED, fetch_id=None)
    latest = history.latest_snapshot(USAGE.id)
    assert latest is not None
    assert [e.model_id for e in latest.entries if e.tokens_lower_bound] == ["org/model-6"]
    rows = SiteReads(engine).entries(snapshot_ids=[saved.snapshot_id])
    site = rows.snapshot(latest)
    assert [e.model_id for e in site.entries if e.tokens_lower_bound] == ["org/model-6"]
    assert site.entries == latest.entries


def test_the_mark_leaves_a_captures_content_hash_alone():
    # Hashes stored before the mark existed must still match the same capture read again.
    assert content_hash(weekly(date(2026, 8, 1), {"org/model-6"})) == content_hash(weekly(date(2026, 8, 1), set()))


def test_show_json_and_the_board_page_say_which_figures_are_lower_bounds():
    parsed = weekly(date(2026, 8, 1), {"org/model-6"})
    by_id = {e.model_id: e for e in parsed.entries}
    assert entry_json(by_id["org/model-6"], USAGE.value)["tokens_lower_bound"] is True
    assert "tokens_lower_bound" not in entry_json(by_id["org/model-5"], USAGE.value)
    site = render_site(build_context(snapshots={USAGE.id: [stored(parsed, 1)]}))
    page = site["boards/openrouter-weekly.html"].decode()
    assert page.count("≥") == 1
    assert 'title="at least: missing from the daily top 50 on some day of the window">≥167B</td>' in page


def test_the_weekly_tokens_view_shows_the_mark_and_no_growth_from_a_lower_bound(store, engine):
    store.save_snapshot(weekly(date(2026, 7, 25), set()), observed_at=OBSERVED, fetch_id=None)
    newer = weekly(date(2026, 8, 1), {"org/model-6"})
    grown = tuple(replace(e, tokens=(e.tokens or 0) * 2) for e in newer.entries)
    store.save_snapshot(replace(newer, entries=grown), observed_at=OBSERVED, fetch_id=None)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT model_id, tokens_lower_bound, growth_pct FROM weekly_tokens "
                "WHERE window_end = :end ORDER BY rank"
            ),
            {"end": date(2026, 8, 1)},
        ).all()
    by_model = {m: (bool(bound), growth) for m, bound, growth in rows}
    assert by_model["org/model-6"] == (True, None)
    assert by_model["org/model-5"] == (False, pytest.approx(100.0))
    assert len(by_model) == 7
