"""One run at a time: a second run waits for the lock or exits saying who holds it, on both backends."""

from __future__ import annotations

import threading
import time

import pytest

from tracker.cli import main
from tracker.models import LockHeldError
from tracker.runlock import run_lock


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


def test_run_once_exits_75_while_another_run_holds_the_lock(db_url, engine, tmp_path, capsys):
    with run_lock(engine, holder="pid 99 on scheduler-host since 2026-08-01T00:00:00Z"):
        code = main(
            ["--database-url", db_url, "run", "--once", "--config", str(tmp_path / "none.yaml"), "--lock-wait", "0"]
        )
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
