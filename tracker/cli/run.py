"""Commands that operate the tracker: publish, run, schedule, demo."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from tracker.cli.app import App, pass_app
from tracker.cli.output import echo_outcomes, exit_code
from tracker.config import DEFAULT_CRON_FILE
from tracker.pipeline import operate, schema
from tracker.pipeline.operate import RoundResult

if TYPE_CHECKING:
    from tracker.config.cron import CronConfig, Job

log = logging.getLogger(__name__)

OUT = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: TRACKER_SITE_DIR, else site/).",
)
LOCK_WAIT = click.option(
    "--lock-wait",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds to wait for another run to finish before giving up (exit 75).",
)
CONFIG = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CRON_FILE,
    show_default=True,
    help="The schedule file.",
)


def _echo_round(result: RoundResult) -> None:
    if result.post is not None:
        click.echo(f"post {result.post.slug}: {result.post.title}")
    published = result.published
    if published is None:
        return
    if published.written == 0:
        click.echo(f"nothing new to publish: {published.out} is up to date ({published.files} files)")
        return
    kept = published.files - published.written  # meaningful when `written` was counted (not -1)
    changed = f" ({published.written} written, {kept} unchanged)" if 0 < published.written < published.files else ""
    click.echo(f"published {published.files} files to {published.out}{changed}")


@click.command("publish")
@OUT
@LOCK_WAIT
@pass_app
def publish_cmd(app: App, out: Path | None, lock_wait: float) -> None:
    """Store the latest events, write the week's post if it is due, build the site, feeds and downloads.

    A post is due when the newest data is a week newer than the last post and the week moved enough.

    Example: TRACKER_BASE_URL=https://example.org/llm/ tracker publish --out public/
    """
    schema.ensure(app.engine)
    with operate.locked(app.engine, lock_wait):
        result = operate.publish(
            app.engine,
            app.store,
            app.history,
            out or app.settings.site_dir,
            base_url=app.settings.base_url,
            lanes=operate.lane_rules(app.settings),
        )
    _echo_round(result)


@click.command("run")
@click.option("--once", is_flag=True, required=True, help="Run one round and exit.")
@click.option("--all", "collect_all", is_flag=True, help="Collect every source, not only those due.")
@CONFIG
@OUT
@LOCK_WAIT
@pass_app
def run_cmd(app: App, once: bool, collect_all: bool, config: Path, out: Path | None, lock_wait: float) -> None:
    """Collect what is due (per cron.yaml), diff, write the post if the week moved enough, publish.

    Without a cron.yaml in the working directory every source is due; a --config file that does not
    exist is an error (exit 2).

    Exits 0 when every source succeeded, else the code of the worst failure (75 transient, 65 layout
    changed, 69 blocked, 66 gone); the site is still published from what is stored.

    Example: tracker run --once --all
    """
    from tracker.config.cron import load_cron  # YAML and APScheduler: loaded by the commands that read it

    # The default file is optional (no schedule: every source is due); a file the user names must exist.
    named = click.get_current_context().get_parameter_source("config") is not ParameterSource.DEFAULT
    cron = load_cron(config) if named or config.exists() else None
    schema.ensure(app.engine)
    with operate.locked(app.engine, lock_wait):
        result = operate.run_once(
            app.engine,
            app.store,
            app.history,
            app.settings,
            config=cron,
            collect_all=collect_all,
            now=app.now(),
            out=out,
        )
    echo_outcomes(result.outcomes)
    _echo_round(result)
    code = exit_code(result.outcomes)
    if code:
        raise click.exceptions.Exit(code)


@click.command("schedule")
@CONFIG
@click.option("--print-crontab", is_flag=True, help="Print the schedule as a crontab for system cron and exit.")
@click.option("--tracker-command", default="tracker", show_default=True, help="The command the crontab runs.")
@pass_app
def schedule_cmd(app: App, config: Path, print_crontab: bool, tracker_command: str) -> None:
    """Run cron.yaml's jobs in the foreground (APScheduler); SIGTERM stops it after the running job.

    After downtime each job that missed its time runs once. Use this or system cron, not both.

    Example: tracker schedule --config cron.yaml
    """
    from tracker.config.cron import load_cron, to_crontab

    cron = load_cron(config)
    if print_crontab:
        click.echo(to_crontab(cron, tracker_command=tracker_command), nl=False)
        return
    schema.ensure(app.engine)
    from tracker.schedule import run_scheduler  # APScheduler, for this long-running command only

    code = run_scheduler(cron, _executor(app, cron), last_run=app.history.last_job_runs(), now=app.now())
    if code:
        raise click.exceptions.Exit(code)


def _executor(app: App, cron: CronConfig):  # type: ignore[no-untyped-def]
    from tracker.cli import main  # the jobs are tracker command lines, run in this process

    database = ["--database-url", app.settings.database_url]

    def execute(job: Job) -> int:
        started = datetime.now(UTC)
        code = main([*database, *job.argv])
        app.store.record_job_run(job.name, started, datetime.now(UTC), code)
        return code

    return execute


@click.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-site"),
    show_default=True,
    help="Output folder.",
)
@pass_app
def demo_cmd(app: App, out: Path) -> None:
    """Build a complete example site offline from the sample data bundled with the package.

    Six invented weeks go through the same import, diff, post and publish steps as real data,
    in a throwaway database; your history is not touched.

    Example: tracker demo --out demo-site && python -m http.server -d demo-site
    """
    result = operate.demo(out, base_url=app.settings.base_url)
    failed = [o for o in result.outcomes if o.error is not None]
    echo_outcomes(failed)
    new = sum(1 for o in result.outcomes if o.outcome == "new")
    same = sum(1 for o in result.outcomes if o.outcome == "unchanged")
    click.echo(
        f"demo: {len(result.outcomes)} sample captures imported: {new} new, {same} unchanged, {len(failed)} failed"
    )
    _echo_round(result)
    click.echo(f"open {out / 'index.html'}")
    if failed:
        raise click.exceptions.Exit(1)
