"""The command line: help without a database, usage errors exit 2, no tracebacks, no secrets, quiet under cron."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from sqlalchemy import text

from tracker.cli import cli, main
from tracker.config import load_settings
from tracker.config.cron import COMMANDS


def run_tracker(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process (not a terminal: as under cron)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "OPENROUTER_"))}
    full_env.pop("DATABASE_URL", None)
    full_env.update(env or {})
    code = "import sys; from tracker.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_every_command_has_help_without_a_database(tmp_path):
    names = sorted(cli.commands)
    assert set(names) == set(COMMANDS)  # cron.yaml knows exactly the commands the CLI has
    for name in names:
        command = cli.commands[name]
        args = [name, "--help"]
        result = run_tracker(*args, cwd=tmp_path)
        assert result.returncode == 0, (name, result.stderr)
        assert "Usage:" in result.stdout
        if isinstance(command, click.Group):
            for sub in command.commands:
                assert run_tracker(name, sub, "--help", cwd=tmp_path).returncode == 0
    assert run_tracker("--help", cwd=tmp_path).returncode == 0
    assert list(tmp_path.iterdir()) == []  # no database file was created


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show"], "Missing option '--board'"),
        (["show", "--board", "nope"], "Invalid value for '--board'"),
        (["import", "--board", "arena-text"], "Missing argument 'FILES...'"),
        (["diff", "--board", "arena-text", "--from", "yesterday"], "is not a date"),
        (["frobnicate"], "No such command"),
        (["collect", "not-a-source"], "Invalid value"),
        (
            ["diff", "--board", "openrouter-weekly", "--from", "2026-05-03", "--to", "2026-04-26"],
            "tracker: --from 2026-05-03 is after --to 2026-04-26",
        ),
    ],
)
def test_bad_usage_exits_2_with_a_message(tmp_path, args, message):
    result = run_tracker(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_expected_failures_print_one_line_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("no,header,here\n1,2,3\n")
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    result = run_tracker("--database-url", url, "import", "--board", "arena-text", str(bad), cwd=tmp_path)
    assert result.returncode == 65
    assert "Traceback" not in result.stderr
    result = run_tracker("--database-url", url, "show", "--board", "arena-text", cwd=tmp_path)
    assert result.returncode == 2
    assert "no snapshot of arena-text" in result.stderr


def test_unreachable_database_fails_cleanly_without_the_password(tmp_path):
    url = "postgresql://tracker:s3cret-pw@127.0.0.1:1/history"
    result = run_tracker("status", cwd=tmp_path, env={"TRACKER_DATABASE_URL": url})
    assert result.returncode == 1
    assert "database unavailable" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_secrets_are_never_printed(tmp_path):
    key = "sk-or-v1-0123456789abcdef"
    settings = load_settings({"OPENROUTER_API_KEY": key, "TRACKER_DATABASE_URL": "postgres://u:pw123@h/db"})
    assert key not in repr(settings)
    assert "pw123" not in repr(settings)
    assert settings.database_url == "postgresql+psycopg://u:pw123@h/db"  # postgres:// accepted
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    env = {"OPENROUTER_API_KEY": key}
    assert run_tracker("--database-url", url, "db", "upgrade", cwd=tmp_path).returncode == 0
    result = run_tracker("-v", "--database-url", url, "status", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr  # a whole status run, verbose, not a refusal
    assert key not in result.stdout + result.stderr


def test_precedence_flag_over_environment_over_default(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_settings({}).database_url == f"sqlite:///{tmp_path / 'tracker.sqlite'}"
    env = {"DATABASE_URL": "sqlite:///b.sqlite"}
    assert load_settings(env).database_url == "sqlite:///b.sqlite"
    env["TRACKER_DATABASE_URL"] = "sqlite:///a.sqlite"
    assert load_settings(env).database_url == "sqlite:///a.sqlite"
    assert load_settings(env, database_url="sqlite:///c.sqlite").database_url == "sqlite:///c.sqlite"
    assert load_settings({"TRACKER_SITE_DIR": "pub"}).site_dir == Path("pub")
    assert load_settings({"TRACKER_SITE_DIR": "pub"}, site_dir="out").site_dir == Path("out")


def test_quiet_under_cron_no_progress_noise(tmp_path):
    """Not a terminal: no step-by-step log lines, no progress bar; -v brings the step lines back."""
    week = tmp_path / "week.csv"
    week.write_text("rank,model,tokens\n" + "".join(f"{i},Model {i},{100 - i}B\n" for i in range(1, 9)))
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    base = ["--database-url", url, "import", "--board", "openrouter-weekly", "--as-of", "2026-08-01", str(week)]
    quiet = run_tracker(*base, cwd=tmp_path)
    assert quiet.returncode == 0
    assert quiet.stderr == ""
    assert quiet.stdout.count("\n") == 1  # one summary line
    loud = run_tracker("-v", *base, cwd=tmp_path)
    assert "INFO" in loud.stderr


def test_version(capsys):
    assert main(["--version"]) == 0
    assert "tracker, version" in capsys.readouterr().out


# What only a publish with something to build (or `run`, `diff`, `portfolio`) uses: the templates and the
# page and download code, the diff and the matching (with its YAML model map), the schedule's YAML.
PUBLISH_ONLY = ("jinja2", "tracker.site.pages", "tracker.pipeline.publish", "tracker.pipeline.report", "yaml")


def test_the_command_starts_without_the_libraries_only_some_commands_use() -> None:
    """`tracker publish` (and every command) starts without the HTTP client, the feed writer, the
    PostgreSQL driver, rich's tables, the scheduler, Alembic, the page code and YAML: each is imported by
    the code that uses it, which took about 0.3 s off the start of every command here (and 0.1 s more
    in the ninth session)."""
    heavy = ("httpx", "feedgen.feed", "psycopg", "rich.table", "rich.progress", "apscheduler", "alembic", *PUBLISH_ONLY)
    code = f"import sys, tracker.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


SAMPLES = Path(__file__).resolve().parent.parent / "tracker" / "samples"


def test_a_publish_with_nothing_new_never_loads_the_page_code(db_url, tmp_path):
    """What cron runs most hours: the site is current, so the command answers from the database's
    fingerprint and the last manifest, and loads none of `PUBLISH_ONLY` (nor writes a file: the folder
    is not swapped). After a new snapshot the same command does load them (the check can see them)."""
    site = tmp_path / "site"

    def tracker(*args: str) -> int:
        return main(["--database-url", db_url, *args])

    def publish_in_a_process() -> list[object]:
        code = (
            "import json, sys; from tracker.cli import main; code = main(sys.argv[1:]); "
            f"print(json.dumps([code, sorted(m for m in {PUBLISH_ONLY!r} if m in sys.modules)]))"
        )
        args = ["--database-url", db_url, "--quiet", "publish", "--out", str(site)]
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert tracker("import", "--board", "arena-text", str(SAMPLES / "arena-text-2026-10-04.json")) == 0
    assert tracker("publish", "--out", str(site)) == 0
    folder = site.stat().st_ino
    assert publish_in_a_process() == [0, []]
    assert site.stat().st_ino == folder  # nothing was written: a publish swaps in a new folder

    assert tracker("import", "--board", "arena-text", str(SAMPLES / "arena-text-2026-10-11.json")) == 0
    assert publish_in_a_process() == [0, sorted(PUBLISH_ONLY)]
    assert site.stat().st_ino != folder


def test_run_and_schedule_read_the_schedule_file_config_cron_names_by_default():
    """The CLI takes the default schedule file from `tracker.config` (so it starts without YAML and
    APScheduler), the one constant that names it."""
    from tracker.config import DEFAULT_CRON_FILE

    for name in ("run", "schedule"):
        (config,) = [p for p in cli.commands[name].params if p.name == "config"]
        assert config.default == DEFAULT_CRON_FILE


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file in the folder (and below), by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def publish_a_site(tmp_path: Path, site: Path) -> dict[str, bytes]:
    """A site published from a working database, as a previous run left it; returns its files."""
    url = f"sqlite:///{tmp_path / 'good.sqlite'}"
    week = SAMPLES / "arena-text-2026-10-04.json"
    assert main(["--database-url", url, "import", "--board", "arena-text", str(week)]) == 0
    assert main(["--database-url", url, "publish", "--out", str(site)]) == 0
    return files_under(site)


@pytest.mark.parametrize(
    "url",
    ["postgresql://tracker:s3cret-pw@127.0.0.1:1/history", "sqlite:///{tmp}/no-such-folder/history.sqlite"],
    ids=["postgresql-closed-port", "sqlite-missing-folder"],
)
@pytest.mark.parametrize("command", [["publish"], ["run", "--once"]], ids=["publish", "run"])
def test_publish_and_run_against_an_unreachable_database_publish_nothing(tmp_path, url, command):
    url = url.format(tmp=tmp_path)
    site = tmp_path / "out" / "site"

    def attempt() -> subprocess.CompletedProcess[str]:
        result = run_tracker("--database-url", url, *command, "--out", str(site), "--lock-wait", "0", cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith("tracker: database unavailable: ")
        assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback
        assert "s3cret-pw" not in result.stderr + result.stdout
        return result

    attempt()
    assert not site.parent.exists()  # nothing was created
    published = publish_a_site(tmp_path, site)
    attempt()
    assert files_under(site) == published  # the previous site, byte for byte
    assert [p.name for p in site.parent.iterdir()] == ["site"]  # and no temporary folder beside it


def a_site_then_a_new_week(db_url: str, site: Path) -> dict[str, bytes]:
    """A site published from one Arena Text week, then the next week imported (not yet published): the
    files of the published site."""
    arena = ["import", "--board", "arena-text"]
    assert main(["--database-url", db_url, *arena, str(SAMPLES / "arena-text-2026-10-04.json")]) == 0
    assert main(["--database-url", db_url, "publish", "--out", str(site)]) == 0
    assert main(["--database-url", db_url, *arena, str(SAMPLES / "arena-text-2026-10-11.json")]) == 0
    return files_under(site)


def disk_full(target: Path) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))


def assert_disk_full_said_once_and_the_site_kept(err: str, site: Path, published: dict[str, bytes]) -> None:
    assert err.startswith("tracker: [Errno 28] No space left on device")
    assert len(err.strip().splitlines()) == 1  # one line, no traceback
    assert files_under(site) == published  # the previous site, byte for byte
    assert [p.name for p in site.parent.iterdir()] == ["site"]  # no temporary folder left beside it


def test_a_full_disk_during_publish_exits_1_and_keeps_the_previous_site(db_url, tmp_path, monkeypatch, capsys):
    import tracker.site.writer

    site = tmp_path / "out" / "site"
    published = a_site_then_a_new_week(db_url, site)
    capsys.readouterr()

    def full(target: Path, data: bytes) -> None:
        raise disk_full(target)

    monkeypatch.setattr(tracker.site.writer, "_write_file", full)
    assert main(["--database-url", db_url, "publish", "--out", str(site)]) == 1
    assert_disk_full_said_once_and_the_site_kept(capsys.readouterr().err, site, published)


def test_a_full_disk_in_the_forked_helper_is_reported_like_one_here(db_url, tmp_path, monkeypatch, capfd):
    """The model pages an update shares with a forked helper fail there (ENOSPC): the helper hands the
    OSError back, and the command says it in one line, as when this process fails, with no traceback from
    either process; the previous site stays whole."""
    import tracker.site.writer
    from tracker.pipeline import publish as publishing

    site = tmp_path / "out" / "site"
    published = a_site_then_a_new_week(db_url, site)
    monkeypatch.setattr(publishing, "FORK_PAGES", 1)  # share the model pages with a forked helper
    monkeypatch.setattr(publishing, "_can_fork", lambda: True)
    parent, write = os.getpid(), tracker.site.writer._write_file

    def full_in_a_child(target: Path, data: bytes) -> None:
        if os.getpid() != parent:
            raise disk_full(target)
        write(target, data)

    monkeypatch.setattr(tracker.site.writer, "_write_file", full_in_a_child)
    capfd.readouterr()
    assert main(["--database-url", db_url, "publish", "--out", str(site)]) == 1
    # This process's standard error and the child's: one line between them.
    assert_disk_full_said_once_and_the_site_kept(capfd.readouterr().err, site, published)


# Upstreams nobody listens on: a command that should not fetch cannot reach the internet if it does.
OFFLINE = dict.fromkeys(
    ("TRACKER_HF_DATASETS_URL", "TRACKER_ARENA_URL", "TRACKER_OPENROUTER_URL"), "http://127.0.0.1:9"
)


def test_run_refuses_a_named_schedule_file_that_is_not_there(db_url, engine, tmp_path, monkeypatch, capsys):
    """`run --once --config FILE` with no such file stops at once (exit 2, one line, as `schedule` does)
    instead of collecting every source and publishing; without --config, a missing cron.yaml in the working
    directory still means every source is due (the lock, held here, stops the round right after)."""
    from tracker.runlock import run_lock

    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    site = tmp_path / "site"
    missing = tmp_path / "missing.yaml"
    base = ["--database-url", db_url, "run", "--once", "--out", str(site), "--lock-wait", "0"]
    with run_lock(engine, holder="the test"):
        assert main([*base, "--config", str(missing)]) == 2
        assert capsys.readouterr().err == f"tracker: {missing}: schedule file not found\n"
        assert main(base) == 75  # the default file is optional: the round went on to take the lock
        assert "another run holds the lock" in capsys.readouterr().err
    assert not site.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("foo://bar", "Can't load plugin: sqlalchemy.dialects:foo"),
        ("notaurl", "Could not parse SQLAlchemy URL"),
        ("postgresql://tracker:s3cret-pw@127.0.0.1:port/history", "invalid literal for int()"),
    ],
    ids=["unknown-dialect", "not-a-url", "bad-port"],
)
def test_an_unusable_database_url_is_a_configuration_error_naming_the_setting(tmp_path, url, reason):
    """Exit 2 (a configuration error, not a failure), one line naming where the URL came from; never the
    password."""
    for variable in ("TRACKER_DATABASE_URL", "DATABASE_URL"):
        result = run_tracker("status", cwd=tmp_path, env={variable: url})
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"tracker: {variable}: not a database URL this tracker can use (")
        assert reason in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert "s3cret-pw" not in result.stdout + result.stderr
    flag = run_tracker("--database-url", url, "status", cwd=tmp_path)
    assert flag.returncode == 2
    assert flag.stderr.startswith("tracker: --database-url: not a database URL")
    assert "s3cret-pw" not in flag.stdout + flag.stderr
    assert list(tmp_path.iterdir()) == []


def test_diff_to_a_date_before_every_snapshot_names_the_earliest(db_url, capsys):
    """Snapshots are stored, only none that early: the message says so (not "collect or import first"),
    and reversed dates are a usage error even where both select snapshots."""
    for week in ("2026-10-04", "2026-10-11"):
        capture = SAMPLES / f"openrouter-weekly-{week}.json"
        assert main(["--database-url", db_url, "import", "--board", "openrouter-weekly", str(capture)]) == 0
    capsys.readouterr()
    diff = ["--database-url", db_url, "diff", "--board", "openrouter-weekly"]
    assert main([*diff, "--to", "2026-01-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "tracker: no snapshot of openrouter-weekly on or before 2026-01-01: the earliest is as of 2026-"
    )
    assert "collect" not in err
    assert main([*diff, "--from", "2026-10-11", "--to", "2026-10-04", "--json"]) == 2
    assert capsys.readouterr().out == ""


def test_an_ad_hoc_diff_is_shown_but_only_the_runs_comparison_is_stored(db_url, engine, capsys):
    """`diff --from` compares any two snapshots for the reader; storing its events would put them on the
    board page and in the events downloads beside the week's own."""
    for week in ("2026-10-04", "2026-10-11", "2026-10-18"):
        capture = SAMPLES / f"openrouter-weekly-{week}.json"
        assert main(["--database-url", db_url, "import", "--board", "openrouter-weekly", str(capture)]) == 0
    diff = ["--database-url", db_url, "diff", "--board", "openrouter-weekly", "--json"]

    def stored() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM events")).scalar_one())

    before = stored()
    capsys.readouterr()
    assert main([*diff, "--from", "2026-10-04"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["from"]["as_of"], shown["to"]["as_of"]) == ("2026-10-04", "2026-10-18")
    assert shown["events"]
    assert stored() == before
    assert main(diff) == 0  # the latest window against the one seven days before, as a run compares
    week = json.loads(capsys.readouterr().out)
    assert week["from"]["as_of"] == "2026-10-11"
    assert stored() == before + len(week["events"]) > before


def test_a_publish_with_nothing_new_says_so(db_url, tmp_path, capsys):
    site = tmp_path / "site"
    tracker = ["--database-url", db_url]
    assert main([*tracker, "import", "--board", "arena-text", str(SAMPLES / "arena-text-2026-10-04.json")]) == 0
    assert main([*tracker, "publish", "--out", str(site)]) == 0
    out = capsys.readouterr().out.splitlines()[-1]
    first = re.fullmatch(rf"published (\d+) files to {re.escape(str(site))}", out)
    assert first is not None  # all of it new: no count of unchanged files
    files = int(first.group(1))
    assert main([*tracker, "publish", "--out", str(site)]) == 0
    assert capsys.readouterr().out == f"nothing new to publish: {site} is up to date ({files} files)\n"
    assert main([*tracker, "import", "--board", "arena-text", str(SAMPLES / "arena-text-2026-10-11.json")]) == 0
    assert main([*tracker, "publish", "--out", str(site)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(rf"published \d+ files to {re.escape(str(site))} \(\d+ written, \d+ unchanged\)", last)


def test_tables_are_never_cut_short_off_a_terminal(tmp_path):
    """Under cron or in a pipe, `status` and `show` print every cell whole (rich fits tables to 80
    columns when it cannot ask a terminal, cutting names and dates with an ellipsis)."""
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    week = SAMPLES / "openrouter-weekly-2026-10-04.json"
    env = {"COLUMNS": "80"}
    imported = run_tracker("--database-url", url, "import", "--board", "openrouter-weekly", str(week), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    status = run_tracker("--database-url", url, "status", cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    assert "…" not in status.stdout
    row = next(line for line in status.stdout.splitlines() if "openrouter-weekly" in line)
    assert len(re.findall(r"\d{4}-\d\d-\d\d", row)) == 3  # last attempt, last success, data as of: each whole
    shown = run_tracker("--database-url", url, "show", "--board", "openrouter-weekly", cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "…" not in shown.stdout


def test_the_portfolio_table_is_never_cut_short_off_a_terminal(store, db_url, capsys, monkeypatch):
    from test_portfolio_store import seed

    seed(store)
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--database-url", db_url, "portfolio"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    assert "frontier reasoning" in out


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--json"],
        ["show", "--board", "arena-text"],
        ["diff", "--board", "openrouter-weekly"],
        ["models", "unmatched"],
        ["portfolio"],
        ["db", "current"],
        ["db", "downgrade", "base"],
    ],
    ids=lambda args: "-".join(args),
)
def test_read_commands_refuse_a_sqlite_file_that_is_not_there(tmp_path, args):
    """A mistyped path is not a new, empty history: a command that only reads (or changes an existing
    schema) exits 2 with one line naming the path and how to create it, and creates no file (before,
    `status` created and migrated one, then exited 0 with every source "never")."""
    typo = tmp_path / "typo.sqlite"
    result = run_tracker(*args, cwd=tmp_path, env={"TRACKER_DATABASE_URL": f"sqlite:///{typo}"})
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"tracker: TRACKER_DATABASE_URL: no SQLite database at {typo}: create it with `tracker db upgrade`, "
        "or store data first with `tracker collect` or `tracker import`\n"
    )
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_missing_sqlite_file_is_named_whole_and_writers_still_create_it(tmp_path):
    """A relative path is named as SQLite would open it (from the working directory), with the setting
    it came from; `db upgrade` creates the file as before, and `status` then reads the new, empty
    history: exit 0, since a source never collected live here is not watched (nothing is stale)."""
    url = "sqlite:///typo.sqlite"
    refused = run_tracker("--database-url", url, "status", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"tracker: --database-url: no SQLite database at {tmp_path / 'typo.sqlite'}: ")
    assert list(tmp_path.iterdir()) == []
    assert run_tracker("--database-url", url, "db", "upgrade", cwd=tmp_path).returncode == 0
    assert (tmp_path / "typo.sqlite").is_file()
    status = run_tracker("--database-url", url, "status", "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    sources = json.loads(status.stdout)["sources"]
    assert sources
    assert all(s["last_attempt_at"] is None and not s["stale"] for s in sources)
    in_memory = run_tracker("--database-url", "sqlite://", "status", cwd=tmp_path)  # always there
    assert in_memory.returncode == 0, in_memory.stderr


def test_reparse_exits_with_the_worst_outcome_after_reporting_every_capture(db_url, tmp_path, capsys):
    """As `tracker import`: a stored capture that still does not parse makes the exit code its own (65,
    a changed layout), after every capture is reported, the good ones too (before, reparse exited 0)."""
    tracker = ["--database-url", db_url]
    short = tmp_path / "week-2026-08-01.csv"
    short.write_text("rank,model,tokens\n" + "".join(f"{i},Model {i},{90 - i}B\n" for i in range(1, 5)))
    good = SAMPLES / "arena-text-2026-10-04.json"
    assert main([*tracker, "import", "--board", "openrouter-weekly", str(short)]) == 65  # too few rows, kept raw
    assert main([*tracker, "import", "--board", "arena-text", str(good)]) == 0
    capsys.readouterr()
    assert main([*tracker, "reparse"]) == 65
    out, err = capsys.readouterr()
    assert re.search(r"^openrouter-weekly: fetch #\d+: \S+: ", err, re.MULTILINE), err
    assert re.search(r"^arena-text: fetch #\d+: unchanged \(1 snapshot\(s\) as of \S+, 0 new\)$", out, re.MULTILINE)
    assert main([*tracker, "reparse", "--source", "arena-text"]) == 0
