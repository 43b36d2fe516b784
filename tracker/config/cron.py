"""cron.yaml: when each job runs.

Owns the file's strict loading (every error names the file and line), the APScheduler trigger of a job,
which jobs are due for `tracker run --once`, and the same schedule printed as a system crontab.
Nothing else reads cron.yaml.

Schedules are the portable subset of 5-field cron that APScheduler 3.x and system cron read the same way:
day-of-week by name only (APScheduler 3.x counts Monday as 0, cron counts Sunday as 0), no seconds or year
field, no `L`/`W`/`#`/`?` extensions, and never both day-of-month and day-of-week restricted (cron ORs
them, APScheduler ANDs them).
"""

from __future__ import annotations

import calendar
import difflib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger

from tracker.models import SOURCES, ConfigError

# Subcommands of the `tracker` CLI (tests check this matches the CLI).
COMMANDS: tuple[str, ...] = (
    "db", "collect", "import", "backfill", "reparse", "show", "diff",
    "publish", "run", "schedule", "status", "demo", "models", "portfolio",
)  # fmt: skip

DEFAULT_TIMEZONE = "UTC"
TOP_KEYS = ("timezone", "jobs")
JOB_KEYS = ("name", "schedule", "run")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler order: Monday is 0
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ITEM = re.compile(r"(?P<first>\*|[a-z0-9]+)(?:-(?P<last>[a-z0-9]+))?(?:/(?P<step>[0-9]+))?")
_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "map", "seq"))


@dataclass(frozen=True)
class Job:
    name: str
    schedule: str  # the 5 fields as written, single-spaced
    argv: tuple[str, ...]  # the arguments after the word `tracker`, e.g. ("collect", "arena-text")
    line: int  # where the job starts in cron.yaml


@dataclass(frozen=True)
class CronConfig:
    timezone: str  # IANA name
    jobs: tuple[Job, ...]
    path: str = "cron.yaml"

    @property
    def tzinfo(self) -> tzinfo:
        return zone(self.timezone)

    def job(self, name: str) -> Job:
        for job in self.jobs:
            if job.name == name:
                return job
        raise KeyError(name)


# ---- the schedule grammar (pure; raises ValueError, which the loader turns into a ConfigError)


@dataclass(frozen=True)
class _Spec:
    label: str
    low: int
    high: int
    names: tuple[str, ...] = ()


_SPECS = (
    _Spec("minute", 0, 59),
    _Spec("hour", 0, 23),
    _Spec("day-of-month", 1, 31),
    _Spec("month", 1, 12, MONTHS),
    _Spec("day-of-week", 0, 6, WEEKDAYS),
)


@dataclass(frozen=True)
class _Item:
    first: int | None  # None: `*`
    last: int | None
    step: int | None


@dataclass(frozen=True)
class _Field:
    spec: _Spec
    items: tuple[_Item, ...]

    @property
    def is_star(self) -> bool:
        return self.items == (_Item(None, None, None),)

    def values(self) -> frozenset[int]:
        out: set[int] = set()
        for item in self.items:
            first = self.spec.low if item.first is None else item.first
            if item.last is not None:
                last = item.last
            elif item.first is None or item.step is not None:
                last = self.spec.high
            else:
                last = first
            out.update(range(first, last + 1, item.step or 1))
        return frozenset(out)

    def render(self, *, names: bool) -> str:
        """The field for APScheduler: numbers, or names where `names` (day-of-week)."""

        def value(number: int) -> str:
            return self.spec.names[number - self.spec.low] if names else str(number)

        parts = []
        for item in self.items:
            text = "*" if item.first is None else value(item.first)
            if item.last is not None and item.last != item.first:
                text += f"-{value(item.last)}"
            if item.step is not None:
                text += f"/{item.step}"
            parts.append(text)
        return ",".join(parts)


