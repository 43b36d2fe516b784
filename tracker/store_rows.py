"""Rows for the store's bulk writes: the attempt and entry rows, and INSERTs that hand many rows to the
driver's own executemany.

Loading years of history (imports, backfills, the benchmark) writes hundreds of thousands of entries and
attempts; SQLAlchemy's per-row statement machinery and `dataclasses.asdict` were most of that cost.
"""

from __future__ import annotations

import hashlib
import sys
import zlib
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, CursorResult, Date, Dialect
from sqlalchemy.exc import DBAPIError

from tracker import db
from tracker.models import Entry, FetchRecord, RankKind

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # the same module, backported
    from backports import zstd


# Bodies are stored as Zstandard frames at its default level: for the captures in ../shared/fixtures that
# is 6-8x faster than zlib at level 6 (what earlier versions stored) and as small or smaller (a 3.3 MB
# Gradio page: 178 KB against 276 KB). Bodies stored by earlier versions stay zlib streams; a Zstandard
# frame starts with its magic number, which no zlib stream can start with (its first two bytes, read as
# a big-endian number, are a multiple of 31; 0x28B5 is not).
BODY_LEVEL = 3
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def compress(body: bytes) -> bytes:
    return zstd.compress(body, BODY_LEVEL)


def decompress(body: bytes) -> bytes:
    """A stored body, however it was compressed: a Zstandard frame or (stored by earlier versions) zlib."""
    if body[:4] == ZSTD_MAGIC:
        return zstd.decompress(body)
    return zlib.decompress(body)


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """INSERT many rows (values in `columns` order) by the driver's own executemany, each value through
    SQLAlchemy's bind processor.

    Hundreds of entries per snapshot (and a day of fetch attempts) made SQLAlchemy's per-row statement
    machinery the slowest part of storing them; the values still go through the columns' own type
    processing (UTC datetimes, dates, floats), so what lands is what an ORM insert would write.
    """
    if rows:
        statement = _statement(conn, table, tuple(columns), returning=False)
        conn.exec_driver_sql(statement.sql, statement.process(conn, rows))


def insert_row(conn: Connection, table: str, columns: Sequence[str], row: Sequence[object]) -> int:
    """INSERT one row (values in `columns` order) and return its new id."""
    statement = _statement(conn, table, tuple(columns), returning=True)
    return int(conn.exec_driver_sql(statement.sql, statement.process(conn, [row])[0]).scalar_one())


def select_rows(
    conn: Connection, sql: str, params: Sequence[object] = (), dates: Sequence[int] = ()
) -> list[tuple[Any, ...]]:
    """Rows of a SELECT run by the driver (see `run_sql`); the values at positions `dates` read as the DATE
    column type reads them (SQLite hands back text).

    The store's lookups pass hundreds of keys at a time; SQLAlchemy's expansion of `IN (...)` and its
    row objects cost more than the query itself.
    """
    result = run_sql(conn, sql, params)
    try:
        rows: list[tuple[Any, ...]] = list(result.cursor.fetchall())
    finally:
        result.close()
    read = _date_reader(conn.dialect) if dates else None
    if read is None or not rows:
        return rows
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i in dates:
        columns[i] = list(map(read, columns[i]))
    return list(zip(*columns, strict=True))


def run_sql(conn: Connection, sql: str, params: Sequence[object] = ()) -> CursorResult[Any]:
    """Run one statement by the driver, without SQLAlchemy's compiling: `?` marks each parameter, and a
    list parameter is the whole of an `IN (?)`: its items as parameters, or on PostgreSQL one array
    (`= ANY(...)`: the same text each time, which the server plans once). Values go to the driver as they
    are (see `date_param`)."""
    dialect = conn.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise ValueError(f"{len(parts) - 1} marks for {len(params)} parameters")
    text, values = [parts[0]], []
    for param, part in zip(params, parts[1:], strict=True):
        if not isinstance(param, list):
            text += [mark, part]
            values.append(param)
            continue
        if not (text[-1].endswith(" IN (") and part.startswith(")")):
            raise ValueError(f"a list parameter stands for the whole of an IN (?): {sql!r}")
        if dialect.name == "postgresql":
            text[-1] = text[-1].removesuffix(" IN (") + " = ANY("
            text += [mark, part]
            values.append(param)
        else:
            text += [", ".join([mark] * len(param)) if param else "NULL", part]
            values.extend(param)
    return conn.exec_driver_sql("".join(text), tuple(values))


