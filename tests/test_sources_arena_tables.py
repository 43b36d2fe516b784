"""legacy-csv, html-table-csv and arena-catalog: the smaller legacy Arena formats, real files and samples."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from tracker.models import LayoutError, RankKind, UsageError
from tracker.sources.arena import catalog_json, html_table_csv, legacy_csv

LEGACY = {
    "2024-06-19": "arena/hfspace-text-gradio-table-2024-06-19.csv",
    "2024-10-16": "arena/hfspace-text-gradio-table-2024-10-16.csv",
    "2025-07-18": "arena/hfspace-text-gradio-table-2025-07-18.csv",
}
HTML_TABLE = "arena/lmarena-text-htmltable-history-excerpt-2025-11-09.csv"
CATALOG = "arena/arena-catalog-text-style-control-2025-03-07.json"


def data_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.fixtures
@pytest.mark.parametrize("day", sorted(LEGACY))
def test_real_legacy_tables_keep_every_row_in_rank_order(fixture_bytes, day):
    body = fixture_bytes(LEGACY[day])
    (snap,) = legacy_csv.parse(body, board="arena-text-raw", as_of=date.fromisoformat(day))
    rows = data_rows(body)
    assert (snap.as_of, snap.method, snap.board) == (date.fromisoformat(day), "legacy-csv", "arena-text-raw")
    assert len(snap.entries) == len(rows)
    assert sorted(e.model for e in snap.entries) == sorted(r["model"] for r in rows)
    ranks = [e.rank for e in snap.entries]
    assert ranks == sorted(ranks)
    assert all(e.rank_kind is RankKind.UPPER_BOUND for e in snap.entries)
    score_column = "arena_elo" if "arena_elo" in rows[0] else "arena_score"
    by_model = {r["model"]: r for r in rows}
    for entry in snap.entries:
        source = by_model[entry.model]
        assert entry.rank == int(source["rank"])
        assert entry.score == float(source[score_column])
        assert entry.votes == int(source["votes"])
        high, low = source["95_pct_ci"].lstrip("+").split("/-")
        assert (entry.ci_low, entry.ci_high) == (entry.score - float(low), entry.score + float(high))


@pytest.mark.fixtures
def test_real_legacy_tops_and_ties(fixture_bytes):
    (june,) = legacy_csv.parse(fixture_bytes(LEGACY["2024-06-19"]), board="arena-text-raw", as_of=date(2024, 6, 19))
    assert [(e.model, e.rank, e.score) for e in june.entries[:3]] == [
        ("GPT-4o-2024-05-13", 1, 1287.0),
        ("Gemini-Advanced-0514", 2, 1267.0),
        ("Gemini-1.5-Pro-API-0514", 2, 1265.0),
    ]
    assert (june.entries[0].ci_low, june.entries[0].ci_high, june.entries[0].votes) == (
        1284.0,
        1290.0,
        42_046,
    )
    (october,) = legacy_csv.parse(fixture_bytes(LEGACY["2024-10-16"]), board="arena-text-raw", as_of=date(2024, 10, 16))
    assert [(e.model, e.rank) for e in october.entries[:2]] == [
        ("ChatGPT-4o-latest (2024-09-03)", 1),
        ("o1-preview", 1),
    ]
    (july,) = legacy_csv.parse(fixture_bytes(LEGACY["2025-07-18"]), board="arena-text-raw", as_of=date(2025, 7, 18))
    assert (july.entries[0].model, july.entries[0].score, july.entries[0].organization) == (
        "Gemini-2.5-Pro",
        1474.0,
        "Google",
    )


@pytest.mark.fixtures
def test_real_legacy_table_needs_a_date_and_is_raw_only(fixture_bytes):
    body = fixture_bytes(LEGACY["2025-07-18"])
    with pytest.raises(LayoutError, match="--as-of"):
        legacy_csv.parse(body, board="arena-text-raw", as_of=None)
    with pytest.raises(UsageError, match="without style control"):
        legacy_csv.parse(body, board="arena-text", as_of=date(2025, 7, 18))


@pytest.mark.fixtures
def test_real_html_table_history(fixture_bytes):
    body = fixture_bytes(HTML_TABLE)
    (snap,) = html_table_csv.parse(body, board="arena-text", as_of=date(1999, 1, 1))
    assert (snap.as_of, snap.board, snap.method) == (date(2025, 11, 9), "arena-text", "html-table-csv")
    assert len(snap.entries) == len(data_rows(body)) == 223
    top = snap.entries[0]
    assert (top.model_id, top.rank, top.score, top.votes) == ("gemini-2.5-pro", 1, 1452.0, 62_764)
    assert (top.ci_low, top.ci_high) == (1448.0, 1456.0)  # "±4"
    assert [e.rank for e in snap.entries[:3]] == [1, 1, 1]
    ranks = [e.rank for e in snap.entries]
    assert ranks == sorted(ranks)  # the site lists by score; entries come in rank order
    assert {e.model_id for e in snap.entries} == {r["model"] for r in data_rows(body)}


@pytest.mark.fixtures
def test_real_catalog_full_category(fixture_bytes):
    (snap,) = catalog_json.parse(fixture_bytes(CATALOG), board="arena-text", as_of=date(2025, 3, 7))
    doc = json.loads(fixture_bytes(CATALOG))
    assert (snap.as_of, snap.method) == (date(2025, 3, 7), "arena-catalog")
    assert len(snap.entries) == len(doc["full"]) == 204
    best = max(doc["full"], key=lambda k: doc["full"][k]["rating"])
    top = snap.entries[0]
    assert (top.model_id, top.rank, top.rank_kind) == (best, 1, RankKind.BY_VALUE)
    assert (top.ci_low, top.ci_high) == (doc["full"][best]["rating_q025"], doc["full"][best]["rating_q975"])
    scores = [e.score for e in snap.entries]
    assert scores == sorted(scores, reverse=True)
    assert [e.rank for e in snap.entries] == list(range(1, 205))  # no equal ratings in this file
    with pytest.raises(LayoutError, match="--as-of"):
        catalog_json.parse(fixture_bytes(CATALOG), board="arena-text", as_of=None)


def test_catalog_equal_ratings_share_a_rank():
    doc = {
        "full": {
            "zeta": {"rating": 1300.0, "rating_q975": 1310.0, "rating_q025": 1290.0},
            "alpha": {"rating": 1300.0, "rating_q975": 1305.0, "rating_q025": 1295.0},
            "top": {"rating": 1350.5, "rating_q975": 1360.0, "rating_q025": 1340.0},
            "last": {"rating": 1200.0, "rating_q975": 1210.0, "rating_q025": 1190.0},
        },
        "coding": {"other": {"rating": 2000.0, "rating_q975": 2010.0, "rating_q025": 1990.0}},
    }
    (snap,) = catalog_json.parse(json.dumps(doc).encode(), board="arena-text-raw", as_of=date(2025, 1, 1))
    assert [(e.model_id, e.rank) for e in snap.entries] == [
        ("top", 1),
        ("alpha", 2),
        ("zeta", 2),
        ("last", 4),
    ]


def test_catalog_missing_category_or_rating():
    with pytest.raises(LayoutError, match=r"'full' is missing.*coding"):
        catalog_json.parse(b'{"coding": {"m": {"rating": 1}}}', board="arena-text", as_of=date(2025, 1, 1))
    with pytest.raises(LayoutError, match="rating of 'm'"):
        catalog_json.parse(b'{"full": {"m": {"rating_q975": 1}}}', board="arena-text", as_of=date(2025, 1, 1))
    with pytest.raises(LayoutError, match="not an object of categories"):
        catalog_json.parse(b"[1, 2]", board="arena-text", as_of=date(2025, 1, 1))


HISTORY = """date,rank,model,score,ci95,votes,organization,license
2025-11-09,1,new-top,1452,±4,"62,764",Google,Proprietary
2025-11-09,3,new-third,1440,±6,"1,002",OpenAI,Proprietary
2025-11-09,2,new-second,1441,+5/-6,999,Anthropic,Proprietary
2025-11-02,1,old-top,1450,±3,"60,000",Google,Proprietary
"""


def test_html_table_one_snapshot_per_date_oldest_first():
    old, new = html_table_csv.parse(HISTORY.encode(), board="arena-text", as_of=None)
    assert (old.as_of, [e.model_id for e in old.entries]) == (date(2025, 11, 2), ["old-top"])
    assert new.as_of == date(2025, 11, 9)
    assert [(e.model_id, e.rank, e.votes) for e in new.entries] == [
        ("new-top", 1, 62_764),
        ("new-second", 2, 999),
        ("new-third", 3, 1_002),
    ]
    assert (new.entries[1].ci_low, new.entries[1].ci_high) == (1435.0, 1446.0)


def test_html_table_bad_cells_fail():
    with pytest.raises(LayoutError, match="date of data row 1"):
        html_table_csv.parse(HISTORY.replace("2025-11-09", "9 Nov 2025", 1).encode(), board="arena-text", as_of=None)
    with pytest.raises(LayoutError, match="votes of data row 1"):
        html_table_csv.parse(HISTORY.replace('"62,764"', '"62.764.1"').encode(), board="arena-text", as_of=None)
    with pytest.raises(LayoutError, match="score of data row 2"):
        html_table_csv.parse(HISTORY.replace("1440", "").encode(), board="arena-text", as_of=None)


def test_legacy_table_requires_its_columns():
    with pytest.raises(LayoutError, match="arena_score or arena_elo"):
        legacy_csv.parse(b"rank,model,elo\n1,a,1200\n", board="arena-text-raw", as_of=date(2024, 1, 1))
    with pytest.raises(LayoutError, match="header but no rows"):
        legacy_csv.parse(b"rank,model,arena_score,95_pct_ci\n\n", board="arena-text-raw", as_of=date(2024, 1, 1))


def test_duplicate_models_are_kept_for_validation_to_judge():
    body = b"rank,model,arena_score,95_pct_ci,votes\n1,Same,1300,+1/-1,5\n2,Same,1290,+1/-1,6\n"
    (snap,) = legacy_csv.parse(body, board="arena-text-raw", as_of=date(2024, 1, 1))
    assert [(e.model_id, e.rank) for e in snap.entries] == [("Same", 1), ("Same", 2)]
