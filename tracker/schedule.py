"""The long-running scheduler behind `tracker schedule`: cron.yaml's jobs run in-process (APScheduler 3.x).

Owns how a job is run and logged, the one catch-up run after downtime, overlap and failure handling, and a
clean stop on SIGTERM/SIGINT. What a job does is injected as `execute(job) -> exit code`, so this module
knows nothing of the pipeline.

Catch-up: the job store is in memory, so a restarted process has no memory of the runs it missed. The caller
passes each job's last recorded run (from the database); a job with a fire time between that and start-up
runs once, at once, however many fire times it missed. While running, APScheduler's `coalesce=True` with no
misfire grace limit does the same for fire times missed in-process (a suspended laptop, a busy worker).
"""

from __future__ import annotations

import logging
import shlex
import signal
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from tracker.config.cron import CronConfig, Job, build_trigger, due_jobs
from tracker.models import TrackerError

log = logging.getLogger(__name__)

Execute = Callable[[Job], int]

# None: a late fire time still runs (once, coalesced) however late; a finite grace would silently drop
# the weekly post of a machine that slept through it.
MISFIRE_GRACE_TIME: int | None = None
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True)
class JobResult:
    job: str
    exit_code: int
    error: str | None = None  # "ExceptionType: message" when the job raised

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def run_job(job: Job, execute: Execute) -> JobResult:
    """Run one job, turning whatever it raises into a logged, non-zero result."""
    log.info("job %s started: tracker %s", job.name, shlex.join(job.argv))
    try:
        code = execute(job)
    except SystemExit as exc:  # a CLI entry point may exit instead of returning
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:  # a failing job must never take the scheduler down
        code = exc.exit_code if isinstance(exc, TrackerError) else 1
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        log.error("job %s failed (exit %d): %s", job.name, code, error)
        log.debug("job %s traceback", job.name, exc_info=True)
        return JobResult(job.name, code, error)
    if code == 0:
        log.info("job %s finished", job.name)
    else:
        log.warning("job %s exited with code %d", job.name, code)
    return JobResult(job.name, code)


def run_once_exit_code(results: Iterable[JobResult]) -> int:
    """0 when every job succeeded; a failure's own code when all failures agree on it; else 1."""
    codes = {result.exit_code for result in results if not result.ok}
    if not codes:
        return 0
    return codes.pop() if len(codes) == 1 else 1


def default_scheduler_factory(tz: tzinfo) -> Any:
    # One worker: jobs share one database, so they run one after another instead of fighting for its lock.
    return BackgroundScheduler(
        timezone=tz,  # explicit, so APScheduler never asks tzlocal for the machine's zone
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_TIME},
    )


def build_scheduler(
    config: CronConfig,
    execute: Execute,
    *,
    last_run: Mapping[str, datetime | None],
    now: datetime,
    stopping: threading.Event,
    scheduler_factory: Callable[[tzinfo], Any] = default_scheduler_factory,
) -> Any:
    """A configured, not yet started scheduler; jobs missed since their last run are due at `now`."""
    tz = config.tzinfo
    scheduler = scheduler_factory(tz)
    missed = {job.name for job in due_jobs(config, last_run, now)}
    for index, job in enumerate(config.jobs):
        catch_up: dict[str, datetime] = {}
        if job.name in missed:
            # one run now instead of every fire time missed; microseconds keep the file's order
            catch_up["next_run_time"] = now + timedelta(microseconds=index)
        scheduler.add_job(
            _scheduled_run,
            trigger=build_trigger(job.schedule, tz),
            args=(job, execute, stopping),
            id=job.name,
            name=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_TIME,
            **catch_up,
        )
        if catch_up:
            log.info("job %s missed a run since %s: catching up once", job.name, _when(last_run.get(job.name)))
    scheduler.add_listener(_log_skipped, EVENT_JOB_MAX_INSTANCES)
    scheduler.add_listener(_log_missed, EVENT_JOB_MISSED)
    return scheduler


def run_scheduler(
    config: CronConfig,
    execute: Execute,
    *,
    last_run: Mapping[str, datetime | None] | None = None,
    now: datetime | None = None,
    scheduler_factory: Callable[[tzinfo], Any] = default_scheduler_factory,
    stop_event: threading.Event | None = None,
    handle_signals: bool = True,
    poll_seconds: float = 0.5,
) -> int:
    """Run cron.yaml's jobs until `stop_event` is set or SIGTERM/SIGINT arrives; returns the exit code.

    `last_run` maps job names to their last recorded run (aware); a job missing from it counts as never
    run and runs at start-up. On stop, the running job finishes and jobs waiting behind it are dropped.
    """
    stop = stop_event or threading.Event()
    stopping = threading.Event()
    started = now or datetime.now(UTC)
    scheduler = build_scheduler(
        config,
        execute,
        last_run=last_run or {},
        now=started,
        stopping=stopping,
        scheduler_factory=scheduler_factory,
    )
    signalled: list[int] = []
    previous = _install_handlers(signalled) if handle_signals else {}
    try:
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("job %s: next run %s", job.id, _when(job.next_run_time))
        # The handler only appends to `signalled`: setting an Event from a signal handler can deadlock.
        while not stop.wait(poll_seconds) and not signalled:
            pass
    finally:
        stopping.set()  # before the log line, so whoever reads it knows no queued job will start
        reason = signal.Signals(signalled[0]).name if signalled else "request"
        log.info("scheduler stopping on %s (a running job may finish first)", reason)
        if scheduler.running:
            scheduler.shutdown(wait=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("scheduler stopped")
    return 0


def _scheduled_run(job: Job, execute: Execute, stopping: threading.Event) -> JobResult | None:
    if stopping.is_set():  # queued behind the job that was running when the stop came
        log.info("job %s not started: the scheduler is stopping", job.name)
        return None
    return run_job(job, execute)


def _install_handlers(signalled: list[int]) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        log.debug("not on the main thread: SIGTERM/SIGINT handlers not installed")
        return {}

    def handle(signum: int, frame: FrameType | None) -> None:
        signalled.append(signum)

    return {signum: signal.signal(signum, handle) for signum in STOP_SIGNALS}


def _log_skipped(event: Any) -> None:
    times = ", ".join(_when(t) for t in event.scheduled_run_times)
    log.warning("job %s skipped at %s: its previous run is still going", event.job_id, times)


def _log_missed(event: Any) -> None:
    log.warning("job %s missed its run at %s", event.job_id, _when(event.scheduled_run_time))


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.isoformat(timespec="seconds")
