"""From raw bytes to stored snapshots: parse, validate, store, and record the attempt whatever happens.

Live collection, `tracker import`, `tracker backfill` and `tracker reparse` all end here, so a capture is
judged by the same parser and the same rules however it arrived.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tracker.history import History
from tracker.models import (
    CATALOGUE,
    FetchRecord,
    InvalidCaptureError,
    LayoutError,
    ParsedCatalog,
    ParsedSnapshot,
    TrackerError,
    UsageError,
)
from tracker.sources import (
    catalog_formats,
    detect_catalog_format,
    detect_ranking_format,
    ranking_format,
)
from tracker.sources.text import as_utf8
from tracker.store import CatalogResult, SaveResult, Store
from tracker.validate import validate

log = logging.getLogger(__name__)

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# An upstream may date its data by another time zone than UTC: a day ahead of the reading is still today.
FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class CaptureInput:
    """Bytes from somewhere (a fetch, a file, a stored body) with what we know of where they came from."""

    source: str  # a board id or "openrouter-models"
    method: str  # collect / import / backfill / reparse
    body: bytes
    name: str  # file name or URL, for messages and format detection
    started_at: datetime
    finished_at: datetime | None = None
    fmt: str | None = None  # a format name; detected when None
    as_of: date | None = None  # the date to use when the capture holds none
    url: str | None = None
    http_status: int | None = None
    attempts: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None


@dataclass
class IngestOutcome:
    source: str
    name: str
    outcome: str  # new / unchanged / an error outcome
    fetch_id: int | None = None
    snapshots: list[SaveResult] = field(default_factory=list)
    catalog: CatalogResult | None = None
    error: TrackerError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def exit_code(self) -> int:
        return 0 if self.error is None else self.error.exit_code


def date_in_name(name: str) -> date | None:
    """The last YYYY-MM-DD in a file name: captures are named by the day they describe."""
    found = _DATE_IN_NAME.findall(name)
    if not found:
        return None
    year, month, day = found[-1]
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def ingest(
    store: Store,
    history: History,
    capture: CaptureInput,
    *,
    observed_at: datetime,
    fetch_id: int | None = None,
) -> IngestOutcome:
    """Parse, validate and store one capture; every attempt is recorded with its raw body.

    With `fetch_id` (a stored capture being re-derived) no new attempt is recorded.
    """
    fmt_name = capture.fmt
    try:
        body = as_utf8(capture.body, capture.content_type, capture.name)  # the raw body is recorded as it came
        if capture.source == CATALOGUE:
            fmt_name, catalog = _parse_catalog(capture, body)
            return _store_catalog(store, capture, fmt_name, catalog, fetch_id)
        fmt = ranking_format(fmt_name) if fmt_name else detect_ranking_format(body, capture.name, capture.source)
        fmt_name = fmt.name
        if capture.source not in fmt.boards:
            raise UsageError(f"format {fmt.name} cannot feed board {capture.source}")
        parsed = list(fmt.parse(body, board=capture.source, as_of=capture.as_of))
        if not parsed:
            raise LayoutError(f"{capture.name}: {fmt.name} found no ranking for {capture.source}")
        # Row counts are judged against the last good capture of the same format: a top-9 chart is not
        # a broken top-50 table.
        checked = [validate(p, history.latest_snapshot(p.board, as_of=p.as_of, method=p.method)) for p in parsed]
        for p in checked:
            not_from_the_future(p, observed_at)
    except UsageError:
        raise
    except TrackerError as error:
        if fetch_id is None:
            fetch_id = store.record_fetch(_record(capture, fmt_name, error.outcome, str(error)))
        log.warning("%s: %s (%s)", capture.source, error, error.outcome)
        return IngestOutcome(capture.source, capture.name, error.outcome, fetch_id, error=error)
    return _store_snapshots(store, capture, fmt_name, checked, observed_at, fetch_id)


def not_from_the_future(parsed: ParsedSnapshot, observed_at: datetime) -> None:
    """A snapshot dated after the day it was read would stay a board's "latest" for good: refused."""
    read_on = (observed_at + FUTURE_SLACK).date()
    if parsed.as_of > read_on or (parsed.window_end is not None and parsed.window_end > read_on):
        raise InvalidCaptureError(
            f"{parsed.board}: dated {parsed.as_of.isoformat()}, after the day it was read "
            f"({observed_at.date().isoformat()}): a snapshot cannot come from the future (check --as-of)"
        )


