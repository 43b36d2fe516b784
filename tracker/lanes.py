"""Lanes: which market segment a model competes in, from its Arena score and its OpenRouter price.

Three lanes, decided in this order by `lane_for`:

1. "frontier reasoning": an Arena Text score of at least `frontier_min_score`, whatever the price;
   or, failing that, an output price of at least `frontier_min_completion_per_m`.
2. "cheap bulk": a blended price of at most `cheap_max_blended_per_m`.
3. "fast general-purpose": every other priced model.

A model with no usable price and a score below the frontier line has no lane (None): its price
decides between the two lower lanes and is unknown. Prices are USD per million tokens; a negative
price (OpenRouter's routers) counts as unknown, zero (a free variant) as a price.

How the defaults were chosen (Arena Text rows of 2026-04-23, config `text`, category `overall`;
OpenRouter catalogue of 2026-08-01):

- `frontier_min_score = 1470`: the Text top nine score 1472 to 1500 (Claude Opus 4.6 and 4.7, Gemini
  3.1 Pro and 3 Pro, Muse Spark, GPT-5.4-high, Qwen3.5-Max preview); #10 Gemini 3 Flash scores 1467
  and GLM-5.1 1467, both fast models the line should leave out.
- `frontier_min_completion_per_m = 10`: reasoning models spend most of a request on output, and the
  labs price their flagships at $10/M output and up (Gemini 3.1 Pro $12, GPT-5.4 $15, Claude Sonnet
  4.6 $15, Claude Opus 4.7 $25), while the fast tiers stay below (Gemini 3 Flash $3, GPT-5.4 Mini
  $4.50, Claude Haiku 4.5 $5). This places flagships that Arena has not scored yet (Claude Opus 5).
- `cheap_max_blended_per_m = 0.60` on a 3:1 input:output blend (the usual chat mix): just above
  Gemini 3.1 Flash Lite (0.25/1.50 -> 0.5625), the reference bulk model, and below Gemini 2.5 Flash
  (0.30/2.50 -> 0.85). DeepSeek V4 Flash (0.175) and V4 Pro (0.544) and MiniMax M2.7 (0.4375) fall in.

The price line reads price, not reasoning: an old model still sold at flagship prices (GPT-4o
2024-05-13 at $15/M output) lands in the frontier lane too.

Every threshold can be set without code: TRACKER_LANES="frontier_min_score=1480,cheap_max_blended_per_m=0.5".

The score is on the Arena Text scale; WebDev scores run higher, so give a WebDev caller its own
`LaneRules`. For a model with several Arena modes, pass its best Text score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from tracker.models import ConfigError

FRONTIER_REASONING = "frontier reasoning"
FAST_GENERAL_PURPOSE = "fast general-purpose"
CHEAP_BULK = "cheap bulk"
LANES = (FRONTIER_REASONING, FAST_GENERAL_PURPOSE, CHEAP_BULK)


@dataclass(frozen=True)
class LaneRules:
    """The thresholds `lane_for` applies; the defaults and their reasons are in the module docstring."""

    frontier_min_score: float = 1470.0  # Arena Text score
    frontier_min_completion_per_m: Decimal = Decimal("10")  # USD per million output tokens
    cheap_max_blended_per_m: Decimal = Decimal("0.60")  # USD per million tokens, blended
    blend_input_parts: int = 3  # the blend: this many input tokens ...
    blend_output_parts: int = 1  # ... for this many output tokens

    def __post_init__(self) -> None:
        if self.blend_input_parts < 0 or self.blend_output_parts < 0:
            raise ValueError("blend parts must not be negative")
        if self.blend_input_parts + self.blend_output_parts == 0:
            raise ValueError("the blend needs at least one part")
        if self.cheap_max_blended_per_m < 0 or self.frontier_min_completion_per_m < 0:
            raise ValueError("price thresholds must not be negative")


DEFAULT_LANE_RULES = LaneRules()

_THRESHOLDS = {
    "frontier_min_score": float,
    "frontier_min_completion_per_m": Decimal,
    "cheap_max_blended_per_m": Decimal,
    "blend_input_parts": int,
    "blend_output_parts": int,
}


def rules_from(overrides: Mapping[str, str]) -> LaneRules:
    """Lane rules from `name=value` settings (TRACKER_LANES, the settings file's [lanes]); unknown names or
    bad values are refused."""
    values: dict[str, object] = {}
    for name, text in overrides.items():
        if name not in _THRESHOLDS:
            raise ConfigError(f"lanes: unknown threshold {name!r}; known: {', '.join(_THRESHOLDS)}")
        try:
            values[name] = _THRESHOLDS[name](text)
        except (ValueError, ArithmeticError):
            raise ConfigError(f"lanes: {name}={text!r} is not a number") from None
    try:
        return LaneRules(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"lanes: {exc}") from None


def _price(value: Decimal | None) -> Decimal | None:
    return None if value is None or value < 0 else value


def blended_price_per_m(
    prompt_price_per_m: Decimal | None,
    completion_price_per_m: Decimal | None,
    rules: LaneRules = DEFAULT_LANE_RULES,
) -> Decimal | None:
    """The input:output blend of two prices per million tokens; None if either is unknown."""
    prompt, completion = _price(prompt_price_per_m), _price(completion_price_per_m)
    if prompt is None or completion is None:
        return None
    parts = rules.blend_input_parts + rules.blend_output_parts
    return (prompt * rules.blend_input_parts + completion * rules.blend_output_parts) / parts


def lane_for(
    score: float | None,
    prompt_price_per_m: Decimal | None,
    completion_price_per_m: Decimal | None,
    rules: LaneRules = DEFAULT_LANE_RULES,
) -> str | None:
    """The lane of one model (see the module docstring), or None when its price is needed and unknown."""
    if score is not None and score >= rules.frontier_min_score:
        return FRONTIER_REASONING
    completion = _price(completion_price_per_m)
    if completion is not None and completion >= rules.frontier_min_completion_per_m:
        return FRONTIER_REASONING
    blended = blended_price_per_m(prompt_price_per_m, completion_price_per_m, rules)
    if blended is None:
        return None
    return CHEAP_BULK if blended <= rules.cheap_max_blended_per_m else FAST_GENERAL_PURPOSE


def group_by_lane(
    models: Iterable[tuple[str, float | None, Decimal | None, Decimal | None]],
    rules: LaneRules = DEFAULT_LANE_RULES,
) -> Mapping[str | None, tuple[str, ...]]:
    """(name, score, prompt price, completion price) rows -> names per lane, in input order.

    Every lane is a key, even when empty; models without a lane are under None.
    """
    groups: dict[str | None, list[str]] = {lane: [] for lane in (*LANES, None)}
    for name, score, prompt, completion in models:
        groups[lane_for(score, prompt, completion, rules)].append(name)
    return {lane: tuple(names) for lane, names in groups.items()}
