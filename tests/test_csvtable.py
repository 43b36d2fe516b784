"""The tracker's own CSV table format (DESIGN.md): headers, suffixed token counts, dates, errors."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from datetime import date

import pytest

from tracker.cli import main
from tracker.models import LayoutError, RankKind, UsageError
from tracker.sources import detect_ranking_format
from tracker.sources.csvtable import parse, sniff
from tracker.units import parse_tokens

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


def test_the_date_is_required_and_its_absence_is_a_usage_error():
    # The same file imports once dated: its layout did not change, so it is no failed capture (exit 65).
    with pytest.raises(UsageError, match="--as-of") as raised:
        parse(b"rank,model,tokens\n1,a,1B\n", board="openrouter-weekly", as_of=None)
    assert not isinstance(raised.value, LayoutError)


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


ARENA = [["rank", "model", "score", "votes", "ci_low", "ci_high", "change_pct"]] + [
    [str(i), f"m{i}", str(1500 - i), "100", str(1490 - i), str(1510 - i), ""] for i in range(1, 6)
]


def arena_table(column: str = "", value: str = "") -> bytes:
    """The five-row Arena table above, with `column` of its second row (file line 3) set to `value`."""
    rows = [list(row) for row in ARENA]
    if column:
        rows[2][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize("column", ["score", "ci_low", "ci_high", "change_pct"])
@pytest.mark.parametrize("value", ["inf", "-infinity", "nan", "NaN", "+Inf"])
def test_numbers_that_are_not_finite_are_layout_errors_naming_line_and_column(column, value):
    said = f"csv: line 3, column {column}: {value!r} is not valid (not a finite number)"
    with pytest.raises(LayoutError, match=re.escape(said)):
        parse(arena_table(column, value), board="arena-text", as_of=AS_OF)


@pytest.mark.parametrize("value", ["0", "-1", "1K", "1,000", "1.0", "+2", "two"])
def test_ranks_are_plain_whole_numbers_from_one(value):
    said = f"csv: line 3, column rank: {value!r} is not valid (a rank is a plain whole number from 1)"
    with pytest.raises(LayoutError, match=re.escape(said)):
        parse(arena_table("rank", value), board="arena-text", as_of=AS_OF)


def test_a_rank_may_have_blanks_around_it():
    (snap,) = parse(arena_table("rank", " 2 "), board="arena-text", as_of=AS_OF)
    assert [e.rank for e in snap.entries] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("value", ["5 B", "1,2,3,4", "12,34", "1234,567", "1_000", "1,,234"])
def test_loose_token_cells_are_layout_errors(value):
    body = f'rank,model,tokens\n1,a,"{value}"\n'.encode()
    said = f"csv: line 2, column tokens: {value!r} is not valid (not a token count: {value!r})"
    with pytest.raises(LayoutError, match=re.escape(said)):
        parse(body, board="openrouter-weekly", as_of=AS_OF)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("3290000000000", 3_290_000_000_000),
        ("3.29T", 3_290_000_000_000),
        ("609B", 609_000_000_000),
        ("12.3M", 12_300_000),
        ("950K", 950_000),
        ("1,234", 1234),
        ("3,010,000,000,000", 3_010_000_000_000),
        ("1,234.5K", 1_234_500),
        ("609b", 609_000_000_000),
        (" 609B ", 609_000_000_000),
        (42, 42),
    ],
)
def test_parse_tokens_reads_the_forms_design_lists(text, tokens):
    assert parse_tokens(text) == tokens


@pytest.mark.parametrize("text", ["5 B", "1,2,3,4", "12,34", "1234,567", ",123", "1,234,", "1_000", "5BB", "", "inf"])
def test_parse_tokens_refuses_loose_grouping_and_a_spaced_suffix(text):
    with pytest.raises(ValueError, match="not a token count"):
        parse_tokens(text)


def run(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, *args])


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("score", "inf", "not a finite number"),
        ("change_pct", "nan", "not a finite number"),
        ("rank", "0", "a rank is a plain whole number from 1"),
        ("rank", "1K", "a rank is a plain whole number from 1"),
        ("votes", "-5", "has negative votes (-5)"),
        ("ci_low", "1600", "low end 1600.0 is above its high end 1508.0"),
    ],
)
def test_import_refuses_a_table_that_cannot_be_true_and_stores_nothing(db_url, tmp_path, capsys, column, value, said):
    table = tmp_path / "board.csv"
    table.write_bytes(arena_table(column, value))
    assert run(db_url, "import", "--board", "arena-text", "--as-of", "2026-05-01", str(table)) == 65
    assert said in capsys.readouterr().err
    assert run(db_url, "show", "--board", "arena-text") == 2  # no snapshot to show


def test_import_without_a_date_is_a_usage_error_and_imports_once_dated(db_url, tmp_path, capsys):
    table = tmp_path / "board.csv"
    table.write_bytes(arena_table())
    assert run(db_url, "import", "--board", "arena-text", str(table)) == 2
    assert "give one with --as-of" in capsys.readouterr().err
    assert run(db_url, "import", "--board", "arena-text", "--as-of", "2026-05-01", str(table)) == 0
    capsys.readouterr()
    assert run(db_url, "show", "--board", "arena-text", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["rank"] for e in shown["entries"]] == [1, 2, 3, 4, 5]
