"""Reading the health of each source from the history: attempts, successes, staleness, job runs.

Part of `History` (a base class, so the health reads live in a module of their own).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from tracker import db
from tracker.models import BOARDS, CATALOGUE, SourceStatus

SUCCESS_OUTCOMES = ("new", "unchanged", "not_modified")
CATALOGUE_STALE_DAYS = 3  # the catalogue is read daily; three days without a good read is stale


# The newest attempt of any source, from the (source, started_at) index: each source in turn (a loose
# index scan, a few lookups per source) and its newest attempt, rather than every attempt there is.
_NEWEST_ATTEMPT = text(
    """
    WITH RECURSIVE sources(source) AS (
        SELECT min(source) FROM fetches
        UNION ALL
        SELECT (SELECT min(f.source) FROM fetches f WHERE f.source > sources.source)
        FROM sources WHERE sources.source IS NOT NULL
    )
    SELECT max((SELECT max(f.started_at) FROM fetches f WHERE f.source = sources.source))
    FROM sources WHERE sources.source IS NOT NULL
    """
)


def aware(value: datetime | str) -> datetime:
    # func.max() loses the column type, so SQLite hands back a naive value or even a string.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class HealthReads:
    engine: Engine

    def _session(self) -> Session:
        return Session(self.engine)

    def last_validators(self, source: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of the source's last successful fetch, for a conditional GET."""
        with self._session() as session:
            row = session.scalar(
                select(db.FetchRow)
                .where(
                    db.FetchRow.source == source,
                    db.FetchRow.method == "collect",
                    db.FetchRow.outcome.in_(SUCCESS_OUTCOMES),
                )
                .order_by(db.FetchRow.started_at.desc(), db.FetchRow.id.desc())
                .limit(1)
            )
            return (row.etag, row.last_modified) if row else (None, None)

    def last_collect_attempt(self, source: str) -> datetime | None:
        """When the source was last fetched live (whatever the outcome); None if it never was."""
        with self._session() as session:
            value = session.scalar(
                select(func.max(db.FetchRow.started_at)).where(
                    db.FetchRow.source == source, db.FetchRow.method == "collect"
                )
            )
            return None if value is None else aware(value)

    def data_clock(self) -> datetime | None:
        """The newest moment the history knows of: the last attempt of any kind, or the newest snapshot."""
        with self._session() as session:
            attempt = session.scalar(_NEWEST_ATTEMPT)
            observed = session.scalar(select(func.max(db.SnapshotRow.observed_at)))
        moments = [aware(v) for v in (attempt, observed) if v is not None]
        return max(moments) if moments else None

    def source_status(self, sources: Iterable[str], now: datetime) -> list[SourceStatus]:
        return [self._status(source, now) for source in sources]

    def _status(self, source: str, now: datetime) -> SourceStatus:
        with self._session() as session:
            f = db.FetchRow
            attempts = list(
                session.execute(  # the columns read below only (not the bodies)
                    select(f.started_at, f.outcome, f.error, f.method)
                    .where(db.FetchRow.source == source)
                    .order_by(db.FetchRow.started_at.desc(), db.FetchRow.id.desc())
                    .limit(200)
                )
            )
            last_success = next((a for a in attempts if a.outcome in SUCCESS_OUTCOMES), None)
            failures = 0
            for attempt in attempts:
                if attempt.outcome in SUCCESS_OUTCOMES:
                    break
                failures += 1
            last_error = next((a.error for a in attempts if a.error), None)
            last_as_of, stale, stale_since = self._staleness(session, source, now)
            if not any(a.method == "collect" for a in attempts):  # not watched live here: no alert
                stale, stale_since = False, None
            return SourceStatus(
                source=source,
                last_attempt_at=attempts[0].started_at if attempts else None,
                last_outcome=attempts[0].outcome if attempts else None,
                last_success_at=last_success.started_at if last_success else None,
                last_as_of=last_as_of,
                consecutive_failures=failures,
                last_error=last_error,
                stale=stale,
                stale_since=stale_since,
            )

    def _staleness(self, session: Session, source: str, now: datetime) -> tuple[date | None, bool, date | None]:
        if source == CATALOGUE:
            newest = session.scalar(select(func.max(db.CatalogPriceRow.observed_on)))
            last_ok = session.scalar(
                select(func.max(db.FetchRow.started_at)).where(
                    db.FetchRow.source == source, db.FetchRow.outcome.in_(SUCCESS_OUTCOMES)
                )
            )
            seen = aware(last_ok).date() if last_ok else newest
            stale = seen is None or (now.date() - seen).days > CATALOGUE_STALE_DAYS
            return seen, stale, seen if stale else None
        board = BOARDS.get(source)
        newest = session.scalar(select(func.max(db.SnapshotRow.as_of)).where(db.SnapshotRow.board_id == source))
        if board is None or newest is None:
            return newest, newest is None, None
        stale = now.date() - newest > board.stale_after
        return newest, stale, newest if stale else None

    def last_job_runs(self) -> dict[str, datetime]:
        with self._session() as session:
            rows = session.execute(
                select(db.JobRunRow.job, func.max(db.JobRunRow.started_at)).group_by(db.JobRunRow.job)
            )
            return {job: aware(started) for job, started in rows if started is not None}

    def counts(self) -> dict[str, int]:
        with self._session() as session:
            return {
                table: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for table, model in (
                    ("fetches", db.FetchRow),
                    ("snapshots", db.SnapshotRow),
                    ("entries", db.EntryRow),
                    ("models", db.ModelRow),
                    ("catalog_prices", db.CatalogPriceRow),
                    ("events", db.EventRow),
                    ("posts", db.PostRow),
                )
            }
