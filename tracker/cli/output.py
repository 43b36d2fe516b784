"""How commands report: one line per capture, the exit code that sums them up, and tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from tracker.pipeline.ingest import IngestOutcome

if TYPE_CHECKING:
    from rich.table import Table

# Off a terminal (cron mail, pipes) tables are as wide as their cells: rich would fit them to 80 columns.
WIDE_ENOUGH = 10_000

# When several sources fail differently, the code that asks most of a person wins.
_PRIORITY = (65, 69, 66, 75, 2, 1)


def echo_outcomes(outcomes: Sequence[IngestOutcome]) -> None:
    """One line per capture: failures on standard error, the rest on standard output."""
    for o in outcomes:
        if o.error is not None:
            click.echo(f"{o.source}: {o.name}: {o.outcome}: {o.error}", err=True)
        elif o.catalog is not None:
            c = o.catalog
            click.echo(
                f"{o.source}: {o.name}: {o.outcome} ({c.models} models, {c.price_changes} price changes, "
                f"{c.new_models} new models)"
            )
        else:
            new = sum(1 for s in o.snapshots if s.status == "new")
            dates = sorted({s.as_of.isoformat() for s in o.snapshots})
            span = dates[0] if len(dates) == 1 else f"{dates[0]}..{dates[-1]}" if dates else "-"
            click.echo(f"{o.source}: {o.name}: {o.outcome} ({len(o.snapshots)} snapshot(s) as of {span}, {new} new)")


def exit_code(outcomes: Sequence[IngestOutcome]) -> int:
    codes = {o.exit_code for o in outcomes if o.exit_code}
    for code in _PRIORITY:
        if code in codes:
            return code
    return max(codes, default=0)


def exit_with(outcomes: Sequence[IngestOutcome]) -> None:
    code = exit_code(outcomes)
    if code:
        raise click.exceptions.Exit(code)


def print_table(table: Table) -> None:
    """Print a rich table: fitted to a terminal as rich does, never cut short anywhere else."""
    from rich.console import Console  # rich, for the commands that print tables

    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console.width = WIDE_ENOUGH
    console.print(table)
