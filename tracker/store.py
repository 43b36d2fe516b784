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

from sqlalchemy import Connection, Engine, delete, insert, select
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
from tracker.store_identity import Identities, PriceRow, Remembered, models_by_alias
from tracker.store_rows import (
    ENTRY_COLUMNS,
    FETCH_COLUMNS,
    compress,
    date_param,
    decompress,
    entry_row,
    fetch_row,
    insert_row,
    insert_rows,
    run_plain,
    run_sql,
    select_rows,
)
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
_SNAPSHOT_COLUMNS = (
    "board_id",
    "as_of",
    "window_start",
    "window_end",
    "observed_at",
    "fetch_id",
    "content_hash",
    "row_count",
    "method",
    "rank_kind",
    "notes",
)
_PRICE_COLUMNS = (
    "model_id",
    "observed_on",
    "catalog_id",
    "name",
    "prompt_price_per_m",
    "completion_price_per_m",
    "context_length",
    "fetch_id",
)


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
    content_type: str | None = None  # as the upstream declared it (its charset decodes the body)


@dataclass(frozen=True)
class MatchRecord:
    """One Arena model's cross-source identity, to store: its OpenRouter model, or why it has none."""

    arena_key: str  # the Arena model key
    openrouter_key: str | None  # the OpenRouter ranking key (canonical slug) it is; None: unmatched
    method: str | None = None  # rule:id, rule:slug, rule:name or override
    mode: str | None = None  # the Arena mode looked past, e.g. "thinking"
    reason: str | None = None  # why there is no match


