"""Cross-source identity in the flow: match every stored Arena model to the stored OpenRouter catalogue,
store the decisions, and read back the portfolio, the unmatched models and the post's matchup.

The matching itself is `tracker.matching` (pure, with the reviewed overrides of `model_map.yaml`); the
portfolio's figures are the SQL view `portfolio` (migration 0002); lanes are `tracker.lanes`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tracker.history import History
from tracker.lanes import DEFAULT_LANE_RULES, LaneRules
from tracker.matching import MatchResult, ModelMap, load_model_map, match_models
from tracker.matching_rules import split_variant
from tracker.models import BOARDS, CatalogModel, Entry, ModelInfo, Snapshot
from tracker.narrate_portfolio import Matchup, Priced
from tracker.portfolio import Portfolio, PortfolioRow, build_portfolio, leader_by_quality
from tracker.store import MatchRecord, Store

log = logging.getLogger(__name__)

TEXT_BOARDS = ("arena-text", "arena-text-raw")  # the portfolio's Arena Text: style control first (see the view)
USAGE_BOARD = "openrouter-weekly"


def arena_models(models: list[ModelInfo]) -> list[tuple[str, str | None]]:
    """(Arena key, organisation) of every stored Arena model, by key."""
    out = []
    for info in models:
        if info.source != "arena":
            continue
        key = next((alias for kind, alias in info.aliases if kind == "key"), info.model_id)
        out.append((key, info.organization))
    return sorted(out)


def _ranking_key(slug: str, catalogue: tuple[CatalogModel, ...]) -> str:
    """The stored key of a matched model: its canonical slug, or its first variant when only variants are sold."""
    keys = sorted(m.slug for m in catalogue if split_variant(m.slug)[0] == slug)
    return slug if slug in keys or not keys else keys[0]


def refresh_matches(history: History, store: Store, overrides: ModelMap | None = None) -> MatchResult | None:
    """Match every stored Arena model to the stored catalogue and store the decisions; None without a catalogue."""
    catalogue = history.catalogue()
    if catalogue is None:
        log.info("no OpenRouter catalogue stored: Arena models are not matched yet")
        return None
    result = match_models(arena_models(history.model_infos()), catalogue.models, overrides or load_model_map())
    records = [
        MatchRecord(m.arena_key, _ranking_key(m.slug, catalogue.models), m.method, m.mode) for m in result.matches
    ]
    records += [MatchRecord(u.arena_key, None, reason=u.reason) for u in result.unmatched]
    changed = store.save_matches(records, catalogue_as_of=catalogue.as_of)
    log.info(
        "%d Arena models matched to OpenRouter, %d unmatched (catalogue as of %s%s)",
        len(result.matches),
        len(result.unmatched),
        catalogue.as_of,
        "" if changed else ", unchanged",
    )
    return result


def portfolio(history: History, rules: LaneRules = DEFAULT_LANE_RULES) -> tuple[PortfolioRow, ...]:
    """The portfolio from the stored matches (run `refresh_matches` first), with lanes."""
    return build_portfolio(history.portfolio_rows(), rules)


def site_portfolio(history: History, rules: LaneRules = DEFAULT_LANE_RULES) -> Portfolio:
    """The portfolio for the site: its rows and every stored match, so model pages can show their lane."""
    counterparts = {m.arena_model_id: m.openrouter_model_id for m in history.model_matches() if m.openrouter_model_id}
    return Portfolio(portfolio(history, rules), counterparts, rules)


# ---- models with no counterpart


@dataclass(frozen=True)
class UnmatchedUsage:
    """A model of the latest OpenRouter weekly window that no Arena model is matched to."""

    rank: int | None
    model_id: str
    model: str
    tokens: int | None
    reason: str


def unmatched_usage(history: History) -> list[UnmatchedUsage]:
    """The latest weekly window's models with no Arena counterpart (variants count as their base model)."""
    latest = history.latest_snapshot(USAGE_BOARD)
    if latest is None:
        return []
    targets = {split_variant(m.openrouter_model_id)[0] for m in history.model_matches() if m.openrouter_model_id}
    catalogue = history.catalogue()
    listed = {split_variant(m.slug)[0] for m in catalogue.models} if catalogue else set()
    out = []
    for entry in latest.entries:
        base = split_variant(entry.key)[0]
        if base in targets or split_variant(entry.model_id)[0] in targets:
            continue
        reason = "no Arena model is matched to it" if base in listed else "not in the stored catalogue"
        out.append(UnmatchedUsage(entry.rank, entry.model_id, entry.model, entry.tokens, reason))
    return out


