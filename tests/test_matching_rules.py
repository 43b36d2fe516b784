"""Cross-source model identity on small hand-made catalogues: modes, dates, ambiguity, overrides, never."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tracker.matching import ModelMap, match_models
from tracker.matching_rules import arena_forms, name_key, same_date, split_date, tokens
from tracker.models import CatalogModel


def _m(catalog_id: str, slug: str | None = None, name: str | None = None) -> CatalogModel:
    return CatalogModel(
        slug=slug or catalog_id,
        catalog_id=catalog_id,
        name=name or catalog_id.split("/")[1],
        prompt_price_per_m=Decimal("1"),
        completion_price_per_m=Decimal("2"),
        context_length=1000,
    )


OPUS = [
    _m("anthropic/claude-opus-4.7", "anthropic/claude-4.7-opus-20260416", "Anthropic: Claude Opus 4.7"),
    _m("anthropic/claude-opus-4.7-fast", "anthropic/claude-4.7-opus-fast-20260512"),
    _m("anthropic/claude-opus-4.6", "anthropic/claude-4.6-opus-20260205"),
    _m("anthropic/claude-sonnet-4.6", "anthropic/claude-4.6-sonnet-20260217"),
]


def _one(arena_key: str, models: list[CatalogModel], mapping: ModelMap | None = None, org: str | None = None):
    result = match_models([(arena_key, org)], models, mapping or ModelMap())
    return result.match_for(arena_key), result.reason_for(arena_key)


@pytest.mark.parametrize(
    ("arena_key", "catalog_id", "mode"),
    [
        ("claude-opus-4-7", "anthropic/claude-opus-4.7", None),
        ("claude-opus-4-7-thinking", "anthropic/claude-opus-4.7", "thinking"),
        ("claude-opus-4-7-thinking-32k", "anthropic/claude-opus-4.7", "thinking-32k"),
        ("claude-opus-4-7-high", "anthropic/claude-opus-4.7", "high"),
        ("claude-opus-4-7 (codex-harness)", "anthropic/claude-opus-4.7", "codex-harness"),
        ("claude-opus-4-7-fast", "anthropic/claude-opus-4.7-fast", None),
        ("claude-opus-4-6-thinking", "anthropic/claude-opus-4.6", "thinking"),
        ("claude-sonnet-4-6", "anthropic/claude-sonnet-4.6", None),
    ],
)
def test_modes_of_one_model_match_it_and_products_stay_apart(arena_key, catalog_id, mode):
    match, reason = _one(arena_key, OPUS, org="anthropic")
    assert match is not None, reason
    assert (match.catalog_id, match.mode) == (catalog_id, mode)


@pytest.mark.parametrize("arena_key", ["claude-opus-4-8", "claude-opus-4-7-search", "claude-haiku-4-7"])
def test_other_versions_tiers_and_search_products_are_not_matched(arena_key):
    match, reason = _one(arena_key, OPUS)
    assert match is None
    assert reason == "no candidate"


def test_effort_suffixes_are_modes_but_mini_is_a_product():
    models = [_m("openai/gpt-5.4"), _m("openai/gpt-5.4-mini"), _m("openai/gpt-5.4-pro")]
    for effort in ("minimal", "low", "medium", "high", "xhigh"):
        assert _one(f"gpt-5.4-{effort}", models)[0].catalog_id == "openai/gpt-5.4"
    assert _one("gpt-5.4-mini-high", models)[0].catalog_id == "openai/gpt-5.4-mini"
    assert _one("gpt-5.4-high", models[1:]) == (None, "no candidate")  # never the Mini or the Pro


def test_a_product_sold_under_the_suffixed_name_wins_over_the_mode():
    models = [_m("openai/o3-mini"), _m("openai/o3-mini-high")]
    assert _one("o3-mini-high", models)[0].catalog_id == "openai/o3-mini-high"
    assert _one("o3-mini-high", models[:1])[0].catalog_id == "openai/o3-mini"


def test_an_effort_word_after_a_bare_family_name_is_not_a_mode():
    assert [f.text for f in arena_forms("mistral-medium")] == ["mistral-medium"]
    assert _one("mistral-medium", [_m("mistralai/mistral")]) == (None, "no candidate")


def test_ambiguity_stays_unmatched_until_the_overrides_decide():
    models = [_m("mistralai/mistral-medium-3-5"), _m("mistralai/mistral-medium-3.5")]
    match, reason = _one("mistral-medium-3.5", models)
    assert match is None
    assert reason == "ambiguous: mistralai/mistral-medium-3-5, mistralai/mistral-medium-3.5"
    decided = ModelMap(match={"mistral-medium-3.5": "mistralai/mistral-medium-3-5"})
    match, _ = _one("mistral-medium-3.5", models, decided)
    assert match is not None
    assert (match.catalog_id, match.method) == ("mistralai/mistral-medium-3-5", "override")


def test_an_override_wins_over_a_rule_and_holds_for_the_modes():
    mapping = ModelMap(match={"claude-opus-4-7": "anthropic/claude-4.7-opus-fast-20260512"})  # by slug
    for key in ("claude-opus-4-7", "claude-opus-4-7-thinking"):
        match, _ = _one(key, OPUS, mapping)
        assert match is not None
        assert (match.catalog_id, match.slug, match.method) == (
            "anthropic/claude-opus-4.7-fast",
            "anthropic/claude-4.7-opus-fast-20260512",
            "override",
        )


def test_an_override_to_a_model_the_catalogue_lacks_leaves_the_key_unmatched():
    match, reason = _one("claude-opus-4-7", OPUS, ModelMap(match={"claude-opus-4-7": "anthropic/gone"}))
    assert match is None
    assert reason == "override target 'anthropic/gone' is not in the catalogue"


def test_never_blocks_a_rule_match_for_the_key_and_its_modes():
    mapping = ModelMap(never=frozenset({("claude-opus-4-7", "anthropic/claude-opus-4.7")}))
    for key in ("claude-opus-4-7", "claude-opus-4-7-thinking"):
        match, reason = _one(key, OPUS, mapping)
        assert match is None
        assert reason == "no candidate (anthropic/claude-opus-4.7: never)"
    assert _one("claude-opus-4-6", OPUS, mapping)[0] is not None  # other keys are untouched


def test_never_removes_one_candidate_of_an_ambiguity():
    models = [_m("mistralai/mistral-medium-3-5"), _m("mistralai/mistral-medium-3.5")]
    mapping = ModelMap(never=frozenset({("mistral-medium-3.5", "mistralai/mistral-medium-3-5")}))
    assert _one("mistral-medium-3.5", models, mapping)[0].catalog_id == "mistralai/mistral-medium-3.5"


def test_unmatched_models_are_listed_in_input_order_with_a_reason():
    result = match_models(
        [
            ("zz-unknown", None),
            ("claude-opus-4-7", "anthropic"),
            ("aa-unknown", "acme"),
            ("zz-unknown", None),
        ],
        OPUS,
        ModelMap(),
    )
    assert [m.arena_key for m in result.matches] == ["claude-opus-4-7"]
    assert [(u.arena_key, u.reason) for u in result.unmatched] == [
        ("zz-unknown", "no candidate"),
        ("aa-unknown", "no candidate"),
    ]


def test_a_dated_key_needs_the_same_date_and_an_undated_key_ignores_the_listing_date():
    models = [_m("anthropic/claude-sonnet-4.5", "anthropic/claude-4.5-sonnet-20250929")]
    match, _ = _one("claude-sonnet-4-5-20250929", models)
    assert match is not None
    assert match.method == "rule:slug"
    assert _one("claude-sonnet-4-5", models)[0] is not None
    assert _one("claude-sonnet-4-5-20250101", models) == (
        None,
        "no candidate (dated 20250101; the catalogue has anthropic/claude-sonnet-4.5 with other dates)",
    )


def test_an_undated_key_never_takes_a_dated_sibling():
    july = _m("deepseek/deepseek-v4-flash-0731", "deepseek/deepseek-v4-flash-20260731")
    april = _m("deepseek/deepseek-v4-flash", "deepseek/deepseek-v4-flash-20260423")
    assert _one("deepseek-v4-flash", [july]) == (None, "no candidate")
    assert _one("deepseek-v4-flash", [july, april])[0].catalog_id == "deepseek/deepseek-v4-flash"
    assert _one("deepseek-v4-flash-0731", [july, april])[0].catalog_id == july.catalog_id
    # a date in the id names the product, so the slug's date is not a listing date to ignore
    assert _one("command-r", [_m("cohere/command-r-08-2024")]) == (None, "no candidate")


def test_separators_word_order_author_prefix_and_the_catalogue_name():
    odd_id = _m("anthropic/opus-next", "anthropic/claude-4.7-opus-20260416", "Claude Next")
    assert _one("claude-opus-4-7", [odd_id])[0].method == "rule:slug"
    nova = _m("amazon/nova-pro-v1", name="Amazon: Nova Pro 1.0")
    assert _one("amazon-nova-pro-v1.0", [nova])[0].method == "rule:id"
    for name in ("Google: Gemma 4 31B", "Gemma 4 31B"):  # with or without the author prefix
        gemma = _m("google/gemma-4-31b-it", "google/gemma-4-31b-it-20260402", name)
        match, _ = _one("gemma-4-31b", [gemma])
        assert match is not None
        assert match.method == "rule:name"
    qwen = _m("qwen/qwen-2.5-72b-instruct")
    assert _one("qwen2.5-72b-instruct", [qwen])[0] is not None


def test_the_organisation_must_agree_unless_arena_leaves_it_blank():
    models = [_m("z-ai/glm-5.1")]
    match, reason = _one("glm-5.1", models, org="zai")
    assert match is None
    assert reason == "no candidate (z-ai/glm-5.1: author 'z-ai' is not organisation 'zai')"
    assert _one("glm-5.1", models, ModelMap(organizations={"zai": ("z-ai",)}), org="zai")[0] is not None
    assert _one("glm-5.1", models, org="")[0] is not None
    assert _one("glm-5.1", models, org=None)[0] is not None


def test_variants_fold_into_their_model_and_routers_are_never_candidates():
    # parser-style slugs (`:free` kept on the variant's slug) and plain canonical slugs
    for free_slug in ("google/gemma-4-31b-it-20260402:free", "google/gemma-4-31b-it-20260402"):
        models = [
            _m("google/gemma-4-31b-it:free", free_slug, "Google: Gemma 4 31B (free)"),
            _m("google/gemma-4-31b-it", "google/gemma-4-31b-it-20260402", "Google: Gemma 4 31B"),
            _m("~google/gemini-pro-latest"),
            _m("openrouter/auto"),
        ]
        result = match_models([("gemma-4-31b", "google")], models, ModelMap())
        match = result.match_for("gemma-4-31b")
        assert match is not None
        assert (match.catalog_id, match.slug) == ("google/gemma-4-31b-it", "google/gemma-4-31b-it-20260402")
        assert result.arena_keys_for("google/gemma-4-31b-it-20260402:free") == ("gemma-4-31b",)
    routers = [_m("~google/gemini-pro-latest"), _m("openrouter/gemini-pro-latest")]
    assert _one("gemini-pro-latest", routers) == (None, "no candidate")


def test_normalisation_units():
    assert tokens("claude-opus-4.7") == tokens("claude_opus_4-7") == ("claude", "opus", "4", "7")
    assert tokens("Nova Pro v1.0") == ("nova", "pro", "v", "1")
    assert tokens("Command R+") == ("command", "r", "plus")
    assert name_key("claude-4.7-opus-20260416") == name_key("claude-opus-4-7-20260416")
    assert name_key("gemini-3-flash") != name_key("gemini-3.1-flash")
    assert split_date(tokens("gpt-4o-2024-05-13"))[1] == "20240513"
    assert split_date(tokens("command-r-08-2024"))[1] == "202408"
    assert split_date(tokens("gemini-2.5-pro-preview-06-05"))[1] == "0605"
    assert split_date(tokens("grok-4.20"))[1] is None
    assert split_date(tokens("gpt-5.4"))[1] is None
    assert same_date("0309", "20260309")
    assert not same_date("2506", "20250617")