class Store:
    """Writes by SQLAlchemy Core statements on one connection per transaction (no ORM objects: loading
    them, autoflushing and flushing them one at a time was most of the cost of a bulk load).

    On SQLite the models, aliases, newest prices and boards read or written are remembered from one
    transaction to the next, and trusted only while the database cannot have changed in between: the
    same connection, no commit by another one (`PRAGMA data_version`), no schema change, no other write
    on this one (its total change count). On PostgreSQL nothing is remembered from one call to the next.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = db.writer(engine)
        self._bulk: Connection | None = None  # the open `bulk()` block's connection
        self._remembered = Remembered()
        # The SQLite connection, its data and schema versions and its change count as our last transaction left them.
        self._mark: tuple[object, tuple[int, ...], int | None] | None = None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One method's transaction: its own, or a savepoint inside the open `bulk` block."""
        conn = self._bulk
        if conn is None:
            with self._own_transaction() as conn:
                yield conn
            return
        if conn.dialect.name != "sqlite":
            self._forget()  # others' commits show inside a PostgreSQL transaction: read afresh each call
        # SAVEPOINT by the driver: `begin_nested` costs more than the statements of a small call.
        run_plain(conn, "SAVEPOINT store_call")
        try:
            yield conn
        except BaseException:
            self._forget()
            run_plain(conn, "ROLLBACK TO SAVEPOINT store_call")
            run_plain(conn, "RELEASE SAVEPOINT store_call")
            raise
        run_plain(conn, "RELEASE SAVEPOINT store_call")

    @contextlib.contextmanager
    def _own_transaction(self) -> Iterator[Connection]:
        try:
            with self._writer.begin() as conn:
                versions = self._recall(conn)
                yield conn
                if versions is not None:  # still inside the transaction: no one else can have written yet
                    raw = conn.connection.dbapi_connection
                    self._mark = (raw, versions, _total_changes(raw))
        except BaseException:
            self._forget()
            raise

    def _recall(self, conn: Connection) -> tuple[int, ...] | None:
        """Forget what is remembered unless the database is as our last transaction left it; the SQLite
        versions to compare with next time (None on other backends, where nothing is kept)."""
        raw = conn.connection.dbapi_connection
        if conn.dialect.name != "sqlite" or _total_changes(raw) is None:
            self._forget()
            return None
        # Read after BEGIN IMMEDIATE: no other connection can commit until this transaction ends.
        versions = tuple(conn.exec_driver_sql("SELECT * FROM pragma_data_version(), pragma_schema_version()").one())
        mark = self._mark
        if mark is None or mark[0] is not raw or mark[1:] != (versions, _total_changes(raw)):
            self._forget()
        return versions

    def _forget(self) -> None:
        self._remembered.forget()
        self._mark = None

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
        with self._own_transaction() as conn:
            self._bulk = conn
            try:
                yield
            finally:
                self._bulk = None

    # ---- fetch attempts

    def record_fetch(self, record: FetchRecord) -> int:
        with self._transaction() as conn:
            return insert_row(conn, db.FetchRow.__tablename__, FETCH_COLUMNS, fetch_row(record))

    def record_fetches(self, records: Sequence[FetchRecord]) -> int:
        """Record many attempts at once, in one transaction (bulk imports, backfills); returns how many."""
        if records:
            with self._transaction() as conn:
                insert_rows(conn, db.FetchRow.__tablename__, FETCH_COLUMNS, [fetch_row(r) for r in records])
        return len(records)

    def set_fetch_outcome(self, fetch_id: int, outcome: str, error: str | None = None) -> None:
        with self._transaction() as conn:
            result = run_sql(conn, "UPDATE fetches SET outcome = ?, error = ? WHERE id = ?", [outcome, error, fetch_id])
            if result.rowcount != 1:
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
                    row.content_type,
                )

    # ---- snapshots

    def save_snapshot(self, parsed: ParsedSnapshot, *, observed_at: datetime, fetch_id: int | None) -> SaveResult:
        """Store a validated capture; the same content twice is one snapshot ("unchanged")."""
        digest = content_hash(parsed)
        board = BOARDS[parsed.board]
        with self._transaction() as conn:
            self._ensure_board(conn, parsed.board)
            existing = select_rows(
                conn,
                "SELECT id, as_of, row_count FROM snapshots WHERE board_id = ? AND content_hash = ?",
                [parsed.board, digest],
                dates=(1,),
            )
            if existing:
                snapshot_id, as_of, row_count = existing[0]
                return SaveResult("unchanged", snapshot_id, parsed.board, as_of, row_count)
            models = self._resolve_models(conn, board.source, parsed.entries, parsed.as_of)
            kinds = {e.rank_kind for e in parsed.entries}
            snapshot_id = insert_row(
                conn,
                db.SnapshotRow.__tablename__,
                _SNAPSHOT_COLUMNS,
                (
                    parsed.board,
                    parsed.as_of,
                    parsed.window_start,
                    parsed.window_end,
                    observed_at,
                    fetch_id,
                    digest,
                    len(parsed.entries),
                    parsed.method,
                    str(kinds.pop()) if len(kinds) == 1 else "mixed",
                    parsed.notes,
                ),
            )
            insert_rows(
                conn,
                db.EntryRow.__tablename__,
                ENTRY_COLUMNS,
                [entry_row(snapshot_id, models[e.key], e) for e in parsed.entries],
            )
            return SaveResult("new", snapshot_id, parsed.board, parsed.as_of, len(parsed.entries))

    def _ensure_board(self, conn: Connection, board_id: str) -> None:
        if board_id in self._remembered.boards:
            return
        if not select_rows(conn, "SELECT id FROM boards WHERE id = ?", [board_id]):
            board = BOARDS[board_id]
            conn.execute(
                insert(db.BoardRow).values(
                    id=board.id,
                    title=board.title,
                    source=board.source,
                    value_kind=str(board.value),
                    window_kind=str(board.window),
                )
            )
        self._remembered.boards.add(board_id)

    def _resolve_models(self, conn: Connection, source: str, entries: Sequence[Entry], as_of: date) -> dict[str, int]:
        """Find or create the canonical model behind each upstream key; keep display names current."""
        identities = Identities(conn, source, [e.key for e in entries], self._remembered)
        for entry in entries:
            model = identities.get(entry.key)
            if model is None:
                model = identities.create(entry.key, entry.organization, as_of)
            if entry.model != entry.key:
                identities.rename(model, entry.model, as_of)
            for alias in entry.aliases:
                identities.add(model, "name", alias, as_of)
            identities.fill_organization(model, entry.organization)
        identities.write()
        return identities.ids()

    # ---- catalogue

    def save_catalog(self, catalog: ParsedCatalog, *, fetch_id: int | None) -> CatalogResult:
        """Store catalogue prices and context lengths, one row per model only when they change."""
        new_models = 0
        with self._transaction() as conn:
            keys = [m.slug for m in catalog.models]  # canonical slug plus any :variant, as the rankings key it
            identities = Identities(conn, "openrouter", keys, self._remembered)
            ids = [m.id for m in identities.by_key.values() if m.id is not None]
            latest = _latest_prices(conn, self._remembered, ids, catalog.as_of)
            changed = []
            for key, item in sorted(zip(keys, catalog.models, strict=True), key=lambda pair: pair[0]):
                model = identities.get(key)
                if model is None:
                    model = identities.create(key, item.organization, catalog.as_of)
                    new_models += 1
                identities.rename(model, item.name, catalog.as_of)
                identities.add(model, "catalog_id", item.catalog_id, catalog.as_of)
                identities.fill_organization(model, item.organization)
                observed = (
                    _price(item.prompt_price_per_m),
                    _price(item.completion_price_per_m),
                    item.context_length,
                    item.catalog_id,
                )
                before = latest.get(model.id) if model.id is not None else None
                if before is not None and (before[0] == catalog.as_of or before[1:] == observed):
                    continue
                changed.append((model, item, observed))
            identities.write()
            rows: list[tuple[object, ...]] = []
            for model, item, (prompt, completion, context, catalog_id) in changed:
                model_id = model.id
                assert model_id is not None  # written above
                rows.append((model_id, catalog.as_of, catalog_id, item.name, prompt, completion, context, fetch_id))
                newest = self._remembered.prices.get(model_id)
                if newest is None or catalog.as_of > newest[0]:
                    self._remembered.prices[model_id] = (catalog.as_of, prompt, completion, context, catalog_id)
            insert_rows(conn, db.CatalogPriceRow.__tablename__, _PRICE_COLUMNS, rows)
        changes = len(changed)
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
        with self._transaction() as conn:
            self._ensure_board(conn, board)
            known = set(
                conn.scalars(select(db.EventRow.event_key).where(db.EventRow.event_key.in_([k for k, _ in keyed])))
            )
            slugs = {e.model_id for _, e in keyed if e.model_id}
            ids: dict[str, int] = dict(
                conn.execute(select(db.ModelRow.slug, db.ModelRow.id).where(db.ModelRow.slug.in_(slugs))).all()
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
                conn.execute(insert(db.EventRow), rows)
            return len(rows)

    def save_post(self, post: Post) -> bool:
        """Store a post once; a stored post is never rewritten, so its GUID and text stay stable."""
        text_hash = hashlib.sha256(post.text.encode("utf-8")).hexdigest()
        with self._transaction() as conn:
            if conn.scalar(select(db.PostRow.id).where(db.PostRow.guid == post.guid)) is not None:
                return False
            conn.execute(
                insert(db.PostRow).values(
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
        with self._transaction() as conn:
            conn.execute(
                insert(db.JobRunRow).values(
                    job=job, started_at=started_at, finished_at=finished_at, exit_code=exit_code
                )
            )

    # ---- cross-source identity

    def save_matches(self, records: Sequence[MatchRecord], *, catalogue_as_of: date) -> bool:
        """Replace every stored match with `records` in one transaction; False if exactly these were stored.

        Rows are keyed by the Arena model, so storing the same decisions again leaves the table as it was.
        An unknown Arena or OpenRouter key is a ValueError and nothing is written.
        """
        with self._transaction() as conn:
            arena = models_by_alias(conn, "arena", "key", [r.arena_key for r in records])
            targets = [r.openrouter_key for r in records if r.openrouter_key is not None]
            openrouter = models_by_alias(conn, "openrouter", "key", targets)
            wanted: dict[int, dict[str, object]] = {}
            for record in records:
                model = arena.get(record.arena_key)
                if model is None or model.id is None:
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
            if _stored_matches(conn) == rows:
                return False
            conn.execute(delete(db.ModelMatchRow))
            if rows:
                conn.execute(insert(db.ModelMatchRow), rows)
            return True


def _total_changes(dbapi_connection: object) -> int | None:
    """Rows changed through an SQLite connection since it opened (None: the driver does not say)."""
    count = getattr(dbapi_connection, "total_changes", None)
    return count if isinstance(count, int) else None


def _price(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _latest_prices(
    conn: Connection, remembered: Remembered, model_ids: Sequence[int], on_or_before: date
) -> dict[int, PriceRow]:
    """Each model's most recent stored price observation up to a day.

    Each model's newest observation is remembered; only models whose newest one is later than the day
    (a catalogue older than what is stored) are looked up again.
    """
    unknown = sorted({i for i in model_ids if i not in remembered.prices})
    newest = _newest_prices(conn, unknown, date.max)
    for model_id in unknown:
        remembered.prices[model_id] = newest.get(model_id)
    out: dict[int, PriceRow] = {}
    later: list[int] = []
    for model_id in model_ids:
        row = remembered.prices[model_id]
        if row is not None and row[0] <= on_or_before:
            out[model_id] = row
        elif row is not None:
            later.append(model_id)
    out.update(_newest_prices(conn, sorted(set(later)), on_or_before))
    return out


def _newest_prices(conn: Connection, model_ids: Sequence[int], on_or_before: date) -> dict[int, PriceRow]:
    out: dict[int, PriceRow] = {}
    for start in range(0, len(model_ids), _CHUNK):
        # Only each model's newest row: the history of a model's prices grows with every change.
        rows = select_rows(
            conn,
            "SELECT p.model_id, p.observed_on, p.prompt_price_per_m, p.completion_price_per_m, p.context_length,"
            " p.catalog_id FROM catalog_prices AS p JOIN ("
            "SELECT model_id, max(observed_on) AS observed_on FROM catalog_prices"
            " WHERE model_id IN (?) AND observed_on <= ? GROUP BY model_id"
            ") AS newest ON newest.model_id = p.model_id AND newest.observed_on = p.observed_on",
            [list(model_ids[start : start + _CHUNK]), date_param(conn, on_or_before)],
            dates=(1,),
        )
        for model_id, observed_on, prompt, completion, context, catalog_id in rows:
            out[model_id] = (observed_on, prompt, completion, context, catalog_id)
    return out


def _stored_matches(conn: Connection) -> list[dict[str, object]]:
    """The stored matches in the shape `save_matches` writes them, by Arena model."""
    match = db.ModelMatchRow
    columns = (match.arena_model_id, match.openrouter_model_id, match.method, match.mode, match.reason)
    rows = conn.execute(select(*columns, match.catalogue_as_of).order_by(match.arena_model_id))
    return [dict(row._mapping) for row in rows]
