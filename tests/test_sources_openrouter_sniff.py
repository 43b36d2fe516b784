"""Each OpenRouter format claims its own captures and samples, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.models import LayoutError
from tracker.sources.openrouter import CATALOG_FORMATS, FORMATS

SAMPLES = Path(__file__).parent / "samples" / "openrouter"

# file -> the one format that must claim it (None: no format may claim it)
OWNERS = {
    "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv": "openrouter-dataapi-csv",
    "openrouter/rankings-daily-export-sample-2026-10-08.csv": "openrouter-export-csv",
    "openrouter/rankings-models-week-2026-08-01.json": "openrouter-frontend-week",
    "openrouter/rankings-models-week-2026-08-02.json": "openrouter-frontend-week",
    "openrouter/rankings-weekly-charts-2026-08-02.json": "openrouter-weekly-chart",
    "openrouter/rankings-weekly-charts-2026-09-05.json": "openrouter-weekly-chart",
    "openrouter/models-find-analytics-2025-12-11.json": "openrouter-find-analytics",
    "openrouter/models-2025-08-05.json": "openrouter-models-api",
    "openrouter/models-2026-08-01.json": "openrouter-models-api",
    "openrouter/models-2026-08-22.json": "openrouter-models-api",
    "openrouter/rankings-daily-export-manifest-2026-10-08.json": None,
    "openrouter/datasets-exports-index-2026-10-08.json": None,
    "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json": None,
    "arena/arena-catalog-text-style-control-2025-03-07.json": None,
    "arena/arena-overview-rsc-webdev-excerpt-2026-09-26.txt": None,
    "arena/hfspace-text-gradio-table-2024-06-19.csv": None,
    "arena/hfspace-text-gradio-table-2024-10-16.csv": None,
    "arena/hfspace-text-gradio-table-2025-07-18.csv": None,
    "arena/lmarena-text-gradio-pagesource-2025-03-28.html": None,
    "arena/lmarena-text-htmltable-history-excerpt-2025-11-09.csv": None,
}
SAMPLE_OWNERS = {
    "rankings-daily-dataapi-sample.json": "openrouter-dataapi-json",
    "rankings-daily-export-sample.json": "openrouter-export-json",
    "README.md": None,
}
ALL = (*FORMATS, *CATALOG_FORMATS)


def _claimants(body: bytes, name: str) -> list[str]:
    return [fmt.name for fmt in ALL if fmt.sniff(body, name)]


@pytest.mark.parametrize(("relative", "owner"), sorted(OWNERS.items()))
def test_real_captures_are_claimed_by_their_own_format_only(fixture_bytes, relative, owner):
    body = fixture_bytes(relative)
    assert _claimants(body, Path(relative).name) == ([owner] if owner else [])


@pytest.mark.parametrize(("name", "owner"), sorted(SAMPLE_OWNERS.items()))
def test_samples_are_claimed_by_their_own_format_only(name, owner):
    body = (SAMPLES / name).read_bytes()
    assert _claimants(body, name) == ([owner] if owner else [])


def test_every_format_has_a_unique_name_and_feeds_the_weekly_board():
    names = [fmt.name for fmt in ALL]
    assert len(names) == len(set(names)) == 8
    assert all(fmt.boards == ("openrouter-weekly",) for fmt in FORMATS)


@pytest.mark.parametrize("body", [b"", b"\xef\xbb\xbf", b"{", b"null", b"[]", b"\xff\xfe garbage"])
def test_nothing_claims_empty_or_garbage(body):
    assert _claimants(body, "x.json") == []


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_every_ranking_format_refuses_an_empty_body(fmt):
    with pytest.raises(LayoutError, match="empty"):
        fmt.parse(b"", board="openrouter-weekly", as_of=None)


def test_the_catalogue_format_refuses_an_empty_body():
    (fmt,) = CATALOG_FORMATS
    with pytest.raises(LayoutError, match="empty"):
        fmt.parse(b"", as_of=None)
