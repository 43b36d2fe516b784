"""The post's "Prestige vs production" section: Arena's quality leader set against OpenRouter's traffic leader,
with what each costs on OpenRouter's catalogue and the gap between the two prices.

Pure and deterministic: a `Matchup` (built by the pipeline from the latest snapshots, the stored
cross-source matches and the catalogue) in, a `PostSection` (or None when there is nothing to compare) out.
Prices read "$5/$25 per million input/output tokens"; a gap reads "about 89x less on output".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tracker.models import Board, PostSection
from tracker.narrate_phrases import figure, names
from tracker.units import format_rank

HEADING = "Prestige vs production"


@dataclass(frozen=True)
class Priced:
    """A model as a board ranks it, with its OpenRouter list price when the catalogue has one."""

    name: str  # as the board shows it
    rank: int | None
    value: float | int | None  # the Arena score, or the weekly tokens
    input_price_per_m: Decimal | None = None  # USD per million input tokens
    output_price_per_m: Decimal | None = None  # USD per million output tokens
    listed_as: str | None = None  # the OpenRouter model an Arena model is sold as
    openrouter_id: str | None = None  # the OpenRouter base model, to tell whether two leaders are one model

    @property
    def priced(self) -> bool:
        return self.input_price_per_m is not None and self.output_price_per_m is not None


@dataclass(frozen=True)
class Matchup:
    """Who leads quality and who leads traffic, and what they cost."""

    quality_board: Board  # Arena Text (style control, or the raw board when that is all there is)
    quality_as_of: date  # the snapshot the leader comes from
    quality_leader: Priced  # #1 on that board
    usage_board: Board  # OpenRouter's weekly ranking
    usage_as_of: date
    usage_leader: Priced  # #1 there
    catalogue_as_of: date
    best_sold: Priced | None = None  # the best-ranked Text model that has a price, when the leader has none

    def attributions(self) -> tuple[tuple[Board, date], ...]:
        """The boards the section quotes, with the date each is quoted as of."""
        return ((self.quality_board, self.quality_as_of), (self.usage_board, self.usage_as_of))


def usd(value: Decimal) -> str:
    """ "$5", "$0.14", "$2.50", "$0.075": whole dollars bare, else cents and any further digits."""
    if value == value.to_integral_value():
        return f"${int(value)}"
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"${value:.{places}f}"


def prices(model: Priced) -> str:
    """ "$5/$25"."""
    if model.input_price_per_m is None or model.output_price_per_m is None:
        raise ValueError(f"{model.name} has no price")
    return f"{usd(model.input_price_per_m)}/{usd(model.output_price_per_m)}"


def times(ratio: Decimal) -> str:
    """ "89x", "2.5x", "3x": whole from ten up, one decimal below."""
    places = Decimal(1) if ratio >= 10 else Decimal("0.1")
    text = str(ratio.quantize(places, rounding=ROUND_HALF_UP))
    return (text.removesuffix(".0") if "." in text else text) + "x"


def _gap(dearer: Decimal, cheaper: Decimal) -> Decimal | None:
    return None if cheaper <= 0 or dearer <= 0 else dearer / cheaper


def gap_clause(quality: Priced, usage: Priced) -> str:
    """ "about 36x less on input and 89x less on output", seen from the traffic leader; "" if unknown."""
    parts = []
    for side, q, u in (
        ("input", quality.input_price_per_m, usage.input_price_per_m),
        ("output", quality.output_price_per_m, usage.output_price_per_m),
    ):
        if q is None or u is None:
            continue
        if q == u:
            parts.append(f"the same on {side}")
            continue
        ratio = _gap(q, u) if q > u else _gap(u, q)
        if ratio is None:
            continue
        parts.append(f"{times(ratio)} {'less' if q > u else 'more'} on {side}")
    if not parts:
        return ""
    return "about " + " and ".join(parts)


def _standing(m: Matchup) -> str:
    q, u = m.quality_leader, m.usage_leader
    qn, un = names(m.quality_board), names(m.usage_board)
    return (
        f"On quality, {q.name} leads {qn.owner} {qn.noun} at {figure(m.quality_board, q.value)}; "
        f"on traffic, {u.name} leads {un.owner} {un.noun} with {figure(m.usage_board, u.value)} tokens."
    )


def _quality_price(m: Matchup) -> tuple[str, Priced | None]:
    """What the quality side costs: the leader's own price, or the best-ranked Text model that has one."""
    q = m.quality_leader
    if q.priced:
        listed = f" as {q.listed_as}" if q.listed_as else ""
        return f"{q.name} is sold on OpenRouter{listed} at {prices(q)} per million input/output tokens", q
    b = m.best_sold
    if b is None or not b.priced:
        board = names(m.quality_board)
        return f"{q.name} is not sold on OpenRouter, nor is any other model on {board.owner} {board.noun}", None
    listed = f" as {b.listed_as}" if b.listed_as else ""
    text = (
        f"{q.name} is not sold on OpenRouter; the best-ranked Text model that is, {b.name} at "
        f"{format_rank(b.rank)}, costs {prices(b)} per million input/output tokens{listed}"
    )
    return text, b


def _usage_price(m: Matchup, quality: Priced | None) -> str:
    u = m.usage_leader
    if not u.priced:
        return f"{u.name}'s price is not in the catalogue"
    if u.output_price_per_m == 0 and u.input_price_per_m == 0:
        return f"{u.name} is free"
    text = f"{u.name} costs {prices(u)}"
    gap = gap_clause(quality, u) if quality is not None else ""
    return f"{text}, {gap}" if gap else text


def matchup_paragraphs(m: Matchup) -> tuple[str, ...]:
    """The section's paragraphs: who leads each board, then the two prices and the gap between them."""
    q, u = m.quality_leader, m.usage_leader
    if q.openrouter_id is not None and q.openrouter_id == u.openrouter_id:
        same = f"{q.name} is {u.name} on OpenRouter: the same model leads quality and traffic"
        cost = f" at {prices(u)} per million input/output tokens" if u.priced else ""
        return (_standing(m), f"{same}{cost}.", _source(m))
    quality_text, quality = _quality_price(m)
    return (_standing(m), f"{quality_text}; {_usage_price(m, quality)}.", _source(m))


def _source(m: Matchup) -> str:
    return f"Prices are list prices from OpenRouter's model catalogue as of {m.catalogue_as_of.isoformat()}."


def matchup_section(m: Matchup | None) -> PostSection | None:
    """The post's section, or None when there is no matchup to tell."""
    if m is None:
        return None
    return PostSection(HEADING, matchup_paragraphs(m))