def _parse_value(token: str, spec: _Spec) -> int:
    if spec.label == "day-of-week":
        if token.isdigit():
            raise ValueError(
                f"numeric weekday {token!r}: write day-of-week with names mon..sun "
                "(APScheduler 3.x counts Monday as 0, cron counts Sunday as 0)"
            )
        if token not in spec.names:
            raise ValueError(f"unknown weekday {token!r}; use mon, tue, wed, thu, fri, sat, sun")
        return spec.names.index(token)
    if token.isdigit():
        number = int(token)
        if not spec.low <= number <= spec.high:
            raise ValueError(f"{spec.label} {number} is out of range {spec.low}-{spec.high}")
        return number
    if token in spec.names:
        return spec.names.index(token) + spec.low
    raise ValueError(f"invalid {spec.label} value {token!r}")


def _parse_field(text: str, spec: _Spec) -> _Field:
    items = []
    for part in text.lower().split(","):
        match = _ITEM.fullmatch(part)
        if match is None:
            raise ValueError(f"invalid {spec.label} field {text!r}")
        first, last, step = match["first"], match["last"], match["step"]
        if first == "*" and last is not None:
            raise ValueError(f"invalid {spec.label} field {text!r}")
        start = None if first == "*" else _parse_value(first, spec)
        end = None if last is None else _parse_value(last, spec)
        if step is not None:
            if spec.label == "day-of-week":
                # `*/2` is mon,wed,fri,sun to APScheduler and sun,tue,thu,sat to cron
                raise ValueError(f"steps are not allowed in day-of-week ({text!r}); list the days by name")
            if start is not None and end is None:
                raise ValueError(f"{spec.label} {part!r}: write a step on a range, e.g. {start}-{spec.high}/{step}")
            if not 0 < int(step) <= spec.high - spec.low:
                raise ValueError(f"{spec.label} step {step} is out of range 1-{spec.high - spec.low}")
        if start is not None and end is not None and start > end:
            order = "mon..sun" if spec.label == "day-of-week" else f"{spec.low}..{spec.high}"
            raise ValueError(f"{spec.label} range {part!r} runs backwards (ranges run {order})")
        items.append(_Item(start, end, None if step is None else int(step)))
    return _Field(spec, tuple(items))


def _parse_schedule(expression: str) -> tuple[_Field, ...]:
    texts = expression.split()
    if len(texts) == 1 and texts[0].startswith("@"):
        raise ValueError(f"{texts[0]!r} shortcuts are not supported; write the 5 fields")
    if len(texts) != 5:
        extra = " (no seconds or year field)" if len(texts) > 5 else ""
        raise ValueError(
            f"schedule {expression!r} has {len(texts)} fields; expected 5{extra}: "
            "minute hour day-of-month month day-of-week"
        )
    fields = tuple(_parse_field(text, spec) for text, spec in zip(texts, _SPECS, strict=True))
    day, month, weekday = fields[2:]
    if not day.is_star and not weekday.is_star:
        raise ValueError(
            "restrict day-of-month or day-of-week, not both: cron runs when either matches, "
            "APScheduler only when both do"
        )
    if all(min(day.values()) > calendar.monthrange(2000, m)[1] for m in month.values()):
        raise ValueError(f"schedule {expression!r} never fires (no such day in those months)")
    return fields


def build_trigger(schedule: str, tz: tzinfo) -> Any:
    """The APScheduler 3.x CronTrigger of a validated 5-field schedule."""
    minute, hour, day, month, weekday = _parse_schedule(schedule)
    return CronTrigger(
        minute=minute.render(names=False),
        hour=hour.render(names=False),
        day=day.render(names=False),
        month=month.render(names=False),
        day_of_week=weekday.render(names=True),
        timezone=tz,
    )


def zone(name: str) -> tzinfo:
    if name == "UTC":
        return UTC  # needs no tz database
    return ZoneInfo(name)


# ---- loading cron.yaml


