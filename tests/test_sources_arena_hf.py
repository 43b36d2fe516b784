"""hf-rows: the datasets-server JSON of lmarena-ai/leaderboard-dataset, on the real capture and on samples."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tracker.models import LayoutError, RankKind, UsageError
from tracker.sources.arena import hf_rows

REAL = "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json"
COLUMNS = (
    "model_name",
    "organization",
    "license",
    "rating",
    "rating_lower",
    "rating_upper",
    "variance",
    "vote_count",
    "rank",
    "category",
    "leaderboard_publish_date",
)


def row(name: str, rank: float, rating: float, *, category: str = "overall", day: str = "2026-04-23") -> dict[str, Any]:
    return {
        "model_name": name,
        "organization": "acme",
        "license": "Proprietary",
        "rating": rating,
        "rating_lower": rating - 5,
        "rating_upper": rating + 6,
        "variance": 2.0,
        "vote_count": 1234.0,
        "rank": rank,
        "category": category,
        "leaderboard_publish_date": day,
    }


def page(rows: list[dict[str, Any]], *, first: int = 0, total: int | None = None) -> dict[str, Any]:
    return {
        "features": [{"feature_idx": i, "name": c, "type": {"_type": "Value"}} for i, c in enumerate(COLUMNS)],
        "rows": [{"row_idx": first + i, "row": r, "truncated_cells": []} for i, r in enumerate(rows)],
        "num_rows_total": len(rows) if total is None else total,
        "num_rows_per_page": 100,
        "partial": False,
    }


def wrapper(configs: dict[str, list[dict[str, Any]]]) -> bytes:
    # Written the way the collector writes it: compact, keys sorted, UTF-8.
    doc = {"dataset": hf_rows.DATASET, "split": "latest", "configs": configs}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


THREE = [row("b-model", 2.0, 1490.5), row("a-model", 1.0, 1500.25), row("c-model", 3.0, 1480.0)]


@pytest.mark.fixtures
def test_real_capture_text_config_is_the_raw_board(fixture_bytes):
    (snap,) = hf_rows.parse(fixture_bytes(REAL), board="arena-text-raw", as_of=None)
    assert snap.board == "arena-text-raw"
    assert snap.method == "hf-rows"
    assert snap.as_of == date(2026, 4, 23)
    assert len(snap.entries) == 347
    top = snap.entries[0]
    assert (top.model_id, top.rank, top.rank_kind) == ("claude-opus-4-6-thinking", 1, RankKind.ORDINAL)
    assert round(top.score, 2) == 1500.26
    assert top.votes == 20_192
    assert top.ci_low < top.score < top.ci_high
    assert [e.rank for e in snap.entries] == list(range(1, 348))
    assert len({e.model_id for e in snap.entries}) == 347


@pytest.mark.fixtures
def test_real_capture_webdev(fixture_bytes):
    (snap,) = hf_rows.parse(fixture_bytes(REAL), board="arena-webdev", as_of=date(2000, 1, 1))
    assert snap.as_of == date(2026, 4, 23)  # the capture's own date wins over the argument
    assert len(snap.entries) == 65
    assert snap.entries[0].model_id == "claude-opus-4-7-thinking"
    assert round(snap.entries[0].score, 2) == 1572.44
    assert all(isinstance(e.votes, int) for e in snap.entries)


@pytest.mark.fixtures
def test_real_capture_has_no_style_controlled_config(fixture_bytes):
    with pytest.raises(LayoutError, match="text_style_control"):
        hf_rows.parse(fixture_bytes(REAL), board="arena-text", as_of=None)


def test_wrapper_config_per_board_and_rank_order():
    body = wrapper({"text_style_control": [page(THREE)], "text": [page([row("raw-only", 1.0, 1400.0)])]})
    (snap,) = hf_rows.parse(body, board="arena-text", as_of=None)
    assert [e.model_id for e in snap.entries] == ["a-model", "b-model", "c-model"]
    assert [e.rank for e in snap.entries] == [1, 2, 3]
    first = snap.entries[0]
    assert (first.score, first.ci_low, first.ci_high, first.votes) == (1500.25, 1495.25, 1506.25, 1234)
    assert first.model == "a-model"
    assert first.organization == "acme"
    (raw,) = hf_rows.parse(body, board="arena-text-raw", as_of=None)
    assert [e.model_id for e in raw.entries] == ["raw-only"]


def test_single_page_and_list_of_pages_feed_the_named_board():
    single = json.dumps(page(THREE)).encode()
    (snap,) = hf_rows.parse(single, board="arena-webdev", as_of=None)
    assert snap.board == "arena-webdev"
    assert len(snap.entries) == 3
    pages = [page(THREE[:2], total=3), page(THREE[2:], first=2, total=3)]
    (listed,) = hf_rows.parse(json.dumps(pages).encode(), board="arena-text", as_of=None)
    assert [e.model_id for e in listed.entries] == ["a-model", "b-model", "c-model"]


def test_only_the_overall_category_counts():
    rows = [*THREE, row("coding-star", 1.0, 1600.0, category="coding")]
    (snap,) = hf_rows.parse(json.dumps(page(rows)).encode(), board="arena-text", as_of=None)
    assert "coding-star" not in {e.model_id for e in snap.entries}
    no_overall = json.dumps(page([row("x", 1.0, 1.0, category="coding")])).encode()
    with pytest.raises(LayoutError, match="overall"):
        hf_rows.parse(no_overall, board="arena-text", as_of=None)


def test_pages_that_cover_fewer_rows_than_announced_are_a_truncated_capture():
    body = wrapper({"webdev": [page(THREE[:2], total=3)]})
    with pytest.raises(LayoutError, match=r"truncated capture.*2 of the 3"):
        hf_rows.parse(body, board="arena-webdev", as_of=None)


def test_overlapping_pages_count_a_row_once_and_pages_must_agree():
    overlapping = [page(THREE[:2], total=3), page(THREE[1:], first=1, total=3)]
    (snap,) = hf_rows.parse(json.dumps(overlapping).encode(), board="arena-text", as_of=None)
    assert len(snap.entries) == 3
    disagree = [page(THREE[:2], total=3), page(THREE[2:], first=2, total=4)]
    with pytest.raises(LayoutError, match="disagree"):
        hf_rows.parse(json.dumps(disagree).encode(), board="arena-text", as_of=None)


def test_full_split_gives_one_snapshot_per_publish_date_oldest_first():
    rows = [
        row("new-a", 1.0, 1510.0, day="2026-04-23"),
        row("old-a", 1.0, 1490.0, day="2026-04-09"),
        row("new-b", 2.0, 1500.0, day="2026-04-23"),
    ]
    snaps = hf_rows.parse(json.dumps(page(rows)).encode(), board="arena-text", as_of=None)
    assert [(s.as_of, [e.model_id for e in s.entries]) for s in snaps] == [
        (date(2026, 4, 9), ["old-a"]),
        (date(2026, 4, 23), ["new-a", "new-b"]),
    ]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.pop("rating"), "rating"),
        (lambda r: r.update(model_name=""), "model_name"),
        (lambda r: r.update(rank=1.5), "rank"),
        (lambda r: r.update(leaderboard_publish_date="23/04/2026"), "leaderboard_publish_date"),
    ],
)
def test_a_missing_or_bad_required_field_fails_the_capture(mutate, message):
    rows = [dict(r) for r in THREE]
    mutate(rows[1])
    with pytest.raises(LayoutError, match=message):
        hf_rows.parse(json.dumps(page(rows)).encode(), board="arena-text", as_of=None)


def test_missing_columns_partial_index_and_truncated_cells_fail():
    no_rating = page(THREE)
    no_rating["features"] = [f for f in no_rating["features"] if f["name"] != "rating"]
    with pytest.raises(LayoutError, match="lacks the columns rating"):
        hf_rows.parse(json.dumps(no_rating).encode(), board="arena-text", as_of=None)
    partial = page(THREE) | {"partial": True}
    with pytest.raises(LayoutError, match="partial"):
        hf_rows.parse(json.dumps(partial).encode(), board="arena-text", as_of=None)
    cut = page(THREE)
    cut["rows"][0]["truncated_cells"] = ["model_name"]
    with pytest.raises(LayoutError, match="truncated cells"):
        hf_rows.parse(json.dumps(cut).encode(), board="arena-text", as_of=None)


def test_not_a_rows_page_and_another_dataset_fail():
    with pytest.raises(LayoutError, match="no datasets-server rows page"):
        hf_rows.parse(b'{"error": "The dataset does not exist."}', board="arena-text", as_of=None)
    other = json.dumps({"dataset": "someone/else", "configs": {"text": [page(THREE)]}}).encode()
    with pytest.raises(LayoutError, match="someone/else"):
        hf_rows.parse(other, board="arena-text-raw", as_of=None)


def test_a_board_this_format_cannot_feed_is_a_usage_error():
    with pytest.raises(UsageError, match="openrouter-weekly"):
        hf_rows.parse(json.dumps(page(THREE)).encode(), board="openrouter-weekly", as_of=None)
