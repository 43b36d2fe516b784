"""arena-page: the arena.ai page payload (self.__next_f chunks), on the real excerpt and on samples."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tracker.models import LayoutError, RankKind, UsageError
from tracker.sources.arena import page_payload

REAL = "arena/arena-overview-rsc-webdev-excerpt-2026-09-26.txt"
DAY = date(2026, 9, 26)


def entry(rank: int, key: str, rating: float, *, display: str | None = None, spread: int = 1) -> dict[str, Any]:
    return {
        "rank": rank,
        "rankUpper": max(1, rank - spread),
        "rankLower": rank + spread,
        "modelKey": key,
        "modelDisplayName": display or key,
        "rating": rating,
        "ratingUpper": rating + 7,
        "ratingLower": rating - 7,
        "votes": 1000 + rank,
        "modelOrganization": "Acme",
        "modelUrl": None,
        "license": "Proprietary",
    }


def section(sid: str, entries: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    head = {"id": sid, "label": f"Best {sid}", "arenaSlug": sid, "href": f"/leaderboard/{sid}"}
    return {
        **head,
        "scoreUnit": "rating",
        "agentPareto": None,
        "liveBattles": [],
        **extra,
        "entries": entries,
    }


# An agent section first: its nested agentPareto.entries and its own entries must not be taken.
AGENT = section(
    "best-agents",
    [entry(1, "agent-one", 0.12)],
    scoreUnit="net-improvement",
    agentPareto={"costWindowDays": 14, "entries": [entry(1, "pareto-decoy", 0.2)]},
)
WEBDEV = section("webdev", [entry(1, "w-one", 1800.5), entry(2, "w-two", 1790.0), entry(3, "w-three", 1700.0)])
TEXT = section(
    "text",
    [entry(1, "t-one-key", 1502.0, display="T One"), entry(2, "t-two-key", 1500.0, display="T Two")],
)


def payload(*sections: dict[str, Any]) -> str:
    tree = ["$", "div", None, {"children": [["$", "$L5", None, {"sections": list(sections)}]]}]
    return '0:{"P":null,"b":"build"}\n7:' + json.dumps(tree, separators=(",", ":"), ensure_ascii=False) + "\n"


def rsc_page(text: str, chunk: int = 300) -> bytes:
    """A page as Next.js serves it: the payload split over many push([1, "..."]) script chunks."""
    pushes = "".join(
        "<script>self.__next_f.push("
        + json.dumps([1, text[i : i + chunk]], separators=(",", ":"), ensure_ascii=False)
        + ")</script>"
        for i in range(0, len(text), chunk)
    )
    boot = "<script>(self.__next_f=self.__next_f||[]).push([0])</script>"
    return f"<!DOCTYPE html><html><head></head><body>{boot}{pushes}</body></html>".encode()


def excerpt(text: str) -> bytes:
    """Payload text as it sits inside a push string: quotes escaped as \\" (and non-ASCII as \\u...)."""
    return json.dumps(text)[1:-1].encode()


@pytest.mark.fixtures
def test_real_excerpt_webdev_ranks_1_to_47(fixture_bytes):
    body = fixture_bytes(REAL)
    (snap,) = page_payload.parse(body, board="arena-webdev", as_of=DAY)
    assert (snap.board, snap.as_of, snap.method) == ("arena-webdev", DAY, "arena-page")
    ranks = [e.rank for e in snap.entries]
    assert ranks == list(range(1, 48))
    ratings = [e.score for e in snap.entries]
    assert ratings == sorted(ratings, reverse=True)
    assert "cut after rank 47" in snap.notes
    top = snap.entries[0]
    assert (top.model_id, top.model) == ("claude-opus-5.5-max-vertex-webdev", "claude-opus-5.5-max")
    assert top.rank_kind is RankKind.ORDINAL
    # WebDev ratings are on the Elo-like scale (the agent section before it is near 0)
    assert 1800 < top.score < 1850
    assert 1500 < snap.entries[-1].score < 1520
    assert all(e.rank_upper <= e.rank <= e.rank_lower for e in snap.entries)
    bounds = {e.rank: (e.rank_upper, e.rank_lower) for e in snap.entries}
    assert bounds[46] == (40, 49)
    assert bounds[47] == (40, 51)
    assert all(e.ci_low < e.score < e.ci_high for e in snap.entries)
    # the excerpt opens inside the agent section: none of its keys may leak in
    assert not any(e.model_id.endswith("-agent") for e in snap.entries)


@pytest.mark.fixtures
def test_real_excerpt_needs_a_date_and_has_no_text_section(fixture_bytes):
    body = fixture_bytes(REAL)
    with pytest.raises(LayoutError, match="--as-of"):
        page_payload.parse(body, board="arena-webdev", as_of=None)
    with pytest.raises(LayoutError, match='"id":"text"'):
        page_payload.parse(body, board="arena-text", as_of=DAY)