def load_cron(path: Path) -> CronConfig:
    """Read and validate cron.yaml; any problem is a ConfigError naming the file (and line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: schedule file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read schedule file: {exc}") from None
    return parse_cron(text, str(path))


def parse_cron(text: str, path: str = "cron.yaml") -> CronConfig:
    """Validate the text of a cron.yaml (pure)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        hint = ""
        if "alias" in (exc.context or ""):  # YAML reads a leading `*` as an alias
            hint = "; quote a schedule that starts with '*', e.g. schedule: \"*/15 * * * *\""
        raise ConfigError(f"{path}:{line}: YAML syntax error: {exc.problem or exc.context}{hint}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {exc}") from None
    if root is None:
        raise ConfigError(f"{path}:1: the file is empty; expected 'timezone:' and 'jobs:'")
    top = _mapping(root, path, "the top level", TOP_KEYS)

    timezone = DEFAULT_TIMEZONE
    if "timezone" in top:
        node = top["timezone"]
        timezone = _string(node, path, "timezone")
        try:
            zone(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _error(path, node, f"unknown time zone {timezone!r}; use an IANA name such as UTC") from None

    if "jobs" not in top:
        raise _error(path, root, "missing 'jobs:' (a list of jobs with name, schedule and run)")
    jobs_node = top["jobs"]
    if not isinstance(jobs_node, yaml.SequenceNode) or jobs_node.tag != _SEQ or not jobs_node.value:
        raise _error(path, jobs_node, "'jobs:' must be a non-empty list of jobs")

    tz = zone(timezone)
    jobs: list[Job] = []
    seen: dict[str, int] = {}
    for node in jobs_node.value:
        job = _job(node, path, tz)
        if job.name in seen:
            raise _error(path, node, f"duplicate job name {job.name!r} (first at line {seen[job.name]})")
        seen[job.name] = job.line
        jobs.append(job)
    return CronConfig(timezone, tuple(jobs), path)


def _job(node: yaml.Node, path: str, tz: tzinfo) -> Job:
    if not isinstance(node, yaml.MappingNode):
        raise _error(path, node, "each job must be a mapping with name, schedule and run")
    keys = _mapping(node, path, "a job", JOB_KEYS)
    for key in JOB_KEYS:
        if key not in keys:
            raise _error(path, node, f"job is missing {key!r} (a job has name, schedule and run)")

    name = _string(keys["name"], path, "name")
    if not _JOB_NAME.fullmatch(name) or len(name) > 64:  # it keys the job's runs in the database
        raise _error(path, keys["name"], f"job name {name!r}: up to 64 letters, digits, '-', '_' and '.'")

    schedule_node = keys["schedule"]
    schedule = " ".join(_string(schedule_node, path, "schedule").split())
    try:
        build_trigger(schedule, tz)  # also lets APScheduler itself reject what it would not run
    except ValueError as exc:
        raise _error(path, schedule_node, f"job {name!r}: {exc}") from None

    run_node = keys["run"]
    argv = _command(_string(run_node, path, "run"), name, path, run_node)
    return Job(name, schedule, argv, node.start_mark.line + 1)


def _command(run: str, name: str, path: str, node: yaml.Node) -> tuple[str, ...]:
    if any(ch in run for ch in "\r\n\0"):
        raise _error(path, node, f"job {name!r}: run must be a single line")
    try:
        words = shlex.split(run)
    except ValueError as exc:
        raise _error(path, node, f"job {name!r}: cannot split run command {run!r}: {exc}") from None
    if not words or words[0] != "tracker":
        raise _error(path, node, f"job {name!r}: run must be a tracker command, e.g. 'tracker collect arena-text'")
    if len(words) == 1:
        raise _error(path, node, f"job {name!r}: run names no tracker command")
    command = words[1]
    if command not in COMMANDS:
        raise _error(path, node, f"job {name!r}: unknown tracker command {command!r}{_hint(command, COMMANDS)}")
    if command == "schedule":
        raise _error(path, node, f"job {name!r}: a job cannot start the scheduler")
    if command == "collect":
        _check_sources(words[2:], name, path, node)
    return tuple(words[1:])


def _check_sources(args: list[str], name: str, path: str, node: yaml.Node) -> None:
    """Catch a mistyped source now rather than at its first run (option values are left to the CLI)."""
    after_option = False
    for arg in args:
        if arg.startswith("-"):
            after_option = "=" not in arg
            continue
        if not after_option and arg not in SOURCES:
            raise _error(path, node, f"job {name!r}: unknown source {arg!r}{_hint(arg, SOURCES)}")
        after_option = False


def _mapping(node: yaml.Node, path: str, where: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
        raise _error(path, node, f"{where} must be a mapping of {', '.join(allowed)}")
    out: dict[str, yaml.Node] = {}
    lines: dict[str, int] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag != _STR:
            raise _error(path, key, f"unsupported key in {where}; allowed: {', '.join(allowed)}")
        if key.value not in allowed:
            hint = _hint(key.value, allowed)
            raise _error(path, key, f"unknown key {key.value!r} in {where}{hint}; allowed: {', '.join(allowed)}")
        if key.value in out:
            raise _error(path, key, f"duplicate key {key.value!r} (first at line {lines[key.value]})")
        out[key.value] = value
        lines[key.value] = key.start_mark.line + 1
    return out


def _string(node: yaml.Node, path: str, key: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR or not node.value.strip():
        raise _error(path, node, f"{key!r} must be a non-empty string")
    value: str = node.value.strip()
    return value


def _error(path: str, node: yaml.Node, message: str) -> ConfigError:
    return ConfigError(f"{path}:{node.start_mark.line + 1}: {message}")


def _hint(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---- using a loaded schedule (pure)


def next_run_after(config: CronConfig, job: Job, after: datetime) -> datetime | None:
    """The first fire time of `job` strictly after `after` (aware)."""
    _require_aware(after, "after")
    trigger = build_trigger(job.schedule, config.tzinfo)
    fire: datetime | None = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    return fire


def due_jobs(config: CronConfig, last_run: Mapping[str, datetime | None], now: datetime) -> list[Job]:
    """Jobs with a fire time in (last run, now], in file order; a job never run is due."""
    _require_aware(now, "now")
    due = []
    for job in config.jobs:
        previous = last_run.get(job.name)
        if previous is None:
            due.append(job)
            continue
        fire = next_run_after(config, job, previous)
        if fire is not None and fire <= now:
            due.append(job)
    return due


def to_crontab(config: CronConfig, *, tracker_command: str = "tracker") -> str:
    """The same jobs as a system crontab (weekdays rewritten in cron's Sunday-is-0 numbering)."""
    source = config.path.replace("\n", " ")
    lines = [
        f"# llm-rank-tracker jobs, generated from {source}: edit that file and regenerate this one.",
        f"# Times are in {config.timezone}. System cron uses the machine's time zone; cronie and other crons",
        "# that honour CRON_TZ use the line below, elsewhere set the machine's zone or shift the hours.",
        "# cron starts jobs with a bare environment: set TRACKER_DATABASE_URL etc. here or in a wrapper.",
        f"CRON_TZ={config.timezone}",
    ]
    for job in config.jobs:
        command = f"{tracker_command} {shlex.join(job.argv)}".replace("%", r"\%")  # % ends a cron command
        lines.append(f"# {job.name} ({source}:{job.line}): {job.schedule}")
        lines.append(f"{crontab_fields(job.schedule)} {command}")
    return "\n".join(lines) + "\n"


def crontab_fields(schedule: str) -> str:
    """A validated schedule as cron's 5 fields: numbers only, Sunday = 0."""
    minute, hour, day, month, weekday = _parse_schedule(schedule)
    # APScheduler's mon=0..sun=6 becomes cron's sun=0..sat=6; listing values also undoes `fri-sun`,
    # which would read as the backwards range 5-0 in cron
    days = "*" if weekday.is_star else _compress(sorted((value + 1) % 7 for value in weekday.values()))
    return " ".join(
        (
            minute.render(names=False),
            hour.render(names=False),
            day.render(names=False),
            month.render(names=False),
            days,
        )
    )


def _compress(values: list[int]) -> str:
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ",".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {moment!r}")
