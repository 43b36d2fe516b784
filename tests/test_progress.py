"""Output on long work (RELIABILITY 39): a progress bar on a terminal, none under cron or in CI logs.

`tracker backfill` is the long command with a bar. It runs here as a real child process against the local
stand-in for Hugging Face: once with pipes (as under cron), once on a pseudo-terminal (as a person runs it).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_backfill_reparse import webdev_rows
from upstream import running

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.fixtures]

BAR = "━"  # what rich draws its bars with
COMMAND = "import sys; from tracker.cli import main; sys.exit(main(sys.argv[1:]))"


def backfill_args(tmp_path: Path) -> list[str]:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    return [sys.executable, "-c", COMMAND, "--database-url", url, "backfill", "arena-webdev", "--since", "2026-04-01"]


def child_env(server_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "OPENROUTER_"))}
    env.pop("DATABASE_URL", None)
    env.update(server_env)
    env.update({"TERM": "xterm-256color", "COLUMNS": "100"})
    env.pop("NO_COLOR", None)
    return env


def run_on_a_terminal(
    args: list[str], env: dict[str, str], cwd: Path, *, stdout: Path | None = None
) -> tuple[int, str]:
    """Run with stdin, stderr and (unless `stdout` names a file for it, as `> file` does) stdout on a
    pseudo-terminal; everything it wrote there, and its exit code."""
    leader, follower = pty.openpty()
    with open(stdout or os.devnull, "wb") as redirected:
        out = redirected if stdout is not None else follower
        child = subprocess.Popen(args, stdin=follower, stdout=out, stderr=follower, cwd=cwd, env=env)
    os.close(follower)
    seen = bytearray()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif child.poll() is not None:
            break
    os.close(leader)
    return child.wait(timeout=30), seen.decode("utf-8", "replace")


def test_no_progress_bar_or_log_noise_under_cron(tmp_path):
    with running() as server:
        server.arena["webdev"] = webdev_rows("2026-04-16") + webdev_rows("2026-04-23", drop=1)
        done = subprocess.run(
            backfill_args(tmp_path),
            cwd=tmp_path,
            env=child_env(server.env()),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no bar, no step lines
    assert BAR not in done.stdout
    assert "\r" not in done.stdout
    assert "\x1b" not in done.stdout  # no terminal control sequences in a log
    assert "2 new" in done.stdout  # the summary is all there is


def test_a_progress_bar_on_a_terminal(tmp_path):
    with running() as server:
        server.arena["webdev"] = webdev_rows("2026-04-16") + webdev_rows("2026-04-23", drop=1)
        code, shown = run_on_a_terminal(backfill_args(tmp_path), child_env(server.env()), tmp_path)
    assert code == 0, shown
    assert "backfill arena-webdev" in shown  # the bar's label
    assert BAR in shown
    assert "2 new" in shown  # and the summary after it


def test_the_bar_stays_on_the_terminal_when_the_output_goes_to_a_file(tmp_path):
    """`tracker backfill ... > file` on a terminal: the bar is drawn on standard error (the terminal), and
    the file holds the summary alone, with no bar or control sequences in it."""
    summary = tmp_path / "summary.txt"
    with running() as server:
        server.arena["webdev"] = webdev_rows("2026-04-16") + webdev_rows("2026-04-23", drop=1)
        code, shown = run_on_a_terminal(backfill_args(tmp_path), child_env(server.env()), tmp_path, stdout=summary)
    assert code == 0, shown
    assert BAR in shown
    written = summary.read_text(encoding="utf-8")
    assert "2 new" in written
    assert BAR not in written
    assert "\x1b" not in written
