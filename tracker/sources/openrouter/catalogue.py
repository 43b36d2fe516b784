"""OpenRouter's model catalogue (`GET /api/v1/models`): prices, context length, creation date; and its diffs.

Both schemas are read: the 2025 one (`{"data": [...]}`) and the 2026 one (adds `total_count`, `links`,
`reasoning`, ...). Prices are strings in USD per token; we keep USD per million tokens as exact
Decimals ("0.00000014" -> 0.14). A negative price ("-1", the routers whose price depends on the model
they pick) means "no fixed price": None.

How variants relate to `canonical_slug` (checked on all three captures): a variant has its own `id`
(`poolside/laguna-s-2.1:free`) but shares the base model's `canonical_slug`
(`poolside/laguna-s-2.1-20260720`), while the rankings key the same variant as
`poolside/laguna-s-2.1-20260720:free` (canonical slug + the id's `:variant`). The canonical slug alone is
therefore not unique in the catalogue (the free and the paid row share it, at different prices), so
`CatalogModel.slug` is the rankings key: `canonical_slug` plus the id's variant suffix, if any. It is
unique in every capture and joins a ranking entry's `model_id` directly, `:free` to the free price
and the base slug to the paid one. `catalog_key_for` gives a variant's base model. A variant the
catalogue does not list (e.g. `:batch` rows before 2026-08) has no price of its own:
`find_catalog_model` returns None rather than the base model's different price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from tracker.models import CatalogModel, InvalidCaptureError, LayoutError, ParsedCatalog, UsageError
from tracker.sources.openrouter.common import (
    display_name,
    field,
    load_json,
    mapping,
    non_empty_list,
    slug,
    sniff_json,
)

FORMAT = "openrouter-models-api"


def split_variant(key: str) -> tuple[str, str | None]:
    """Split a key: `x/y-20260720:free` -> ("x/y-20260720", "free"); no variant -> (key, None)."""
    base, sep, variant = key.partition(":")
    return (base, variant) if sep and variant else (key, None)


def catalog_key_for(variant_slug: str) -> str:
    """The base model of a rankings or catalogue key: its slug without the `:variant` suffix."""
    return split_variant(variant_slug)[0]


def catalogue_slug(canonical_slug: str, catalog_id: str) -> str:
    """The rankings key of a catalogue row: its canonical slug plus the variant its id names."""
    variant = split_variant(catalog_id)[1]
    return f"{canonical_slug}:{variant}" if variant else canonical_slug


def price_per_million(value: object, where: str) -> Decimal | None:
    """USD per token as text -> exact USD per million tokens; a negative price -> None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise LayoutError(f"{FORMAT}: {where}: the price is not a decimal string: {value!r}")
    try:
        per_token = Decimal(str(value).strip())
    except InvalidOperation:
        raise LayoutError(f"{FORMAT}: {where}: the price is not a number: {value!r}") from None
    if not per_token.is_finite():
        raise LayoutError(f"{FORMAT}: {where}: the price is not finite: {value!r}")
    if per_token < 0:
        return None
    per_million = per_token.scaleb(6)
    if per_million == per_million.to_integral_value():
        return per_million.quantize(Decimal(1))
    return per_million.normalize()


