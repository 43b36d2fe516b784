"""The portfolio: one row per OpenRouter model that Arena models are matched to, quality beside usage and price.

The figures come from the SQL view `portfolio` (migration 0002 documents every column: which Arena
Text board, which Arena mode when several match one model, how growth and the estimated spend are
computed); this module only types them and adds each model's lane (`tracker.lanes`), which depends on
thresholds that are configurable and so are not in the view. Pure: rows in, rows out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from tracker.lanes import DEFAULT_LANE_RULES, LaneRules, lane_for

# The estimated spend's fallback blend when the ranking gives no prompt/completion split (see the view).
SPEND_BLEND = "3:1"


@dataclass(frozen=True)
class PortfolioRow:
    """One OpenRouter base model with its matched Arena figures, usage, catalogue price and lane."""

    model_id: str  # OpenRouter canonical slug: the ranking key
    model: str  # OpenRouter display name
    organization: str | None
    arena_text: str | None  # the Arena model id (its Arena key) on the Text board, best-ranked mode
    arena_text_board: str | None  # "arena-text" (style control) or "arena-text-raw"
    arena_text_score: float | None
    arena_text_rank: int | None
    arena_text_as_of: date | None
    arena_webdev: str | None
    arena_webdev_score: float | None
    arena_webdev_rank: int | None
    arena_webdev_as_of: date | None
    weekly_tokens: int | None
    growth_pct: float | None  # percent, week over week
    usage_rank: int | None
    usage_as_of: date | None
    catalog_id: str | None
    input_price_per_m: Decimal | None  # USD per million input tokens
    output_price_per_m: Decimal | None  # USD per million output tokens
    context_length: int | None
    price_as_of: date | None
    estimated_weekly_spend_usd: float | None  # an estimate: weekly tokens x a blended list price
    spend_blend: str | None  # "observed" (the row's own split) or "3:1"
    lane: str | None = None

    @property
    def openrouter(self) -> str:
        """The OpenRouter key matched (the canonical slug the rankings use)."""
        return self.model_id

    def to_json(self) -> dict[str, Any]:
        """The row for `tracker portfolio --json`: every field, the source keys per board, prices as numbers."""
        out: dict[str, Any] = {"model_id": self.model_id, "model": self.model, "openrouter": self.openrouter}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Decimal):
                value = float(value)
            elif isinstance(value, date):
                value = value.isoformat()
            out.setdefault(f.name, value)
        return out


_FIELDS = tuple(f.name for f in fields(PortfolioRow) if f.name != "lane")


def _price(value: Any) -> Decimal | None:
    # The view gives floats; repr() keeps the catalogue's digits ($0.075, not 0.07499999...).
    return None if value is None else Decimal(repr(float(value)))


def _row(view_row: Mapping[str, Any], rules: LaneRules) -> PortfolioRow:
    missing = [name for name in _FIELDS if name not in view_row]
    if missing:
        raise ValueError(f"the portfolio view has no column {', '.join(missing)}")
    values = {name: view_row[name] for name in _FIELDS}
    values["input_price_per_m"] = _price(values["input_price_per_m"])
    values["output_price_per_m"] = _price(values["output_price_per_m"])
    lane = lane_for(values["arena_text_score"], values["input_price_per_m"], values["output_price_per_m"], rules)
    return PortfolioRow(**values, lane=lane)


def _order(row: PortfolioRow) -> tuple[Any, ...]:
    """Quality first (Arena Text rank, then WebDev rank), then usage rank; unknown ranks last."""
    ranks = (row.arena_text_rank, row.arena_webdev_rank, row.usage_rank)
    return (*((r is None, r or 0) for r in ranks), row.model_id)


def build_portfolio(
    view_rows: Iterable[Mapping[str, Any]], rules: LaneRules = DEFAULT_LANE_RULES
) -> tuple[PortfolioRow, ...]:
    """Rows of the `portfolio` view -> typed rows with their lane, best Arena Text rank first."""
    return tuple(sorted((_row(r, rules) for r in view_rows), key=_order))


@dataclass(frozen=True)
class Portfolio:
    """What the site shows of the portfolio: its rows, every stored match, and the lane rules applied."""

    rows: tuple[PortfolioRow, ...]
    counterparts: Mapping[str, str] = field(default_factory=dict)  # Arena model id -> OpenRouter model id
    rules: LaneRules = DEFAULT_LANE_RULES

    def row_for(self, model_id: str) -> PortfolioRow | None:
        """The row of an OpenRouter model, or of the OpenRouter model an Arena model is matched to."""
        target = self.counterparts.get(model_id, model_id)
        return next((r for r in self.rows if r.model_id == target), None)


def leader_by_quality(rows: Iterable[PortfolioRow]) -> PortfolioRow | None:
    """The best-ranked row on Arena Text that has a catalogue price."""
    priced = [r for r in rows if r.arena_text_rank is not None and r.output_price_per_m is not None]
    return min(priced, key=_order, default=None)
