"""Operating the tracker: one round of `run --once`, `publish`, and the offline demo.

Each round holds the run lock, so cron and the scheduler never interleave two rounds.
"""

from __future__ import annotations

import json
import logging
import tempfile
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from tracker.config import Settings
from tracker.db import make_engine
from tracker.history import History
from tracker.lanes import DEFAULT_LANE_RULES, LaneRules, rules_from
from tracker.models import SOURCES, Post
from tracker.pipeline import schema
from tracker.pipeline.ingest import CaptureInput, IngestOutcome, ingest
from tracker.pipeline.published import PublishResult, current_site
from tracker.runlock import run_lock
from tracker.store import Store

if TYPE_CHECKING:
    from tracker.config.cron import CronConfig, Job

log = logging.getLogger(__name__)


def locked(engine: Engine, wait: float) -> AbstractContextManager[None]:
    """The run lock: one writing command at a time across processes."""
    return run_lock(engine, wait=wait)


@dataclass
class RoundResult:
    outcomes: list[IngestOutcome] = field(default_factory=list)
    post: Post | None = None
    published: PublishResult | None = None


def publish(
    engine: Engine,
    store: Store,
    history: History,
    out: Path,
    *,
    base_url: str | None,
    lanes: LaneRules = DEFAULT_LANE_RULES,
) -> RoundResult:
    """Match Arena to OpenRouter, store the latest events, write the week's post if it is due, build the site.

    Each of these steps is a function of the database (and of this version's code and settings, which
    the site's build key records): when the site was built by this version, with these settings, from
    the database as it is now, the last publish took them all and none would find anything to do.
    """
    current = current_site(engine, out, base_url=base_url, lanes=lanes)
    if current is not None:
        return RoundResult(published=current)
    from tracker.pipeline.publish import publish_site  # the page code: only when there is something to build

    post = steps_before_the_build(history, store)
    return RoundResult(post=post, published=publish_site(engine, history, out, base_url=base_url, lanes=lanes))


def steps_before_the_build(history: History, store: Store) -> Post | None:
    """Match Arena to OpenRouter, store the latest events, write the week's post if it is due (returned).
    Imported here, when there is something to build: with nothing new the command starts without them."""
    from tracker.pipeline.portfolio import refresh_matches
    from tracker.pipeline.report import refresh_events, weekly_post

    refresh_matches(history, store)
    refresh_events(history, store)
    return weekly_post(history, store)


def lane_rules(settings: Settings) -> LaneRules:
    """The lane thresholds: the defaults, with any TRACKER_LANES overrides."""
    return rules_from(dict(settings.lanes))


def due_sources(
    config: CronConfig | None, last_run: dict[str, datetime], now: datetime
) -> list[tuple[str, Job | None]]:
    """The sources whose collect job is due (every source when there is no cron.yaml)."""
    if config is None:
        return [(source, None) for source in SOURCES]
    from tracker.config.cron import due_jobs  # YAML and APScheduler: only `run` reads the schedule

    due: list[tuple[str, Job | None]] = []
    for job in due_jobs(config, dict(last_run), now):
        if job.argv and job.argv[0] == "collect":
            due += [(source, job) for source in (job.argv[1:] or SOURCES) if not source.startswith("-")]
    return due


def run_once(
    engine: Engine,
    store: Store,
    history: History,
    settings: Settings,
    *,
    config: CronConfig | None,
    collect_all: bool,
    now: datetime,
    out: Path | None = None,
) -> RoundResult:
    """Collect what is due, then publish from what is stored (only validated data ever is)."""
    from tracker.pipeline.collect import collect  # the HTTP side: `tracker publish` starts without it

    chosen = [(s, None) for s in SOURCES] if collect_all else due_sources(config, history.last_job_runs(), now)
    sources = list(dict.fromkeys(source for source, _ in chosen))
    outcomes = collect(store, history, settings, sources, now=now) if sources else []
    if not sources:
        log.info("no source is due")
    codes = {o.source: o.exit_code for o in outcomes}
    for job in {j for _, j in chosen if j is not None}:
        code = max((codes.get(s, 0) for s in job.argv[1:] or SOURCES), default=0)
        store.record_job_run(job.name, now, now, code)
    result = publish(
        engine, store, history, out or settings.site_dir, base_url=settings.base_url, lanes=lane_rules(settings)
    )
    result.outcomes = outcomes
    return result


def sample_files() -> Traversable:
    return files("tracker") / "samples"


def demo(out: Path, *, base_url: str | None = None, database: Path | None = None) -> RoundResult:
    """Build a complete example site offline: the bundled sample weeks go through import, diff, publish."""
    from tracker.pipeline.publish import publish_site

    samples = sample_files()
    manifest = json.loads((samples / "manifest.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="tracker-demo-") as tmp:
        path = database or Path(tmp) / "demo.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        try:
            schema.ensure(engine)
            store, history = Store(engine), History(engine)
            result = RoundResult()
            for week in manifest["weeks"]:
                as_of = date.fromisoformat(week["as_of"])
                observed = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=UTC)
                for item in week["imports"]:
                    capture = CaptureInput(
                        source=item["board"],
                        method="import",
                        body=(samples / item["file"]).read_bytes(),
                        name=item["file"],
                        started_at=observed,
                        as_of=date.fromisoformat(item.get("as_of", week["as_of"])),
                    )
                    result.outcomes.append(ingest(store, history, capture, observed_at=observed))
                result.post = steps_before_the_build(history, store) or result.post
            result.published = publish_site(engine, history, out, base_url=base_url)
            return result
        finally:
            engine.dispose()
