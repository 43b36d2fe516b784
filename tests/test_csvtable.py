"""The tracker's own CSV table format (DESIGN.md): headers, suffixed token counts, dates, errors."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from tracker.models import LayoutError, RankKind
from tracker.sources import detect_ranking_format
from tracker.sources.csvtable import parse, sniff

AS_OF = date(2026, 5, 3)


def test_tokens_with_suffixes_come_out_as_exact_integers():
    body = (
        b"Rank,Model,Tokens,Change_Pct,Prompt_Tokens,Completion_Tokens,Model_ID,Notes\n"
        b"1,DeepSeek V4 Flash,3.29T,99,3T,290B,deepseek/v4-flash,fast\n"
        b'2,Hy3 preview,"3,010,000,000,000",,,,,\n'
        b"3,Gemini 2.5 Flash Lite,609B,33.5,,,,\n"
        b"4,Small,12.3M,,,,,\n"
        b"5,Tiny,950K,,,,,\n"
    )
    assert sniff(body, "week.csv")
    (snap,) = parse(body, board="openrouter-weekly", as_of=AS_OF)
    assert [e.tokens for e in snap.entries] == [
        3_290_000_000_000,
        3_010_000_000_000,
        609_000_000_000,
        12_300_000,
        950_000,
    ]
    assert all(type(e.tokens) is int for e in snap.entries)
    first = snap.entries[0]
    assert (first.model_id, first.model, first.rank, first.rank_kind) == (
        "deepseek/v4-flash",
        "DeepSeek V4 Flash",
        1,
        RankKind.BY_VALUE,
    )
    assert (first.prompt_tokens, first.completion_tokens, first.change) == (3 * 10**12, 290 * 10**9, 0.99)
    assert snap.entries[1].model_id == "Hy3 preview"  # no model_id: the name is the key
    assert (snap.as_of, snap.window_start, snap.window_end) == (AS_OF, date(2026, 4, 27), AS_OF)


def test_arena_board_reads_scores_votes_and_ci():
    body = 'rank,model,score,votes,ci_low,ci_high,organization\n1,claude-opus,1502.4,"20,192",1497,1507,Anthropic\n'
    (snap,) = parse(body.encode(), board="arena-text", as_of=AS_OF)
    e = snap.entries[0]
    assert (e.score, e.votes, e.ci_low, e.ci_high, e.organization) == (1502.4, 20192, 1497.0, 1507.0, "Anthropic")
    assert snap.window_start is None


def test_the_date_is_required():
    with pytest.raises(LayoutError, match="--as-of"):
        parse(b"rank,model,tokens\n1,a,1B\n", board="openrouter-weekly", as_of=None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"rank,model,score\n1,a,1500\n", "missing column"),  # a score table is not a usage table
        (b"", "empty"),
        (b"rank,model,tokens\n", "no rows"),
        (b"rank,model,tokens\n1,a,1.5B,extra\n", "cells"),
        (b"rank,model,tokens\n1,a,lots\n", "not valid"),
        (b"rank,model,tokens\n1,,5B\n", "no model name"),
        (b"rank,model,tokens\n1,a,1.2345K\n", "not valid"),
    ],
)
def test_bad_tables_are_layout_errors(body, message):
    with pytest.raises(LayoutError, match=message):
        parse(body, board="openrouter-weekly", as_of=AS_OF)


def test_bom_and_names_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Élan 4")
    body = ("\ufeffrank,model,tokens\n1," + decomposed + ",5B\n2,星河 2 🙂,4B\n3,a\u2011b,3B\n").encode()
    (snap,) = parse(body, board="openrouter-weekly", as_of=AS_OF)
    assert [e.model for e in snap.entries] == ["Élan 4", "星河 2 🙂", "a\u2011b"]
    assert unicodedata.is_normalized("NFC", snap.entries[0].model)


def test_detection_prefers_upstream_formats_and_finds_ours():
    ours = b"rank,model,tokens,comment\n1,a,5B,x\n"
    assert detect_ranking_format(ours, "mine.csv", "openrouter-weekly").name == "csv"
    legacy = (
        b"rank,model,arena_elo,95_pct_ci,votes,organization,license,knowledge_cutoff,url\n"
        b"1,A,1287,+3/-3,42046,O,P,2023/10,u\n"
    )
    assert detect_ranking_format(legacy, "old.csv", "arena-text-raw").name == "legacy-csv"
