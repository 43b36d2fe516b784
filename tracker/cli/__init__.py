"""The `tracker` command: a few lines per command over the pipeline.

Expected failures print one line and exit with their own code (2 usage, 65 layout, 66 gone, 69 blocked,
75 transient or locked, 1 otherwise); tracebacks are for bugs only.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from tracker.cli.app import App, pass_app
from tracker.cli.data import backfill_cmd, collect_cmd, db_group, import_cmd, reparse_cmd
from tracker.cli.models import models_group, portfolio_cmd
from tracker.cli.report import diff_cmd, show_cmd, status_cmd
from tracker.cli.run import demo_cmd, publish_cmd, run_cmd, schedule_cmd
from tracker.config import redact_url
from tracker.models import TrackerError

__all__ = ["App", "cli", "main", "pass_app"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--database-url",
    envvar="TRACKER_DATABASE_URL",
    metavar="URL",
    help="SQLAlchemy URL of the history (else DATABASE_URL, then tracker.toml; default ./tracker.sqlite).",
    show_envvar=True,
)
@click.option("-v", "--verbose", is_flag=True, help="Log every step, even when not on a terminal.")
@click.option("-q", "--quiet", is_flag=True, help="Log only warnings and errors, even on a terminal.")
@click.version_option(package_name="llm-rank-tracker", prog_name="tracker")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, verbose: bool, quiet: bool) -> None:
    """Track LLM leaderboards (Arena Text and WebDev) and OpenRouter's weekly token ranking.

    \b
    Start here:
      tracker demo                 build an example site offline, from bundled sample data
      tracker db upgrade           create or upgrade the history database
      tracker collect              fetch every source now
      tracker run --once           collect what is due, diff, write the post, publish

    Settings: flags, then the environment (TRACKER_DATABASE_URL, TRACKER_SITE_DIR, ...), then
    tracker.toml in the working directory (or the file TRACKER_CONFIG names), then defaults.
    """
    _configure_logging(verbose=verbose, quiet=quiet)
    if ctx.get_parameter_source("database_url") is click.core.ParameterSource.ENVIRONMENT:
        database_url = None  # the settings read TRACKER_DATABASE_URL themselves, and name it in messages
    ctx.obj = App(database_url=database_url)
    ctx.call_on_close(ctx.obj.close)


def _configure_logging(*, verbose: bool, quiet: bool) -> None:
    # Under cron (no terminal) only warnings reach the mail; on a terminal, one line per step.
    level = logging.INFO if verbose or (sys.stderr.isatty() and not quiet) else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s", force=True)
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "alembic"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


for command in (
    db_group,
    collect_cmd,
    import_cmd,
    backfill_cmd,
    reparse_cmd,
    show_cmd,
    diff_cmd,
    publish_cmd,
    run_cmd,
    schedule_cmd,
    status_cmd,
    demo_cmd,
    models_group,
    portfolio_cmd,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI, turning expected failures into a message and an exit code."""
    try:
        # Without standalone mode click returns a command's Exit code instead of raising it.
        returned = cli.main(args=list(argv) if argv is not None else None, prog_name="tracker", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except TrackerError as exc:
        click.echo(f"tracker: {exc}", err=True)
        return exc.exit_code
    except OperationalError as exc:
        click.echo(f"tracker: database unavailable: {_first_line(exc)}", err=True)
        return 1
    except SQLAlchemyError as exc:
        click.echo(f"tracker: database error: {_first_line(exc)}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"tracker: {exc}", err=True)
        return 1
    return returned if isinstance(returned, int) else 0


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return redact_url(text[0]) if text else exc.__class__.__name__
