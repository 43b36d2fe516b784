"""Cross-source model identity on the real captures: Arena 2026-04-23 keys -> OpenRouter 2026-08-01 models.

The heart of this file is the two hand-checked lists below: which Arena Text / WebDev top-10 models
of 2026-04-23 have a counterpart in the OpenRouter catalogue of 2026-08-01 (and which one), and which
pairs must never match. They were worked out by reading both captures, not by running the code.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pytest

from tracker.matching import Match, ModelMap, load_model_map, match_models
from tracker.models import CatalogModel
from tracker.sources.openrouter import catalogue

ARENA = "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json"
CATALOGUE = "openrouter/models-2026-08-01.json"
ANALYTICS = "openrouter/models-find-analytics-2025-12-11.json"

TEXT_TOP10 = (
    "claude-opus-4-6-thinking",
    "claude-opus-4-6",
    "gemini-3.1-pro-preview",
    "claude-opus-4-7-thinking",
    "claude-opus-4-7",
    "gemini-3-pro",
    "muse-spark",
    "gpt-5.4-high",
    "qwen3.5-max-preview",
    "gemini-3-flash",
)
WEBDEV_TOP10 = (
    "claude-opus-4-7-thinking",
    "claude-opus-4-7",
    "claude-opus-4-6-thinking",
    "claude-opus-4-6",
    "glm-5.1",
    "kimi-k2.6",
    "claude-sonnet-4-6",
    "muse-spark",
    "claude-opus-4-5-20251101-thinking-32k",
    "qwen3.6-plus",
)

# Every top-10 model with a counterpart in the 2026-08-01 catalogue -> that counterpart's catalogue id.
TOP10_MATCHES = {
    "claude-opus-4-6-thinking": "anthropic/claude-opus-4.6",  # thinking is a mode of Opus 4.6
    "claude-opus-4-6": "anthropic/claude-opus-4.6",
    "gemini-3.1-pro-preview": "google/gemini-3.1-pro-preview",  # not the -customtools endpoint
    "claude-opus-4-7-thinking": "anthropic/claude-opus-4.7",
    "claude-opus-4-7": "anthropic/claude-opus-4.7",  # not the separately priced -fast
    "gpt-5.4-high": "openai/gpt-5.4",  # high reasoning effort of GPT-5.4; not Mini, Nano or Pro
    "gemini-3-flash": "google/gemini-3-flash-preview",  # the API only has the preview
    "glm-5.1": "z-ai/glm-5.1",
    "kimi-k2.6": "moonshotai/kimi-k2.6",
    "claude-sonnet-4-6": "anthropic/claude-sonnet-4.6",
    "claude-opus-4-5-20251101-thinking-32k": "anthropic/claude-opus-4.5",  # slug dated 20251124
    "qwen3.6-plus": "qwen/qwen3.6-plus",
}
# Decided by the overrides file; every other top-10 match must come from a rule.
TOP10_BY_OVERRIDE = {"gemini-3-flash", "claude-opus-4-5-20251101-thinking-32k"}
# Top-10 models the 2026-08-01 catalogue does not sell, with how the reason starts.
TOP10_NO_COUNTERPART = {
    "gemini-3-pro": "override target",  # gemini-3-pro-preview had left the catalogue by 2026-08
    "muse-spark": "no candidate",  # the catalogue has only Muse Spark 1.1 (2026-07-09)
    "qwen3.5-max-preview": "no candidate",  # only Qwen3.6-Max preview and Qwen3.7-Max
}

# Beyond the top 10: modes, dated keys and naming differences the rules and overrides must get right.
MORE_MATCHES = {
    "claude-opus-4-5-20251101": "anthropic/claude-opus-4.5",
    "claude-sonnet-4-5-20250929": "anthropic/claude-sonnet-4.5",  # slug carries the same date
    "claude-sonnet-4-5-20250929-thinking-32k": "anthropic/claude-sonnet-4.5",
    "claude-haiku-4-5-20251001": "anthropic/claude-haiku-4.5",
    "gemini-3-flash (thinking-minimal)": "google/gemini-3-flash-preview",
    "gpt-5.4": "openai/gpt-5.4",
    "gpt-5.4-high (codex-harness)": "openai/gpt-5.4",
    "gpt-5.4-mini-high": "openai/gpt-5.4-mini",
    "gpt-5.3-codex (codex-harness)": "openai/gpt-5.3-codex",
    "o3-mini": "openai/o3-mini",
    "o3-mini-high": "openai/o3-mini-high",  # OpenRouter sells this mode as its own id
    "o4-mini-2025-04-16": "openai/o4-mini",
    "gpt-4o-mini-2024-07-18": "openai/gpt-4o-mini-2024-07-18",
    "deepseek-v4-flash": "deepseek/deepseek-v4-flash",
    "deepseek-v4-pro-thinking": "deepseek/deepseek-v4-pro",
    "deepseek-v3-0324": "deepseek/deepseek-chat-v3-0324",  # by the catalogue name "DeepSeek V3 0324"
    "kimi-k2.5-thinking": "moonshotai/kimi-k2.5",
    "kimi-k2.5-instant": "moonshotai/kimi-k2.5",
    "glm-4.6": "z-ai/glm-4.6",  # not glm-4.6v, whose slug reads z-ai/glm-4.6-20251208
    "glm-5": "z-ai/glm-5",
    "gemma-4-31b": "google/gemma-4-31b-it",  # by the name "Gemma 4 31B"
    "qwen3.5-flash": "qwen/qwen3.5-flash-02-23",  # by the name "Qwen3.5-Flash"
    "qwen3-235b-a22b-instruct-2507": "qwen/qwen3-235b-a22b-2507",
    "amazon-nova-pro-v1.0": "amazon/nova-pro-v1",
    "nvidia-nemotron-3-super-120b-a12b": "nvidia/nemotron-3-super-120b-a12b",
    "llama-4-maverick-17b-128e-instruct": "meta-llama/llama-4-maverick",
    "command-r-08-2024": "cohere/command-r-08-2024",
    "grok-4.20-beta-0309-reasoning": "x-ai/grok-4.20",
    "mistral-large-3": "mistralai/mistral-large-2512",
}
MORE_NO_COUNTERPART = {
    "command-r",  # the catalogue has only the 08-2024 refresh
    "grok-4.20-beta1",  # an earlier build than OpenRouter's Grok 4.20
    "kimi-k2-thinking-turbo",
    "mistral-medium",  # the 2023 model; "medium" is not a reasoning effort here
    "gpt-5.2-chat-latest-20260210",  # a dated chat-latest snapshot; the catalogue's is dated 20251211
}

# Pairs that must never match: other versions, other tiers, -fast and dated siblings, image models.
MUST_NOT_MATCH = [
    ("claude-opus-4-7", "anthropic/claude-opus-4.6"),
    ("claude-opus-4-7-thinking", "anthropic/claude-opus-4.6"),
    ("claude-opus-4-6", "anthropic/claude-opus-4.7"),
    ("claude-opus-4-6-thinking", "anthropic/claude-opus-4.7"),
    ("claude-opus-4-7", "anthropic/claude-opus-4.7-fast"),
    ("claude-opus-4-7-thinking", "anthropic/claude-opus-4.7-fast"),
    ("claude-opus-4-7", "anthropic/claude-opus-4.8"),
    ("claude-sonnet-4-6", "anthropic/claude-opus-4.6"),
    ("claude-opus-4-6", "anthropic/claude-sonnet-4.6"),
    ("claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.6"),
    ("claude-opus-4-5-20251101-thinking-32k", "anthropic/claude-opus-4.6"),
    ("gemini-3-flash", "google/gemini-3.1-flash-lite"),
    ("gemini-3-flash", "google/gemini-3.5-flash"),
    ("gemini-3-flash", "google/gemini-3.6-flash"),
    ("gemini-3-pro", "google/gemini-3-pro-image"),
    ("gemini-3.1-pro-preview", "google/gemini-3.1-pro-preview-customtools"),
    ("gpt-5.4-high", "openai/gpt-5.4-mini"),
    ("gpt-5.4-high", "openai/gpt-5.4-pro"),
    ("gpt-5.4-high", "openai/gpt-5.4-nano"),
    ("gpt-5.4-mini-high", "openai/gpt-5.4"),
    ("gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"),
    ("deepseek-v4-flash", "deepseek/deepseek-v4-flash-0731"),
    ("glm-4.6", "z-ai/glm-4.6v"),
    ("glm-5.1", "z-ai/glm-5.2"),
    ("kimi-k2.6", "moonshotai/kimi-k2.7-code"),
    ("muse-spark", "meta/muse-spark-1.1"),
    ("qwen3.5-max-preview", "qwen/qwen3.6-max-preview"),
    ("qwen3.6-plus", "qwen/qwen3.7-plus"),
    ("command-r", "cohere/command-r-08-2024"),
    ("grok-4.20-beta1", "x-ai/grok-4.20"),
]


# ---- helpers: small local readers of the real captures


def _overall_rows(body: bytes, config: str) -> list[dict]:
    pages = json.loads(body)["configs"][config]
    rows = [r["row"] for page in pages for r in page["rows"] if r["row"]["category"] == "overall"]
    return sorted(rows, key=lambda row: row["rank"])


def _arena_keys(body: bytes) -> list[tuple[str, str | None]]:
    keys: dict[str, str | None] = {}
    for config in ("text", "webdev"):
        for row in _overall_rows(body, config):
            keys.setdefault(row["model_name"], row["organization"] or None)
    return list(keys.items())


def _catalogue(body: bytes) -> tuple[CatalogModel, ...]:
    return catalogue.parse(body, as_of=date(2026, 8, 1)).models


@pytest.fixture
def real(fixture_bytes):
    arena_body = fixture_bytes(ARENA)
    return arena_body, _catalogue(fixture_bytes(CATALOGUE))


def _orgs_only() -> ModelMap:
    return ModelMap(organizations=load_model_map().organizations)


# ---- the real captures


def test_the_top_tens_are_the_ones_listed(real):
    arena_body, _ = real
    assert tuple(r["model_name"] for r in _overall_rows(arena_body, "text")[:10]) == TEXT_TOP10
    assert tuple(r["model_name"] for r in _overall_rows(arena_body, "webdev")[:10]) == WEBDEV_TOP10
    assert set(TEXT_TOP10) | set(WEBDEV_TOP10) == set(TOP10_MATCHES) | set(TOP10_NO_COUNTERPART)


def test_every_top10_model_with_a_counterpart_is_matched_to_it(real):
    arena_body, models = real
    result = match_models(_arena_keys(arena_body), models, load_model_map())
    slugs = {m.catalog_id: m.slug.split(":")[0] for m in models}
    for arena_key, catalog_id in TOP10_MATCHES.items():
        match = result.match_for(arena_key)
        assert match is not None, (arena_key, result.reason_for(arena_key))
        assert (match.catalog_id, match.slug) == (catalog_id, slugs[catalog_id]), arena_key
        expected_method = "override" if arena_key in TOP10_BY_OVERRIDE else "rule:"
        assert match.method.startswith(expected_method), (arena_key, match.method)
    for arena_key, reason in TOP10_NO_COUNTERPART.items():
        assert result.match_for(arena_key) is None, arena_key
        assert (result.reason_for(arena_key) or "").startswith(reason), arena_key


def test_modes_are_recorded_and_share_the_slug_the_rankings_use(real):
    arena_body, models = real
    result = match_models(_arena_keys(arena_body), models, load_model_map())
    thinking = result.match_for("claude-opus-4-7-thinking")
    assert thinking == Match(
        "claude-opus-4-7-thinking",
        "anthropic/claude-4.7-opus-20260416",
        "anthropic/claude-opus-4.7",
        "rule:id",
        "thinking",
    )
    assert result.arena_keys_for("anthropic/claude-4.7-opus-20260416") == (
        "claude-opus-4-7-thinking",
        "claude-opus-4-7",
    )
    assert result.match_for("claude-opus-4-5-20251101-thinking-32k").mode == "thinking-32k"
    assert result.match_for("gpt-5.4-high (codex-harness)").mode == "high (codex-harness)"


def test_more_matches_and_non_matches_beyond_the_top_ten(real):
    arena_body, models = real
    result = match_models(_arena_keys(arena_body), models, load_model_map())
    for arena_key, catalog_id in MORE_MATCHES.items():
        match = result.match_for(arena_key)
        assert match is not None, (arena_key, result.reason_for(arena_key))
        assert match.catalog_id == catalog_id, arena_key
    for arena_key in MORE_NO_COUNTERPART:
        assert result.match_for(arena_key) is None, arena_key
        assert result.reason_for(arena_key), arena_key


def test_pairs_that_must_not_match_do_not(real):
    arena_body, models = real
    catalog_ids = {m.catalog_id for m in models}
    arena_keys = {key for key, _ in _arena_keys(arena_body)}
    for mapping in (load_model_map(), _orgs_only()):
        result = match_models(_arena_keys(arena_body), models, mapping)
        for arena_key, catalog_id in MUST_NOT_MATCH:
            assert arena_key in arena_keys  # the pair is real on both sides
            assert catalog_id in catalog_ids
            match = result.match_for(arena_key)
            assert match is None or match.catalog_id != catalog_id, (arena_key, catalog_id)


def test_the_rules_alone_leave_the_reviewed_cases_unmatched_with_a_reason(real):
    arena_body, models = real
    result = match_models(_arena_keys(arena_body), models, _orgs_only())
    assert result.reason_for("gemini-3-flash") == "no candidate"
    assert result.reason_for("claude-opus-4-5-20251101-thinking-32k") == (
        "no candidate (dated 20251101; the catalogue has anthropic/claude-opus-4.5 with other dates)"
    )
    for arena_key, catalog_id in TOP10_MATCHES.items():
        if arena_key not in TOP10_BY_OVERRIDE:
            assert result.match_for(arena_key).catalog_id == catalog_id


def test_no_arena_key_is_dropped(real):
    arena_body, models = real
    keys = _arena_keys(arena_body)
    result = match_models(keys + keys[:5], models, load_model_map())  # duplicates count once
    matched = [m.arena_key for m in result.matches]
    unmatched = [u.arena_key for u in result.unmatched]
    assert len(matched) + len(unmatched) == len(keys) == 359
    assert set(matched) | set(unmatched) == {key for key, _ in keys}
    assert all(u.reason for u in result.unmatched)
    assert len(matched) == 150  # measured on these captures; a change here needs a look at the lists


def test_the_overrides_file_names_real_models_and_says_why(fixture_bytes, real):
    arena_body, models = real
    mapping = load_model_map()
    arena_keys = {key for key, _ in _arena_keys(arena_body)}
    known = {m.catalog_id for m in models} | {m.slug.split(":")[0] for m in models}
    known |= {key.split(":")[0] for key in json.loads(fixture_bytes(ANALYTICS))}  # retired models
    for arena_key, target in mapping.match.items():
        assert arena_key in arena_keys, arena_key
        assert target in known, target
    for arena_key, target in mapping.never:
        assert arena_key in arena_keys, arena_key
        assert target in {m.catalog_id for m in models}, target
    lines = resources.files("tracker").joinpath("model_map.yaml").read_text(encoding="utf-8").splitlines()
    section = ""
    for i, line in enumerate(lines):
        if line and not line.startswith((" ", "#")):
            section = line
        elif section in ("match:", "never:") and line.strip() and not line.lstrip().startswith("#"):
            assert lines[i - 1].lstrip().startswith("# "), f"line {i + 1} has no comment: {line}"
