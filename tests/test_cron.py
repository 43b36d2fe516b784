"""cron.yaml: strict loading with file:line errors, triggers, due jobs, and the crontab rendering."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tracker.config.cron import (
    COMMANDS,
    CronConfig,
    Job,
    build_trigger,
    crontab_fields,
    due_jobs,
    load_cron,
    next_run_after,
    parse_cron,
    to_crontab,
)
from tracker.models import SOURCES, ConfigError

REPO = Path(__file__).resolve().parent.parent

GOOD_JOB = """\
  - name: arena
    schedule: "10 */6 * * *"
    run: tracker collect arena-text arena-webdev
"""


def sample(second_job: str, *, head: str = "timezone: UTC\n") -> str:
    """A cron.yaml whose second job is the one under test, so line numbers are not trivially 1."""
    return f"# comment\n{head}jobs:\n{GOOD_JOB}{second_job}"


def line_of(text: str, needle: str) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(lines) == 1, (needle, lines)
    return lines[0]


def config_of(*jobs: tuple[str, str], timezone: str = "UTC") -> CronConfig:
    body = "".join(f"  - name: {name}\n    schedule: '{when}'\n    run: tracker publish\n" for name, when in jobs)
    return parse_cron(f"timezone: {timezone}\njobs:\n{body}")


# ---- the repository's own schedule


def test_repo_cron_yaml_loads() -> None:
    config = load_cron(REPO / "cron.yaml")
    assert config.timezone == "UTC"
    names = [job.name for job in config.jobs]
    assert len(names) == len(set(names)) >= 4
    collected = {arg for job in config.jobs if job.argv[0] == "collect" for arg in job.argv[1:]}
    assert collected == {
        "arena-text",
        "arena-text-raw",
        "arena-webdev",
        "openrouter-weekly",
        "openrouter-models",
    }
    assert collected <= set(SOURCES)
    # the weekly post lands on a Monday, after that day's OpenRouter collection
    post = config.job("weekly-post")
    wednesday = datetime(2026, 8, 5, 12, 0, tzinfo=UTC)
    fire = next_run_after(config, post, wednesday)
    assert fire is not None
    assert fire.weekday() == 0
    openrouter = next_run_after(config, config.job("openrouter-weekly"), fire - timedelta(days=1))
    assert openrouter is not None
    assert openrouter.date() == fire.date()
    assert openrouter < fire


# ---- start-up errors name the file and the line


def job(schedule: str = "'0 7 * * mon'", run: str = "tracker publish", name: str = "post", extra: str = "") -> str:
    return f"  - name: {name}\n    schedule: {schedule}\n{extra}    run: {run}\n"


# (id, second job, a text found only on the line the error must name, a fragment of the message)
BAD = [
    ("numeric weekday", job("'0 7 * * 1'"), "schedule", "numeric weekday '1'"),
    ("numeric weekday range", job("'0 7 * * 1-5'"), "schedule", "numeric weekday"),
    ("six fields", job("'0 0 7 * * mon'"), "schedule", "6 fields"),
    ("four fields", job("'0 7 * *'"), "schedule", "4 fields"),
    ("shortcut", job("'@daily'"), "schedule", "shortcuts"),
    ("minute out of range", job("'60 7 * * *'"), "schedule", "minute 60"),
    ("month out of range", job("'0 7 1 13 *'"), "schedule", "month 13"),
    ("bad weekday name", job("'0 7 * * monday'"), "schedule", "monday"),
    ("weekday step", job("'0 7 * * */2'"), "schedule", "steps"),
    ("backwards range", job("'0 7 * * sun-mon'"), "schedule", "backwards"),
    ("quartz extension", job("'0 7 L * *'"), "schedule", "day-of-month"),
    ("day and weekday", job("'0 7 1 * mon'"), "schedule", "not both"),
    ("never fires", job("'0 7 30 feb *'"), "schedule", "never fires"),
    ("schedule not a string", job("5"), "schedule", "string"),
    ("unquoted star", job("*/5 * * * *"), "schedule", "quote"),
    ("unknown command", job(run="tracker publsh"), "run:", "'publsh'"),
    ("not tracker", job(run="rm -rf /"), "run:", "tracker command"),
    ("no command", job(run="tracker"), "run:", "no tracker command"),
    ("scheduler job", job(run="tracker schedule"), "run:", "scheduler"),
    ("unknown source", job(run="tracker collect arena-txt"), "run:", "arena-txt"),
    ("quoting", job(run="tracker collect 'arena-text"), "run:", "quotation"),
    ("unknown job key", job(extra="    command: x\n"), "command", "unknown key 'command'"),
    ("duplicate key", job(extra="    run: tracker status\n"), "publish", "duplicate key 'run'"),
    ("duplicate name", job(name="arena"), "arena", "duplicate job name 'arena'"),
    ("bad name", job(name="weekly post"), "weekly", "job name"),
    ("long name", job(name="x" * 65), "xxx", "up to 64"),
    ("misspelt key", "  - name: post\n    schedul: '0 7 * * mon'\n    run: x\n", "schedul:", "'schedule'"),
    ("missing run", "  - name: post\n    schedule: '0 7 * * mon'\n", "name: post", "missing 'run'"),
    ("job not a mapping", "  - tracker publish\n", "- tracker publish", "mapping"),
]


@pytest.mark.parametrize(("second_job", "needle", "fragment"), [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_job_fails_naming_the_line(second_job: str, needle: str, fragment: str) -> None:
    text = sample(second_job)
    expected = len(sample("").splitlines()) + line_of(second_job, needle)
    with pytest.raises(ConfigError) as caught:
        parse_cron(text, "conf/cron.yaml")
    message = str(caught.value)
    assert message.startswith(f"conf/cron.yaml:{expected}: "), message
    assert fragment in message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("head", "needle", "fragment"),
    [
        ("timezone: Mars/Olympus\n", "Mars", "unknown time zone"),
        ("timezone: UTC\nretries: 3\n", "retries", "unknown key 'retries'"),
        ("timezon: UTC\n", "timezon", "did you mean 'timezone'"),
        ("timezone:\n", "timezone", "non-empty string"),
    ],
)
def test_bad_top_level_fails_naming_the_line(head: str, needle: str, fragment: str) -> None:
    text = sample("", head=head)
    with pytest.raises(ConfigError, match=rf"^cron\.yaml:{line_of(text, needle)}: .*{re.escape(fragment)}"):
        parse_cron(text)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", 1, "empty"),
        ("timezone: UTC\n", 1, "missing 'jobs:'"),
        ("timezone: UTC\njobs: []\n", 2, "non-empty list"),
        ("- a\n- b\n", 1, "mapping"),
        ("jobs:\n  - name: a\n   schedule: x\n", 3, "YAML syntax error"),
        ("timezone: UTC\n---\ntimezone: UTC\n", 2, "YAML syntax error"),
    ],
)
def test_bad_file_shape(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError, match=rf"^cron\.yaml:{line}: .*{re.escape(fragment)}"):
        parse_cron(text)


def test_load_cron_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "my-cron.yaml"
    path.write_text(sample("  - name: post\n    schedule: '0 7 * * 0'\n    run: tracker publish\n"))
    line = line_of(path.read_text(), "* * 0")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:{line}: .*numeric weekday"):
        load_cron(path)
    with pytest.raises(ConfigError, match="not found"):
        load_cron(tmp_path / "missing.yaml")


# ---- what a valid file means


def test_valid_file_parses_to_jobs() -> None:
    text = sample(
        "  - name: import-week\n"
        "    schedule: '5-55/10 1,13 * jan-mar,oct * '\n"
        "    run: tracker import --board openrouter-weekly --as-of 2026-08-02 'saved week.json'\n"
        "  - name: Weekend.Post_2\n"
        "    schedule: 0 7 * * Sat,SUN\n"
        "    run: tracker run --once\n",
        head="timezone: Europe/Paris\n",
    )
    config = parse_cron(text, "x.yaml")
    assert config.path == "x.yaml"
    assert config.timezone == "Europe/Paris"
    assert config.tzinfo == ZoneInfo("Europe/Paris")
    assert [job.name for job in config.jobs] == ["arena", "import-week", "Weekend.Post_2"]
    assert config.jobs[0] == Job("arena", "10 */6 * * *", ("collect", "arena-text", "arena-webdev"), 4)
    assert config.jobs[1].schedule == "5-55/10 1,13 * jan-mar,oct *"
    assert config.jobs[1].argv == (
        "import",
        "--board",
        "openrouter-weekly",
        "--as-of",
        "2026-08-02",
        "saved week.json",
    )
    assert config.jobs[1].line == line_of(text, "import-week")
    assert config.jobs[2].argv == ("run", "--once")


def test_timezone_defaults_to_utc() -> None:
    config = parse_cron(f"jobs:\n{GOOD_JOB}")
    assert config.timezone == "UTC"
    assert config.tzinfo.utcoffset(None) == timedelta(0)


def test_collect_option_values_are_left_to_the_cli() -> None:
    config = parse_cron(
        "jobs:\n  - name: a\n    schedule: '0 * * * *'\n    run: tracker collect --retries 3 arena-text\n"
    )
    assert config.jobs[0].argv == ("collect", "--retries", "3", "arena-text")


def test_known_commands_include_the_documented_ones() -> None:
    documented = (
        "db",
        "collect",
        "import",
        "backfill",
        "reparse",
        "show",
        "diff",
        "publish",
        "run",
        "schedule",
    )
    assert set(documented) <= set(COMMANDS)
    assert len(set(COMMANDS)) == len(COMMANDS)


# ---- triggers: names mean the same days to APScheduler and to cron


@pytest.mark.parametrize(
    ("schedule", "weekdays"),
    [("0 9 * * mon", {0}), ("0 9 * * sun", {6}), ("0 9 * * fri-sun", {4, 5, 6}), ("0 9 * * mon,wed", {0, 2})],
)
def test_weekday_names_fire_on_those_days(schedule: str, weekdays: set[int]) -> None:
    trigger = build_trigger(schedule, UTC)
    fire = datetime(2026, 8, 2, 0, 0, tzinfo=UTC)  # a Sunday
    seen = set()
    for _ in range(14):
        fire = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
        assert (fire.hour, fire.minute) == (9, 0)
        seen.add(fire.weekday())
    assert seen == weekdays


def test_trigger_uses_the_configured_zone() -> None:
    config = config_of(("paris", "0 9 * * *"), timezone="Europe/Paris")
    fire = next_run_after(config, config.jobs[0], datetime(2026, 1, 15, 0, 0, tzinfo=UTC))
    assert fire == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 CET
    fire = next_run_after(config, config.jobs[0], datetime(2026, 7, 15, 0, 0, tzinfo=UTC))
    assert fire == datetime(2026, 7, 15, 7, 0, tzinfo=UTC)  # 09:00 CEST


# ---- due_jobs: fire times in (last run, now]

HOUR = datetime(2026, 8, 3, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last", "now", "due"),
    [
        (HOUR - timedelta(minutes=30), HOUR - timedelta(minutes=1), False),
        (HOUR - timedelta(minutes=30), HOUR, True),  # the fire time itself counts
        (HOUR, HOUR + timedelta(minutes=59), False),  # ran at the fire time: not again
        (HOUR + timedelta(seconds=5), HOUR + timedelta(hours=1), True),
        (HOUR - timedelta(days=7), HOUR + timedelta(minutes=5), True),
        (HOUR + timedelta(hours=2), HOUR, False),  # a last run from the future is never due
        (None, HOUR, True),
    ],
)
def test_due_jobs_hourly(last: datetime | None, now: datetime, due: bool) -> None:
    config = config_of(("hourly", "0 * * * *"))
    assert bool(due_jobs(config, {"hourly": last}, now)) is due


def test_due_jobs_keeps_file_order_and_treats_unknown_as_never_run() -> None:
    config = config_of(("b-weekly", "0 7 * * mon"), ("a-daily", "30 2 * * *"), ("c-hourly", "0 * * * *"))
    monday = datetime(2026, 8, 3, 7, 30, tzinfo=UTC)
    last = {"b-weekly": monday - timedelta(days=7), "a-daily": monday - timedelta(hours=1)}
    assert [job.name for job in due_jobs(config, last, monday)] == ["b-weekly", "c-hourly"]
    last["b-weekly"] = monday - timedelta(minutes=30)
    assert [job.name for job in due_jobs(config, last, monday)] == ["c-hourly"]


def test_due_jobs_in_a_local_zone() -> None:
    config = config_of(("paris", "0 9 * * *"), timezone="Europe/Paris")
    last = {"paris": datetime(2026, 1, 14, 9, 0, tzinfo=UTC)}
    assert due_jobs(config, last, datetime(2026, 1, 15, 7, 59, tzinfo=UTC)) == []
    assert due_jobs(config, last, datetime(2026, 1, 15, 8, 0, tzinfo=UTC)) == list(config.jobs)


def test_due_jobs_rejects_naive_times() -> None:
    config = config_of(("hourly", "0 * * * *"))
    with pytest.raises(ValueError, match="timezone-aware"):
        due_jobs(config, {}, datetime(2026, 8, 3, 11, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        due_jobs(config, {"hourly": datetime(2026, 8, 3, 11, 0)}, HOUR)


# ---- the crontab


def test_to_crontab_one_line_per_job() -> None:
    config = load_cron(REPO / "cron.yaml")
    text = to_crontab(config, tracker_command="/srv/tracker/.venv/bin/tracker")
    entries = [line for line in text.splitlines() if line and not line.startswith("#") and "=" not in line.split()[0]]
    assert len(entries) == len(config.jobs)
    assert "CRON_TZ=UTC" in text.splitlines()
    for job, entry in zip(config.jobs, entries, strict=True):
        fields = entry.split()
        assert fields[:5] == crontab_fields(job.schedule).split()
        assert fields[5:] == ["/srv/tracker/.venv/bin/tracker", *job.argv]
    assert "30 2 * * * /srv/tracker/.venv/bin/tracker collect openrouter-weekly" in entries
    assert "0 7 * * 1 /srv/tracker/.venv/bin/tracker publish" in entries


@pytest.mark.parametrize(
    ("schedule", "fields"),
    [
        ("0 7 * * mon", "0 7 * * 1"),
        ("0 7 * * sun", "0 7 * * 0"),
        ("0 7 * * mon-fri", "0 7 * * 1-5"),
        ("0 7 * * fri-sun", "0 7 * * 0,5-6"),  # cron would read 5-0 as a backwards range
        ("*/15 0-6/2 */3 jan-mar,dec *", "*/15 0-6/2 */3 1-3,12 *"),
    ],
)
def test_crontab_fields(schedule: str, fields: str) -> None:
    assert crontab_fields(schedule) == fields


def test_crontab_escapes_percent_and_quotes_arguments() -> None:
    run = "tracker show --board arena-text --top '50%' \"a b\""
    sunday = job("'0 0 * * sun'", run=run)
    text = f"timezone: Asia/Tokyo\njobs:\n{sunday}"
    crontab = to_crontab(parse_cron(text))
    assert "CRON_TZ=Asia/Tokyo" in crontab
    assert r"0 0 * * 0 tracker show --board arena-text --top 50\% 'a b'" in crontab.splitlines()


def _cron_matches(fields: str, moment: datetime) -> bool:
    """Standard cron semantics (Sunday = 0), written independently of the module under test."""

    def values(field: str, low: int, high: int) -> set[int]:
        out: set[int] = set()
        for part in field.split(","):
            base, _, step = part.partition("/")
            if base == "*":
                first, last = low, high
            elif "-" in base:
                first, last = (int(v) for v in base.split("-"))
            else:
                first = last = int(base)
            out.update(range(first, last + 1, int(step or 1)))
        return out

    minute, hour, day, month, weekday = fields.split()
    return (
        moment.minute in values(minute, 0, 59)
        and moment.hour in values(hour, 0, 23)
        and moment.day in values(day, 1, 31)
        and moment.month in values(month, 1, 12)
        and moment.isoweekday() % 7 in values(weekday, 0, 6)
    )


@pytest.mark.parametrize(
    "schedule",
    ["0 7 * * mon", "30 2 * * fri-sun", "10 */6 * * sat,sun", "*/20 9-17 * * mon-fri", "0 0 1,15 * *"],
)
def test_crontab_fires_when_the_scheduler_does(schedule: str) -> None:
    """Two weeks of minutes: cron reading the crontab and APScheduler reading cron.yaml agree."""
    start = datetime(2026, 8, 1, 0, 0, tzinfo=UTC)
    trigger = build_trigger(schedule, UTC)
    fires = set()
    fire = trigger.get_next_fire_time(None, start)
    while fire < start + timedelta(days=14):
        fires.add(fire)
        fire = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
    fields = crontab_fields(schedule)
    minutes = (start + timedelta(minutes=n) for n in range(14 * 24 * 60))
    assert {moment for moment in minutes if _cron_matches(fields, moment)} == fires
    assert fires