def run_plain(conn: Connection, sql: str) -> None:
    """A statement without parameters or rows (SAVEPOINT, RELEASE) on the driver's connection itself:
    SQLAlchemy's statement machinery costs far more than these do. A driver error is raised as the
    SQLAlchemy error `exec_driver_sql` would raise."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc
    finally:
        cursor.close()


def date_param(conn: Connection, value: date) -> object:
    """A date as the DATE column type hands it to this dialect's driver, for `select_rows`."""
    write = _date_processors(conn.dialect)[1]
    return value if write is None else write(value)


def _date_reader(dialect: Dialect) -> Callable[[Any], Any] | None:
    return _date_processors(dialect)[0]


_DATES: dict[str, tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]] = {}


def _date_processors(dialect: Dialect) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    """How the DATE type reads a value from this dialect's driver, and writes one to it."""
    found = _DATES.get(dialect.name)
    if found is None:
        impl = Date().dialect_impl(dialect)
        found = _DATES[dialect.name] = (impl.result_processor(dialect, None), impl.bind_processor(dialect))
    return found


class _Statement:
    """An INSERT's SQL for one dialect, with the bind processors of its columns."""

    def __init__(self, sql: str, processors: Sequence[Callable[[Any], Any] | None]) -> None:
        self.sql = sql
        self.processed = [(i, p) for i, p in enumerate(processors) if p is not None]

    def process(self, conn: Connection, rows: Sequence[Sequence[object]]) -> list[tuple[object, ...]]:
        """The rows' values as the driver takes them; a value the column type refuses (a naive datetime)
        is the StatementError SQLAlchemy raises for it."""
        if not self.processed:
            return [tuple(row) for row in rows]
        columns: list[Sequence[object]] = list(zip(*rows, strict=True))
        try:
            for i, process in self.processed:
                columns[i] = list(map(process, columns[i]))
        except Exception as exc:
            dbapi = conn.dialect.loaded_dbapi
            raise DBAPIError.instance(self.sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc
        return list(zip(*columns, strict=True))


_STATEMENTS: dict[tuple[str, str, tuple[str, ...], bool], _Statement] = {}


def _statement(conn: Connection, table: str, columns: tuple[str, ...], *, returning: bool) -> _Statement:
    dialect = conn.dialect
    key = (table, dialect.name, columns, returning)
    statement = _STATEMENTS.get(key)
    if statement is None:
        spec = db.Base.metadata.tables[table]
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        names, marks = ", ".join(quote(c) for c in columns), ", ".join([mark] * len(columns))
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608 - names from the table definition
        if returning:
            sql += f" RETURNING {quote('id')}"
        processors = [spec.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        statement = _STATEMENTS[key] = _Statement(sql, processors)
    return statement


FETCH_COLUMNS = (
    "source",
    "board_id",
    "method",
    "url",
    "format",
    "as_of",
    "started_at",
    "finished_at",
    "http_status",
    "outcome",
    "error",
    "attempts",
    "etag",
    "last_modified",
    "content_type",
    "sha256",
    "body_size",
    "body",
)


def fetch_row(record: FetchRecord) -> tuple[object, ...]:
    """An attempt's values in `FETCH_COLUMNS` order, its body compressed."""
    body = record.body
    return (
        record.source,
        record.board,
        record.method,
        record.url,
        record.format,
        record.as_of,
        record.started_at,
        record.finished_at,
        record.http_status,
        record.outcome,
        record.error,
        record.attempts,
        record.etag,
        record.last_modified,
        record.content_type,
        hashlib.sha256(body).hexdigest() if body is not None else None,
        len(body) if body is not None else None,
        compress(body) if body is not None else None,
    )


ENTRY_COLUMNS = (
    "snapshot_id",
    "model_id",
    "source_key",
    "display_name",
    "rank",
    "rank_kind",
    "rank_upper",
    "rank_lower",
    "score",
    "ci_low",
    "ci_high",
    "votes",
    "tokens",
    "prompt_tokens",
    "completion_tokens",
    "change",
    "share",
    "organization",
    "tokens_lower_bound",
)


def entry_row(snapshot_id: int, model_id: int, e: Entry) -> tuple[object, ...]:
    """An entry's values in `ENTRY_COLUMNS` order."""
    return (
        snapshot_id,
        model_id,
        e.key,
        e.model,
        e.rank,
        str(e.rank_kind if isinstance(e.rank_kind, RankKind) else RankKind(e.rank_kind)),
        e.rank_upper,
        e.rank_lower,
        e.score,
        e.ci_low,
        e.ci_high,
        e.votes,
        e.tokens,
        e.prompt_tokens,
        e.completion_tokens,
        e.change,
        e.share,
        e.organization,
        e.tokens_lower_bound,
    )
