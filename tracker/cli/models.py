"""Commands about cross-source identity: `models unmatched` and `portfolio`.

Both first recompute the Arena -> OpenRouter matches from what is stored (quick, and the same data
always gives the same matches), so they answer for the data as it is now, not as of the last publish.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import click

from tracker.cli.app import App, pass_app
from tracker.cli.data import LOCK_WAIT_SECONDS
from tracker.cli.output import print_table
from tracker.models import UsageError
from tracker.pipeline import schema
from tracker.pipeline.operate import lane_rules, locked
from tracker.portfolio import PortfolioRow
from tracker.units import format_rank, format_score, format_tokens

NO_CATALOGUE = (
    "no OpenRouter catalogue stored yet, so nothing can be matched: run "
    "`tracker import --board openrouter-models FILE` or `tracker collect openrouter-models` first"
)


def _print_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _refresh(app: App) -> None:
    from tracker.pipeline.portfolio import refresh_matches  # matching loads its rules: only these commands

    schema.ensure(app.existing_engine())
    with locked(app.engine, LOCK_WAIT_SECONDS):
        if refresh_matches(app.history, app.store) is None:
            raise UsageError(NO_CATALOGUE)


def _rank(rank: int | None) -> str:
    return "" if rank is None else format_rank(rank)


def _usd(value: Decimal) -> str:
    """ "$5", "$0.50", "$0.966": whole dollars bare, else at least cents."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if "." in text and len(text.split(".")[1]) == 1:
        text += "0"
    return "$" + text


def _cells(r: PortfolioRow) -> list[str]:
    """One table row, compact enough for a terminal: each board's rank and figure share a cell."""

    def arena(rank: int | None, value: float | None) -> str:
        return "" if rank is None else f"{format_rank(rank)} {'' if value is None else format_score(value)}".strip()

    usage = ""
    if r.weekly_tokens is not None:
        growth = "" if r.growth_pct is None else f" {r.growth_pct:+.0f}%"
        usage = f"{_rank(r.usage_rank)} {format_tokens(r.weekly_tokens)}{growth}"
    prices = ""
    if r.input_price_per_m is not None and r.output_price_per_m is not None:
        prices = f"{_usd(r.input_price_per_m)}/{_usd(r.output_price_per_m)}"
    spend = r.estimated_weekly_spend_usd
    return [
        r.model,
        r.lane or "",
        arena(r.arena_text_rank, r.arena_text_score),
        arena(r.arena_webdev_rank, r.arena_webdev_score),
        usage,
        prices,
        "" if spend is None else "$" + format_tokens(round(spend)),
    ]


@click.group("models")
def models_group() -> None:
    """Cross-source model identity: which Arena models are which OpenRouter models."""


@models_group.command("unmatched")
@click.option("--json", "as_json", is_flag=True, help='Print JSON: {"arena": [...], "openrouter": [...]}.')
@pass_app
def unmatched_cmd(app: App, as_json: bool) -> None:
    """List the models with no counterpart on the other side, and why.

    Arena: every stored Arena model that matches no OpenRouter model (no candidate, an ambiguous name,
    an override target missing from the catalogue). OpenRouter: the models of the latest weekly window
    that no Arena model is matched to. Decide a case by adding it to tracker/model_map.yaml. The matches
    are recomputed from the stored data first.

    Example: tracker models unmatched --json
    """
    from tracker.pipeline.portfolio import unmatched_json

    _refresh(app)
    document = unmatched_json(app.history)
    if as_json:
        _print_json(document)
        return
    click.echo(f"Arena models with no OpenRouter counterpart: {len(document['arena'])}")
    for item in document["arena"]:
        click.echo(f"  {item['model_id']}: {item['reason']}")
    click.echo(
        f"OpenRouter models in the latest weekly ranking with no Arena counterpart: {len(document['openrouter'])}"
    )
    for item in document["openrouter"]:
        click.echo(f"  {_rank(item['rank'])} {item['model_id']}: {item['reason']}")


@click.command("portfolio")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of rows, one per matched OpenRouter model.")
@pass_app
def portfolio_cmd(app: App, as_json: bool) -> None:
    """Print the portfolio: per model, Arena Text and WebDev score and rank, OpenRouter weekly tokens,
    growth and usage rank, catalogue prices and context length, the lane and an estimated weekly spend.

    The same table as `SELECT * FROM portfolio` (plus the lane); JSON rows carry `model_id`, `model` and
    the keys matched per board: `arena_text`, `arena_webdev`, `openrouter`. The matches are recomputed
    from the stored data first; without a stored catalogue nothing can be matched (exit 2).

    Example: tracker portfolio --json
    """
    from tracker.pipeline.portfolio import portfolio

    _refresh(app)
    rows = portfolio(app.history, lane_rules(app.settings))
    if as_json:
        _print_json([row.to_json() for row in rows])
        return
    from rich.table import Table  # rich, for the commands that print tables

    table = Table(title="Prestige vs production", caption="Est. spend: weekly tokens x a blended list price.")
    for name in ("Model", "Lane", "Arena Text", "WebDev", "OpenRouter week", "$/1M in/out", "Est. spend"):
        table.add_column(name, justify="left" if name in ("Model", "Lane") else "right")
    for r in rows:
        table.add_row(*_cells(r))
    print_table(table)
