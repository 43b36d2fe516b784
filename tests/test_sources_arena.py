"""All Arena formats together: the registry, sniffing, and what every parser must do with bad input.

Each format gets a small hand-made sample built here from the same four names, so one set of tests
proves for every parser: names come out NFC and intact, a BOM is ignored, an empty, truncated or
table-less body is a LayoutError (never an empty list), and `sniff` claims only its own format.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from tracker.models import LayoutError
from tracker.sources.arena import FORMATS

# U+2011 non-breaking hyphen, CJK, an emoji outside the BMP, and "é" written decomposed (e + U+0301).
NAMES = ["GPT\u20115 Turbo", "通义千问-Max", "Rocket 🚀 Chat", "Cafe\u0301 LM"]
NFC_NAMES = [unicodedata.normalize("NFC", n) for n in NAMES]
DAY = date(2025, 6, 1)

REAL_CAPTURES = {
    "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json": "hf-rows",
    "arena/arena-overview-rsc-webdev-excerpt-2026-09-26.txt": "arena-page",
    "arena/lmarena-text-gradio-pagesource-2025-03-28.html": "gradio-page",
    "arena/hfspace-text-gradio-table-2024-06-19.csv": "legacy-csv",
    "arena/hfspace-text-gradio-table-2024-10-16.csv": "legacy-csv",
    "arena/hfspace-text-gradio-table-2025-07-18.csv": "legacy-csv",
    "arena/arena-catalog-text-style-control-2025-03-07.json": "arena-catalog",
    "arena/lmarena-text-htmltable-history-excerpt-2025-11-09.csv": "html-table-csv",
}


def hf_rows(names: list[str]) -> bytes:
    rows = [
        {
            "row_idx": i,
            "row": {
                "model_name": n,
                "organization": n,
                "rating": 1500.0 - i,
                "rating_lower": 1490.0 - i,
                "rating_upper": 1510.0 - i,
                "vote_count": 100.0,
                "rank": float(i + 1),
                "category": "overall",
                "leaderboard_publish_date": "2025-06-01",
            },
            "truncated_cells": [],
        }
        for i, n in enumerate(names)
    ]
    page = {
        "features": [{"feature_idx": i, "name": c} for i, c in enumerate(rows[0]["row"])],
        "rows": rows,
        "num_rows_total": len(rows),
        "num_rows_per_page": 100,
        "partial": False,
    }
    doc = {"dataset": "lmarena-ai/leaderboard-dataset", "split": "latest", "configs": {"webdev": [page]}}
    return json.dumps(doc, ensure_ascii=False).encode()


def _rsc_payload(names: list[str], section_id: str = "webdev") -> str:
    entries = [
        {
            "rank": i + 1,
            "rankUpper": i + 1,
            "rankLower": i + 2,
            "modelKey": n,
            "modelDisplayName": n,
            "rating": 1500.0 - i,
            "ratingUpper": 1509.0 - i,
            "ratingLower": 1491.0 - i,
            "votes": 50,
            "modelOrganization": n,
        }
        for i, n in enumerate(names)
    ]
    section = {
        "id": section_id,
        "label": "Best",
        "scoreUnit": "rating",
        "agentPareto": None,
        "entries": entries,
    }
    return "3:" + json.dumps(["$", "div", None, {"sections": [section]}], ensure_ascii=False) + "\n"


def arena_page(names: list[str], section_id: str = "webdev") -> bytes:
    text = _rsc_payload(names, section_id)
    pushes = "".join(
        f"<script>self.__next_f.push({json.dumps([1, text[i : i + 120]], ensure_ascii=False)})</script>"
        for i in range(0, len(text), 120)
    )
    return f"<!DOCTYPE html><html><body>{pushes}</body></html>".encode()


def arena_excerpt(names: list[str]) -> bytes:
    # ASCII-only, as in the real excerpt: non-ASCII as \u escapes (the emoji as a surrogate pair).
    return json.dumps(_rsc_payload(names))[1:-1].encode()


def gradio_page(names: list[str], *, table: bool = True) -> bytes:
    headers = ["Rank* (UB)", "Model", "Arena Score", "95% CI", "Votes", "Organization"]
    rows = [[i + 1, f'<a href="https://x.test/">{n}</a>', 1400 - i, "+3/-4", 10, n] for i, n in enumerate(names)]
    frame = {
        "id": 3,
        "type": "dataframe",
        "props": {"elem_id": "arena_leaderboard_dataframe", "value": {"headers": headers, "data": rows}},
    }
    components = [
        {"id": 1, "type": "tabitem", "props": {"label": "💬 Language"}},
        {"id": 2, "type": "markdown", "props": {"value": "Last updated: 2025-06-01."}},
        *([frame] if table else []),
    ]
    layout = {"id": 0, "children": [{"id": 1, "children": [{"id": 2}, {"id": 3}]}]}
    config = json.dumps({"components": components, "layout": layout}, ensure_ascii=False)
    return f"<html><head><script>window.gradio_config = {config};</script></head></html>".encode()


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def legacy_csv(names: list[str]) -> bytes:
    header = ["rank", "rank_stylectrl", "model", "arena_score", "95_pct_ci", "votes", "organization", "url"]
    return _csv(header, [[i + 1, i + 1, n, 1300 - i, "+5/-5", 77, n, "https://x.test"] for i, n in enumerate(names)])


def html_table_csv(names: list[str]) -> bytes:
    header = ["date", "rank", "model", "score", "ci95", "votes", "organization", "license"]
    return _csv(header, [["2025-06-01", i + 1, n, 1300 - i, "±5", "1,234", n, "MIT"] for i, n in enumerate(names)])


def arena_catalog(names: list[str]) -> bytes:
    full = {
        n: {"rating": 1300.0 - i, "rating_q975": 1305.0 - i, "rating_q025": 1295.0 - i} for i, n in enumerate(names)
    }
    return json.dumps({"full": full}, ensure_ascii=False).encode()


def cut_csv(body: bytes) -> bytes:
    """The body cut inside its last row, after that row's second cell."""
    start = body.rstrip(b"\n").rfind(b"\n") + 1
    last = body[start:]
    return body[: start + last.index(b",", last.index(b",") + 1)]


