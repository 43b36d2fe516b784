"""Commands that read the history: show, diff, status, models, portfolio."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from tracker.cli.app import App, pass_app
from tracker.cli.data import DATE
from tracker.cli.output import print_table
from tracker.models import BOARDS, SOURCES, UsageError, ValueKind
from tracker.pipeline import schema
from tracker.pipeline.views import describe, snapshot_json, status_json
from tracker.units import format_tokens

BOARD = click.Choice(list(BOARDS))


def _print_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False))


@click.command("show")
@click.option("--board", required=True, type=BOARD, help="Board to show.")
@click.option("--as-of", type=DATE, help="Show the snapshot in force on this date (default: the latest).")
@click.option("--top", type=click.IntRange(min=1), help="Only the first N rows.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {board, as_of, entries: [...]}.")
@pass_app
def show_cmd(app: App, board: str, as_of: date | None, top: int | None, as_json: bool) -> None:
    """Print one snapshot's ranking (the latest by default).

    Example: tracker show --board arena-text --top 10 --json
    """
    schema.ensure(app.existing_engine())
    snapshot = app.history.latest_snapshot(board, as_of=as_of)
    if snapshot is None:
        when = f" on or before {as_of}" if as_of else ""
        raise UsageError(f"no snapshot of {board}{when} yet: run `tracker collect` or `tracker import` first")
    document = snapshot_json(snapshot, top)
    if as_json:
        _print_json(document)
        return
    from rich.table import Table  # rich, for the commands that print tables

    spec = BOARDS[board]
    table = Table(title=f"{spec.title}, as of {document['as_of']}", caption=document["attribution"])
    table.add_column("Rank", justify="right")
    table.add_column("Model")
    if spec.value is ValueKind.SCORE:
        for name in ("Score", "95% CI", "Votes"):
            table.add_column(name, justify="right")
    else:
        for name in ("Tokens", "Change"):
            table.add_column(name, justify="right")
    for e in snapshot.entries[:top] if top else snapshot.entries:
        rank = f"#{e.rank}" if e.rank is not None else "-"
        if spec.value is ValueKind.SCORE:
            ci = f"{e.ci_low:.0f}–{e.ci_high:.0f}" if e.ci_low is not None and e.ci_high is not None else ""
            table.add_row(rank, e.model, f"{e.score:.0f}" if e.score is not None else "", ci, f"{e.votes or ''}")
        else:
            change = f"{e.change * 100:+.0f}%" if e.change is not None else ""
            table.add_row(rank, e.model, format_tokens(e.tokens or 0), change)
    print_table(table)


@click.command("diff")
@click.option("--board", required=True, type=BOARD, help="Board to compare.")
@click.option("--from", "from_date", type=DATE, help="Older side: the snapshot in force on this date.")
@click.option("--to", "to_date", type=DATE, help="Newer side: the snapshot in force on this date (default: latest).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {board, from, to, publish, events: [...]}.")
@pass_app
def diff_cmd(app: App, board: str, from_date: date | None, to_date: date | None, as_json: bool) -> None:
    """Compare two snapshots of a board and list what changed.

    With no dates the latest snapshot is compared with the previous comparable one: for OpenRouter's
    weekly windows, the window that ended seven days earlier; for Arena, the previous snapshot. That
    comparison (also with --to alone) is the one a run makes, and its events are stored once; one with
    --from is shown only, so it never reaches the site's lists of changes or the events downloads.

    Example: tracker diff --board openrouter-weekly --json
    """
    if from_date is not None and to_date is not None and from_date > to_date:
        raise UsageError(f"--from {from_date} is after --to {to_date}: --from names the older side")
    from tracker.pipeline import report  # the diff and the matches it reads: loaded by this command

    schema.ensure(app.existing_engine())
    store = app.store if from_date is None else None  # an ad-hoc comparison is not the board's history
    result = report.board_diff(app.history, store, board, from_date=from_date, to_date=to_date)
    if as_json:
        _print_json(result.to_json())
        return
    older = result.older.as_of.isoformat() if result.older else "nothing"
    click.echo(f"{BOARDS[board].title}: {older} -> {result.newer.as_of.isoformat()}")
    if result.note:
        click.echo(f"  ({result.note})")
    for event in result.events:
        click.echo(f"  {describe(event)}")
    if not result.events:
        click.echo("  no changes")
    click.echo(f"publish: {'yes' if result.publish else 'no'}")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def status_cmd(app: App, as_json: bool) -> None:
    """Per source: last attempt, last success, staleness, consecutive failures, last error.

    Exits 1 when a source is stale past its threshold, so monitoring can alert. Like show and diff, it
    never creates a database: a SQLite file that is not there is an error (exit 2).

    Example: tracker status --json
    """
    schema.ensure(app.existing_engine())
    now = app.now()
    statuses = app.history.source_status(SOURCES, now)
    if as_json:
        _print_json(status_json(statuses, now))
    else:
        from rich.table import Table  # rich, for the commands that print tables

        table = Table(title="Sources")
        for name in ("Source", "Last attempt", "Outcome", "Last success", "Data as of", "Failures", "Stale"):
            table.add_column(name)
        for s in statuses:
            table.add_row(
                s.source,
                s.last_attempt_at.strftime("%Y-%m-%d %H:%M") if s.last_attempt_at else "never",
                s.last_outcome or "-",
                s.last_success_at.strftime("%Y-%m-%d %H:%M") if s.last_success_at else "never",
                s.last_as_of.isoformat() if s.last_as_of else "-",
                str(s.consecutive_failures),
                f"since {s.stale_since}" if s.stale_since else ("yes" if s.stale else "no"),
            )
        print_table(table)
        for s in statuses:
            if s.last_error and s.consecutive_failures:
                click.echo(f"{s.source}: last error: {s.last_error}")
    if any(s.stale for s in statuses):
        raise click.exceptions.Exit(1)
