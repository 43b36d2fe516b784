"""Reading the SQL history back as plain models: snapshots, models, prices, events, posts, source health."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session

from tracker import db
from tracker.models import (
    BOARDS,
    CATALOGUE,
    Entry,
    Event,
    ModelInfo,
    Post,
    PostSection,
    PriceRecord,
    RankKind,
    Snapshot,
    SnapshotRef,
    SourceStatus,
)

SUCCESS_OUTCOMES = ("new", "unchanged", "not_modified")


@dataclass(frozen=True)
class StoredEvent:
    event: Event
    board: str
    from_as_of: date | None
    to_as_of: date
    to_snapshot_id: int


class History:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _session(self) -> Session:
        return Session(self.engine)

    # ---- snapshots

    def snapshot_refs(self, board: str) -> list[SnapshotRef]:
        """Every stored snapshot of a board, oldest first."""
        with self._session() as session:
            rows = session.scalars(
                select(db.SnapshotRow)
                .where(db.SnapshotRow.board_id == board)
                .order_by(db.SnapshotRow.as_of, db.SnapshotRow.observed_at, db.SnapshotRow.id)
            )
            return [_ref(r) for r in rows]

    def load_snapshot(self, snapshot_id: int) -> Snapshot:
        with self._session() as session:
            row = session.get_one(db.SnapshotRow, snapshot_id)
            entries = _entries(session, [snapshot_id])[snapshot_id]
            return _snapshot(row, entries)

    def latest_snapshot(self, board: str, as_of: date | None = None, *, method: str | None = None) -> Snapshot | None:
        """The newest snapshot of a board, or the newest on or before a date (of one format, if named)."""
        query = select(db.SnapshotRow.id).where(db.SnapshotRow.board_id == board)
        if as_of is not None:
            query = query.where(db.SnapshotRow.as_of <= as_of)
        if method is not None:
            query = query.where(db.SnapshotRow.method == method)
        query = query.order_by(
            db.SnapshotRow.as_of.desc(), db.SnapshotRow.observed_at.desc(), db.SnapshotRow.id.desc()
        ).limit(1)
        with self._session() as session:
            snapshot_id = session.scalar(query)
        return None if snapshot_id is None else self.load_snapshot(snapshot_id)

    def board_history(self, board: str) -> list[Snapshot]:
        """One snapshot per upstream date (the latest observed), oldest first, entries in rank order."""
        with self._session() as session:
            rows = list(
                session.scalars(
                    select(db.SnapshotRow)
                    .where(db.SnapshotRow.board_id == board)
                    .order_by(db.SnapshotRow.as_of, db.SnapshotRow.observed_at, db.SnapshotRow.id)
                )
            )
            current: dict[date, db.SnapshotRow] = {}
            for row in rows:
                current[row.as_of] = row  # later observations of one date replace earlier ones
            chosen = [current[d] for d in sorted(current)]
            entries = _entries(session, [r.id for r in chosen])
            return [_snapshot(r, entries[r.id]) for r in chosen]

    # ---- models and prices

    def model_infos(self) -> list[ModelInfo]:
        with self._session() as session:
            aliases: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for model_id, kind, alias in session.execute(
                select(db.ModelAliasRow.model_id, db.ModelAliasRow.kind, db.ModelAliasRow.alias).order_by(
                    db.ModelAliasRow.model_id, db.ModelAliasRow.kind, db.ModelAliasRow.alias
                )
            ):
                aliases[model_id].append((kind, alias))
            return [
                ModelInfo(m.slug, m.name, m.source, m.organization, tuple(aliases[m.id]))
                for m in session.scalars(select(db.ModelRow).order_by(db.ModelRow.slug))
            ]

    def price_history(self) -> list[PriceRecord]:
        with self._session() as session:
            rows = session.execute(
                select(db.CatalogPriceRow, db.ModelRow.slug)
                .join(db.ModelRow, db.ModelRow.id == db.CatalogPriceRow.model_id)
                .order_by(db.ModelRow.slug, db.CatalogPriceRow.observed_on)
            )
            return [
                PriceRecord(
                    model_id=slug,
                    observed_on=p.observed_on,
                    catalog_id=p.catalog_id,
                    name=p.name,
                    prompt_price_per_m=_decimal(p.prompt_price_per_m),
                    completion_price_per_m=_decimal(p.completion_price_per_m),
                    context_length=p.context_length,
                )
                for p, slug in rows
            ]

    # ---- events and posts

    def events(self, board: str | None = None) -> list[StoredEvent]:
        """Stored events in the order they were stored (a diff's own order within one pair)."""
        with self._session() as session:
            to_snap = db.SnapshotRow.__table__.alias("to_snap")
            from_snap = db.SnapshotRow.__table__.alias("from_snap")
            query = (
                select(db.EventRow, to_snap.c.as_of, from_snap.c.as_of)
                .join(to_snap, to_snap.c.id == db.EventRow.to_snapshot_id)
                .outerjoin(from_snap, from_snap.c.id == db.EventRow.from_snapshot_id)
                .order_by(db.EventRow.id)
            )
            if board:
                query = query.where(db.EventRow.board_id == board)
            return [
                StoredEvent(_event(row), row.board_id, from_as_of, to_as_of, row.to_snapshot_id)
                for row, to_as_of, from_as_of in session.execute(query)
            ]

    def posts(self) -> list[Post]:
        """Every stored post, newest first."""
        with self._session() as session:
            rows = session.scalars(select(db.PostRow).order_by(db.PostRow.published_at.desc(), db.PostRow.id.desc()))
            return [
                Post(
                    guid=r.guid,
                    slug=r.slug,
                    title=r.title,
                    published_at=r.published_at,
                    lead=r.lead,
                    sections=tuple(PostSection(s["heading"], tuple(s["paragraphs"])) for s in r.sections),
                    boards=tuple(r.boards),
                    snapshot_ids=tuple(r.snapshot_ids),
                )
                for r in rows
            ]

    # ---- fetch attempts and health

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
            return None if value is None else _aware(value)

    def data_clock(self) -> datetime | None:
        """The newest moment the history knows of: the last attempt of any kind, or the newest snapshot."""
        with self._session() as session:
            attempt = session.scalar(select(func.max(db.FetchRow.started_at)))
            observed = session.scalar(select(func.max(db.SnapshotRow.observed_at)))
        moments = [_aware(v) for v in (attempt, observed) if v is not None]
        return max(moments) if moments else None

    def source_status(self, sources: Iterable[str], now: datetime) -> list[SourceStatus]:
        return [self._status(source, now) for source in sources]

    def _status(self, source: str, now: datetime) -> SourceStatus:
        with self._session() as session:
            attempts = list(
                session.scalars(
                    select(db.FetchRow)
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
            seen = last_ok.date() if last_ok else newest
            stale = seen is None or (now.date() - seen).days > 3
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
            return {job: _aware(started) for job, started in rows if started is not None}

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


def _aware(value: datetime | str) -> datetime:
    # func.max() loses the column type, so SQLite hands back a naive value or even a string.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ref(row: db.SnapshotRow) -> SnapshotRef:
    return SnapshotRef(
        id=row.id,
        board=row.board_id,
        as_of=row.as_of,
        observed_at=row.observed_at,
        window_start=row.window_start,
        window_end=row.window_end,
        row_count=row.row_count,
        method=row.method,
    )


def _snapshot(row: db.SnapshotRow, entries: Sequence[Entry]) -> Snapshot:
    return Snapshot(
        id=row.id,
        board=row.board_id,
        as_of=row.as_of,
        observed_at=row.observed_at,
        entries=tuple(entries),
        content_hash=row.content_hash,
        method=row.method,
        window_start=row.window_start,
        window_end=row.window_end,
        fetch_id=row.fetch_id,
    )


def _entries(session: Session, snapshot_ids: Sequence[int]) -> dict[int, list[Entry]]:
    """Entries of many snapshots in rank order, with each model's canonical id and current name."""
    out: dict[int, list[Entry]] = {i: [] for i in snapshot_ids}
    ids = sorted(set(snapshot_ids))
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(db.EntryRow, db.ModelRow.slug, db.ModelRow.name)
            .join(db.ModelRow, db.ModelRow.id == db.EntryRow.model_id)
            .where(and_(db.EntryRow.snapshot_id.in_(ids[start : start + 500])))
            # Tied ranks list the higher value first (a board has scores or tokens, never both).
            .order_by(
                db.EntryRow.snapshot_id,
                db.EntryRow.rank,
                db.EntryRow.score.desc(),
                db.EntryRow.tokens.desc(),
                db.ModelRow.slug,
            )
        )
        for e, slug, name in rows:
            out[e.snapshot_id].append(
                Entry(
                    model_id=slug,
                    model=name,
                    rank=e.rank,
                    rank_kind=RankKind(e.rank_kind),
                    rank_upper=e.rank_upper,
                    rank_lower=e.rank_lower,
                    score=e.score,
                    ci_low=e.ci_low,
                    ci_high=e.ci_high,
                    votes=e.votes,
                    tokens=e.tokens,
                    prompt_tokens=e.prompt_tokens,
                    completion_tokens=e.completion_tokens,
                    change=e.change,
                    share=e.share,
                    organization=e.organization,
                    source_key=e.source_key if e.source_key != slug else None,
                )
            )
    return out


def _event(row: db.EventRow) -> Event:
    payload = dict(row.payload)
    known = {"kind", "model", "model_id", "from_rank", "to_rank", "value_before", "value_after", "growth_pct"}
    extra = {k: v for k, v in payload.items() if k not in known and k != "significant"}
    return Event(
        kind=payload["kind"],
        board=row.board_id,
        model_id=payload.get("model_id"),
        model=payload.get("model"),
        from_rank=payload.get("from_rank"),
        to_rank=payload.get("to_rank"),
        value_before=payload.get("value_before"),
        value_after=payload.get("value_after"),
        growth_pct=payload.get("growth_pct"),
        significant=payload.get("significant"),
        extra=extra,
    )


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value))
