"""Reading the SQL history back as plain models: snapshots, models, prices, events, posts, matches.

Source health (attempts, staleness, job runs) is in `history_health`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, func, select, text
from sqlalchemy.orm import Session

from tracker import db
from tracker.history_health import HealthReads
from tracker.models import (
    CatalogModel,
    Entry,
    Event,
    ModelInfo,
    ParsedCatalog,
    Post,
    PostSection,
    PriceRecord,
    RankKind,
    Snapshot,
    SnapshotRef,
)


@dataclass(frozen=True)
class StoredEvent:
    event: Event
    board: str
    from_as_of: date | None
    to_as_of: date
    to_snapshot_id: int


@dataclass(frozen=True)
class StoredMatch:
    """An Arena model and the OpenRouter model it is (ids are canonical model ids), or why it has none."""

    arena_model_id: str
    arena_model: str
    organization: str | None
    openrouter_model_id: str | None
    openrouter_model: str | None
    method: str | None  # rule:id, rule:slug, rule:name or override
    mode: str | None  # the Arena mode looked past, e.g. "thinking"
    reason: str | None  # why there is no match
    catalogue_as_of: date


class History(HealthReads):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _session(self) -> Session:
        return Session(self.engine)

    # ---- snapshots

    def snapshot_refs(self, board: str) -> list[SnapshotRef]:
        """Every stored snapshot of a board, oldest first."""
        s = db.SnapshotRow
        query = (
            select(s.id, s.board_id, s.as_of, s.observed_at, s.window_start, s.window_end, s.row_count, s.method)
            .where(s.board_id == board)
            .order_by(s.as_of, s.observed_at, s.id)
        )
        with self.engine.connect() as conn:  # columns, not ORM objects: every publish reads these
            return [SnapshotRef(*row) for row in conn.execute(query)]

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
            m = db.ModelRow
            return [
                ModelInfo(slug, name, source, organization, tuple(aliases[model_id]))
                for model_id, slug, name, source, organization in session.execute(
                    select(m.id, m.slug, m.name, m.source, m.organization).order_by(m.slug)
                )
            ]

    def price_history(self) -> list[PriceRecord]:
        with self._session() as session:
            p = db.CatalogPriceRow
            rows = session.execute(
                select(
                    db.ModelRow.slug,
                    p.observed_on,
                    p.catalog_id,
                    p.name,
                    p.prompt_price_per_m,
                    p.completion_price_per_m,
                    p.context_length,
                )
                .join(db.ModelRow, db.ModelRow.id == p.model_id)
                .order_by(db.ModelRow.slug, p.observed_on)
            )
            return [
                PriceRecord(
                    model_id=slug,
                    observed_on=observed_on,
                    catalog_id=catalog_id,
                    name=name,
                    prompt_price_per_m=_decimal(prompt),
                    completion_price_per_m=_decimal(completion),
                    context_length=context_length,
                )
                for slug, observed_on, catalog_id, name, prompt, completion, context_length in rows
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

    # ---- cross-source identity and the portfolio

    def catalogue(self) -> ParsedCatalog | None:
        """The OpenRouter catalogue as the history knows it: each model's newest stored row; None if none.

        Rows are stored only on change and a model's leaving the catalogue is not recorded, so a model
        that left keeps its last row. `as_of` is the newest stored observation.
        """
        newest = (
            select(db.CatalogPriceRow.model_id, func.max(db.CatalogPriceRow.observed_on).label("observed_on"))
            .group_by(db.CatalogPriceRow.model_id)
            .subquery()
        )
        with self._session() as session:
            rows = session.execute(
                select(db.CatalogPriceRow, db.ModelRow.slug, db.ModelRow.organization)
                .join(
                    newest,
                    and_(
                        newest.c.model_id == db.CatalogPriceRow.model_id,
                        newest.c.observed_on == db.CatalogPriceRow.observed_on,
                    ),
                )
                .join(db.ModelRow, db.ModelRow.id == db.CatalogPriceRow.model_id)
                .order_by(db.ModelRow.slug)
            ).all()
        if not rows:
            return None
        models = tuple(
            CatalogModel(
                slug=slug,
                catalog_id=p.catalog_id,
                name=p.name,
                prompt_price_per_m=_decimal(p.prompt_price_per_m),
                completion_price_per_m=_decimal(p.completion_price_per_m),
                context_length=p.context_length,
                organization=organization,
            )
            for p, slug, organization in rows
        )
        return ParsedCatalog(max(p.observed_on for p, _, _ in rows), models, "history")

    def model_matches(self) -> list[StoredMatch]:
        """Every stored Arena model's match (or why it has none), by Arena model id."""
        arena = db.ModelRow.__table__.alias("arena_model")
        target = db.ModelRow.__table__.alias("openrouter_model")
        query = (
            select(db.ModelMatchRow, arena.c.slug, arena.c.name, arena.c.organization, target.c.slug, target.c.name)
            .join(arena, arena.c.id == db.ModelMatchRow.arena_model_id)
            .outerjoin(target, target.c.id == db.ModelMatchRow.openrouter_model_id)
            .order_by(arena.c.slug)
        )
        with self._session() as session:
            return [
                StoredMatch(
                    slug, name, organization, target_slug, target_name, m.method, m.mode, m.reason, m.catalogue_as_of
                )
                for m, slug, name, organization, target_slug, target_name in session.execute(query)
            ]

    def unmatched(self) -> list[StoredMatch]:
        """The stored Arena models that have no OpenRouter counterpart, with the reason."""
        return [m for m in self.model_matches() if m.openrouter_model_id is None]

    def portfolio_rows(self) -> list[dict[str, Any]]:
        """`SELECT * FROM portfolio` (columns documented in migration 0002), by model id.

        Dates come back as dates and numbers as int or float on both backends.
        """
        with self._session() as session:
            result = session.execute(text("SELECT * FROM portfolio ORDER BY model_id"))
            return [{key: _plain(key, value) for key, value in row._mapping.items()} for row in result]


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


