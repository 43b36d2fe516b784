"""The `/api/v1/models` catalogue: prices as exact Decimals, variants, and price/context changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tracker.models import InvalidCaptureError, LayoutError, UsageError
from tracker.sources.openrouter import catalogue, frontend

OLD = "openrouter/models-2025-08-05.json"
AUG01 = "openrouter/models-2026-08-01.json"
AUG22 = "openrouter/models-2026-08-22.json"
WEEK_0801 = "openrouter/rankings-models-week-2026-08-01.json"
DAY = date(2026, 8, 1)


def _parse(body: bytes, as_of: date | None = DAY):
    return catalogue.parse(body, as_of=as_of)


def _by_id(parsed) -> dict:
    return {m.catalog_id: m for m in parsed.models}


@pytest.mark.parametrize(("name", "count"), [(OLD, 313), (AUG01, 336), (AUG22, 421)])
def test_model_counts(fixture_bytes, name, count):
    parsed = _parse(fixture_bytes(name))
    assert len(parsed.models) == count
    assert parsed.as_of == DAY
    assert parsed.method == "openrouter-models-api"


def test_prices_are_exact_decimals_per_million_tokens(fixture_bytes):
    models = _by_id(_parse(fixture_bytes(AUG01)))
    flash = models["deepseek/deepseek-v4-flash-0731"]
    assert flash.prompt_price_per_m == Decimal("0.14")
    assert str(flash.prompt_price_per_m) == "0.14"
    assert flash.completion_price_per_m == Decimal("0.28")
    assert str(flash.completion_price_per_m) == "0.28"
    assert flash.slug == "deepseek/deepseek-v4-flash-20260731"
    assert flash.name == "DeepSeek V4 Flash 0731"
    assert flash.organization == "DeepSeek"
    assert flash.context_length == 1_048_576
    assert flash.created == datetime(2026, 7, 31, 6, 21, 48, tzinfo=UTC)  # epoch 1785478908
    assert flash.created.tzinfo is UTC
    luna = models["openai/gpt-5.6-luna-pro"]  # a price string with float noise stays exact
    assert luna.completion_price_per_m == Decimal("0.6000000000000001")
    opus = models["anthropic/claude-opus-5"]
    assert (opus.name, opus.organization) == ("Claude Opus 5", "anthropic")
    assert str(models["ai21/jamba-large-1.7"].prompt_price_per_m) == "2"


def test_negative_router_prices_are_none(fixture_bytes):
    models = _by_id(_parse(fixture_bytes(AUG01)))
    auto = models["openrouter/auto"]
    assert auto.prompt_price_per_m is None
    assert auto.completion_price_per_m is None
    assert sum(1 for m in models.values() if m.prompt_price_per_m is None) == 5


def test_old_schema_reads_the_same_fields(fixture_bytes):
    models = _by_id(_parse(fixture_bytes(OLD), as_of=date(2025, 8, 5)))
    beta = models["openrouter/horizon-beta"]
    assert (beta.name, beta.organization, beta.prompt_price_per_m) == (
        "Horizon Beta",
        "openrouter",
        Decimal(0),
    )
    coder = models["qwen/qwen3-coder:free"]
    assert coder.slug == "qwen/qwen3-coder-480b-a35b-07-25:free"
    assert coder.name == "Qwen3 Coder (free)"  # "Qwen: Qwen3 Coder  (free)": prefix off, blanks folded


def test_variants_share_the_canonical_slug_so_the_catalogue_key_adds_the_variant(fixture_bytes):
    raw = {r["id"]: r for r in json.loads(fixture_bytes(AUG01))["data"]}
    assert raw["poolside/laguna-s-2.1:free"]["canonical_slug"] == raw["poolside/laguna-s-2.1"]["canonical_slug"]
    models = _by_id(_parse(fixture_bytes(AUG01)))
    free, paid = models["poolside/laguna-s-2.1:free"], models["poolside/laguna-s-2.1"]
    assert free.slug == "poolside/laguna-s-2.1-20260720:free"
    assert paid.slug == "poolside/laguna-s-2.1-20260720"
    assert free.prompt_price_per_m == 0
    assert paid.prompt_price_per_m is not None
    assert paid.prompt_price_per_m > 0
    assert catalogue.catalog_key_for(free.slug) == paid.slug
    assert catalogue.catalog_key_for(paid.slug) == paid.slug
    assert catalogue.split_variant("a/b-1:thinking") == ("a/b-1", "thinking")


def test_ranking_rows_find_their_own_variants_price(fixture_bytes):
    index = catalogue.catalog_index(_parse(fixture_bytes(AUG01)).models)
    (week,) = frontend.parse(fixture_bytes(WEEK_0801), board="openrouter-weekly", as_of=None)
    found = {e.model_id: catalogue.find_catalog_model(index, e.model_id) for e in week.entries[:50]}
    # only two embedding models of the top 50 are not in this chat catalogue
    assert sorted(k for k, m in found.items() if m is None) == [
        "perplexity/pplx-embed-v1-0.6B",
        "qwen/qwen3-embedding-8b",
    ]
    free = [m for k, m in found.items() if m is not None and k.endswith(":free")]
    assert len(free) == 6
    assert all(m.prompt_price_per_m == 0 and m.completion_price_per_m == 0 for m in free)
    top = found["xiaomi/mimo-v2.5-20260422"]
    assert top is not None
    assert top.catalog_id == "xiaomi/mimo-v2.5"
    # a variant the catalogue does not list gets no price, not its base model's
    assert catalogue.find_catalog_model(index, "openai/gpt-5-nano-2025-08-07:batch") is None
    assert catalogue.find_catalog_model(index, "openai/gpt-5-nano-2025-08-07") is not None


def test_price_and_context_changes_between_the_august_catalogues(fixture_bytes):
    old, new = _parse(fixture_bytes(AUG01)), _parse(fixture_bytes(AUG22), as_of=date(2026, 8, 22))
    changes = catalogue.price_changes(old, new)
    assert len(changes) == 34
    assert [c.catalog_id for c in changes] == sorted(c.catalog_id for c in changes)
    flash = next(c for c in changes if c.catalog_id == "deepseek/deepseek-v4-flash-0731")
    assert (flash.prompt_before, flash.prompt_after) == (Decimal("0.14"), Decimal("0.08"))
    assert (flash.completion_before, flash.completion_after) == (Decimal("0.28"), Decimal("0.18"))
    assert len(catalogue.context_length_changes(old, new)) == 6
    assert catalogue.price_changes(new, new) == []
    assert catalogue.price_changes(old.models, new.models) == changes


def test_a_catalogue_needs_its_date():
    body = json.dumps({"data": [_model()]}).encode()
    with pytest.raises(UsageError, match="no date of its own"):
        _parse(body, as_of=None)


def _model(**overrides: object) -> dict:
    row: dict[str, object] = {
        "id": "a/x",
        "canonical_slug": "a/x-20260101",
        "name": "A: X",
        "created": 1767225600,
        "context_length": 1000,
        "pricing": {"prompt": "0.000001", "completion": "0.000002"},
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"data": [_model(), _model(canonical_slug="a/y")]}, "two models with the catalog_id 'a/x'"),
        ({"data": [_model(), _model(id="a/z")]}, "two models with the slug 'a/x-20260101'"),
    ],
)
def test_duplicates_are_refused(doc, match):
    with pytest.raises(InvalidCaptureError, match=match):
        _parse(json.dumps(doc).encode())


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"data": [_model()], "total_count": 2}, "total_count"),
        ({"data": [_model()], "links": {"next": "/api/v1/models?page=2"}}, "paged"),
        (
            {"data": [{k: v for k, v in _model().items() if k != "canonical_slug"}]},
            "'canonical_slug' is missing",
        ),
        ({"data": [_model(pricing={"prompt": "0.1"})]}, "'completion' is missing"),
        ({"data": [_model(pricing={"prompt": "free", "completion": "0"})]}, "not a number"),
        ({"data": [_model(pricing={"prompt": 0.1, "completion": "0"})]}, "not a decimal string"),
        ({"data": [_model(context_length="1000")]}, "not an integer"),
        ({"data": []}, "empty"),
        ({"models": []}, "`data` array"),
    ],
)
def test_broken_catalogues_are_refused(doc, match):
    with pytest.raises(LayoutError, match=match):
        _parse(json.dumps(doc).encode())


@pytest.mark.parametrize("body", [b"", b'{"data": [{"id": "a/x", "canon'])
def test_empty_or_truncated_catalogue_is_refused(body):
    with pytest.raises(LayoutError):
        _parse(body)


def test_prices_from_strings_keep_their_exact_value():
    assert catalogue.price_per_million("0.00000014", "t") == Decimal("0.14")
    assert catalogue.price_per_million("0", "t") == Decimal(0)
    assert str(catalogue.price_per_million("0.000015", "t")) == "15"
    assert catalogue.price_per_million("-1", "t") is None
