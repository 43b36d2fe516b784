"""One run at a time across processes (cron and the scheduler together), on either backend.

PostgreSQL: a session advisory lock, released by the server if the holder dies; the holder is named in
`application_name`, so a second run can say who has it. SQLite: an exclusive `flock` on a file beside the
database, released by the kernel if the holder dies. (Each SQLite write transaction also begins IMMEDIATE.)
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from tracker.models import LockHeldError

LOCK_KEY = 0x7472_6B72  # "trkr": the advisory lock id every tracker run takes
LOCK_NAME = "tracker run"


def holder_label() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"


@contextmanager
def run_lock(
    engine: Engine,
    *,
    wait: float = 0.0,
    poll: float = 0.5,
    holder: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold the run lock for the block; wait up to `wait` seconds for it, then raise LockHeldError."""
    label = holder or holder_label()
    if engine.dialect.name == "postgresql":
        with _postgres_lock(engine, label, wait, poll, sleep, clock):
            yield
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with _file_lock(Path(f"{engine.url.database}.lock"), label, wait, poll, sleep, clock):
            yield
    else:  # an in-memory database cannot be shared between processes anyway
        yield


def _until(wait: float, poll: float, sleep: Callable[[float], None], clock: Callable[[], float]) -> Iterator[None]:
    deadline = clock() + wait
    while True:
        yield
        if clock() >= deadline:
            return
        sleep(poll)


@contextmanager
def _postgres_lock(
    engine: Engine,
    label: str,
    wait: float,
    poll: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT set_config('application_name', :name, false)"), {"name": f"{LOCK_NAME}: {label}"})
        for _ in _until(wait, poll, sleep, clock):
            if conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar_one():
                break
        else:
            raise LockHeldError(f"another run holds the lock ({_pg_holder(conn)}); try again later")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})


def _pg_holder(conn: Connection) -> str:
    row = conn.execute(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted "
            # advisory locks are per database: another database's holder is not ours
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1"
        ),
        {"key": LOCK_KEY},
    ).first()
    name = row[0] if row else ""
    return name.removeprefix(f"{LOCK_NAME}: ") if name else "holder unknown"


@contextmanager
def _file_lock(
    path: Path,
    label: str,
    wait: float,
    poll: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> Iterator[None]:
    with open(path, "a+", encoding="utf-8") as handle:
        for _ in _until(wait, poll, sleep, clock):
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                continue
        else:
            handle.seek(0)
            held_by = handle.read().strip() or "holder unknown"
            raise LockHeldError(f"another run holds the lock ({held_by}); try again later")
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(label)
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
