"""The post writer: the house style's sentences, small builders, golden posts and determinism.

Golden posts live in tests/golden/narrate/; regenerate with `UPDATE_GOLDEN=1 pytest tests/test_narrate.py`
and read the diff by eye: every figure must match the tables below and the prose must read well.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tracker.diff import diff_snapshots
from tracker.models import BOARDS, Entry, Event, Post, RankKind, Snapshot
from tracker.narrate import BoardWeek, headline, lead, write_post
from tracker.narrate_board import (
    biggest_mover_sentence,
    board_paragraphs,
    entry_exit_sentence,
    grew_lost_sentence,
    margin_sentence,
    move_sentence,
    new_leader_sentence,
    shrank_gained_sentence,
    stale_sentence,
    top_sentence,
)
from tracker.narrate_phrases import figure, growth, join_list, plural, score_gap, sentence
from tracker.units import parse_tokens

GOLDEN = Path(__file__).parent / "golden" / "narrate"
TEXT, WEBDEV, USAGE = BOARDS["arena-text"], BOARDS["arena-webdev"], BOARDS["openrouter-weekly"]
NOW = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
WEEK_END = date(2026, 5, 3)


# ---- builders


def usage(sid: int, end: date, rows: list[tuple]) -> Snapshot:
    """Rows (name, tokens[, change]) in rank order; the model id is the name, lower-cased."""
    entries = tuple(
        Entry(
            r[0].lower().replace(" ", "-"),
            r[0],
            rank=i + 1,
            rank_kind=RankKind.BY_VALUE,
            tokens=parse_tokens(r[1]),
            change=r[2] if len(r) > 2 else None,
        )
        for i, r in enumerate(rows)
    )
    seen = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return Snapshot(sid, USAGE.id, end, seen, entries, f"u{sid}", "test", end - timedelta(days=6), end)


def arena(sid: int, board: str, as_of: date, rows: list[tuple], half: float = 5.0) -> Snapshot:
    """Rows (model, score) in rank order, or (model, score, half-width) to set the 95% interval."""
    entries = tuple(
        Entry(
            r[0],
            r[0],
            rank=i + 1,
            score=r[1],
            ci_low=r[1] - (r[2:] or (half,))[0],
            ci_high=r[1] + (r[2:] or (half,))[0],
        )
        for i, r in enumerate(rows)
    )
    seen = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    return Snapshot(sid, board, as_of, seen, entries, f"a{sid}", "test")


def week(board, older: Snapshot | None, newer: Snapshot, now: datetime = NOW) -> BoardWeek:
    return BoardWeek(board, newer, older, tuple(diff_snapshots(board, older, newer, now=now)))


def event(kind: str, model: str, frm: int | None, to: int | None, after: float | int, **kw) -> Event:
    extra = kw.pop("extra", {})
    return Event(
        kind,
        kw.pop("board", USAGE.id),
        model.lower(),
        model,
        frm,
        to,
        value_before=kw.pop("before", None),
        value_after=after,
        growth_pct=kw.pop("growth", None),
        significant=kw.pop("significant", None),
        extra=extra,
    )


# ---- the article's week (figures from docs/house-style-article.txt; the rest filled in by hand)

OR_LAST_WEEK = [
    ("DeepSeek V4 Flash", "1.65T"), ("Hy3 preview", "1.50T"), ("Claude Sonnet 4.6", "1.45T"),
    ("Claude Opus 4.7", "1.40T"), ("Owl Alpha", "685B"), ("Gemini 3 Flash Preview", "640B"),
    ("GPT-5.4", "600B"), ("Grok 4.3", "580B"), ("Kimi K2.6", "560B"), ("Qwen3.7 Max", "540B"),
    ("MiniMax M2.7", "482B"), ("Mistral Medium 4", "470B"), ("Llama 5", "460B"),
    ("Gemini 2.5 Flash Lite", "450B"), ("Claude Opus 4.6", "403B"), ("DeepSeek R2", "400B"),
    ("Gemini 3.1 Pro Preview", "386B"), ("GPT-5.4 Mini", "380B"), ("GLM 5.1", "290B"),
    ("Devstral 3", "280B"), ("Nemotron 4", "270B"), ("Command A2", "260B"),
]  # fmt: skip
OR_THIS_WEEK = [
    ("DeepSeek V4 Flash", "3.29T"), ("Hy3 preview", "3.01T"), ("Claude Sonnet 4.6", "1.77T"),
    ("Claude Opus 4.7", "1.70T"), ("Gemini 3 Flash Preview", "1.14T"), ("Owl Alpha", "1.11T"),
    ("GPT-5.4", "900B"), ("Grok 4.3", "800B"), ("Kimi K2.6", "700B"), ("Qwen3.7 Max", "650B"),
    ("Gemini 2.5 Flash Lite", "609B"), ("Mistral Medium 4", "600B"), ("MiniMax M2.7", "593B"),
    ("Llama 5", "560B"), ("DeepSeek R2", "520B"), ("Gemini 3.1 Pro Preview", "490B"),
    ("Claude Opus 4.6", "480B"), ("GPT-5.4 Mini", "420B"), ("Devstral 3", "360B"), ("GLM 5.1", "340B"),
    ("Nemotron 4", "330B"), ("Command A2", "300B"),
]  # fmt: skip
ARENA_TEXT = [
    ("claude-opus-4-6-thinking", 1502.3), ("claude-opus-4-7-thinking", 1500.1), ("claude-opus-4-6", 1497.6),
    ("claude-opus-4-7", 1492.2), ("muse-spark", 1489.0), ("gemini-3.1-pro", 1481.4),
]  # fmt: skip
ARENA_WEBDEV = [
    ("claude-opus-4-7-thinking", 1567.2), ("claude-opus-4-7", 1560.0), ("claude-opus-4-6-thinking", 1545.4),
    ("claude-opus-4-6", 1540.1), ("GLM 5.1", 1532.0), ("kimi-k2.6", 1529.1),
]  # fmt: skip


def article_weeks() -> list[BoardWeek]:
    last = WEEK_END - timedelta(days=7)
    text_before, text_now = date(2026, 4, 23), date(2026, 4, 30)
    webdev_before, webdev_now = date(2026, 4, 16), date(2026, 4, 23)  # 11 days before NOW: stale
    return [
        week(USAGE, usage(1, last, OR_LAST_WEEK), usage(2, WEEK_END, OR_THIS_WEEK)),
        week(TEXT, arena(3, TEXT.id, text_before, ARENA_TEXT), arena(4, TEXT.id, text_now, ARENA_TEXT)),
        week(
            WEBDEV,
            arena(5, WEBDEV.id, webdev_before, ARENA_WEBDEV),
            arena(6, WEBDEV.id, webdev_now, ARENA_WEBDEV),
        ),
    ]


def first_week_usage_only() -> list[BoardWeek]:
    rows = [("Alpha Large", "2.4T", 0.12), ("Beta Mini", "950B", -0.05), ("Gamma", "12.3M", None)]
    return [week(USAGE, None, usage(7, WEEK_END, rows))]


def arena_shuffle() -> list[BoardWeek]:
    """Arena Text with a new leader inside the intervals, a clear climb, an entry and an exit."""
    old = [
        ("aurora", 1510.0, 4.0), ("borealis", 1506.0, 4.0), ("cirrus", 1490.0, 3.0), ("dune", 1480.0, 3.0),
        ("ember", 1479.0, 3.0), ("fjord", 1478.5, 3.0), ("glacier", 1440.0, 3.0),
    ]  # fmt: skip
    new = [
        ("borealis", 1512.0, 4.0), ("aurora", 1509.0, 4.0), ("ember", 1497.0, 3.0), ("cirrus", 1489.0, 3.0),
        ("dune", 1481.0, 3.0), ("helix", 1470.0, 9.0), ("fjord", 1468.0, 3.0),
    ]  # fmt: skip
    # The same 13 models below in both weeks: each list shows its whole top 20, so helix's entry and
    # glacier's exit are known (a list shorter than 20 says nothing of the models it leaves out).
    below = [(f"model-{i:02d}", 1430.0 - 5 * i, 3.0) for i in range(13)]
    older = arena(11, TEXT.id, date(2026, 4, 23), old + below)
    newer = arena(12, TEXT.id, date(2026, 4, 30), new + below)
    return [BoardWeek(TEXT, newer, older, tuple(diff_snapshots(TEXT, older, newer, now=NOW)))]


def everything_stale() -> list[BoardWeek]:
    later = NOW + timedelta(days=30)
    text = week(
        TEXT,
        arena(3, TEXT.id, date(2026, 4, 23), ARENA_TEXT),
        arena(4, TEXT.id, date(2026, 4, 30), ARENA_TEXT),
        later,
    )
    older, newer = usage(1, WEEK_END - timedelta(days=7), OR_LAST_WEEK), usage(2, WEEK_END, OR_THIS_WEEK)
    return [text, week(USAGE, older, newer, later)]


def nothing_moved() -> list[BoardWeek]:
    rows = [("Alpha Large", "2.4T"), ("Beta Mini", "950B"), ("Gamma", "12.3M")]
    grown = [("Alpha Large", "2.5T"), ("Beta Mini", "990B"), ("Gamma", "13M")]
    return [week(USAGE, usage(8, WEEK_END - timedelta(days=7), rows), usage(9, WEEK_END, grown))]


SCENARIOS = {
    "article-week": article_weeks,
    "first-snapshot-usage-only": first_week_usage_only,
    "arena-shuffle": arena_shuffle,
    "everything-stale": everything_stale,
    "nothing-moved": nothing_moved,
}


def render(post: Post) -> str:
    meta = [
        "---",
        f"guid: {post.guid}",
        f"slug: {post.slug}",
        f"published_at: {post.published_at.isoformat()}",
        f"boards: {', '.join(post.boards)}",
        f"snapshot_ids: {', '.join(map(str, post.snapshot_ids))}",
    ]
    return post.text + "\n".join(meta) + "\n"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden_posts(name):
    text = render(write_post(SCENARIOS[name]()))
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


# ---- the article's sentences, from events built with its numbers


def test_the_article_sentences_come_back_from_their_events():
    weeks = article_weeks()
    usage_week = weeks[0]
    lite = next(e for e in usage_week.events if e.kind == "biggest_mover")
    assert biggest_mover_sentence(usage_week, [lite]) == (
        "Gemini 2.5 Flash Lite made the biggest top-20 rank move, climbing three places from #14 to #11 "
        "with 609B tokens."
    )
    flash = next(e for e in usage_week.events if e.kind == "moved" and e.model == "Gemini 3 Flash Preview")
    assert move_sentence(usage_week, flash) == "Gemini 3 Flash Preview moved from #6 to #5 with 1.14T weekly tokens."
    grew = {e.model: grew_lost_sentence(usage_week, e) for e in usage_week.events if e.kind == "grew_lost_rank"}
    assert (
        grew["MiniMax M2.7"] == "MiniMax M2.7 fell from #11 to #13 despite 593B tokens and 23% week-over-week growth."
    )
    assert grew["GLM 5.1"] == "GLM 5.1 fell from #19 to #20 despite 340B tokens and 17% week-over-week growth."
    assert top_sentence(usage_week, None, subject=None).startswith(
        "DeepSeek V4 Flash leads with 3.29T weekly tokens and 99% week-over-week growth, "
        "followed by Hy3 preview at 3.01T, Claude Sonnet 4.6 at 1.77T, Claude Opus 4.7 at 1.7T, "
    )
    text_week = weeks[1]
    unchanged = next(e for e in text_week.events if e.kind == "top_unchanged")
    assert top_sentence(text_week, unchanged) == (
        "Arena's Text top five is unchanged: claude-opus-4-6-thinking at 1502, "
        "claude-opus-4-7-thinking at 1500, claude-opus-4-6 at 1498, claude-opus-4-7 at 1492, "
        "and muse-spark at 1489."
    )
    webdev = weeks[2]
    assert stale_sentence(WEBDEV, str(webdev.stale_since)) == "Arena's WebDev board has not updated since 2026-04-23."
    assert top_sentence(webdev, None) == (
        "claude-opus-4-7-thinking leads at 1567, followed by claude-opus-4-7 at 1560, "
        "claude-opus-4-6-thinking at 1545, claude-opus-4-6 at 1540, and GLM 5.1 at 1532."
    )


def test_sentences_from_hand_built_events():
    w = article_weeks()[0]
    grew = event("grew_lost_rank", "Owl Alpha", 5, 6, parse_tokens("1.11T"), growth=62.04)
    assert (
        grew_lost_sentence(w, grew)
        == "Owl Alpha fell from #5 to #6 despite 1.11T tokens and 62% week-over-week growth."
    )
    fell = event("moved", "Beta", 3, 7, parse_tokens("900B"), growth=-8.4)
    assert move_sentence(w, fell) == "Beta fell from #3 to #7 with 900B weekly tokens, down 8% week-over-week."
    three_of_20 = {"places": 3, "within_top": 20}
    two = [
        event("biggest_mover", "A", 14, 11, 609 * 10**9, extra=three_of_20),
        event("biggest_mover", "B", 9, 12, 300 * 10**9, growth=5.0, extra=three_of_20),
    ]
    assert biggest_mover_sentence(w, two) == (
        "The biggest top-20 rank moves were three places each: A climbed from #14 to #11 with 609B tokens "
        "and B fell from #9 to #12 despite 300B tokens and 5% week-over-week growth."
    )
    previous = [{"model": "claude-y", "model_id": "claude-y", "value": 1509.0}]
    leader = event(
        "new_leader", "claude-x", 2, 1, 1510.0, board=TEXT.id, significant=False, extra={"previous": previous}
    )
    assert new_leader_sentence(TEXT, leader) == (
        "claude-x takes #1 from claude-y, up from #2, a change within the 95% confidence intervals."
    )


def test_margin_sentence_uses_the_figures_the_reader_sees():
    a = Entry("a", "A", rank=1, score=1502.4, ci_low=1497.0, ci_high=1508.0)
    b = Entry("b", "B", rank=2, score=1500.6, ci_low=1495.0, ci_high=1506.0)
    # 1502 and 1501 are shown; the gap reads one point, not the exact 1.8 rounded to two
    assert margin_sentence(TEXT, a, b) == "The lead over B is one point, within the 95% confidence intervals."
    c = Entry("c", "C", rank=2, score=1480.0, ci_low=1478.0, ci_high=1482.0)
    assert margin_sentence(TEXT, a, c) == "The lead over C is 22 points."
    tied = Entry("t", "T", rank=2, score=1502.2)
    assert margin_sentence(TEXT, a, tied) == "A and T are level at 1502."
    x = Entry("x", "X", rank=1, tokens=3_290_000_000_000)
    y = Entry("y", "Y", rank=2, tokens=3_010_000_000_000)
    assert margin_sentence(USAGE, x, y) == "The lead over Y is 280B tokens."


# ---- small phrase builders


@pytest.mark.parametrize(
    ("pct", "since", "expected"),
    [
        (23.4, None, "23% week-over-week growth"),
        (22.5, None, "23% week-over-week growth"),  # halves round up, as units.format_percent does
        (-5.2, None, "a 5% week-over-week decline"),
        (0.3, None, "flat week-over-week usage"),
        (40.0, "2026-04-05", "40% growth since 2026-04-05"),
    ],
)
def test_growth_phrases(pct, since, expected):
    assert growth(pct, since) == expected


def test_counts_lists_and_figures():
    assert plural(1, "place") == "one place"
    assert plural(3, "place") == "three places"
    assert plural(12, "model") == "12 models"
    assert join_list(["A"]) == "A"
    assert join_list(["A", "B"]) == "A and B"
    assert join_list(["A", "B", "C"]) == "A, B, and C"
    assert figure(USAGE, 609_000_000_000) == "609B"
    assert figure(USAGE, 12_300_000) == "12.3M"
    assert figure(TEXT, 1500.26) == "1500"
    assert score_gap(TEXT, 1567.2, 1560.0) == "seven points"
    assert sentence("three models grew") == "Three models grew"
    assert sentence("claude-opus-4-6 leads") == "claude-opus-4-6 leads"  # model names are never altered


# ---- behaviour of the whole post


def test_post_identity_and_dates_come_from_the_data():
    post = write_post(article_weeks())
    assert post.guid == "urn:llm-rank-tracker:post:2026-05-03"
    assert post.slug == "2026-05-03"
    assert post.published_at == datetime(2026, 5, 3, tzinfo=UTC)
    assert post.boards == ("arena-text", "arena-webdev", "openrouter-weekly")
    assert post.snapshot_ids == (1, 2, 3, 4, 5, 6)
    chosen = write_post(article_weeks(), published_at=datetime(2026, 5, 4, 9, 30, tzinfo=UTC))
    assert chosen.published_at == datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    assert chosen.guid == post.guid


def test_the_same_input_gives_the_same_text_whatever_the_order_of_boards():
    weeks = article_weeks()
    assert write_post(weeks) == write_post(list(reversed(weeks))) == write_post(article_weeks())


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least one board"):
        write_post([])
    with pytest.raises(ValueError, match="aware"):
        write_post(article_weeks(), published_at=datetime(2026, 5, 4))


def test_a_stale_board_claims_no_moves_even_if_handed_some():
    w = article_weeks()[0]
    stale = BoardWeek(w.board, w.newer, w.older, (Event("stale", USAGE.id, extra={"since": "2026-05-03"}), *w.events))
    paragraphs = board_paragraphs(stale)
    assert len(paragraphs) == 1
    assert paragraphs[0].startswith("OpenRouter's weekly ranking has not updated since 2026-05-03. DeepSeek V4 Flash")
    for word in ("moved", "fell", "climbing", "entered", "takes #1"):
        assert word not in paragraphs[0]


def test_headline_and_lead_read_well_with_one_board_and_no_previous_snapshot():
    weeks = first_week_usage_only()
    assert headline(weeks) == "Alpha Large leads OpenRouter with 2.4T weekly tokens"
    assert lead(weeks) == (
        "Alpha Large leads OpenRouter's weekly ranking with 2.4T tokens. "
        "OpenRouter's weekly ranking has no earlier snapshot to compare with."
    )
    (paragraphs,) = [s.paragraphs for s in write_post(weeks).sections if s.heading == USAGE.title]
    # with no older snapshot, growth is OpenRouter's own week-over-week `change`
    assert paragraphs[0].startswith("Alpha Large leads with 2.4T weekly tokens and 12% week-over-week growth")
    assert paragraphs[1] == "No snapshot of the week before is stored, so no rank moves are reported."


def test_insignificant_arena_moves_are_said_to_be_within_the_intervals():
    text = write_post(arena_shuffle()).text
    assert "borealis takes #1 from aurora, up from #2, a change within the 95% confidence intervals." in text
    assert "within the 95% confidence intervals" in text


def test_an_empty_snapshot_is_described_not_a_crash():
    empty = Snapshot(1, USAGE.id, WEEK_END, NOW, (), "h", "test", WEEK_END - timedelta(days=6), WEEK_END)
    post = write_post([BoardWeek(USAGE, empty, None, ())])
    assert "OpenRouter's weekly ranking lists no models." in post.text


def test_growth_over_snapshots_not_a_week_apart_names_its_start():
    rows_then = [("Alpha Large", "2.0T"), ("Beta Mini", "1.0T")]
    rows_now = [("Beta Mini", "2.6T"), ("Alpha Large", "2.2T")]
    then = WEEK_END - timedelta(days=14)  # two weeks apart, as `tracker diff --from/--to` may ask
    w = week(USAGE, usage(1, then, rows_then), usage(2, WEEK_END, rows_now))
    (standing, *_rest) = board_paragraphs(w)
    assert standing.startswith("Beta Mini takes #1 from Alpha Large, up from #2. It leads with 2.6T weekly tokens")
    assert "and 160% growth since 2026-04-19" in standing
    grew = next(e for e in w.events if e.kind == "grew_lost_rank")
    assert grew_lost_sentence(w, grew) == (
        "Alpha Large fell from #1 to #2 despite 2.2T tokens and 10% growth since 2026-04-19."
    )


def test_shrank_but_gained_rank_and_entries_read_right():
    then = [("Alpha", "900B"), ("Beta", "800B"), ("Gamma", "750B")] + [(f"Pad {i}", f"{500 - i}B") for i in range(20)]
    now = [("Beta", "700B"), ("Alpha", "650B", None), ("Newcomer", "600B", 4.0), ("Gamma", "500B")]
    now += [(f"Pad {i}", f"{400 - i}B") for i in range(18)]
    w = week(USAGE, usage(1, WEEK_END - timedelta(days=7), then), usage(2, WEEK_END, now))
    shrank = next(e for e in w.events if e.kind == "shrank_gained_rank")
    assert shrank_gained_sentence(w, shrank) == (
        "Beta climbed from #2 to #1 even though its tokens fell 13% week-over-week, to 700B."
    )
    (came,) = [e for e in w.events if e.kind == "entered"]
    assert entry_exit_sentence(w, came) == (
        "Newcomer is new in the top 20 at #3 with 600B weekly tokens and 400% week-over-week growth."
    )
    exits = sorted(entry_exit_sentence(w, e) for e in w.events if e.kind == "exited")
    assert exits == [
        "Pad 16 left the top 20, falling from #20 to #21 with 384B weekly tokens.",  # 4 + 16 -> 5 + 16
    ]


def test_the_lead_counts_only_the_moves_within_the_top_n_of_a_usage_board():
    # A usage board's diff reports moves over its whole list (top 50); the lead speaks of its top 20.
    then = [(f"Model {i:02d}", f"{900 - i * 10}B") for i in range(30)]
    swapped = then[:2][::-1] + then[2:24] + [then[25], then[24]] + then[26:29][::-1] + then[29:]
    now = [(name, f"{900 - i * 10}B") for i, (name, _) in enumerate(swapped)]
    w = week(USAGE, usage(1, WEEK_END - timedelta(days=7), then), usage(2, WEEK_END, now))
    moved = w.of_kind("moved")
    assert sorted(e.to_rank for e in moved) == [1, 2, 25, 26, 27, 29]  # the diff keeps the moves below #20
    assert "Two models changed places in OpenRouter's weekly top 20." in lead([w])
