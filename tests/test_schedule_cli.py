"""`tracker schedule`: the scheduler runs cron.yaml's jobs in-process, records them, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import text

from tracker.cli import main
from tracker.db import make_engine

CRON = """\
timezone: UTC
jobs:
  - name: health
    schedule: "0 3 * * mon"
    run: tracker status
"""


def job_runs(url: str) -> list[tuple[str, int]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT job, exit_code FROM job_runs ORDER BY id"))]
    finally:
        engine.dispose()


def test_schedule_catches_up_once_then_stops_on_sigterm(tmp_path):
    cron = tmp_path / "cron.yaml"
    cron.write_text(CRON)
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    assert main(["--database-url", url, "db", "upgrade"]) == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    code = "import sys; from tracker.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--database-url", url, "schedule", "--config", str(cron)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not job_runs(url):
            time.sleep(0.2)
        runs = job_runs(url)
        # Never run before: the weekly job is due at start-up, and runs exactly once.
        assert runs == [("health", 0)]
        time.sleep(0.5)
        assert job_runs(url) == [("health", 0)]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_print_crontab(tmp_path, capsys):
    cron = tmp_path / "cron.yaml"
    cron.write_text(CRON)
    assert main(["schedule", "--config", str(cron), "--print-crontab", "--tracker-command", "/opt/t/bin/tracker"]) == 0
    out = capsys.readouterr().out
    assert "CRON_TZ=UTC" in out
    assert "0 3 * * 1 /opt/t/bin/tracker status" in out


def test_schedule_with_a_bad_config_names_the_line(tmp_path, capsys):
    cron = tmp_path / "cron.yaml"
    cron.write_text(CRON.replace('"0 3 * * mon"', '"0 3 * * 1"'))
    assert main(["schedule", "--config", str(cron)]) == 2
    err = capsys.readouterr().err
    assert "cron.yaml:4" in err  # the schedule line
