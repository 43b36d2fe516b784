"""gradio-page: the legacy lmarena.ai Gradio page, on the real 3.3 MB capture and on a small sample."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tracker.models import LayoutError, RankKind, UsageError
from tracker.sources.arena import gradio

REAL = "arena/lmarena-text-gradio-pagesource-2025-03-28.html"
HEADERS = [
    "Rank* (UB)",
    "Rank (StyleCtrl)",
    "Model",
    "Arena Score",
    "95% CI",
    "Votes",
    "Organization",
    "License",
]


def anchor(text: str) -> str:
    return f'<a target="_blank" href="https://example.com/m?a=1&amp;b=2" style="color: red;">{text}</a>'


TEXT_ROWS = [
    [1, 1, anchor("Model &amp; One"), 1443, "+11/-8", 3474, "Google", "Proprietary"],
    [2, 3, anchor("Model Two"), 1408, "+11/-12", 2676, "OpenAI", "Proprietary"],
    [2, 2, "Plain Three", 1404, "+6/-6", 10397, "xAI", "Proprietary"],
]
VISION_ROWS = [[1, 1, anchor("Vision Model"), 1300, "+5/-5", 900, "Google", "Proprietary"]]
FULL_ROWS = [["model-one-key", 1, 1], ["model-two-key", 2, 3], ["plain-three-key", 2, 2]]


def dataframe(cid: int, elem_id: str, headers: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    value = {"headers": headers, "data": rows, "metadata": None}
    return {"id": cid, "type": "dataframe", "props": {"elem_id": elem_id, "headers": headers, "value": value}}


def tab(cid: int, label: str) -> dict[str, Any]:
    return {"id": cid, "type": "tabitem", "props": {"label": label}}


def markdown(cid: int, text: str) -> dict[str, Any]:
    return {"id": cid, "type": "markdown", "props": {"value": text}}


def gradio_page(
    text_rows: list[list[Any]] = TEXT_ROWS,
    full_rows: list[list[Any]] = FULL_ROWS,
    *,
    updated: str = "Total #models: **3**. Last updated: 2025-03-25.",
    with_text_table: bool = True,
) -> bytes:
    """A small page shaped like the real one; the Vision table (same elem_id) comes first on purpose."""
    text_table = [dataframe(22, gradio.TABLE_ID, HEADERS, text_rows)] if with_text_table else []
    components = [
        tab(2, "🏆 Leaderboard"),
        tab(10, "👀 Vision"),
        markdown(11, "Last updated: 2025-03-19."),
        dataframe(12, gradio.TABLE_ID, HEADERS, VISION_ROWS),
        tab(20, "💬 Language"),
        markdown(21, updated),
        *text_table,
        tab(30, "🎛️ Overview"),
        dataframe(31, gradio.FULL_TABLE_ID, ["Model", "Overall", "Overall w/ Style Control"], full_rows),
    ]
    layout = {
        "id": 1,
        "children": [
            {
                "id": 2,
                "children": [
                    {"id": 10, "children": [{"id": 11}, {"id": 12}]},
                    {"id": 20, "children": [{"id": 21}, {"id": 22}]},
                    {"id": 30, "children": [{"id": 31}]},
                ],
            }
        ],
    }
    config = {"version": "4.44.1", "components": components, "layout": layout}
    script = "window.gradio_config = " + json.dumps(config, ensure_ascii=False) + ";"
    return f"<html><head><script>{script}</script></head><body><gradio-app></gradio-app></body></html>".encode()


@pytest.mark.fixtures
def test_real_page_text_table(fixture_bytes):
    (snap,) = gradio.parse(fixture_bytes(REAL), board="arena-text-raw", as_of=None)
    assert (snap.board, snap.as_of, snap.method) == ("arena-text-raw", date(2025, 3, 25), "gradio-page")
    assert len(snap.entries) == 183
    top = snap.entries[0]
    assert (top.model_id, top.model) == ("gemini-2.5-pro-exp-03-25", "Gemini-2.5-Pro-Exp-03-25")
    assert (top.rank, top.rank_kind, top.score, top.votes) == (1, RankKind.UPPER_BOUND, 1443.0, 3474)
    assert (top.ci_low, top.ci_high) == (1435.0, 1454.0)  # "+11/-8"
    assert [e.rank for e in snap.entries[:3]] == [1, 2, 2]  # a tie is kept
    assert snap.entries[1].model == "ChatGPT-4o-latest (2025-03-26)"
    assert snap.entries[1].model_id == "chatgpt-4o-latest-20250326"
    assert snap.entries[-1].model == "LLaMA-13B"
    assert not any("<" in e.model for e in snap.entries)
    assert "model keys from the full leaderboard" in snap.notes


def test_sample_takes_the_language_tab_not_the_vision_table():
    (snap,) = gradio.parse(gradio_page(), board="arena-text-raw", as_of=None)
    assert snap.as_of == date(2025, 3, 25)  # the Language tab's date, not Vision's 2025-03-19
    assert [(e.model_id, e.model, e.rank) for e in snap.entries] == [
        ("model-one-key", "Model & One", 1),
        ("model-two-key", "Model Two", 2),
        ("plain-three-key", "Plain Three", 2),
    ]
    second = snap.entries[1]
    assert (second.ci_low, second.ci_high, second.votes, second.organization) == (
        1396.0,
        1419.0,
        2676,
        "OpenAI",
    )


def test_keys_are_not_borrowed_from_a_full_table_that_does_not_line_up():
    swapped = [FULL_ROWS[0], FULL_ROWS[2], FULL_ROWS[1]]  # style-controlled ranks no longer match row by row
    (snap,) = gradio.parse(gradio_page(full_rows=swapped), board="arena-text-raw", as_of=None)
    assert [e.model_id for e in snap.entries] == ["Model & One", "Model Two", "Plain Three"]
    assert "model keys" not in snap.notes
    (short,) = gradio.parse(gradio_page(full_rows=FULL_ROWS[:2]), board="arena-text-raw", as_of=None)
    assert short.entries[0].model_id == "Model & One"


def test_date_falls_back_to_another_tab_then_to_the_argument():
    body = gradio_page(updated="Total #models: **3**.")
    (snap,) = gradio.parse(body, board="arena-text-raw", as_of=date(2025, 1, 2))
    # the Vision tab's date is the only one left on the page: it is used before the argument
    assert snap.as_of == date(2025, 3, 19)
    undated = body.replace(b"Last updated: 2025-03-19.", b"")
    (snap,) = gradio.parse(undated, board="arena-text-raw", as_of=date(2025, 1, 2))
    assert snap.as_of == date(2025, 1, 2)
    with pytest.raises(LayoutError, match="--as-of"):
        gradio.parse(undated, board="arena-text-raw", as_of=None)


def test_missing_table_truncated_config_and_bad_cells():
    # the Vision table shares the elem_id: without a Text table there is no capture, not a Vision snapshot
    with pytest.raises(LayoutError, match="Vision"):
        gradio.parse(gradio_page(with_text_table=False), board="arena-text-raw", as_of=None)
    body = gradio_page()
    with pytest.raises(LayoutError, match="truncated or malformed"):
        gradio.parse(body[: len(body) // 2], board="arena-text-raw", as_of=None)
    with pytest.raises(LayoutError, match=r"window\.gradio_config"):
        gradio.parse(b"<html><body>Chatbot Arena</body></html>", board="arena-text-raw", as_of=None)
    bad_ci = [[1, 1, "A", 1400, "about 5", 10, "X", "Y"]]
    with pytest.raises(LayoutError, match="95% CI of row 1"):
        gradio.parse(gradio_page(bad_ci, FULL_ROWS[:1]), board="arena-text-raw", as_of=None)
    no_score = [[1, 1, "A", "", "+1/-1", 10, "X", "Y"]]
    with pytest.raises(LayoutError, match="Arena Score of row 1"):
        gradio.parse(gradio_page(no_score, FULL_ROWS[:1]), board="arena-text-raw", as_of=None)


def test_style_controlled_board_is_not_on_this_page():
    with pytest.raises(UsageError, match="without style control"):
        gradio.parse(gradio_page(), board="arena-text", as_of=None)
