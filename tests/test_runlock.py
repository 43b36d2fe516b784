"""One run at a time: a second run waits for the lock or exits saying who holds it, on both backends."""

from __future__ import annotations

import os
import queue
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.db import make_engine
from tracker.models import LockHeldError
from tracker.runlock import run_lock
from tracker.store import Store


def test_second_lock_says_who_holds_it(engine):
    with run_lock(engine, holder="pid 4242 on cron-box since 2026-08-01T02:30:00Z"):
        with pytest.raises(LockHeldError, match="pid 4242 on cron-box") as raised, run_lock(engine, wait=0):
            pass
        assert raised.value.exit_code == 75
    with run_lock(engine):  # released: free again
        pass


def test_two_runs_never_interleave(engine):
    spans: list[tuple[str, float, float]] = []

    def worker(name: str) -> None:
        with run_lock(engine, wait=10, poll=0.02):
            start = time.monotonic()
            time.sleep(0.3)
            spans.append((name, start, time.monotonic()))

    threads = [threading.Thread(target=worker, args=(f"run{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(spans) == 2
    (_, _a_start, a_end), (_, b_start, _b_end) = sorted(spans, key=lambda s: s[1])
    assert a_end <= b_start, "the second run started before the first one finished"


def test_run_once_exits_75_while_another_run_holds_the_lock(db_url, engine, capsys):
    with run_lock(engine, holder="pid 99 on scheduler-host since 2026-08-01T00:00:00Z"):
        code = main(["--database-url", db_url, "run", "--once", "--all", "--lock-wait", "0"])
    assert code == 75
    err = capsys.readouterr().err
    assert "another run holds the lock" in err
    assert "pid 99 on scheduler-host" in err
    assert "Traceback" not in err


def test_publish_waits_for_the_lock_then_runs(db_url, engine, tmp_path):
    results: list[int] = []
    started = threading.Event()

    def hold() -> None:
        with run_lock(engine):
            started.set()
            time.sleep(0.5)

    holder = threading.Thread(target=hold)
    holder.start()
    started.wait(5)
    begin = time.monotonic()
    results.append(main(["--database-url", db_url, "publish", "--out", str(tmp_path / "site"), "--lock-wait", "20"]))
    waited = time.monotonic() - begin
    holder.join(10)
    assert results == [0]
    assert waited >= 0.3


def test_a_sqlite_write_transaction_takes_the_write_lock_at_begin(tmp_path):
    """BEGIN IMMEDIATE, not DEFERRED: while a store transaction is open, before it has written anything,
    another connection cannot even begin a write; it can once the transaction is over."""
    path = tmp_path / "history.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        # The store's write transaction is open and has written nothing yet.
        with Store(engine).bulk(), pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # the store's transaction ended: free again
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


# A run in a process of its own: says "trying", takes the run lock (waiting up to argv[2] seconds),
# says "locked", holds it until its stdin is closed, then says "released".
HOLDER = """
import sys
from tracker.db import make_engine
from tracker.runlock import run_lock

engine = make_engine(sys.argv[1])
print("trying", flush=True)
with run_lock(engine, wait=float(sys.argv[2]), poll=0.05):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
engine.dispose()
"""


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "OPENROUTER_"))}
    env.pop("DATABASE_URL", None)
    return env


class _Run:
    """A HOLDER process, its stdout lines read into a queue (so a test can wait for a line with a timeout)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(target=lambda: [self.lines.put(line.strip()) for line in stdout], daemon=True).start()

    def next_line(self, timeout: float = 60) -> str:
        return self.lines.get(timeout=timeout)

    def let_go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()


@contextmanager
def _holder(db_url: str, cwd: Path, wait: float = 0) -> Iterator[_Run]:
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, db_url, str(wait)],
        cwd=cwd,
        env=_child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            yield _Run(process)
        finally:
            if process.stdin is not None and not process.stdin.closed:
                process.stdin.close()
            process.wait(60)


def test_a_publish_in_another_process_exits_75_naming_the_process_that_holds_the_lock(db_url, tmp_path):
    site = tmp_path / "site"
    with _holder(db_url, tmp_path) as first:
        assert [first.next_line(), first.next_line()] == ["trying", "locked"]
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "tracker",
                "--database-url",
                db_url,
                "publish",
                "--out",
                str(site),
                "--lock-wait",
                "0",
            ],
            cwd=tmp_path,
            env=_child_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        first.let_go()
        assert first.next_line() == "released"
    assert second.returncode == 75
    assert "another run holds the lock" in second.stderr
    assert f"pid {first.process.pid} on " in second.stderr
    assert "Traceback" not in second.stderr
    assert not site.exists()  # the second run did nothing


def test_a_run_in_another_process_waits_until_the_holder_lets_go(db_url, tmp_path):
    with _holder(db_url, tmp_path) as first:
        assert [first.next_line(), first.next_line()] == ["trying", "locked"]
        with _holder(db_url, tmp_path, wait=60) as second:
            assert second.next_line() == "trying"
            with pytest.raises(queue.Empty):  # still waiting: the two never hold the lock at once
                second.next_line(timeout=1.5)
            first.let_go()
            assert first.next_line() == "released"
            assert second.next_line() == "locked"
            second.let_go()
            assert second.next_line() == "released"
        assert second.process.returncode == 0
    assert first.process.returncode == 0
