"""Commands that operate the tracker: publish, run, schedule, demo."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.app import App, pass_app
from tracker.config.cron import DEFAULT_PATH, load_cron, to_crontab
from tracker.pipeline import operate


@click.command("publish")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (env TRACKER_SITE_DIR, default site/).",
)
@pass_app
def publish_cmd(app: App, out: Path | None) -> None:
    """Write the week's post if it is due, then build the site, feeds and data downloads.

    Example: tracker publish --out public/
    """
    operate.publish(app, out)


@click.command("run")
@click.option("--once", is_flag=True, required=True, help="Run one round and exit (the only mode).")
@click.option("--all", "collect_all", is_flag=True, help="Collect every source, not only those due.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PATH, show_default=True)
@pass_app
def run_cmd(app: App, once: bool, collect_all: bool, config: Path) -> None:
    """Collect what is due, diff it, write the post if the week moved enough, publish.

    Example: tracker run --once
    """
    operate.run_once(app, config, collect_all=collect_all)


@click.command("schedule")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PATH, show_default=True)
@click.option("--print-crontab", is_flag=True, help="Print the schedule as a crontab for system cron and exit.")
@click.option("--tracker-command", default="tracker", show_default=True, help="Command the crontab runs.")
@pass_app
def schedule_cmd(app: App, config: Path, print_crontab: bool, tracker_command: str) -> None:
    """Run cron.yaml's jobs in the foreground (APScheduler); SIGTERM stops after the running job.

    Example: tracker schedule --config cron.yaml
    """
    cron = load_cron(config)
    if print_crontab:
        click.echo(to_crontab(cron, tracker_command=tracker_command), nl=False)
        return
    code = operate.schedule(app, cron)
    if code:
        raise click.exceptions.Exit(code)


@click.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-site"), show_default=True)
@pass_app
def demo_cmd(app: App, out: Path) -> None:
    """Build a complete example site offline from sample data bundled with the package.

    Example: tracker demo --out demo-site && python -m http.server -d demo-site
    """
    operate.demo(app, out)