def test_full_page_text_and_webdev_sections():
    body = rsc_page(payload(AGENT, WEBDEV, TEXT))
    (text,) = page_payload.parse(body, board="arena-text", as_of=DAY)
    assert [(e.model_id, e.model, e.rank) for e in text.entries] == [
        ("t-one-key", "T One", 1),
        ("t-two-key", "T Two", 2),
    ]
    assert text.notes == "section text (Best text)"
    (webdev,) = page_payload.parse(body, board="arena-webdev", as_of=DAY)
    assert [e.model_id for e in webdev.entries] == ["w-one", "w-two", "w-three"]
    first = webdev.entries[0]
    assert (first.rank_upper, first.rank_lower, first.ci_low, first.ci_high) == (1, 2, 1793.5, 1807.5)
    assert (first.votes, first.organization) == (1001, "Acme")


def test_the_sections_own_entries_not_a_nested_entries_list():
    nested = section(
        "webdev",
        [entry(1, "own-entry", 1700.0)],
        agentPareto={"costWindowDays": 14, "entries": [entry(1, "pareto-decoy", 0.2)]},
        liveBattles=[{"modelA": {"name": "x"}, "entries": [entry(1, "battle-decoy", 1.0)]}],
    )
    (snap,) = page_payload.parse(rsc_page(payload(nested)), board="arena-webdev", as_of=DAY)
    assert [e.model_id for e in snap.entries] == ["own-entry"]


def test_escaped_excerpt_and_decoded_flight_text_give_the_same_entries():
    quoted = section("text", [*TEXT["entries"], entry(3, "q-key", 1490.0, display='The "Q" \\ Model')])
    text = payload(AGENT, quoted)
    (from_excerpt,) = page_payload.parse(excerpt(text), board="arena-text", as_of=DAY)
    (from_flight,) = page_payload.parse(text.encode(), board="arena-text", as_of=DAY)
    (from_page,) = page_payload.parse(rsc_page(text), board="arena-text", as_of=DAY)
    assert from_excerpt.entries == from_flight.entries == from_page.entries
    assert [e.model for e in from_page.entries] == ["T One", "T Two", 'The "Q" \\ Model']


def test_a_page_whose_entries_do_not_close_is_truncated_but_an_excerpt_keeps_its_complete_rows():
    text = payload(WEBDEV)
    cut = text[: text.index('{"rank":3')] + '{"rank":3,"rankUp'
    with pytest.raises(LayoutError, match="truncated capture"):
        page_payload.parse(rsc_page(cut), board="arena-webdev", as_of=DAY)
    (snap,) = page_payload.parse(excerpt(cut), board="arena-webdev", as_of=DAY)
    assert [e.rank for e in snap.entries] == [1, 2]
    assert "cut after rank 2" in snap.notes


def test_a_page_cut_inside_a_chunk_string_is_truncated():
    body = rsc_page(payload(WEBDEV))
    with pytest.raises(LayoutError, match="truncated capture"):
        page_payload.parse(body[: len(body) - 200], board="arena-webdev", as_of=DAY)


def test_a_date_in_the_section_wins_over_the_argument():
    dated = section("webdev", [entry(1, "w", 1700.0)], lastUpdated="$D2026-09-24T18:00:00.000Z")
    (snap,) = page_payload.parse(rsc_page(payload(dated)), board="arena-webdev", as_of=DAY)
    assert snap.as_of == date(2026, 9, 24)
    (undated,) = page_payload.parse(rsc_page(payload(WEBDEV)), board="arena-webdev", as_of=DAY)
    assert undated.as_of == DAY


def test_a_section_on_another_scale_is_refused():
    odd = section("webdev", [entry(1, "w", 0.1)], scoreUnit="net-improvement")
    with pytest.raises(LayoutError, match="net-improvement"):
        page_payload.parse(rsc_page(payload(odd)), board="arena-webdev", as_of=DAY)


def test_missing_section_empty_entries_and_missing_fields():
    with pytest.raises(LayoutError, match='"id":"webdev"'):
        page_payload.parse(rsc_page(payload(TEXT)), board="arena-webdev", as_of=DAY)
    with pytest.raises(LayoutError, match="no complete entries"):
        page_payload.parse(rsc_page(payload(section("webdev", []))), board="arena-webdev", as_of=DAY)
    no_rating = entry(1, "w", 1700.0)
    del no_rating["rating"]
    with pytest.raises(LayoutError, match="rating of entry 1"):
        page_payload.parse(rsc_page(payload(section("webdev", [no_rating]))), board="arena-webdev", as_of=DAY)
    no_key = entry(1, "w", 1700.0) | {"modelKey": "$undefined"}
    with pytest.raises(LayoutError, match="modelKey"):
        page_payload.parse(rsc_page(payload(section("webdev", [no_key]))), board="arena-webdev", as_of=DAY)


def test_a_page_without_data_chunks_is_a_layout_error():
    page = b"<html><body><script>self.__next_f.push([0])</script><p>modelDisplayName</p></body></html>"
    with pytest.raises(LayoutError, match=r"no self\.__next_f\.push"):
        page_payload.parse(page, board="arena-webdev", as_of=DAY)


def test_raw_text_board_is_not_on_the_page():
    with pytest.raises(UsageError, match="style control"):
        page_payload.parse(rsc_page(payload(TEXT)), board="arena-text-raw", as_of=DAY)
