"""The in-process scheduler: one catch-up run after downtime, overlaps skipped, failures survived, clean stop.

Real APScheduler BackgroundSchedulers on short triggers; every wait is bounded and tied to an event, not
to a sleep, so the tests stay fast and deterministic.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.triggers.interval import IntervalTrigger

from tracker.config.cron import CronConfig, Job, load_cron, next_run_after, parse_cron
from tracker.models import LayoutError, TransientError
from tracker.schedule import (
    JobResult,
    build_scheduler,
    default_scheduler_factory,
    run_job,
    run_once_exit_code,
    run_scheduler,
)

REPO = Path(__file__).resolve().parent.parent
FAST = IntervalTrigger(seconds=0.2, timezone=UTC)


def hourly(*names: str, now: datetime) -> CronConfig:
    """Hourly jobs whose natural fire time is half an hour away, so none fires during a test."""
    minute = (now.minute + 30) % 60
    body = "".join(f"  - name: {name}\n    schedule: '{minute} * * * *'\n    run: tracker status\n" for name in names)
    return parse_cron(f"jobs:\n{body}")


class Recorder:
    """An `execute` that records job names and lets a test wait for the n-th call."""

    def __init__(self, behave: Callable[[Job, int], int] | None = None) -> None:
        self.calls: list[str] = []
        self.changed = threading.Condition()
        self.behave = behave

    def __call__(self, job: Job) -> int:
        with self.changed:
            self.calls.append(job.name)
            count = len(self.calls)
            self.changed.notify_all()
        return self.behave(job, count) if self.behave else 0

    def wait_for(self, count: int, timeout: float = 3.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.calls) >= count, timeout)


def messages(caplog: pytest.LogCaptureFixture, logger: str, level: int = logging.DEBUG) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith(logger) and r.levelno >= level]


# ---- case 27: restart after long downtime -> exactly one catch-up run


def test_restart_after_a_week_runs_each_missed_job_once() -> None:
    now = datetime.now(UTC)
    config = hourly("week-old", "fresh", "never", now=now)
    last_run = {"week-old": now - timedelta(days=7), "fresh": now}  # "never" has no recorded run
    recorder = Recorder()
    schedulers: list[Any] = []

    def factory(tz: Any) -> Any:
        schedulers.append(default_scheduler_factory(tz))
        return schedulers[-1]

    stop = threading.Event()
    thread = threading.Thread(
        target=run_scheduler,
        args=(config, recorder),
        kwargs={
            "last_run": last_run,
            "now": now,
            "scheduler_factory": factory,
            "stop_event": stop,
            "handle_signals": False,
            "poll_seconds": 0.05,
        },
    )
    thread.start()
    try:
        assert recorder.wait_for(2)
        # after its one catch-up run, each job waits for its next natural fire time: no second catch-up
        for job in config.jobs:
            assert schedulers[0].get_job(job.name).next_run_time == next_run_after(config, job, now)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert recorder.calls == ["week-old", "never"]  # once each (not 168 times), in file order; not "fresh"


def test_fire_times_missed_while_running_coalesce_into_one_run() -> None:
    """A suspended machine: three hourly fire times passed unprocessed -> one run, not three, not zero."""
    now = datetime.now(UTC)
    config = hourly("hourly", now=now)
    job = config.jobs[0]
    recorder = Recorder()
    scheduler = build_scheduler(config, recorder, last_run={"hourly": now}, now=now, stopping=threading.Event())
    scheduler.start(paused=True)
    try:
        three_ago = next_run_after(config, job, now - timedelta(hours=3))
        scheduler.modify_job("hourly", next_run_time=three_ago)
        scheduler.resume()
        assert recorder.wait_for(1)
        assert scheduler.get_job("hourly").next_run_time == next_run_after(config, job, now)
    finally:
        scheduler.shutdown(wait=True)
    assert recorder.calls == ["hourly"]


# ---- case 28: a job still running at its next fire time -> skipped and logged


def test_job_still_running_at_its_next_fire_is_skipped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    now = datetime.now(UTC)
    release = threading.Event()
    recorder = Recorder(lambda job, count: 0 if release.wait(5) else 1)
    config = hourly("slow", now=now)
    scheduler = build_scheduler(config, recorder, last_run={"slow": now}, now=now, stopping=threading.Event())
    skipped = threading.Event()
    scheduler.add_listener(lambda event: skipped.set(), EVENT_JOB_MAX_INSTANCES)
    scheduler.start(paused=True)
    try:
        scheduler.reschedule_job("slow", trigger=FAST)
        scheduler.resume()
        assert recorder.wait_for(1)
        assert skipped.wait(3)
        assert recorder.calls == ["slow"]  # the second fire did not start a second copy
    finally:
        release.set()
        scheduler.shutdown(wait=True)
    ours = messages(caplog, "tracker.schedule", logging.WARNING)
    assert any(m.startswith("job slow skipped at ") and "still going" in m for m in ours), ours
    assert any("maximum number of running instances reached" in m for m in messages(caplog, "apscheduler"))


# ---- case 29: a job raising -> the scheduler keeps running; one-shot mode exits non-zero


def test_job_that_raises_is_logged_and_its_next_fire_runs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    now = datetime.now(UTC)

    def behave(job: Job, count: int) -> int:
        if count == 1:
            raise RuntimeError("upstream said no\nand more")
        return 0

    recorder = Recorder(behave)
    config = hourly("flaky", now=now)
    scheduler = build_scheduler(config, recorder, last_run={"flaky": now}, now=now, stopping=threading.Event())
    scheduler.start(paused=True)
    try:
        scheduler.reschedule_job("flaky", trigger=FAST)
        scheduler.resume()
        assert recorder.wait_for(2)
        assert scheduler.running
    finally:
        scheduler.shutdown(wait=True)
    errors = [r for r in caplog.records if r.name == "tracker.schedule" and r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == ["job flaky failed (exit 1): RuntimeError: upstream said no and more"]
    assert errors[0].exc_info is None  # one line, no traceback
    assert not any("raised an exception" in m for m in messages(caplog, "apscheduler"))


def _returns(code: int) -> Callable[[Job], int]:
    return lambda job: code


def _raises(exc: BaseException) -> Callable[[Job], int]:
    def execute(job: Job) -> int:
        raise exc

    return execute


JOB = Job("x", "0 * * * *", ("status",), 1)


@pytest.mark.parametrize(
    ("executes", "code"),
    [
        ([_returns(0), _returns(0)], 0),
        ([_returns(0), _raises(TransientError("HF 503"))], 75),
        ([_raises(TransientError("a")), _raises(TransientError("b"))], 75),
        ([_raises(TransientError("a")), _raises(LayoutError("b"))], 1),  # failures disagree
        ([_raises(ValueError("bug"))], 1),
        ([_returns(65), _returns(0)], 65),
        ([_raises(SystemExit(2))], 2),
        ([_raises(SystemExit(None))], 0),
        ([], 0),
    ],
)
def test_run_once_exit_code(executes: list[Callable[[Job], int]], code: int) -> None:
    assert run_once_exit_code(run_job(JOB, execute) for execute in executes) == code


def test_run_job_reports_what_was_raised() -> None:
    assert run_job(JOB, _raises(TransientError("HF answered 503"))) == JobResult(
        "x", 75, "TransientError: HF answered 503"
    )
    assert run_job(JOB, _returns(0)).ok


# ---- SIGTERM / SIGINT: stop after the running job, drop the ones queued behind it


def test_sigterm_stops_after_the_running_job_finishes(caplog: pytest.LogCaptureFixture) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers can only be installed on the main thread")
    caplog.set_level(logging.INFO)
    now = datetime.now(UTC)
    config = hourly("slow", "queued", now=now)  # neither has run: both are due at start-up
    started, release, stopping = threading.Event(), threading.Event(), threading.Event()
    finished: list[str] = []

    def behave(job: Job, count: int) -> int:
        if job.name == "slow":
            started.set()
            release.wait(5)
            finished.append(job.name)
        return 0

    class StoppingSeen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "stopping on" in record.getMessage():
                stopping.set()

    recorder = Recorder(behave)
    original = signal.getsignal(signal.SIGTERM)
    stop = threading.Event()  # only a fallback, so a broken handler cannot kill the test run

    def terminate() -> None:
        try:
            if started.wait(3) and signal.getsignal(signal.SIGTERM) is not original:
                os.kill(os.getpid(), signal.SIGTERM)
                stopping.wait(3)  # the scheduler has stopped taking jobs while "slow" still runs
            else:
                stop.set()
        finally:
            release.set()

    watcher = StoppingSeen()
    logging.getLogger("tracker.schedule").addHandler(watcher)
    helper = threading.Thread(target=terminate)
    helper.start()
    try:
        code = run_scheduler(config, recorder, last_run={}, now=now, stop_event=stop, poll_seconds=0.05)
    finally:
        logging.getLogger("tracker.schedule").removeHandler(watcher)
        helper.join(5)
    assert code == 0
    assert finished == ["slow"]  # the running job was allowed to finish
    assert recorder.calls == ["slow"]  # "queued" waited behind it and was dropped
    assert signal.getsignal(signal.SIGTERM) is original
    assert any("stopping on SIGTERM" in m for m in messages(caplog, "tracker.schedule"))
    assert any("queued not started" in m for m in messages(caplog, "tracker.schedule"))


def test_scheduler_runs_the_repo_cron_yaml_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    config = load_cron(REPO / "cron.yaml")
    now = datetime.now(UTC)
    recorder = Recorder()
    stop = threading.Event()
    stop.set()  # start, schedule every job, stop
    last_run = {job.name: now for job in config.jobs}
    assert run_scheduler(config, recorder, last_run=last_run, now=now, stop_event=stop, handle_signals=False) == 0
    assert recorder.calls == []
    planned = [m for m in messages(caplog, "tracker.schedule") if ": next run " in m]
    assert len(planned) == len(config.jobs)
