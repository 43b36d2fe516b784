"""Lanes from Arena score and OpenRouter price: the rules on small cases, well-known models on real data."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from tracker.lanes import (
    CHEAP_BULK,
    DEFAULT_LANE_RULES,
    FAST_GENERAL_PURPOSE,
    FRONTIER_REASONING,
    LANES,
    LaneRules,
    blended_price_per_m,
    group_by_lane,
    lane_for,
)
from tracker.matching import load_model_map, match_models
from tracker.sources.openrouter import catalogue

ARENA = "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json"
CATALOGUE = "openrouter/models-2026-08-01.json"

D = Decimal


# ---- the rules


def test_blended_price_is_exact_and_weighted_three_to_one():
    assert blended_price_per_m(D("0.25"), D("1.5")) == D("0.5625")
    assert blended_price_per_m(D("5"), D("25")) == D("10")
    assert blended_price_per_m(D("1"), D("3"), LaneRules(blend_input_parts=1, blend_output_parts=1)) == D("2")
    assert blended_price_per_m(None, D("3")) is None
    assert blended_price_per_m(D("-1"), D("-1")) is None  # a router's "no fixed price"


@pytest.mark.parametrize(
    ("score", "prompt", "completion", "lane"),
    [
        (1470.0, None, None, FRONTIER_REASONING),  # the score line is inclusive; price not needed
        (1500.0, D("0.1"), D("0.2"), FRONTIER_REASONING),  # a top score wins over a bulk price
        (1469.9, D("0.5"), D("3"), FAST_GENERAL_PURPOSE),
        (None, D("3"), D("10"), FRONTIER_REASONING),  # the output-price line is inclusive
        (1400.0, D("3"), D("9.99"), FAST_GENERAL_PURPOSE),
        (None, D("0.3"), D("1.5"), CHEAP_BULK),  # blended 0.6 exactly: still cheap
        (None, D("0.3"), D("1.54"), FAST_GENERAL_PURPOSE),  # blended 0.61
        (None, D("0"), D("0"), CHEAP_BULK),  # a free variant
        (1400.0, None, D("3"), None),  # the blend needs both prices
        (1400.0, None, None, None),
        (None, D("-1"), D("-1"), None),  # a router
        (None, None, None, None),
    ],
)
def test_lane_for(score, prompt, completion, lane):
    assert lane_for(score, prompt, completion, DEFAULT_LANE_RULES) == lane


def test_the_thresholds_are_configurable():
    strict = LaneRules(frontier_min_score=1490, frontier_min_completion_per_m=D("20"))
    assert lane_for(1488.4, D("2"), D("12")) == FRONTIER_REASONING
    assert lane_for(1488.4, D("2"), D("12"), strict) == FAST_GENERAL_PURPOSE
    generous = LaneRules(cheap_max_blended_per_m=D("1.2"))
    assert lane_for(None, D("0.5"), D("3"), generous) == CHEAP_BULK


@pytest.mark.parametrize(
    "kwargs",
    [
        {"blend_input_parts": -1},
        {"blend_input_parts": 0, "blend_output_parts": 0},
        {"cheap_max_blended_per_m": D("-0.1")},
        {"frontier_min_completion_per_m": D("-1")},
    ],
)
def test_lane_rules_refuse_nonsense(kwargs):
    with pytest.raises(ValueError):  # noqa: PT011 - the messages are covered by the kwargs
        LaneRules(**kwargs)


def test_group_by_lane_keeps_every_lane_and_the_unplaced():
    groups = group_by_lane(
        [
            ("opus", 1490.0, D("5"), D("25")),
            ("lite", None, D("0.1"), D("0.4")),
            ("router", None, None, None),
            ("flash", 1466.8, D("0.5"), D("3")),
            ("nano", None, D("0.05"), D("0.4")),
        ]
    )
    assert groups == {
        FRONTIER_REASONING: ("opus",),
        FAST_GENERAL_PURPOSE: ("flash",),
        CHEAP_BULK: ("lite", "nano"),
        None: ("router",),
    }
    assert set(group_by_lane([])) == {*LANES, None}


# ---- well-known models on the real captures


@pytest.fixture
def real(fixture_bytes):
    pages = json.loads(fixture_bytes(ARENA))["configs"]["text"]
    rows = [r["row"] for page in pages for r in page["rows"] if r["row"]["category"] == "overall"]
    rows.sort(key=lambda row: row["rank"])
    models = catalogue.parse(fixture_bytes(CATALOGUE), as_of=date(2026, 8, 1)).models
    return rows, models


def test_the_default_score_line_separates_the_text_top_nine_from_the_rest(real):
    rows, _ = real
    above = [row["model_name"] for row in rows if row["rating"] >= DEFAULT_LANE_RULES.frontier_min_score]
    assert above == [row["model_name"] for row in rows[:9]]


# catalogue id -> lane, for models whose Arena modes matched it (best Text score of the modes) ...
SCORED_LANES = {
    "anthropic/claude-opus-4.7": FRONTIER_REASONING,  # 1488, $5/$25
    "google/gemini-3.1-pro-preview": FRONTIER_REASONING,  # 1488, $2/$12
    "openai/gpt-5.4": FRONTIER_REASONING,  # 1472 as gpt-5.4-high
    "anthropic/claude-sonnet-4.6": FRONTIER_REASONING,  # 1447, but $15/M output
    "google/gemini-3-flash-preview": FAST_GENERAL_PURPOSE,  # 1467, $0.50/$3
    "z-ai/glm-5.1": FAST_GENERAL_PURPOSE,  # 1467, $0.97/$3.04
    "moonshotai/kimi-k2.6": FAST_GENERAL_PURPOSE,
    "openai/gpt-5.4-mini": FAST_GENERAL_PURPOSE,  # $0.75/$4.50
    "anthropic/claude-haiku-4.5": FAST_GENERAL_PURPOSE,  # $1/$5
    "deepseek/deepseek-v4-pro": CHEAP_BULK,  # 1447 at $0.435/$0.87
    "deepseek/deepseek-v4-flash": CHEAP_BULK,  # $0.14/$0.28
    "google/gemini-3.1-flash-lite-preview": CHEAP_BULK,  # $0.25/$1.50
    "minimax/minimax-m2.7": CHEAP_BULK,
    "openai/gpt-oss-120b": CHEAP_BULK,
}
# ... and for catalogue models Arena had not scored on 2026-04-23: price alone.
UNSCORED_LANES = {
    "anthropic/claude-opus-5": FRONTIER_REASONING,
    "google/gemini-3.1-flash-lite": CHEAP_BULK,
    "google/gemini-3.5-flash": FAST_GENERAL_PURPOSE,
    "openrouter/auto": None,  # a router: no fixed price
}


def test_well_known_models_fall_in_the_expected_lanes(real):
    rows, models = real
    result = match_models([(r["model_name"], r["organization"] or None) for r in rows], models, load_model_map())
    best: dict[str, float] = {}
    for row in rows:
        match = result.match_for(row["model_name"])
        if match is not None:
            best[match.catalog_id] = max(best.get(match.catalog_id, 0.0), row["rating"])
    by_id = {m.catalog_id: m for m in models}
    for catalog_id, lane in SCORED_LANES.items():
        model = by_id[catalog_id]
        assert catalog_id in best, catalog_id
        got = lane_for(best[catalog_id], model.prompt_price_per_m, model.completion_price_per_m)
        assert got == lane, (catalog_id, best[catalog_id], got)
    for catalog_id, lane in UNSCORED_LANES.items():
        model = by_id[catalog_id]
        assert catalog_id not in best, catalog_id
        assert lane_for(None, model.prompt_price_per_m, model.completion_price_per_m) == lane, catalog_id


def test_rules_from_settings_and_bad_settings():
    from tracker.lanes import rules_from
    from tracker.models import ConfigError

    rules = rules_from({"frontier_min_score": "1480", "cheap_max_blended_per_m": "0.5", "blend_input_parts": "1"})
    assert (rules.frontier_min_score, rules.cheap_max_blended_per_m, rules.blend_input_parts) == (
        1480.0,
        Decimal("0.5"),
        1,
    )
    assert rules_from({}) == LaneRules()
    with pytest.raises(ConfigError, match="unknown threshold"):
        rules_from({"speed": "1"})
    with pytest.raises(ConfigError, match="not a number"):
        rules_from({"frontier_min_score": "high"})
    with pytest.raises(ConfigError, match="negative"):
        rules_from({"cheap_max_blended_per_m": "-1"})
