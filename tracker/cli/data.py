"""Commands that put data into the history: db, collect, import, backfill, reparse."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from tracker.cli.app import App, pass_app
from tracker.cli.output import echo_outcomes, exit_with
from tracker.models import BACKFILL_SOURCES, BOARDS, CATALOGUE, SOURCES
from tracker.pipeline import schema
from tracker.pipeline.ingest import CaptureInput, IngestOutcome, date_in_name, ingest, reparse
from tracker.pipeline.operate import locked

BOARD_CHOICES = click.Choice([*BOARDS, CATALOGUE])
# Writers wait this long for another run (cron and the scheduler may overlap) before exiting 75.
LOCK_WAIT_SECONDS = 60.0


class DateParam(click.ParamType):  # type: ignore[type-arg]  # generic only since click 8.5
    name = "YYYY-MM-DD"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date like 2026-08-01", param, ctx)


DATE = DateParam()


@click.group("db")
def db_group() -> None:
    """Create, upgrade or inspect the history database (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
@pass_app
def db_upgrade(app: App, revision: str) -> None:
    """Create or upgrade the schema: every table and view.

    Example: TRACKER_DATABASE_URL=postgresql://postgres@127.0.0.1/tracker tracker db upgrade
    """
    before, after = schema.upgrade(app.engine, revision)
    click.echo(f"database at revision {after} (was {before or 'empty'})")


@db_group.command("downgrade")
@click.argument("revision")
@pass_app
def db_downgrade(app: App, revision: str) -> None:
    """Downgrade the schema to REVISION ("base" drops every table). A SQLite file that is not there is
    refused (exit 2), not created.

    Example: tracker db downgrade base
    """
    after = schema.downgrade(app.existing_engine(), revision)
    click.echo(f"database at revision {after or 'base'}")


@db_group.command("current")
@pass_app
def db_current(app: App) -> None:
    """Print the schema's revision and the newest one this version knows (exit 1 when they differ; exit 2,
    creating nothing, when the SQLite file is not there).

    Example: tracker db current
    """
    current, head = schema.revisions(app.existing_engine())
    click.echo(f"current: {current or 'empty'}\nhead:    {head}")
    if current != head:
        raise click.exceptions.Exit(1)


@click.command("collect")
@click.argument("sources", nargs=-1, type=click.Choice(SOURCES))
@pass_app
def collect_cmd(app: App, sources: tuple[str, ...]) -> None:
    """Fetch sources live now and store what is new (all sources when none is named).

    Example: tracker collect arena-text openrouter-weekly
    """
    from tracker.pipeline import collect as collecting  # the HTTP side, imported by the commands that fetch

    schema.ensure(app.engine)
    with locked(app.engine, LOCK_WAIT_SECONDS):
        outcomes = collecting.collect(app.store, app.history, app.settings, sources or SOURCES, now=app.now())
    echo_outcomes(outcomes)
    exit_with(outcomes)


@click.command("import")
@click.option("--board", required=True, type=BOARD_CHOICES, help="Board the files feed (or openrouter-models).")
@click.option("--format", "fmt", metavar="FMT", help="Format name; detected from the content when omitted.")
@click.option("--as-of", type=DATE, help="Date of the data when the file holds none (default: a date in its name).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def import_cmd(app: App, board: str, fmt: str | None, as_of: date | None, files: tuple[Path, ...]) -> None:
    """Ingest saved captures or CSV tables through the same parsers and checks as live collection.

    Example: tracker import --board openrouter-weekly --as-of 2026-08-01 week.csv
    """
    schema.ensure(app.engine)
    now = app.now()
    with locked(app.engine, LOCK_WAIT_SECONDS):
        outcomes = [_import_one(app, path, board, fmt, as_of, now) for path in files]
    echo_outcomes(outcomes)
    exit_with(outcomes)


def _import_one(app: App, path: Path, board: str, fmt: str | None, as_of: date | None, now: datetime) -> IngestOutcome:
    capture = CaptureInput(
        source=board,
        method="import",
        body=path.read_bytes(),
        name=path.name,
        started_at=now,
        fmt=fmt,
        as_of=as_of or date_in_name(path.name),
    )
    return ingest(app.store, app.history, capture, observed_at=now)


@click.command("backfill")
@click.argument("source", type=click.Choice(BACKFILL_SOURCES))
@click.option("--since", type=DATE, required=True, help="First day of history to fetch.")
@pass_app
def backfill_cmd(app: App, source: str, since: date) -> None:
    """Fetch history from the official datasets (a progress bar on a terminal).

    Example: tracker backfill openrouter-weekly --since 2025-01-01
    """
    from tracker.pipeline import collect as collecting  # the HTTP side, imported by the commands that fetch

    schema.ensure(app.engine)
    with locked(app.engine, LOCK_WAIT_SECONDS):
        outcomes = collecting.backfill(app.store, app.history, app.settings, source, since=since, now=app.now())
    echo_outcomes(outcomes)
    exit_with(outcomes)


@click.command("reparse")
@click.option("--source", type=BOARD_CHOICES, help="Only captures of this board or source.")
@pass_app
def reparse_cmd(app: App, source: str | None) -> None:
    """Re-derive snapshots from every stored raw capture (after a parser fix).

    Every capture is reported; the exit code is the worst outcome's, as for `tracker import` (e.g. 65
    when a stored capture still does not parse).

    Example: tracker reparse --source arena-text
    """
    schema.ensure(app.engine)
    with locked(app.engine, LOCK_WAIT_SECONDS):
        outcomes = reparse(app.store, app.history, observed_at=app.now(), source=source)
    echo_outcomes(outcomes)
    exit_with(outcomes)
