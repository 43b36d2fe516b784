"""A consistent, reproducible SQLite copy of the history for readers (part of the storage layer).

The copy is read in one transaction (a snapshot of the database even while collectors write) into a
working SQLite file made by the same migrations, then written out by `VACUUM INTO`, which lays every
table and index out afresh: the same history always gives the same bytes, however the working file was
filled. That lets a publish start from its previous copy and bring over only what changed (new rows of
the big tables, which are only ever appended to; every row of the small ones, which may be updated in
place) instead of copying years of history again. Raw fetch bodies stay behind: the copy is for
querying, not for re-parsing. From SQLite the rows move inside SQLite (`INSERT ... SELECT` from the
attached database); from PostgreSQL they are streamed from psycopg, each value as the SQLite dialect
would write it (`_streamed_copy`); through another driver, read by SQLAlchemy and written with the
SQLite dialect's own conversions. A new working file is filled before its indexes are made.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, Boolean, Column, Connection, Date, Engine, Float, Table, create_engine, func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from tracker import migrate
from tracker.db import Base, UTCDateTime, uses_psycopg

if TYPE_CHECKING:
    import psycopg

_BATCH = 5000
_LEFT_OUT = {"fetches": {"body"}}  # columns copied as NULL
_SMALL = 5000  # tables up to this many rows are copied whole (their rows may be updated in place)
_FETCH_TAIL = 1000  # the newest attempts are copied again: their outcome is set after they are recorded
_SCHEMA_VERSION = 1  # written into every copy before VACUUM INTO, so the header does not depend on history
# The copy's pages: SQLite's largest. VACUUM INTO lays the file out in about two thirds of the time it
# takes with the default 4 KB pages (0.21 s against 0.35 s for the three-year benchmark history, the same
# size), and a reader's scans of a table are cheaper too.
_PAGE_SIZE = 65536


def export_sqlite(source: Engine, path: Path, *, previous: Path | None = None) -> Path:
    """Write the whole history into a new SQLite file at `path` (which must not exist).

    With `previous` (a copy this function made earlier, from the same database, with the same schema),
    only what changed since is copied; the file is the same as without it. The file is on disk (fsync)
    when this returns: a publish swaps it in right after.
    """
    if path.exists():
        raise FileExistsError(path)
    work = path.with_name(path.name + ".work")
    work.unlink(missing_ok=True)
    try:
        fresh = previous is None or not _same_schema(previous)
        if previous is not None and not fresh:
            shutil.copyfile(previous, work)
        else:
            _create(work)
        conn = sqlite3.connect(f"file:{work}", uri=True, isolation_level=None)  # URIs: ATTACH ... ?mode=ro
        try:
            conn.execute("PRAGMA journal_mode=OFF")  # a scratch file: the publish swap is the atomic step
            conn.execute("PRAGMA synchronous=OFF")
            with _source_rows(source, conn) as copy:
                conn.execute("BEGIN")
                indexes = _drop_indexes(conn) if fresh else []
                for table in Base.metadata.sorted_tables:
                    _sync(conn, table, copy)
                for sql in indexes:  # each built in one sorted pass, not row by row
                    conn.execute(sql)
                conn.execute("COMMIT")
            conn.execute(f"PRAGMA schema_version = {_SCHEMA_VERSION}")
            conn.execute(f"PRAGMA page_size = {_PAGE_SIZE}")  # taken by VACUUM INTO for the file it writes
            conn.execute("VACUUM INTO ?", (str(path),))
        finally:
            conn.close()
    finally:
        work.unlink(missing_ok=True)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
    return path


def _create(work: Path) -> None:
    engine = create_engine(f"sqlite:///{work}")
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def _drop_indexes(conn: sqlite3.Connection) -> list[str]:
    """Drop the (empty) indexes of a new working file, to be made again once it is filled: the statements,
    in the order they were made. `VACUUM INTO` writes the tables and then these indexes in that order,
    however the working file holds them, so the copy is the same bytes."""
    made = conn.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    for name, _ in made:
        conn.execute(f'DROP INDEX main."{name}"')
    return [sql for _, sql in made]


def _same_schema(previous: Path) -> bool:
    """The earlier copy was made by the migrations this version ships."""
    try:
        conn = sqlite3.connect(f"file:{previous}?mode=ro", uri=True)
        try:
            version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return version is not None and version[0] == migrate.HEAD  # Alembic's head (tested), without Alembic


class _Copier:
    """Moves the rows of one table from the source into the working file: `count`, `max_key`, `copy`."""

    def __init__(
        self,
        count: Callable[[Table], int],
        max_key: Callable[[Table], Any],
        copy: Callable[[sqlite3.Connection, Table, Any], None],
    ) -> None:
        self.count, self.max_key, self.copy = count, max_key, copy


@contextmanager
def _source_rows(source: Engine, conn: sqlite3.Connection) -> Iterator[_Copier]:
    """Reads from the source in one transaction: a consistent snapshot of every table."""
    database = source.url.database if source.dialect.name == "sqlite" else None
    if database and database != ":memory:" and Path(database).exists():
        conn.execute("ATTACH DATABASE ? AS src", (f"file:{Path(database).resolve()}?mode=ro",))
        try:
            # Every read happens inside the caller's one transaction: one snapshot of the attached file.
            yield _Copier(
                lambda t: int(conn.execute(f'SELECT count(*) FROM src."{t.name}"').fetchone()[0]),  # noqa: S608
                lambda t: conn.execute(f'SELECT max("{_key(t)}") FROM src."{t.name}"').fetchone()[0],  # noqa: S608
                _attached_copy,
            )
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE src")
        return
    isolation = "REPEATABLE READ" if source.dialect.name == "postgresql" else None
    options = {"isolation_level": isolation} if isolation else {}
    with source.connect().execution_options(**options) as read:
        read.begin()  # one transaction: every table as of the same moment
        driver = read.connection.dbapi_connection
        copy: Callable[[sqlite3.Connection, Table, Any], None]
        if uses_psycopg(source):
            pg = cast("psycopg.Connection[Any]", driver)
            copy = lambda c, t, after: _streamed_copy(pg, c, t, after)  # noqa: E731
        else:
            copy = lambda c, t, after: _typed_copy(read, c, t, after)  # noqa: E731
        yield _Copier(
            lambda t: int(read.scalar(select(func.count()).select_from(t)) or 0),
            lambda t: read.scalar(select(func.max(t.c[_key(t)]))),
            copy,
        )


def _key(table: Table) -> str:
    return next(iter(table.primary_key.columns)).name


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns]


def _sync(conn: sqlite3.Connection, table: Table, copy: _Copier) -> None:
    """Make the working file's table equal to the source's."""
    count = copy.count(table)
    have = int(conn.execute(f'SELECT count(*) FROM main."{table.name}"').fetchone()[0])  # noqa: S608
    keys = list(table.primary_key.columns)
    appendable = len(keys) == 1 and keys[0].type.python_type is int and count > _SMALL
    if appendable and have:
        key = keys[0].name
        newest = conn.execute(f'SELECT max("{key}") FROM main."{table.name}"').fetchone()[0]  # noqa: S608
        if table.name == "fetches":
            newest -= _FETCH_TAIL
            conn.execute(f'DELETE FROM main."{table.name}" WHERE "{key}" > ?', (newest,))  # noqa: S608
        copy.copy(conn, table, newest)
        if int(conn.execute(f'SELECT count(*) FROM main."{table.name}"').fetchone()[0]) == count:  # noqa: S608
            return
    conn.execute(f'DELETE FROM main."{table.name}"')  # noqa: S608 - small, changed in place, or out of step
    copy.copy(conn, table, None)


def _attached_copy(conn: sqlite3.Connection, table: Table, after: Any) -> None:
    left_out = _LEFT_OUT.get(table.name, set())
    names = _columns(table)
    picked = ", ".join("NULL" if c in left_out else f'"{c}"' for c in names)
    keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    where = "" if after is None else f' WHERE "{_key(table)}" > ?'
    sql = (
        f'INSERT INTO main."{table.name}" ({", ".join(chr(34) + c + chr(34) for c in names)}) '  # noqa: S608
        f'SELECT {picked} FROM src."{table.name}"{where} ORDER BY {keys}'
    )
    conn.execute(sql, () if after is None else (after,))


def _typed_copy(read: Connection, conn: sqlite3.Connection, table: Table, after: Any) -> None:
    left_out = _LEFT_OUT.get(table.name, set())
    columns = [c for c in table.columns if c.name not in left_out]
    dialect = sqlite_dialect.dialect()
    # The SQLite dialect's own conversions (UTC datetimes, dates, JSON, booleans), on the columns that have one.
    converting = [
        (i, process)
        for i, column in enumerate(columns)
        if (process := column.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    query = select(*columns).order_by(*table.primary_key.columns)
    if after is not None:
        query = query.where(table.c[_key(table)] > after)
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    marks = ", ".join("NULL" if c.name in left_out else "?" for c in table.columns)
    sql = f'INSERT INTO main."{table.name}" ({names}) VALUES ({marks})'  # noqa: S608 - names from the table definition
    result = read.execution_options(stream_results=True).execute(query)
    while batch := result.fetchmany(_BATCH):
        rows = []
        for row in batch:
            values = list(row)
            for i, process in converting:
                if values[i] is not None:
                    values[i] = process(values[i])
            rows.append(values)
        conn.executemany(sql, rows)


# ---- from PostgreSQL: the rows straight from psycopg, each value as the SQLite dialect would write it

_SQLITE_VARIABLES = 999  # bound values a statement may have on every SQLite (more since 3.32)


def _streamed_copy(driver: psycopg.Connection[Any], conn: sqlite3.Connection, table: Table, after: Any) -> None:
    """The rows of one table through a server-side cursor in binary form, a batch at a time: the driver
    makes the Python values, PostgreSQL the text of the columns SQLite stores as text (`_selected`); they
    go in a few dozen rows per INSERT (one statement per row costs more than the row itself)."""
    left_out = _LEFT_OUT.get(table.name, set())
    columns = [c for c in table.columns if c.name not in left_out]
    selected = [_selected(c) for c in columns]
    converting = [(i, convert) for i, (_, convert) in enumerate(selected) if convert is not None]
    keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    where = "" if after is None else f' WHERE "{_key(table)}" > %s'
    picked = ", ".join(expression for expression, _ in selected)
    query = f'SELECT {picked} FROM "{table.name}"{where} ORDER BY {keys}'  # noqa: S608 - names from the table
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    marks = "(" + ", ".join("NULL" if c.name in left_out else "?" for c in table.columns) + ")"
    per = max(1, _SQLITE_VARIABLES // len(columns))  # rows per statement
    one = f'INSERT INTO main."{table.name}" ({names}) VALUES {marks}'  # noqa: S608 - names from the table definition
    many = f'INSERT INTO main."{table.name}" ({names}) VALUES {", ".join([marks] * per)}'  # noqa: S608
    with driver.cursor(name=f"copy_{table.name}", binary=True) as cursor:
        cursor.execute(query, () if after is None else (after,))
        while batch := cursor.fetchmany(_BATCH):
            if converting:
                rows: list[Any] = [list(row) for row in batch]
                for values in rows:
                    for i, convert in converting:
                        if values[i] is not None:
                            values[i] = convert(values[i])
                batch = rows
            full = len(batch) - len(batch) % per
            for start in range(0, full, per):
                conn.execute(many, list(chain.from_iterable(batch[start : start + per])))
            if full < len(batch):
                conn.executemany(one, batch[full:])


def _selected(column: Column[Any]) -> tuple[str, Callable[[Any], Any] | None]:
    """What to select for a column, and the conversion its values still need in Python, if any: each value
    as the SQLite dialect writes it. UTC datetimes and dates are its text, made by PostgreSQL; JSON is the
    text PostgreSQL's `json` keeps as it was written (`json.dumps`, as the dialect's own conversion would
    write it again; JSON null as NULL, as before); booleans 0 or 1; floats are floats already. Any other
    type with a conversion gets the dialect's own."""
    name = f'"{column.name}"'
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')", None
    if isinstance(kind, Date):
        return f"to_char({name}, 'YYYY-MM-DD')", None
    if isinstance(kind, JSON):
        return f"NULLIF({name}::text, 'null')", None
    if isinstance(kind, Boolean):
        return f"{name}::integer", None
    if isinstance(kind, Float) and not kind.asdecimal:
        return name, None
    dialect = sqlite_dialect.dialect()
    return name, kind.dialect_impl(dialect).bind_processor(dialect)
