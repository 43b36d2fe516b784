"""Writing the SQL history: fetch attempts, snapshots, model identity, prices, events, posts.

Each public method is one transaction: it all lands or none of it does. Reads live in `history`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session

from tracker import db
from tracker.models import (
    BOARDS,
    Entry,
    Event,
    FetchRecord,
    ParsedCatalog,
    ParsedSnapshot,
    Post,
)
from tracker.store_identity import Aliases, models_by_alias
from tracker.store_rows import compress, decompress, entry_row, fetch_row, insert_rows
from tracker.validate import content_hash

__all__ = [  # compress and decompress live in store_rows; importable from here as before
    "CatalogResult",
    "MatchRecord",
    "RawCapture",
    "SaveResult",
    "Store",
    "compress",
    "decompress",
]

_CHUNK = 500  # keys per IN (...) lookup, well under every backend's parameter limit


@dataclass(frozen=True)
class SaveResult:
    status: str  # "new" or "unchanged"
    snapshot_id: int
    board: str
    as_of: date
    row_count: int


@dataclass(frozen=True)
class CatalogResult:
    status: str  # "new" (some price or model changed) or "unchanged"
    models: int
    price_changes: int
    new_models: int


@dataclass(frozen=True)
class RawCapture:
    """A stored fetch body, for re-deriving snapshots after a parser fix."""

    fetch_id: int
    source: str
    board: str | None
    format: str | None
    as_of: date | None
    started_at: datetime
    body: bytes


@dataclass(frozen=True)
class MatchRecord:
    """One Arena model's cross-source identity, to store: its OpenRouter model, or why it has none."""

    arena_key: str  # the Arena model key
    openrouter_key: str | None  # the OpenRouter ranking key (canonical slug) it is; None: unmatched
    method: str | None = None  # rule:id, rule:slug, rule:name or override
    mode: str | None = None  # the Arena mode looked past, e.g. "thinking"
    reason: str | None = None  # why there is no match


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = db.writer(engine)
        self._bulk: Session | None = None  # the open `bulk()` block's session

    def _session(self) -> Session:
        return Session(self._writer, expire_on_commit=False)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One method's transaction: its own, or a savepoint inside the open `bulk` block."""
        if self._bulk is not None:
            with self._bulk.begin_nested():
                yield self._bulk
            return
        with self._session() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Run every write inside the block as one transaction: one commit instead of one per call.

        For bulk loads (imports, backfills, the benchmarks), where a commit per attempt or snapshot costs
        more than the writing itself. Each call inside is still all-or-nothing (a savepoint); nothing is
        durable, nor visible to other connections (`History` included), until the block ends; an error
        escaping the block rolls all of it back.
        """
        if self._bulk is not None:
            raise RuntimeError("Store.bulk() blocks do not nest")
        with self._session() as session, session.begin():
            self._bulk = session
            try:
                yield
            finally:
                self._bulk = None

    # ---- fetch attempts

    def record_fetch(self, record: FetchRecord) -> int:
        with self._transaction() as session:
            # A plain INSERT ... RETURNING: an attempt row is never read back here, so no ORM object.
            return int(session.execute(insert(db.FetchRow).returning(db.FetchRow.id), fetch_row(record)).scalar_one())

    def record_fetches(self, records: Sequence[FetchRecord]) -> int:
        """Record many attempts at once, in one transaction (bulk imports, backfills); returns how many."""
        if records:
            with self._transaction() as session:
                insert_rows(session, db.FetchRow.__tablename__, [fetch_row(r) for r in records])
        return len(records)

    def set_fetch_outcome(self, fetch_id: int, outcome: str, error: str | None = None) -> None:
        with self._transaction() as session:
            result = session.execute(
                update(db.FetchRow).where(db.FetchRow.id == fetch_id).values(outcome=outcome, error=error)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise ValueError(f"no fetch attempt #{fetch_id}")

    def raw_captures(self, source: str | None = None) -> Iterator[RawCapture]:
        """Stored bodies oldest first, one at a time (bodies can be megabytes)."""
        query = (
            select(db.FetchRow.id)
            .where(db.FetchRow.body.is_not(None), db.FetchRow.format.is_not(None))
            .order_by(db.FetchRow.started_at, db.FetchRow.id)
        )
        if source:
            query = query.where(db.FetchRow.source == source)
        with Session(self.engine) as session:
            ids = list(session.scalars(query))
        for fetch_id in ids:
            with Session(self.engine) as session:
                row = session.get_one(db.FetchRow, fetch_id)
                assert row.body is not None
                yield RawCapture(
                    row.id,
                    row.source,
                    row.board_id,
                    row.format,
                    row.as_of,
                    row.started_at,
                    decompress(row.body),
                )

    # ---- snapshots

    def save_snapshot(self, parsed: ParsedSnapshot, *, observed_at: datetime, fetch_id: int | None) -> SaveResult:
        """Store a validated capture; the same content twice is one snapshot ("unchanged")."""
        digest = content_hash(parsed)
        board = BOARDS[parsed.board]
        with self._transaction() as session:
            self._ensure_board(session, parsed.board)
            existing = session.scalar(
                select(db.SnapshotRow).where(
                    db.SnapshotRow.board_id == parsed.board, db.SnapshotRow.content_hash == digest
                )
            )
            if existing is not None:
                return SaveResult("unchanged", existing.id, parsed.board, existing.as_of, existing.row_count)
            models = self._resolve_models(session, board.source, parsed.entries, parsed.as_of)
            kinds = {e.rank_kind for e in parsed.entries}
            snapshot = db.SnapshotRow(
                board_id=parsed.board,
                as_of=parsed.as_of,
                window_start=parsed.window_start,
                window_end=parsed.window_end,
                observed_at=observed_at,
                fetch_id=fetch_id,
                content_hash=digest,
                row_count=len(parsed.entries),
                method=parsed.method,
                rank_kind=str(kinds.pop()) if len(kinds) == 1 else "mixed",
                notes=parsed.notes,
            )
            session.add(snapshot)
            session.flush()
            insert_rows(
                session,
                db.EntryRow.__tablename__,
                [entry_row(snapshot.id, models[e.key].id, e) for e in parsed.entries],
            )
            return SaveResult("new", snapshot.id, parsed.board, parsed.as_of, len(parsed.entries))

    def _ensure_board(self, session: Session, board_id: str) -> None:
        if session.get(db.BoardRow, board_id) is None:
            board = BOARDS[board_id]
            session.add(
                db.BoardRow(
                    id=board.id,
                    title=board.title,
                    source=board.source,
                    value_kind=str(board.value),
                    window_kind=str(board.window),
                )
            )
            session.flush()

    def _resolve_models(
        self, session: Session, source: str, entries: Sequence[Entry], as_of: date
    ) -> dict[str, db.ModelRow]:
        """Find or create the canonical model behind each upstream key; keep display names current."""
        found = models_by_alias(session, source, "key", [e.key for e in entries])
        aliases = Aliases(session, [m.id for m in found.values()])
        for entry in entries:
            model = found.get(entry.key)
            if model is None:
                model = self._new_model(session, aliases, source, entry.key, entry.organization, as_of)
                found[entry.key] = model
            if entry.model != entry.key:
                aliases.rename(model, entry.model, as_of)
            for alias in entry.aliases:
                aliases.add(model, "name", alias, as_of)
            if entry.organization and not model.organization:
                model.organization = entry.organization
        return found

    def _new_model(
        self,
        session: Session,
        aliases: Aliases,
        source: str,
        key: str,
        organization: str | None,
        as_of: date,
    ) -> db.ModelRow:
        slug = key
        if session.scalar(select(db.ModelRow.id).where(db.ModelRow.slug == slug)) is not None:
            slug = f"{source}:{key}"  # two sources used the same key for different models
        model = db.ModelRow(slug=slug, source=source, name=key, name_as_of=None, organization=organization)
        session.add(model)
        session.flush()
        aliases.add(model, "key", key, as_of)
        return model

    # ---- catalogue

    def save_catalog(self, catalog: ParsedCatalog, *, fetch_id: int | None) -> CatalogResult:
        """Store catalogue prices and context lengths, one row per model only when they change."""
        changes = new_models = 0
        with self._transaction() as session:
            keys = [m.slug for m in catalog.models]  # canonical slug plus any :variant, as the rankings key it
            found = models_by_alias(session, "openrouter", "key", keys)
            aliases = Aliases(session, [m.id for m in found.values()])
            latest = _latest_prices(session, [m.id for m in found.values()], catalog.as_of)
            for key, item in sorted(zip(keys, catalog.models, strict=True), key=lambda pair: pair[0]):
                model = found.get(key)
                if model is None:
                    model = self._new_model(session, aliases, "openrouter", key, item.organization, catalog.as_of)
                    found[key] = model
                    new_models += 1
                aliases.rename(model, item.name, catalog.as_of)
                aliases.add(model, "catalog_id", item.catalog_id, catalog.as_of)
                if item.organization and not model.organization:
                    model.organization = item.organization
                observed = (
                    _price(item.prompt_price_per_m),
                    _price(item.completion_price_per_m),
                    item.context_length,
                    item.catalog_id,
                )
                before = latest.get(model.id)
                if before is not None and (before[0] == catalog.as_of or before[1:] == observed):
                    continue
                session.add(
                    db.CatalogPriceRow(
                        model_id=model.id,
                        observed_on=catalog.as_of,
                        catalog_id=item.catalog_id,
                        name=item.name,
                        prompt_price_per_m=observed[0],
                        completion_price_per_m=observed[1],
                        context_length=item.context_length,
                        fetch_id=fetch_id,
                    )
                )
                changes += 1
        status = "new" if changes or new_models else "unchanged"
        return CatalogResult(status, len(catalog.models), changes, new_models)

    # ---- events and posts

    def save_events(
        self,
        board: str,
        from_snapshot_id: int | None,
        to_snapshot_id: int,
        keyed: Iterable[tuple[str, Event]],
    ) -> int:
        """Store events under their stable keys, skipping keys already stored; returns how many were new."""
        keyed = list(keyed)
        if not keyed:
            return 0
        with self._transaction() as session:
            self._ensure_board(session, board)
            known = set(
                session.scalars(select(db.EventRow.event_key).where(db.EventRow.event_key.in_([k for k, _ in keyed])))
            )
            slugs = {e.model_id for _, e in keyed if e.model_id}
            ids: dict[str, int] = dict(
                session.execute(select(db.ModelRow.slug, db.ModelRow.id).where(db.ModelRow.slug.in_(slugs))).all()
            )
            rows = []
            for key, ev in keyed:
                if key in known:
                    continue
                known.add(key)
                rows.append(
                    {
                        "event_key": key,
                        "board_id": board,
                        "from_snapshot_id": from_snapshot_id,
                        "to_snapshot_id": to_snapshot_id,
                        "kind": ev.kind,
                        "model_id": ids.get(ev.model_id) if ev.model_id else None,
                        "from_rank": ev.from_rank,
                        "to_rank": ev.to_rank,
                        "value_before": ev.value_before,
                        "value_after": ev.value_after,
                        "growth_pct": ev.growth_pct,
                        "significant": ev.significant,
                        "payload": json.loads(json.dumps(ev.to_json(), sort_keys=True)),
                    }
                )
            if rows:
                session.execute(insert(db.EventRow), rows)
            return len(rows)

    def save_post(self, post: Post) -> bool:
        """Store a post once; a stored post is never rewritten, so its GUID and text stay stable."""
        text_hash = hashlib.sha256(post.text.encode("utf-8")).hexdigest()
        with self._transaction() as session:
            if session.scalar(select(db.PostRow.id).where(db.PostRow.guid == post.guid)) is not None:
                return False
            session.add(
                db.PostRow(
                    guid=post.guid,
                    slug=post.slug,
                    title=post.title,
                    published_at=post.published_at,
                    lead=post.lead,
                    sections=[{"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in post.sections],
                    boards=list(post.boards),
                    snapshot_ids=list(post.snapshot_ids),
                    content_hash=text_hash,
                )
            )
            return True

    # ---- scheduled job runs

    def record_job_run(self, job: str, started_at: datetime, finished_at: datetime, exit_code: int) -> None:
        with self._transaction() as session:
            session.add(db.JobRunRow(job=job, started_at=started_at, finished_at=finished_at, exit_code=exit_code))

    # ---- cross-source identity

    def save_matches(self, records: Sequence[MatchRecord], *, catalogue_as_of: date) -> bool:
        """Replace every stored match with `records` in one transaction; False if exactly these were stored.

        Rows are keyed by the Arena model, so storing the same decisions again leaves the table as it was.
        An unknown Arena or OpenRouter key is a ValueError and nothing is written.
        """
        with self._transaction() as session:
            arena = models_by_alias(session, "arena", "key", [r.arena_key for r in records])
            targets = [r.openrouter_key for r in records if r.openrouter_key is not None]
            openrouter = models_by_alias(session, "openrouter", "key", targets)
            wanted: dict[int, dict[str, object]] = {}
            for record in records:
                model = arena.get(record.arena_key)
                if model is None:
                    raise ValueError(f"no stored Arena model has the key {record.arena_key!r}")
                target = None
                if record.openrouter_key is not None:
                    found = openrouter.get(record.openrouter_key)
                    if found is None:
                        raise ValueError(f"no stored OpenRouter model has the key {record.openrouter_key!r}")
                    target = found.id
                wanted[model.id] = {
                    "arena_model_id": model.id,
                    "openrouter_model_id": target,
                    "method": record.method if target is not None else None,
                    "mode": record.mode if target is not None else None,
                    "reason": None if target is not None else (record.reason or "no match"),
                    "catalogue_as_of": catalogue_as_of,
                }
            rows = [wanted[key] for key in sorted(wanted)]
            if _stored_matches(session) == rows:
                return False
            session.execute(delete(db.ModelMatchRow))
            if rows:
                session.execute(insert(db.ModelMatchRow), rows)
            return True


def _price(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _latest_prices(
    session: Session, model_ids: Sequence[int], on_or_before: date
) -> dict[int, tuple[date, float | None, float | None, int | None, str]]:
    """Each model's most recent stored price observation up to a day."""
    out: dict[int, tuple[date, float | None, float | None, int | None, str]] = {}
    ids = sorted(set(model_ids))
    for start in range(0, len(ids), _CHUNK):
        price = db.CatalogPriceRow
        # Only each model's newest row: the history of a model's prices grows with every change.
        newest = (
            select(price.model_id, func.max(price.observed_on).label("observed_on"))
            .where(price.model_id.in_(ids[start : start + _CHUNK]), price.observed_on <= on_or_before)
            .group_by(price.model_id)
            .subquery()
        )
        rows = session.execute(
            select(
                price.model_id,
                price.observed_on,
                price.prompt_price_per_m,
                price.completion_price_per_m,
                price.context_length,
                price.catalog_id,
            ).join(newest, and_(newest.c.model_id == price.model_id, newest.c.observed_on == price.observed_on))
        )
        for model_id, observed_on, prompt, completion, context, catalog_id in rows:
            out[model_id] = (observed_on, prompt, completion, context, catalog_id)
    return out


def _stored_matches(session: Session) -> list[dict[str, object]]:
    """The stored matches in the shape `save_matches` writes them, by Arena model."""
    return [
        {
            "arena_model_id": row.arena_model_id,
            "openrouter_model_id": row.openrouter_model_id,
            "method": row.method,
            "mode": row.mode,
            "reason": row.reason,
            "catalogue_as_of": row.catalogue_as_of,
        }
        for row in session.scalars(select(db.ModelMatchRow).order_by(db.ModelMatchRow.arena_model_id))
    ]