def _optional_int(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayoutError(f"{FORMAT}: {where}: not an integer: {value!r}")
    return value


def _name_and_organization(name: str, canonical: str) -> tuple[str, str]:
    """Split `Z.ai: GLM 5.3` -> ("GLM 5.3", "Z.ai"); a name without the prefix keeps the slug's author."""
    author, sep, rest = name.partition(": ")
    if sep and author.strip() and rest.strip():
        return display_name(rest), display_name(author)
    return display_name(name), canonical.split("/", 1)[0].lstrip("~")


def _model(raw: object, where: str) -> CatalogModel:
    row = mapping(raw, FORMAT, where)
    catalog_id = slug(field(row, "id", FORMAT, where), FORMAT, f"{where}.id")
    canonical = slug(field(row, "canonical_slug", FORMAT, where), FORMAT, f"{where}.canonical_slug")
    raw_name = field(row, "name", FORMAT, where)
    if not isinstance(raw_name, str) or not raw_name.strip():
        raise LayoutError(f"{FORMAT}: {where}: the name is missing or empty")
    name, organization = _name_and_organization(raw_name, canonical)
    pricing = mapping(field(row, "pricing", FORMAT, where), FORMAT, f"{where}.pricing")
    created = _optional_int(field(row, "created", FORMAT, where), f"{where}.created")
    return CatalogModel(
        slug=catalogue_slug(canonical, catalog_id),
        catalog_id=catalog_id,
        name=name,
        prompt_price_per_m=price_per_million(field(pricing, "prompt", FORMAT, where), f"{where} prompt"),
        completion_price_per_m=price_per_million(field(pricing, "completion", FORMAT, where), f"{where} completion"),
        context_length=_optional_int(field(row, "context_length", FORMAT, where), f"{where}.context_length"),
        created=datetime.fromtimestamp(created, tz=UTC) if created is not None else None,
        organization=organization,
    )


def parse(body: bytes, *, as_of: date | None) -> ParsedCatalog:
    """The whole catalogue; `as_of` is the day it was fetched (the response carries no date of its own)."""
    doc = mapping(load_json(body, FORMAT), FORMAT, "the catalogue")
    data = non_empty_list(doc.get("data"), FORMAT, "the `data` array")
    if "total_count" in doc and doc["total_count"] != len(data):
        raise LayoutError(f"{FORMAT}: total_count says {doc['total_count']!r} models, the page has {len(data)}")
    links = doc.get("links")
    if isinstance(links, dict) and links.get("next"):
        raise LayoutError(f"{FORMAT}: the catalogue is paged (links.next = {links['next']!r}); this is one page")
    models = [_model(raw, f"data[{i}]") for i, raw in enumerate(data)]
    if as_of is None:
        raise UsageError(f"{FORMAT}: the catalogue carries no date of its own; give the day it was fetched")
    for attribute in ("catalog_id", "slug"):
        seen: set[str] = set()
        for model in models:
            key = getattr(model, attribute)
            if key in seen:
                raise InvalidCaptureError(f"{FORMAT}: two models with the {attribute} {key!r}")
            seen.add(key)
    return ParsedCatalog(as_of=as_of, models=tuple(sorted(models, key=lambda m: m.slug)), method=FORMAT)


def sniff(body: bytes, filename: str) -> bool:
    doc = sniff_json(body)
    rows = doc.get("data") if isinstance(doc, dict) else None
    return (
        isinstance(rows, list)
        and bool(rows)
        and isinstance(rows[0], dict)
        and {"id", "canonical_slug", "pricing"} <= rows[0].keys()
    )


# ---- joins and comparisons (pure)


def catalog_index(models: Iterable[CatalogModel]) -> dict[str, CatalogModel]:
    """Catalogue models by rankings key (`CatalogModel.slug`)."""
    return {model.slug: model for model in models}


def find_catalog_model(index: Mapping[str, CatalogModel], ranking_slug: str) -> CatalogModel | None:
    """The catalogue row priced for a rankings key, or None when the catalogue does not list that variant."""
    return index.get(ranking_slug)


@dataclass(frozen=True)
class PriceChange:
    catalog_id: str
    slug: str
    name: str
    prompt_before: Decimal | None
    prompt_after: Decimal | None
    completion_before: Decimal | None
    completion_after: Decimal | None


@dataclass(frozen=True)
class ContextChange:
    catalog_id: str
    slug: str
    name: str
    before: int | None
    after: int | None


def _prices(model: CatalogModel) -> tuple[Decimal | None, Decimal | None]:
    return model.prompt_price_per_m, model.completion_price_per_m


def _by_id(catalogue: ParsedCatalog | Iterable[CatalogModel]) -> dict[str, CatalogModel]:
    models = catalogue.models if isinstance(catalogue, ParsedCatalog) else catalogue
    return {model.catalog_id: model for model in models}


def _common(
    old: ParsedCatalog | Iterable[CatalogModel], new: ParsedCatalog | Iterable[CatalogModel]
) -> list[tuple[CatalogModel, CatalogModel]]:
    before, after = _by_id(old), _by_id(new)
    return [(before[key], after[key]) for key in sorted(before.keys() & after.keys())]


def price_changes(
    old: ParsedCatalog | Iterable[CatalogModel], new: ParsedCatalog | Iterable[CatalogModel]
) -> list[PriceChange]:
    """Models (matched by catalogue id) whose prompt or completion price differs, by id."""
    return [
        PriceChange(
            b.catalog_id,
            b.slug,
            b.name,
            a.prompt_price_per_m,
            b.prompt_price_per_m,
            a.completion_price_per_m,
            b.completion_price_per_m,
        )
        for a, b in _common(old, new)
        if _prices(a) != _prices(b)
    ]


def context_length_changes(
    old: ParsedCatalog | Iterable[CatalogModel], new: ParsedCatalog | Iterable[CatalogModel]
) -> list[ContextChange]:
    """Models (matched by catalogue id) whose context length differs, by id."""
    return [
        ContextChange(b.catalog_id, b.slug, b.name, a.context_length, b.context_length)
        for a, b in _common(old, new)
        if a.context_length != b.context_length
    ]