# The entry columns an `Entry` is made of, read as plain tuples: ORM objects cost more than the rows.
ENTRY_COLUMNS = (
    db.EntryRow.snapshot_id,
    db.EntryRow.rank,
    db.EntryRow.rank_kind,
    db.EntryRow.rank_upper,
    db.EntryRow.rank_lower,
    db.EntryRow.score,
    db.EntryRow.ci_low,
    db.EntryRow.ci_high,
    db.EntryRow.votes,
    db.EntryRow.tokens,
    db.EntryRow.prompt_tokens,
    db.EntryRow.completion_tokens,
    db.EntryRow.change,
    db.EntryRow.share,
    db.EntryRow.organization,
    db.EntryRow.source_key,
    db.EntryRow.tokens_lower_bound,
)
_RANK_KINDS = {str(k): k for k in RankKind}


def entry_from_row(row: Sequence[Any], slug: str, name: str) -> Entry:
    """An `Entry` from a row of ENTRY_COLUMNS, with its model's canonical id and current name."""
    source_key = row[15]
    return Entry(
        model_id=slug,
        model=name,
        rank=row[1],
        rank_kind=_RANK_KINDS.get(row[2]) or RankKind(row[2]),
        rank_upper=row[3],
        rank_lower=row[4],
        score=row[5],
        ci_low=row[6],
        ci_high=row[7],
        votes=row[8],
        tokens=row[9],
        prompt_tokens=row[10],
        completion_tokens=row[11],
        change=row[12],
        share=row[13],
        organization=row[14],
        source_key=source_key if source_key != slug else None,
        tokens_lower_bound=bool(row[16]),
    )


def _entries(session: Session, snapshot_ids: Sequence[int]) -> dict[int, list[Entry]]:
    """Entries of many snapshots in rank order, with each model's canonical id and current name."""
    out: dict[int, list[Entry]] = {i: [] for i in snapshot_ids}
    ids = sorted(set(snapshot_ids))
    connection = session.connection()  # Core rows: no ORM loading machinery for plain columns
    for start in range(0, len(ids), 500):
        rows = connection.execute(
            select(*ENTRY_COLUMNS, db.ModelRow.slug, db.ModelRow.name)
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
        for row in rows:
            out[row[0]].append(entry_from_row(row, row[17], row[18]))
    return out


def _event(row: db.EventRow) -> Event:
    return event_from_payload(row.board_id, row.payload)


def event_from_payload(board_id: str, stored: Mapping[str, Any]) -> Event:
    """An `Event` from its stored JSON payload."""
    payload = dict(stored)
    known = {"kind", "model", "model_id", "from_rank", "to_rank", "value_before", "value_after", "growth_pct"}
    extra = {k: v for k, v in payload.items() if k not in known and k != "significant"}
    return Event(
        kind=payload["kind"],
        board=board_id,
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


def _plain(column: str, value: Any) -> Any:
    """A view value as Python: SQLite gives dates as text, PostgreSQL may give numerics as Decimal."""
    if isinstance(value, str) and (column.endswith("_as_of") or column == "as_of"):
        return date.fromisoformat(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    return value
