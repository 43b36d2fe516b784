"""A consistent, reproducible SQLite copy of the history for readers (part of the storage layer).

The copy is read in one transaction (a snapshot of the database even while collectors write), written
into a fresh SQLite file through the same migrations, row by row in key order, so the same history
always gives the same bytes. Raw fetch bodies stay behind: the copy is for querying, not for re-parsing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, select, text

from tracker import migrate
from tracker.db import Base

_BATCH = 5000
_LEFT_OUT = {"fetches": {"body"}}  # columns copied as NULL


def export_sqlite(source: Engine, path: Path) -> Path:
    """Write the whole history into a new SQLite file at `path` (which must not exist)."""
    if path.exists():
        raise FileExistsError(path)
    target = create_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(target)
        isolation = "REPEATABLE READ" if source.dialect.name == "postgresql" else None
        options = {"isolation_level": isolation} if isolation else {}
        with source.connect().execution_options(**options) as read, target.begin() as write:
            read.begin()  # one transaction: every table as of the same moment
            for table in Base.metadata.sorted_tables:
                left_out = _LEFT_OUT.get(table.name, set())
                columns = [c for c in table.columns if c.name not in left_out]
                query = select(*columns).order_by(*table.primary_key.columns)
                result = read.execution_options(stream_results=True).execute(query)
                while batch := result.fetchmany(_BATCH):
                    write.execute(insert(table), [dict(row._mapping) for row in batch])
        with target.connect() as conn:
            conn.execute(text("VACUUM"))
    finally:
        target.dispose()
    return path
