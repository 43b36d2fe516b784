"""The portfolio page's data and the lane on model pages, from the portfolio rows (pure; called by `build`).

Links go only to pages the site has: a model gets a page when it appears on a tracked board, so an
OpenRouter model that is in the catalogue but not in the weekly ranking is shown without a link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from tracker.lanes import blended_price_per_m
from tracker.models import BOARDS, Board
from tracker.portfolio import Portfolio, PortfolioRow
from tracker.site.context import ModelView, PortfolioLine, PortfolioView
from tracker.site.scatter import ScatterPoint
from tracker.units import format_rank

PAGE = "portfolio.html"


def _line(row: PortfolioRow, paths: Mapping[str, str], names: Mapping[str, str]) -> PortfolioLine:
    def name(model_id: str | None) -> str | None:
        return None if model_id is None else names.get(model_id, model_id)

    def path(model_id: str | None) -> str | None:
        return None if model_id is None else paths.get(model_id)

    return PortfolioLine(
        row=row,
        path=path(row.model_id),
        text_name=name(row.arena_text),
        text_path=path(row.arena_text),
        webdev_name=name(row.arena_webdev),
        webdev_path=path(row.arena_webdev),
    )


def _point(line: PortfolioLine, portfolio: Portfolio) -> ScatterPoint | None:
    row = line.row
    if row.arena_text_score is None or not row.weekly_tokens:
        return None
    blended = blended_price_per_m(row.input_price_per_m, row.output_price_per_m, portfolio.rules)
    detail = f", {format_rank(row.usage_rank)} on OpenRouter"
    if blended is not None:
        detail += f", ${float(blended):.2f} per million tokens blended"
    return ScatterPoint(
        label=row.model,
        score=row.arena_text_score,
        tokens=row.weekly_tokens,
        price=None if blended is None else float(blended),
        lane=row.lane,
        href=line.path,  # the page sits at the site root, as the model paths are written
        detail=detail,
    )


def _attributions(rows: Sequence[PortfolioRow]) -> tuple[tuple[Board, str], ...]:
    """Each board the table quotes, attributed as of the newest snapshot it quotes."""
    quoted: dict[str, date] = {}
    for row in rows:
        for board_id, as_of in (
            (row.arena_text_board, row.arena_text_as_of),
            ("arena-webdev" if row.arena_webdev else None, row.arena_webdev_as_of),
            ("openrouter-weekly" if row.weekly_tokens is not None else None, row.usage_as_of),
        ):
            if board_id in BOARDS and as_of is not None:
                quoted[board_id] = max(as_of, quoted.get(board_id, as_of))
    return tuple((BOARDS[b], BOARDS[b].attribution.format(as_of=quoted[b].isoformat())) for b in BOARDS if b in quoted)


def portfolio_view(
    portfolio: Portfolio,
    paths: Mapping[str, str],
    names: Mapping[str, str],
    catalogue_attribution: str,
) -> PortfolioView:
    """The page's data; `catalogue_attribution` has an "{as_of}" filled with the newest price row shown,
    so the page changes only when its own figures do."""
    lines = tuple(_line(row, paths, names) for row in portfolio.rows)
    points = tuple(p for p in (_point(line, portfolio) for line in lines) if p is not None)
    newest_price = max((r.price_as_of for r in portfolio.rows if r.price_as_of), default=None)
    text_boards = sorted({r.arena_text_board for r in portfolio.rows if r.arena_text_board in BOARDS})
    return PortfolioView(
        path=PAGE,
        lines=lines,
        points=points,
        rules=portfolio.rules,
        text_board=BOARDS[text_boards[0]] if text_boards else None,
        attributions=_attributions(portfolio.rows),
        price_attribution=catalogue_attribution.format(as_of=newest_price.isoformat()) if newest_price else None,
    )


def with_lane(view: ModelView, portfolio: Portfolio, paths: Mapping[str, str]) -> ModelView:
    """A model page with its lane, and for an Arena model the OpenRouter model it is sold as."""
    row = portfolio.row_for(view.model_id)
    if row is None:
        return view
    if row.model_id == view.model_id:
        return replace(view, lane=row.lane)
    return replace(view, lane=row.lane, counterpart=row.model, counterpart_path=paths.get(row.model_id))
