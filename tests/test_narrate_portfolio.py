"""The post's "Prestige vs production" section: prices, gaps, the special cases, and a golden post.

The golden post is the article week of tests/test_narrate.py with a matchup added; regenerate with
`UPDATE_GOLDEN=1 pytest tests/test_narrate_portfolio.py` and read the diff.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_narrate import article_weeks, render

from tracker.models import BOARDS
from tracker.narrate import write_post
from tracker.narrate_portfolio import HEADING, Matchup, Priced, gap_clause, matchup_paragraphs, times, usd

GOLDEN = Path(__file__).parent / "golden" / "narrate" / "prestige-vs-production.txt"
TEXT, RAW, USAGE = BOARDS["arena-text"], BOARDS["arena-text-raw"], BOARDS["openrouter-weekly"]
OPUS = Priced(
    "claude-opus-4-6-thinking",
    1,
    1502.3,
    Decimal("5"),
    Decimal("25"),
    listed_as="Claude Opus 4.6",
    openrouter_id="anthropic/claude-4.6-opus-20260205",
)
FLASH = Priced(
    "DeepSeek V4 Flash",
    1,
    3_290_000_000_000,
    Decimal("0.14"),
    Decimal("0.28"),
    openrouter_id="deepseek/deepseek-v4-flash-20260423",
)


def matchup(quality: Priced = OPUS, usage: Priced = FLASH, best_sold: Priced | None = None, board=TEXT) -> Matchup:
    return Matchup(board, date(2026, 4, 30), quality, USAGE, date(2026, 5, 3), usage, date(2026, 5, 1), best_sold)


@pytest.mark.parametrize(
    ("value", "text"),
    [("5", "$5"), ("25", "$25"), ("0.14", "$0.14"), ("2.5", "$2.50"), ("0.075", "$0.075"), ("0.06426", "$0.06426")],
)
def test_prices_read_as_dollars(value, text):
    assert usd(Decimal(value)) == text


@pytest.mark.parametrize(
    ("ratio", "text"), [("89.2857", "89x"), ("35.71", "36x"), ("2.5", "2.5x"), ("3.0", "3x"), ("9.96", "10x")]
)
def test_ratios(ratio, text):
    assert times(Decimal(ratio)) == text


def test_gap_is_told_from_the_traffic_leaders_side():
    assert gap_clause(OPUS, FLASH) == "about 36x less on input and 89x less on output"
    dearer = Priced("X", 1, 1, Decimal("10"), Decimal("50"))
    assert gap_clause(OPUS, dearer) == "about 2x more on input and 2x more on output"
    same_output = Priced("Y", 1, 1, Decimal("1"), Decimal("25"))
    assert gap_clause(OPUS, same_output) == "about 5x less on input and the same on output"
    free = Priced("Z", 1, 1, Decimal("0"), Decimal("0"))
    assert gap_clause(OPUS, free) == ""  # no ratio to a zero price


def test_the_issue_example_reads_as_the_house_style():
    paragraphs = matchup_paragraphs(matchup())
    assert paragraphs == (
        "On quality, claude-opus-4-6-thinking leads Arena's Text board at 1502; on traffic, DeepSeek V4 Flash "
        "leads OpenRouter's weekly ranking with 3.29T tokens.",
        "claude-opus-4-6-thinking is sold on OpenRouter as Claude Opus 4.6 at $5/$25 per million input/output "
        "tokens; DeepSeek V4 Flash costs $0.14/$0.28, about 36x less on input and 89x less on output.",
        "Prices are list prices from OpenRouter's model catalogue as of 2026-05-01.",
    )


def test_a_leader_not_sold_on_openrouter_gives_way_to_the_best_ranked_that_is():
    muse = Priced("muse-spark", 1, 1510.0)
    paragraphs = matchup_paragraphs(matchup(quality=muse, best_sold=OPUS))
    assert paragraphs[1] == (
        "muse-spark is not sold on OpenRouter; the best-ranked Text model that is, claude-opus-4-6-thinking at "
        "#1, costs $5/$25 per million input/output tokens as Claude Opus 4.6; DeepSeek V4 Flash costs "
        "$0.14/$0.28, about 36x less on input and 89x less on output."
    )
    alone = matchup_paragraphs(matchup(quality=muse, board=RAW))
    assert alone[1] == (
        "muse-spark is not sold on OpenRouter, nor is any other model on Arena's raw Text board; "
        "DeepSeek V4 Flash costs $0.14/$0.28."
    )
    assert alone[0].startswith("On quality, muse-spark leads Arena's raw Text board at 1510;")


def test_one_model_leading_both_boards_is_said_once():
    same = Priced(
        "DeepSeek V4 Flash", 1, 3 * 10**12, Decimal("0.14"), Decimal("0.28"), openrouter_id=OPUS.openrouter_id
    )
    assert matchup_paragraphs(matchup(usage=same))[1] == (
        "claude-opus-4-6-thinking is DeepSeek V4 Flash on OpenRouter: the same model leads quality and traffic at "
        "$0.14/$0.28 per million input/output tokens."
    )


def test_free_and_unlisted_traffic_leaders():
    free = Priced("Owl Alpha", 1, 10**12, Decimal("0"), Decimal("0"))
    assert matchup_paragraphs(matchup(usage=free))[1].endswith("; Owl Alpha is free.")
    unlisted = Priced("Owl Alpha", 1, 10**12)
    assert matchup_paragraphs(matchup(usage=unlisted))[1].endswith("; Owl Alpha's price is not in the catalogue.")


def test_write_post_adds_the_section_before_the_sources_and_attributes_the_raw_board():
    weeks = article_weeks()
    plain = write_post(weeks)
    assert [s.heading for s in plain.sections][-1] == "Sources"
    assert HEADING not in [s.heading for s in plain.sections]
    post = write_post(weeks, matchup=matchup(board=RAW))
    headings = [s.heading for s in post.sections]
    assert headings[-2:] == [HEADING, "Sources"]
    assert headings[:-1] == [*[s.heading for s in plain.sections][:-1], HEADING]
    sources = post.sections[-1].paragraphs
    assert sources[: len(plain.sections[-1].paragraphs)] == plain.sections[-1].paragraphs
    assert sources[-1] == (
        "Source: Arena (lmarena-ai/leaderboard-dataset on Hugging Face), as of 2026-04-30 "
        "(Arena Text (no style control); CC BY 4.0)."
    )
    assert (post.guid, post.title, post.lead) == (plain.guid, plain.title, plain.lead)


def test_golden_post_with_the_section():
    text = render(write_post(article_weeks(), matchup=matchup()))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
