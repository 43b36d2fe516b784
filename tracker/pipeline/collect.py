"""Live collection and backfill: fetch each source, record the attempt, and ingest what arrived.

A failing source never stops the others, and a failed fetch never becomes a snapshot.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import partial

from rich.console import Console
from rich.progress import Progress

from tracker.capture import Capture, Validators
from tracker.channels import ARENA_CONFIGS, Upstreams, collect_capture, policy_for
from tracker.channels_arena import collect_hf_rows
from tracker.channels_openrouter import MAX_DAILY_DAYS, collect_daily_keyed
from tracker.config import Settings
from tracker.fetch import Fetcher
from tracker.history import History
from tracker.models import BACKFILL_SOURCES, FetchError, FetchRecord, LayoutError, TrackerError, UsageError
from tracker.pipeline.ingest import CaptureInput, IngestOutcome, ingest
from tracker.store import Store

log = logging.getLogger(__name__)

ARENA_HISTORY_SPLIT = "full"  # the dataset's split with every publish date, not only the latest


def upstreams_of(settings: Settings) -> Upstreams:
    return Upstreams(settings.hf_datasets_url, settings.arena_url, settings.openrouter_url)


@contextmanager
def _fetcher(settings: Settings, fetcher: Fetcher | None) -> Iterator[Fetcher]:
    if fetcher is not None:
        yield fetcher
        return
    with Fetcher(policy=policy_for(upstreams_of(settings))) as own:
        yield own


def collect(
    store: Store,
    history: History,
    settings: Settings,
    sources: Iterable[str],
    *,
    now: datetime,
    fetcher: Fetcher | None = None,
) -> list[IngestOutcome]:
    """Collect each source once, now."""
    outcomes = []
    with _fetcher(settings, fetcher) as client:
        for source in sources:
            get = partial(
                collect_capture,
                source,
                client,
                upstreams_of(settings),
                today=now.date(),
                api_key=settings.openrouter_api_key,
                previous=Validators(*history.last_validators(source)),
            )
            outcomes.append(_collect_one(store, history, source, get, now=now, method="collect"))
    return outcomes


def _collect_one(
    store: Store,
    history: History,
    source: str,
    get: Callable[[], Capture],
    *,
    now: datetime,
    method: str,
) -> IngestOutcome:
    try:
        capture = get()
    except (FetchError, LayoutError) as error:
        store.record_fetch(_failed_record(source, method, now, error))
        log.warning("%s: %s (%s)", source, error, error.outcome)
        return IngestOutcome(source, error.url or source, error.outcome, error=error)
    if capture.not_modified:
        fetch_id = store.record_fetch(
            FetchRecord(
                source=source,
                method=method,
                started_at=now,
                finished_at=capture.fetched_at,
                outcome="not_modified",
                url=capture.url,
                format=capture.format,
                http_status=capture.status,
                attempts=capture.attempts,
                etag=capture.etag,
                last_modified=capture.last_modified,
            )
        )
        log.info("%s: not modified since the last capture", source)
        return IngestOutcome(source, capture.url, "not_modified", fetch_id)
    return ingest(
        store,
        history,
        CaptureInput(
            source=source,
            method=method,
            body=capture.body,
            name=capture.url,
            started_at=now,
            finished_at=capture.fetched_at,
            fmt=capture.format,
            as_of=capture.complete_through or now.date(),
            url=capture.url,
            http_status=capture.status,
            attempts=capture.attempts,
            etag=capture.etag,
            last_modified=capture.last_modified,
            content_type=capture.headers.get("content-type"),
        ),
        observed_at=now,
    )


def _failed_record(source: str, method: str, now: datetime, error: TrackerError) -> FetchRecord:
    return FetchRecord(
        source=source,
        method=method,
        started_at=now,
        finished_at=now,
        outcome=error.outcome,
        url=error.url,
        http_status=error.status,
        error=str(error),
        body=error.body,
    )


def backfill(
    store: Store,
    history: History,
    settings: Settings,
    source: str,
    *,
    since: date,
    now: datetime,
    fetcher: Fetcher | None = None,
    progress: bool | None = None,
) -> list[IngestOutcome]:
    """History from the official datasets: Arena's full split, OpenRouter's daily rows in year-long chunks."""
    if source not in BACKFILL_SOURCES:
        raise UsageError(f"backfill covers {', '.join(BACKFILL_SOURCES)}, not {source}")
    jobs = _backfill_jobs(settings, source, since=since, today=now.date())
    outcomes = []
    with (
        _fetcher(settings, fetcher) as client,
        _progress(progress, f"backfill {source}", len(jobs)) as advance,
    ):
        for job in jobs:
            get = partial(job, client)
            outcomes.append(_collect_one(store, history, source, get, now=now, method="backfill"))
            advance()
    return outcomes


def _backfill_jobs(
    settings: Settings, source: str, *, since: date, today: date
) -> Sequence[Callable[[Fetcher], Capture]]:
    if source in ARENA_CONFIGS:
        where = f"\"category\"='overall' AND \"leaderboard_publish_date\">='{since.isoformat()}'"
        return [
            partial(
                _hf_rows,
                source,
                base_url=settings.hf_datasets_url,
                config=ARENA_CONFIGS[source],
                where=where,
                split=ARENA_HISTORY_SPLIT,
            )
        ]
    if not settings.openrouter_api_key:
        raise UsageError("backfill of openrouter-weekly reads the keyed Data API: set OPENROUTER_API_KEY")
    key = settings.openrouter_api_key
    jobs: list[Callable[[Fetcher], Capture]] = []
    # Each chunk repeats the 13 days before it so its first windows have a week-over-week change.
    end = today - timedelta(days=1)
    start = since - timedelta(days=13)
    chunk_end = end
    while chunk_end >= since:
        days = min(MAX_DAILY_DAYS, (chunk_end - start).days + 1)
        chunk_today = chunk_end + timedelta(days=1)
        jobs.append(
            partial(
                _daily_keyed,
                source,
                base_url=settings.openrouter_url,
                api_key=key,
                today=chunk_today,
                days=days,
            )
        )
        chunk_end -= timedelta(days=days - 13)
    return list(reversed(jobs))


def _hf_rows(source: str, fetcher: Fetcher, *, base_url: str, config: str, where: str, split: str) -> Capture:
    return collect_hf_rows(source, fetcher, base_url, config=config, where=where, split=split)


def _daily_keyed(source: str, fetcher: Fetcher, *, base_url: str, api_key: str, today: date, days: int) -> Capture:
    return collect_daily_keyed(source, fetcher, base_url, api_key=api_key, today=today, days=days)


@contextmanager
def _progress(enabled: bool | None, label: str, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal; nothing under cron or in CI logs."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda: None
        return
    # On standard error, beside the log: standard output stays the command's result (`> file` keeps the
    # summary alone, while the bar still shows on the terminal).
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)