def cut_half(body: bytes) -> bytes:
    return body[: len(body) // 2]


@dataclass(frozen=True)
class Sample:
    fmt: str
    board: str
    build: Callable[[list[str]], bytes]
    truncate: Callable[[bytes], bytes] | None  # None: a cut body of this kind is still parsed (excerpt)
    no_table: bytes
    key_field: str = "model_id"  # where the names land besides `model`


SAMPLES = {
    "hf-rows": Sample("hf-rows", "arena-webdev", hf_rows, cut_half, b'{"error": "Not found"}'),
    "arena-page": Sample(
        "arena-page", "arena-webdev", arena_page, cut_half, arena_page(["x"], section_id="best-agents")
    ),
    "arena-page-excerpt": Sample("arena-page", "arena-webdev", arena_excerpt, None, b'\\"id\\":\\"other\\"'),
    "gradio-page": Sample("gradio-page", "arena-text-raw", gradio_page, cut_half, gradio_page(["x"], table=False)),
    "legacy-csv": Sample("legacy-csv", "arena-text-raw", legacy_csv, cut_csv, b"name,value\nx,1\n"),
    "html-table-csv": Sample("html-table-csv", "arena-text", html_table_csv, cut_csv, b"name,value\nx,1\n"),
    "arena-catalog": Sample("arena-catalog", "arena-text", arena_catalog, cut_half, b'{"coding": {}}'),
}
FORMAT_BY_NAME = {f.name: f for f in FORMATS}
CHALLENGE = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking</body></html>"


def parse(sample: Sample, body: bytes) -> list[Any]:
    return list(FORMAT_BY_NAME[sample.fmt].parse(body, board=sample.board, as_of=DAY))


def test_registry_lists_the_six_formats_with_their_boards():
    assert {f.name: f.boards for f in FORMATS} == {
        "hf-rows": ("arena-text", "arena-text-raw", "arena-webdev"),
        "arena-page": ("arena-text", "arena-webdev"),
        "gradio-page": ("arena-text-raw",),
        "legacy-csv": ("arena-text-raw",),
        "arena-catalog": ("arena-text", "arena-text-raw"),
        "html-table-csv": ("arena-text",),
    }
    assert all(f.description for f in FORMATS)


@pytest.mark.fixtures
@pytest.mark.parametrize(("path", "expected"), sorted(REAL_CAPTURES.items()))
@pytest.mark.parametrize("use_name", [True, False], ids=["with-filename", "content-only"])
def test_each_real_capture_is_claimed_by_its_own_format_only(fixture_bytes, path, expected, use_name):
    body = fixture_bytes(path)
    filename = path.rsplit("/", 1)[-1] if use_name else "capture.bin"
    assert [f.name for f in FORMATS if f.sniff(body, filename)] == [expected]


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_each_sample_is_claimed_by_its_own_format_only(key):
    sample = SAMPLES[key]
    body = sample.build(NAMES)
    assert [f.name for f in FORMATS if f.sniff(body, "x")] == [sample.fmt]
    assert [f.name for f in FORMATS if f.sniff(b"\xef\xbb\xbf" + body, "x")] == [sample.fmt]


def test_no_arena_format_claims_the_generic_csv_or_a_challenge_page():
    generic = b"rank,model,score,votes\n1,a,1200,10\n"
    assert [f.name for f in FORMATS if f.sniff(generic, "table.csv")] == []
    assert [f.name for f in FORMATS if f.sniff(CHALLENGE, "page.html")] == []


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_names_come_out_nfc_and_intact(key):
    sample = SAMPLES[key]
    (snap,) = parse(sample, sample.build(NAMES))
    assert [e.model for e in snap.entries] == NFC_NAMES
    assert [e.model_id for e in snap.entries] == NFC_NAMES
    assert "\u2011" in snap.entries[0].model  # NFC keeps the non-breaking hyphen (NFKC would not)
    assert snap.entries[3].model == "Caf\u00e9 LM"
    if key not in ("legacy-csv", "arena-catalog"):
        assert all(e.organization is None or e.organization in NFC_NAMES for e in snap.entries)
    assert [e.rank for e in snap.entries] == [1, 2, 3, 4]


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_a_bom_changes_nothing(key):
    sample = SAMPLES[key]
    body = sample.build(NAMES)
    assert parse(sample, b"\xef\xbb\xbf" + body) == parse(sample, body)


@pytest.mark.parametrize("key", sorted(SAMPLES))
@pytest.mark.parametrize("body", [b"", b" \r\n\t", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom-only"])
def test_an_empty_body_is_a_layout_error(key, body):
    with pytest.raises(LayoutError, match="empty"):
        parse(SAMPLES[key], body)


@pytest.mark.parametrize("key", sorted(k for k, s in SAMPLES.items() if s.truncate))
def test_a_truncated_body_is_a_layout_error(key):
    sample = SAMPLES[key]
    assert sample.truncate is not None
    with pytest.raises(LayoutError):
        parse(sample, sample.truncate(sample.build(NAMES)))


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_a_body_without_the_table_is_a_layout_error(key):
    sample = SAMPLES[key]
    with pytest.raises(LayoutError):
        parse(sample, sample.no_table)
    with pytest.raises(LayoutError):
        parse(sample, CHALLENGE)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_a_body_that_is_not_utf8_is_a_layout_error(key):
    sample = SAMPLES[key]
    body = sample.build(NAMES)
    body = body[:12] + b"\xff\xfe" + body[12:]
    with pytest.raises(LayoutError, match="UTF-8"):
        parse(sample, body)
