"""The SQL history's tables and engines: the only module besides `store` that knows SQLAlchemy.

Every timestamp is stored as UTC and read back timezone-aware on SQLite and PostgreSQL alike.
SQLite write transactions begin IMMEDIATE so two writers never interleave.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

# Named constraints, so that SQLite batch migrations can find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; SQLite's naive values are read as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the history stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BoardRow(Base):
    __tablename__ = "boards"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    value_kind: Mapped[str] = mapped_column(String(16))
    window_kind: Mapped[str] = mapped_column(String(16))


class FetchRow(Base):
    """Every attempt to get data, successful or not, with its raw body (compressed: `store_rows.compress`)."""

    __tablename__ = "fetches"
    __table_args__ = (Index("ix_fetches_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    board_id: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))  # collect / import / backfill
    url: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(64))
    as_of: Mapped[date | None] = mapped_column(Date)  # the day given with the capture, if the body has none
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    http_status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    body_size: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)


class SnapshotRow(Base):
    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("board_id", "content_hash"),
        Index("ix_snapshots_board_as_of", "board_id", "as_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board_id: Mapped[str] = mapped_column(ForeignKey("boards.id"))
    as_of: Mapped[date] = mapped_column(Date)
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetch_id: Mapped[int | None] = mapped_column(ForeignKey("fetches.id", ondelete="SET NULL"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(64))
    rank_kind: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")


class ModelRow(Base):
    """One canonical model; its upstream keys and display names are in model_aliases."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    name_as_of: Mapped[date | None] = mapped_column(Date)
    organization: Mapped[str | None] = mapped_column(Text)


class ModelAliasRow(Base):
    __tablename__ = "model_aliases"
    __table_args__ = (
        UniqueConstraint("model_id", "kind", "alias"),
        Index("ix_model_aliases_lookup", "source", "kind", "alias"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # key / name / catalog_id
    alias: Mapped[str] = mapped_column(String(512))
    first_seen: Mapped[date | None] = mapped_column(Date)


class EntryRow(Base):
    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "model_id"),
        # Covering for the model pages' charts (migration 0003): their points come from the index alone.
        Index("ix_entries_model_chart", "model_id", "snapshot_id", "rank", "score", "tokens"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    source_key: Mapped[str] = mapped_column(String(512))
    display_name: Mapped[str] = mapped_column(Text)
    rank: Mapped[int | None] = mapped_column(Integer)
    rank_kind: Mapped[str] = mapped_column(String(16))
    rank_upper: Mapped[int | None] = mapped_column(Integer)
    rank_lower: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    votes: Mapped[int | None] = mapped_column(Integer)
    tokens: Mapped[int | None] = mapped_column(BigInteger)
    prompt_tokens: Mapped[int | None] = mapped_column(BigInteger)
    completion_tokens: Mapped[int | None] = mapped_column(BigInteger)
    change: Mapped[float | None] = mapped_column(Float)
    share: Mapped[float | None] = mapped_column(Float)
    organization: Mapped[str | None] = mapped_column(Text)
    # The tokens are a lower bound (migration 0004): see `Entry.tokens_lower_bound`.
    tokens_lower_bound: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CatalogPriceRow(Base):
    """A catalogue price/context observation, stored only when it differs from the previous one."""

    __tablename__ = "catalog_prices"
    __table_args__ = (UniqueConstraint("model_id", "observed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    observed_on: Mapped[date] = mapped_column(Date)
    catalog_id: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(Text)
    prompt_price_per_m: Mapped[float | None] = mapped_column(Float)
    completion_price_per_m: Mapped[float | None] = mapped_column(Float)
    context_length: Mapped[int | None] = mapped_column(Integer)
    fetch_id: Mapped[int | None] = mapped_column(ForeignKey("fetches.id", ondelete="SET NULL"))


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_board_to", "board_id", "to_snapshot_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(64), unique=True)
    board_id: Mapped[str] = mapped_column(ForeignKey("boards.id"))
    from_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    to_snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("models.id"))
    from_rank: Mapped[int | None] = mapped_column(Integer)
    to_rank: Mapped[int | None] = mapped_column(Integer)
    value_before: Mapped[float | None] = mapped_column(Float)
    value_after: Mapped[float | None] = mapped_column(Float)
    growth_pct: Mapped[float | None] = mapped_column(Float)
    significant: Mapped[bool | None] = mapped_column(Boolean)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class PostRow(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(255), unique=True)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lead: Mapped[str] = mapped_column(Text)
    sections: Mapped[list[Any]] = mapped_column(JSON)
    boards: Mapped[list[str]] = mapped_column(JSON)
    snapshot_ids: Mapped[list[int]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))


class JobRunRow(Base):
    """When each scheduled job last ran, so a restarted scheduler catches up exactly once."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exit_code: Mapped[int | None] = mapped_column(Integer)


def _sqlite_on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    # Take transaction control from the sqlite3 module so "begin" below decides DEFERRED or IMMEDIATE.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the history; SQLite gets foreign keys, WAL and explicit BEGIN handling."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def uses_psycopg(engine: Engine) -> bool:
    """The engine reaches PostgreSQL through psycopg 3, whose own cursors (binary, server-side) the bulk
    reads use. Asked of the engine, so psycopg is imported only by those who use it."""
    return engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"


def writer(engine: Engine) -> Engine:
    """The same engine, with SQLite write transactions taking the write lock at BEGIN."""
    return engine.execution_options(sqlite_immediate=True)


class ModelMatchRow(Base):
    """Which OpenRouter model each Arena model is, or why it has none, as the last matching decided.

    One row per Arena model, keyed by it, so storing the same decisions again writes the same rows.
    """

    __tablename__ = "model_matches"

    arena_model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    openrouter_model_id: Mapped[int | None] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    method: Mapped[str | None] = mapped_column(String(32))  # rule:id, rule:slug, rule:name, override; None: no match
    mode: Mapped[str | None] = mapped_column(String(128))  # the Arena mode looked past, e.g. "thinking"
    reason: Mapped[str | None] = mapped_column(Text)  # why there is no match
    catalogue_as_of: Mapped[date] = mapped_column(Date)  # the newest catalogue observation the decision used
