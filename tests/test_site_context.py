"""The site context: hand-made sample data (used by every site test) and what build_context makes of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tracker.models import (
    CATALOGUE,
    Entry,
    Event,
    ModelInfo,
    Post,
    PostSection,
    PriceRecord,
    RankKind,
    Snapshot,
    SourceStatus,
)
from tracker.site import build_context
from tracker.site.context import SiteContext

WEEKS = (date(2026, 7, 18), date(2026, 7, 25), date(2026, 8, 1))

HOSTILE = {
    "../../etc/passwd": "<img src=x onerror=alert(1)>",
    "a/b": '"><svg onload=alert(1)>',
    "GPT-4o": "</script><script>alert(1)</script>",
    "gpt 4o": "javascript:alert(1)",
    "{{7*7}}": "{{7*7}}",
}


# ---- sample builders: a few models over three weeks on two boards


def arena_snapshot(snapshot_id: int, day: date, rows: list[tuple[str, str, float]]) -> Snapshot:
    """Rows (model_id, name, score) in rank order."""
    entries = tuple(
        Entry(
            model_id=model_id,
            model=name,
            rank=i,
            rank_kind=RankKind.ORDINAL,
            rank_upper=max(1, i - 1),
            rank_lower=i + 1,
            score=score,
            ci_low=score - 4.5,
            ci_high=score + 5.25,
            votes=1000 * (10 - i) + snapshot_id,
            organization="Org " + model_id[:1].upper(),
        )
        for i, (model_id, name, score) in enumerate(rows, start=1)
    )
    observed = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6)
    return Snapshot(snapshot_id, "arena-text", day, observed, entries, f"hash-{snapshot_id}", "hf-rows")


def openrouter_snapshot(snapshot_id: int, day: date, rows: list[tuple[str, str, int, float | None]]) -> Snapshot:
    """Rows (model_id, name, tokens, change) in rank order."""
    total = sum(r[2] for r in rows)
    entries = tuple(
        Entry(
            model_id=model_id,
            model=name,
            rank=i,
            rank_kind=RankKind.BY_VALUE,
            tokens=tokens,
            prompt_tokens=tokens * 3 // 4,
            completion_tokens=tokens - tokens * 3 // 4,
            change=change,
            share=tokens / total,
            organization=model_id.split("/")[0],
        )
        for i, (model_id, name, tokens, change) in enumerate(rows, start=1)
    )
    observed = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(days=1, hours=2)
    return Snapshot(
        snapshot_id,
        "openrouter-weekly",
        day,
        observed,
        entries,
        f"hash-{snapshot_id}",
        "data-api",
        window_start=day - timedelta(days=6),
        window_end=day,
    )


def sample_snapshots(names: dict[str, str] | None = None) -> dict[str, list[Snapshot]]:
    """Arena Text and OpenRouter weekly over three weeks; `names` renames models by id."""
    n = names or {}

    def name(model_id: str, default: str) -> str:
        return n.get(model_id, default)

    arena = [
        arena_snapshot(
            1,
            WEEKS[0],
            [
                (
                    "claude-opus-4-6-thinking",
                    name("claude-opus-4-6-thinking", "claude-opus-4-6-thinking"),
                    1498.5,
                ),
                ("gpt-5", name("gpt-5", "gpt-5"), 1490.0),
                ("gemini-3-pro", name("gemini-3-pro", "gemini-3-pro"), 1480.25),
            ],
        ),
        arena_snapshot(
            2,
            WEEKS[1],
            [
                ("gemini-3-pro", name("gemini-3-pro", "gemini-3-pro"), 1501.0),
                (
                    "claude-opus-4-6-thinking",
                    name("claude-opus-4-6-thinking", "claude-opus-4-6-thinking"),
                    1500.26,
                ),
                ("gpt-5", name("gpt-5", "gpt-5"), 1489.75),
            ],
        ),
        arena_snapshot(
            3,
            WEEKS[2],
            [
                (
                    "claude-opus-4-6-thinking",
                    name("claude-opus-4-6-thinking", "claude-opus-4-6-thinking"),
                    1502.0,
                ),
                ("gemini-3-pro", name("gemini-3-pro", "gemini-3-pro"), 1500.5),
                ("gpt-5", name("gpt-5", "gpt-5"), 1488.0),
                ("muse-spark", name("muse-spark", "muse-spark"), 1470.0),
            ],
        ),
    ]
    ds, mm, ow = "deepseek/deepseek-v4-flash-20260423", "minimax/minimax-m2.7", "openrouter/owl-alpha"
    openrouter = [
        openrouter_snapshot(
            11,
            WEEKS[0],
            [
                (ds, name(ds, "DeepSeek V4 Flash"), 1_650_000_000_000, None),
                (mm, name(mm, "MiniMax M2.7"), 482_000_000_000, None),
            ],
        ),
        openrouter_snapshot(
            12,
            WEEKS[1],
            [
                (ds, name(ds, "DeepSeek V4 Flash"), 1_700_000_000_000, 0.0303),
                (mm, name(mm, "MiniMax M2.7"), 500_000_000_000, 0.0373),
                (ow, name(ow, "Owl Alpha"), 410_000_000_000, None),
            ],
        ),
        openrouter_snapshot(
            13,
            WEEKS[2],
            [
                (ds, name(ds, "DeepSeek V4 Flash"), 3_290_000_000_000, 0.9353),
                (ow, name(ow, "Owl Alpha"), 1_110_000_000_000, 1.7073),
                (mm, name(mm, "MiniMax M2.7"), 593_000_000_000, 0.186),
            ],
        ),
    ]
    return {"arena-text": arena, "openrouter-weekly": openrouter}


def sample_post(week: int, title: str | None = None) -> Post:
    day = WEEKS[week]
    return Post(
        guid=f"tag:llm-rank-tracker,2026:week-{day.isoformat()}",
        slug=f"{day.isoformat()}-weekly",
        title=title or f"Week of {day.isoformat()}: DeepSeek V4 Flash leads OpenRouter",
        published_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(days=1, hours=7),
        lead=f"DeepSeek V4 Flash is #1 with {week + 1} things & more <to> say.",
        sections=(
            PostSection("Arena", ("Arena's Text top five is unchanged.", "claude-opus-4-6-thinking leads at 1502.")),
            PostSection("OpenRouter", ("MiniMax M2.7 fell from #2 to #3 despite 593B tokens and 19% growth.",)),
        ),
        boards=("openrouter-weekly", "arena-text") if week else ("openrouter-weekly",),
        snapshot_ids=(3, 13) if week == 2 else (),
    )


def sample_events() -> list[tuple[Event, date]]:
    mm = "minimax/minimax-m2.7"
    return [
        (Event("new_leader", "arena-text", "gemini-3-pro", "gemini-3-pro", 3, 1, 1480.25, 1501.0), WEEKS[1]),
        (
            Event("new_leader", "arena-text", "claude-opus-4-6-thinking", "claude-opus-4-6-thinking", 2, 1),
            WEEKS[2],
        ),
        (Event("entered", "arena-text", "muse-spark", "muse-spark", None, 4, None, 1470.0), WEEKS[2]),
        (
            Event(
                "grew_lost_rank",
                "openrouter-weekly",
                mm,
                "MiniMax M2.7",
                2,
                3,
                500_000_000_000,
                593_000_000_000,
                18.6,
            ),
            WEEKS[2],
        ),
        (
            Event("top_unchanged", "openrouter-weekly", extra={"n": 1, "models": ["DeepSeek V4 Flash"]}),
            WEEKS[2],
        ),
    ]


def sample_prices() -> list[PriceRecord]:
    ds = "deepseek/deepseek-v4-flash-20260423"
    return [
        PriceRecord(
            ds,
            date(2026, 7, 20),
            "deepseek/deepseek-v4-flash",
            "DeepSeek V4 Flash",
            Decimal("0.30"),
            Decimal("1.20"),
            163840,
        ),
        PriceRecord(
            ds,
            date(2026, 7, 30),
            "deepseek/deepseek-v4-flash",
            "DeepSeek V4 Flash",
            Decimal("0.25"),
            Decimal("1.0"),
            1048576,
        ),
    ]


def sample_status(*, stale: bool = True) -> list[SourceStatus]:
    at = datetime(2026, 8, 2, 6, 0, tzinfo=UTC)
    return [
        SourceStatus("arena-text", at, "new", at, WEEKS[2], 0, None, False, None),
        SourceStatus(
            "openrouter-weekly",
            at + timedelta(hours=1),
            "transient" if stale else "new",
            at - timedelta(days=1) if stale else at,
            WEEKS[2],
            4 if stale else 0,
            "HTTP 503 <Service Unavailable> from openrouter.ai" if stale else None,
            stale,
            WEEKS[2] if stale else None,
        ),
        SourceStatus(CATALOGUE, at, "unchanged", at, date(2026, 8, 2), 0, None, False, None),
    ]


def sample_models() -> list[ModelInfo]:
    return [
        ModelInfo(
            "deepseek/deepseek-v4-flash-20260423",
            "DeepSeek V4 Flash",
            "openrouter",
            "deepseek",
            (("catalog_id", "deepseek/deepseek-v4-flash"), ("key", "deepseek/deepseek-v4-flash-20260423")),
        ),
        ModelInfo("gpt-5", "gpt-5", "arena", "OpenAI", (("name", "GPT-5 (2025-08-07)"),)),
    ]


def sample_inputs(**overrides: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "snapshots": sample_snapshots(),
        "events": sample_events(),
        "posts": [sample_post(1), sample_post(2)],
        "prices": sample_prices(),
        "models": sample_models(),
        "status": sample_status(),
        "base_url": None,
    }
    inputs.update(overrides)
    return inputs


def sample_context(**overrides: Any) -> SiteContext:
    return build_context(**sample_inputs(**overrides))


def hostile_snapshots() -> dict[str, list[Snapshot]]:
    """The sample with every hostile name added as a model on both boards (ids hostile too)."""
    out = sample_snapshots()
    arena_rows = [(mid, name, 1400.0 - i) for i, (mid, name) in enumerate(HOSTILE.items())]
    last = out["arena-text"][-1]
    extra = arena_snapshot(99, last.as_of, arena_rows).entries
    shifted = tuple(replace(e, rank=len(last.entries) + i) for i, e in enumerate(extra, start=1))
    out["arena-text"][-1] = Snapshot(
        last.id,
        last.board,
        last.as_of,
        last.observed_at,
        last.entries + shifted,
        last.content_hash,
        last.method,
    )
    return out


# ---- tests of build_context


def test_board_rows_compare_with_previous_snapshot() -> None:
    ctx = sample_context()
    arena = next(v for v in ctx.boards if v.board.id == "arena-text")
    assert arena.latest.as_of == WEEKS[2]
    assert arena.previous is not None
    assert arena.previous.as_of == WEEKS[1]
    changes = {r.entry.model_id: (r.change.kind, r.change.places) for r in arena.rows}
    assert changes == {
        "claude-opus-4-6-thinking": ("up", 1),
        "gemini-3-pro": ("down", 1),
        "gpt-5": ("same", 0),
        "muse-spark": ("new", 0),
    }
    assert [r.entry.rank for r in arena.rows] == [1, 2, 3, 4]


def test_weekly_board_compares_with_the_window_seven_days_before() -> None:
    snaps = sample_snapshots()
    weekly = snaps["openrouter-weekly"]
    # A rolling window ending one day before the newest is not comparable: it overlaps.
    daily = openrouter_snapshot(20, WEEKS[2] - timedelta(days=1), [("x/y", "Y", 5, None)])
    snaps["openrouter-weekly"] = [*weekly[:2], daily, weekly[2]]
    ctx = build_context(snapshots=snaps)
    view = next(v for v in ctx.boards if v.board.id == "openrouter-weekly")
    assert view.previous is not None
    assert view.previous.as_of == WEEKS[1]
    # The trend steps back in whole weeks: three points, not four.
    assert view.rows[0].trend.labels == tuple(d.isoformat() for d in WEEKS)


def test_weekly_board_without_the_week_before_has_nothing_to_compare() -> None:
    snaps = sample_snapshots()
    snaps["openrouter-weekly"] = [snaps["openrouter-weekly"][0], snaps["openrouter-weekly"][2]]
    view = next(v for v in build_context(snapshots=snaps).boards if v.board.id == "openrouter-weekly")
    assert view.previous is None
    assert {r.change.kind for r in view.rows} == {"none"}
    # The missing week is a gap in the trend, not a skipped point.
    assert view.rows[0].trend.values == (1650000000000.0, None, 3290000000000.0)


def test_trend_series_follow_rank_and_mark_absence() -> None:
    ctx = sample_context()
    arena = next(v for v in ctx.boards if v.board.id == "arena-text")
    gemini = next(r for r in arena.rows if r.entry.model_id == "gemini-3-pro")
    assert gemini.trend.values == (3.0, 1.0, 2.0)
    assert gemini.trend.invert
    muse = next(r for r in arena.rows if r.entry.model_id == "muse-spark")
    assert muse.trend.values == (None, None, 4.0)


def test_built_from_is_the_newest_data_date_not_the_clock() -> None:
    ctx = sample_context()
    # Posts are published the day after the newest snapshot.
    assert ctx.built_from == WEEKS[2] + timedelta(days=1)
    assert build_context(snapshots=sample_snapshots()).built_from == WEEKS[2]
    assert build_context(snapshots={}).built_from is None


def test_models_get_names_aliases_prices_and_unique_paths() -> None:
    ctx = sample_context()
    by_id = {m.model_id: m for m in ctx.models}
    assert set(by_id) == {
        "claude-opus-4-6-thinking",
        "gpt-5",
        "gemini-3-pro",
        "muse-spark",
        "deepseek/deepseek-v4-flash-20260423",
        "minimax/minimax-m2.7",
        "openrouter/owl-alpha",
    }
    assert len({m.path for m in ctx.models}) == len(ctx.models)
    ds = by_id["deepseek/deepseek-v4-flash-20260423"]
    assert ds.path == "models/deepseek--deepseek-v4-flash-20260423.html"
    assert [p.observed_on for p in ds.prices] == [date(2026, 7, 20), date(2026, 7, 30)]
    assert ds.price_attribution is not None
    assert "as of 2026-07-30" in ds.price_attribution  # its newest price row
    assert ("catalog_id", "deepseek/deepseek-v4-flash") in ds.aliases
    assert by_id["gpt-5"].organization == "OpenAI"
    assert ("name", "GPT-5 (2025-08-07)") in by_id["gpt-5"].aliases
    # The stale OpenRouter board is flagged on the pages of models that appear on it.
    assert [n.source for n in ds.stale] == ["openrouter-weekly"]
    assert by_id["gpt-5"].stale == ()


def test_renamed_model_keeps_its_page_and_lists_the_old_name() -> None:
    snaps = sample_snapshots()
    renamed = sample_snapshots({"gpt-5": "GPT-5 High"})["arena-text"][-1]
    snaps["arena-text"][-1] = renamed
    ctx = build_context(snapshots=snaps)
    gpt = next(m for m in ctx.models if m.model_id == "gpt-5")
    assert gpt.name == "GPT-5 High"
    assert gpt.path == "models/gpt-5.html"
    assert ("name", "gpt-5") in gpt.aliases


def test_posts_newest_first_with_attribution_of_the_cited_snapshots() -> None:
    ctx = sample_context()
    assert [p.post.published_at for p in ctx.posts] == sorted((p.post.published_at for p in ctx.posts), reverse=True)
    newest, older = ctx.posts
    assert newest.path == "posts/2026-08-01-weekly.html"
    assert [b.id for b, _ in newest.boards] == ["arena-text", "openrouter-weekly"]
    assert [t for _, t in newest.attributions] == [
        "Source: Arena (lmarena-ai/leaderboard-dataset on Hugging Face), as of 2026-08-01",
        "Source: OpenRouter (openrouter.ai/rankings), as of 2026-08-01",
    ]
    # Without cited snapshots: the newest snapshot published by the post's date.
    assert [t for _, t in older.attributions][1] == "Source: OpenRouter (openrouter.ai/rankings), as of 2026-07-25"


def test_posts_sharing_a_slug_get_distinct_stable_paths() -> None:
    first, second = sample_post(1), sample_post(2)
    clash = Post(second.guid, first.slug, second.title, second.published_at, second.lead, second.sections)
    ctx = build_context(snapshots=sample_snapshots(), posts=[clash, first])
    paths = {p.post.guid: p.path for p in ctx.posts}
    # The older post keeps the plain name; the newer one is told apart by its guid.
    assert paths[first.guid] == "posts/2026-07-25-weekly.html"
    assert paths[clash.guid].startswith("posts/2026-07-25-weekly_")
    alone = build_context(snapshots=sample_snapshots(), posts=[first])
    assert alone.posts[0].path == paths[first.guid]


def test_stale_sources_and_latest_events() -> None:
    ctx = sample_context()
    assert [(n.source, n.since) for n in ctx.stale] == [("openrouter-weekly", WEEKS[2])]
    arena = next(v for v in ctx.boards if v.board.id == "arena-text")
    assert arena.stale is None
    assert [e.kind for e in arena.events] == ["new_leader", "entered"]
    weekly = next(v for v in ctx.boards if v.board.id == "openrouter-weekly")
    assert weekly.stale is not None
    assert [d.as_of for d in ctx.events] == sorted(d.as_of for d in ctx.events)


def test_duplicate_snapshot_ids_are_refused() -> None:
    snaps = sample_snapshots()
    snaps["arena-text"][1] = snaps["arena-text"][0]
    with pytest.raises(ValueError, match="share an id"):
        build_context(snapshots=snaps)


def test_a_board_row_without_an_organization_takes_the_models_own() -> None:
    snaps = sample_snapshots()
    snaps["openrouter-weekly"] = [
        replace(s, entries=tuple(replace(e, organization=None) for e in s.entries)) for s in snaps["openrouter-weekly"]
    ]
    ctx = sample_context(snapshots=snaps)
    rows = {r.entry.model_id: r.organization for v in ctx.boards if v.board.id == "openrouter-weekly" for r in v.rows}
    assert rows["deepseek/deepseek-v4-flash-20260423"] == "deepseek"  # from sample_models(): its entries name none
    assert set(rows.values()) == {"deepseek", ""}  # no record, no organization: an empty cell
    arena = next(v for v in ctx.boards if v.board.id == "arena-text")
    gpt = next(r for r in arena.rows if r.entry.model_id == "gpt-5")
    assert gpt.organization == "Org G"  # the entry's own comes first ("OpenAI" in the record)


def test_a_post_that_cites_its_sources_is_not_given_them_twice() -> None:
    post = sample_post(2)
    cited = "Source: OpenRouter (openrouter.ai/rankings), as of 2026-08-01"
    written = replace(post, sections=(*post.sections, PostSection("Sources", (f"{cited} (OpenRouter; CC BY 4.0).",))))
    newest = sample_context(posts=[sample_post(1), written]).posts[0]
    assert [t for _, t in newest.attributions] == [
        "Source: Arena (lmarena-ai/leaderboard-dataset on Hugging Face), as of 2026-08-01",
    ]
