"""Rows for the store's bulk writes: the snapshot's content hash, the attempt and entry rows, and an INSERT
that hands many rows to the driver's own executemany.

Loading years of history (imports, backfills, the benchmark) writes hundreds of thousands of entries and
attempts; SQLAlchemy's per-row statement machinery and `dataclasses.asdict` were most of that cost.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.orm import Session

from tracker import db
from tracker.models import Entry, FetchRecord, RankKind


def compress(body: bytes) -> bytes:
    return zlib.compress(body, 6)


def decompress(body: bytes) -> bytes:
    return zlib.decompress(body)


def insert_rows(session: Session, table: str, rows: Sequence[dict[str, object]]) -> None:
    """INSERT many rows by the driver's own executemany, each value through SQLAlchemy's bind processor.

    Hundreds of entries per snapshot (and a day of fetch attempts) made SQLAlchemy's per-row statement
    machinery the slowest part of storing them; the values still go through the columns' own type
    processing (UTC datetimes, dates, binaries), so what lands is what an ORM insert would write.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    columns = list(rows[0])
    processors = _bind_processors(table, dialect, tuple(columns))
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    names, marks = ", ".join(quote(c) for c in columns), ", ".join([mark] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608 - names from the table definition
    values = [
        tuple(row[c] if process is None else process(row[c]) for c, process in zip(columns, processors, strict=True))
        for row in rows
    ]
    session.connection().exec_driver_sql(sql, values)


_PROCESSORS: dict[tuple[str, str, tuple[str, ...]], list[Callable[[Any], Any] | None]] = {}


def _bind_processors(table: str, dialect: Dialect, columns: tuple[str, ...]) -> list[Callable[[Any], Any] | None]:
    key = (table, dialect.name, columns)
    if key not in _PROCESSORS:
        spec = db.Base.metadata.tables[table]
        _PROCESSORS[key] = [spec.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    return _PROCESSORS[key]


def fetch_row(record: FetchRecord) -> dict[str, object]:
    body = record.body
    return {
        "source": record.source,
        "board_id": record.board,
        "method": record.method,
        "url": record.url,
        "format": record.format,
        "as_of": record.as_of,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "http_status": record.http_status,
        "outcome": record.outcome,
        "error": record.error,
        "attempts": record.attempts,
        "etag": record.etag,
        "last_modified": record.last_modified,
        "content_type": record.content_type,
        "sha256": hashlib.sha256(body).hexdigest() if body is not None else None,
        "body_size": len(body) if body is not None else None,
        "body": compress(body) if body is not None else None,
    }


def entry_row(snapshot_id: int, model_id: int, e: Entry) -> dict[str, object]:
    return {
        "snapshot_id": snapshot_id,
        "model_id": model_id,
        "source_key": e.key,
        "display_name": e.model,
        "rank": e.rank,
        "rank_kind": str(e.rank_kind if isinstance(e.rank_kind, RankKind) else RankKind(e.rank_kind)),
        "rank_upper": e.rank_upper,
        "rank_lower": e.rank_lower,
        "score": e.score,
        "ci_low": e.ci_low,
        "ci_high": e.ci_high,
        "votes": e.votes,
        "tokens": e.tokens,
        "prompt_tokens": e.prompt_tokens,
        "completion_tokens": e.completion_tokens,
        "change": e.change,
        "share": e.share,
        "organization": e.organization,
    }