def unmatched_json(history: History) -> dict[str, Any]:
    """`tracker models unmatched --json`: both sides, every model listed with its reason."""
    return {
        "arena": [
            {
                "model_id": m.arena_model_id,
                "model": m.arena_model,
                "organization": m.organization,
                "reason": m.reason,
                "catalogue_as_of": m.catalogue_as_of.isoformat(),
            }
            for m in history.unmatched()
        ],
        "openrouter": [
            {"rank": u.rank, "model_id": u.model_id, "model": u.model, "tokens": u.tokens, "reason": u.reason}
            for u in unmatched_usage(history)
        ],
    }


# ---- the post's matchup


def _leader(snapshot: Snapshot) -> Entry | None:
    ranked = sorted(snapshot.entries, key=lambda e: (e.rank is None, e.rank or 0, -(e.score or 0), e.model_id))
    return ranked[0] if ranked else None


def _arena_priced(entry: Entry, row: PortfolioRow | None) -> Priced:
    if row is None:
        return Priced(entry.model, entry.rank, entry.score)
    return Priced(
        entry.model,
        entry.rank,
        entry.score,
        row.input_price_per_m,
        row.output_price_per_m,
        listed_as=row.model,
        openrouter_id=row.model_id,
    )


def matchup(history: History, rows: tuple[PortfolioRow, ...] | None = None) -> Matchup | None:
    """Arena Text's leader against OpenRouter's weekly leader, priced from the catalogue; None if a side is missing.

    Uses the stored matches (run `refresh_matches` first) and the latest snapshot of each board.
    """
    catalogue = history.catalogue()
    text = next((s for b in TEXT_BOARDS if (s := history.latest_snapshot(b)) is not None), None)
    usage = history.latest_snapshot(USAGE_BOARD)
    if catalogue is None or text is None or usage is None:
        return None
    quality, traffic = _leader(text), _leader(usage)
    if quality is None or traffic is None:
        return None
    rows = portfolio(history) if rows is None else rows
    by_arena = {r.arena_text: r for r in rows if r.arena_text_board == text.board and r.arena_text}
    prices = {m.slug: m for m in catalogue.models}
    listed = prices.get(traffic.model_id)
    usage_leader = Priced(
        traffic.model,
        traffic.rank,
        traffic.tokens,
        listed.prompt_price_per_m if listed else None,
        listed.completion_price_per_m if listed else None,
        openrouter_id=split_variant(traffic.model_id)[0],
    )
    leader = _arena_priced(quality, by_arena.get(quality.model_id))
    best_sold = None
    if not leader.priced and (best := leader_by_quality(r for r in rows if r.arena_text_board == text.board)):
        names = {e.model_id: e for e in text.entries}
        entry = names.get(best.arena_text or "")
        if entry is not None:
            best_sold = _arena_priced(entry, best)
    return Matchup(
        quality_board=BOARDS[text.board],
        quality_as_of=text.as_of,
        quality_leader=leader,
        usage_board=BOARDS[USAGE_BOARD],
        usage_as_of=usage.as_of,
        usage_leader=usage_leader,
        catalogue_as_of=catalogue.as_of,
        best_sold=best_sold,
    )