def _parse_catalog(capture: CaptureInput, body: bytes) -> tuple[str, ParsedCatalog]:
    if capture.fmt:
        fmts = [f for f in catalog_formats() if f.name == capture.fmt]
        if not fmts:
            raise UsageError(f"unknown catalogue format {capture.fmt!r}")
        fmt = fmts[0]
    else:
        fmt = detect_catalog_format(body, capture.name)
    as_of = capture.as_of or capture.started_at.date()
    return fmt.name, fmt.parse(body, as_of=as_of)


def _store_catalog(
    store: Store, capture: CaptureInput, fmt_name: str, catalog: ParsedCatalog, fetch_id: int | None
) -> IngestOutcome:
    recorded = fetch_id is None
    if fetch_id is None:
        fetch_id = store.record_fetch(_record(capture, fmt_name, "pending", None))
    with store.bulk():  # the prices and the attempt's outcome: both stored or neither
        result = store.save_catalog(catalog, fetch_id=fetch_id)
        if recorded:
            store.set_fetch_outcome(fetch_id, result.status)
    log.info(
        "%s: %s models, %s price changes (%s)",
        capture.source,
        result.models,
        result.price_changes,
        result.status,
    )
    return IngestOutcome(capture.source, capture.name, result.status, fetch_id, catalog=result)


def _store_snapshots(
    store: Store,
    capture: CaptureInput,
    fmt_name: str | None,
    parsed: Sequence[ParsedSnapshot],
    observed_at: datetime,
    fetch_id: int | None,
) -> IngestOutcome:
    recorded = fetch_id is None
    if fetch_id is None:
        fetch_id = store.record_fetch(_record(capture, fmt_name, "pending", None))
    # One transaction for every snapshot of the capture (a backfill's dataset holds hundreds) and the
    # attempt's outcome: all of them stored or none. The attempt and its body were committed above, so a
    # capture that fails here stays "pending", its body kept for `tracker reparse`.
    with store.bulk():
        results = [store.save_snapshot(p, observed_at=observed_at, fetch_id=fetch_id) for p in parsed]
        outcome = "new" if any(r.status == "new" for r in results) else "unchanged"
        if recorded:
            store.set_fetch_outcome(fetch_id, outcome)
    for r in results:
        log.info("%s: snapshot as of %s, %s rows (%s)", r.board, r.as_of, r.row_count, r.status)
    return IngestOutcome(capture.source, capture.name, outcome, fetch_id, snapshots=results)


def _record(capture: CaptureInput, fmt: str | None, outcome: str, error: str | None) -> FetchRecord:
    return FetchRecord(
        source=capture.source,
        method=capture.method,
        started_at=capture.started_at,
        finished_at=capture.finished_at or capture.started_at,
        outcome=outcome,
        board=capture.source if capture.source != CATALOGUE else None,
        url=capture.url or capture.name,
        format=fmt,
        as_of=capture.as_of,
        http_status=capture.http_status,
        error=error,
        attempts=capture.attempts,
        etag=capture.etag,
        last_modified=capture.last_modified,
        content_type=capture.content_type,
        body=capture.body,
    )


def reparse(store: Store, history: History, *, observed_at: datetime, source: str | None = None) -> list[IngestOutcome]:
    """Re-derive snapshots from every stored raw capture (after a parser fix); unchanged ones stay one."""
    outcomes = []
    for raw in store.raw_captures(source):
        capture = CaptureInput(
            source=raw.board or raw.source,
            method="reparse",
            body=raw.body,
            name=f"fetch #{raw.fetch_id}",
            started_at=observed_at,
            fmt=raw.format,
            as_of=raw.as_of or raw.started_at.date(),
            content_type=raw.content_type,
        )
        outcomes.append(ingest(store, history, capture, observed_at=observed_at, fetch_id=raw.fetch_id))
    return outcomes
