"""The benchmark: how the tracker copes with years of history, on SQLite and PostgreSQL.

For each backend, in a scratch database it creates and drops: load a synthetic history through the store
(`generate.py`; three years, one with --quick), time a plain `executemany` of the same rows for scale,
diff every consecutive pair of snapshots (on PostgreSQL then `VACUUM ANALYZE`, as autovacuum would have
run over the years: see `maintain`), then publish in a child process: a full build (time and peak memory;
three of them, each into an empty folder, the median's figures), the same again with nothing new (time
and files written), and after one new snapshot of OpenRouter's weekly board and of Arena Text (time and
files rewritten; six weekly windows and three Arena snapshots, or with --rounds N 2N and N, the median
publish's figures); then `tracker publish` itself, a process each time as cron runs it, with nothing new
and after one new Arena Text snapshot (`cli_publishes`: the command's own start and steps on top of the
build). Then the parse time of the largest real captures (../shared/fixtures, or TRACKER_REAL_FIXTURES). Every figure is
printed with the target it is held to and PASS or MISS; the last line is one JSON object of all the
figures.

Peak memory is the peak resident set size (Linux VmHWM; `getrusage` ru_maxrss elsewhere) of the child
process that publishes, plus that of the second process a full build writes its downloads in. (ru_maxrss
alone would count the benchmark's own memory, which a spawned child inherits until it starts Python.)
Times are wall-clock seconds on this machine: the ratios travel better between machines than the seconds.
Each publish's CPU seconds (its own and its helper processes', `cpu_seconds_since`) are given too, and the
updates' share of a full build in CPU: the work done, where the wall-clock ratio also depends on how well
the work spread over the two cores.

Usage: python benchmarks/run.py [--quick] [--backend sqlite|postgresql|both] [--days N] [--keep DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import derive
import generate
from world import YEAR, Plan

from tracker.db import Base, make_engine
from tracker.history import History
from tracker.history_site import SiteReads
from tracker.models import BOARDS
from tracker.pipeline import schema
from tracker.sources import detect_catalog_format, detect_ranking_format
from tracker.store import Store

BASE_URL = "https://example.invalid/tracker/"  # the site's address in every publish here (it is in the pages)
PG_ADMIN_URL = os.environ.get("TRACKER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REPO = Path(__file__).resolve().parent.parent
LOADED_TABLES = ("boards", "fetches", "models", "model_aliases", "snapshots", "entries", "catalog_prices")
CAPTURES = (  # (name in the figures, path under the fixtures, board or None for the catalogue)
    ("gradio_page_3_3mb", "arena/lmarena-text-gradio-pagesource-2025-03-28.html", "arena-text-raw"),
    ("hf_rows_json_3_2mb", "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json", "arena-text-raw"),
    ("weekly_json_270kb", "openrouter/rankings-models-week-2026-08-02.json", "openrouter-weekly"),
    ("catalogue_json_690kb", "openrouter/models-2026-08-22.json", None),
)


@dataclass(frozen=True)
class Target:
    key: str
    check: Callable[[float], bool]
    says: str


def targets(backend: str) -> list[Target]:
    p = backend + "_"
    held = [
        Target(p + "full_publish_seconds", lambda v: v < 10, "< 10 s"),
        Target(p + "full_publish_peak_megabytes", lambda v: v < 500, "< 500 MB"),
        Target(p + "nothing_new_publish_seconds", lambda v: v < 1, "< 1 s"),
        Target(p + "nothing_new_files_written", lambda v: v == 0, "= 0 files"),
        Target(p + "cli_nothing_new_publish_seconds", lambda v: v < 1, "< 1 s"),
        Target(p + "one_new_weekly_to_full_ratio", lambda v: v < 0.10, "< 10% of a full publish"),
        Target(p + "one_new_arena_text_to_full_ratio", lambda v: v < 0.10, "< 10% of a full publish"),
    ]
    if backend == "sqlite":
        held += [
            Target(p + "load_seconds", lambda v: v < 60, "< 60 s"),
            Target(p + "load_to_executemany_ratio", lambda v: v <= 2, "<= 2x a plain executemany"),
        ]
    return held


CAPTURE_TARGETS = [
    Target("parse_gradio_page_3_3mb_seconds", lambda v: v < 0.5, "< 0.5 s"),
    Target("parse_weekly_json_270kb_seconds", lambda v: v < 0.05, "< 50 ms"),
]


# ---- scratch databases


class Scratch:
    """A database for one backend's run: an SQLite file, or a PostgreSQL database created and dropped."""

    def __init__(self, backend: str, folder: Path, name: str) -> None:
        self.backend, self.name = backend, f"tracker_bench_{os.getpid()}_{name}"
        if backend == "sqlite":
            self.url = f"sqlite:///{folder / (name + '.sqlite')}"
            return
        self.admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name

    def drop(self) -> None:
        if self.backend == "postgresql":
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.admin.dispose()


# ---- the figures


def load(url: str, plan: Plan) -> dict[str, float]:
    """Write the synthetic history through the store; seconds inside the store and in all."""
    engine = make_engine(url)
    try:
        schema.ensure(engine)
        started = time.perf_counter()
        stats = generate.generate(Store(engine), plan)
        total = time.perf_counter() - started
    finally:
        engine.dispose()
    figures: dict[str, float] = {f"history_{k}_count": v for k, v in stats.as_dict().items()}
    figures.update(load_seconds=stats.store_total, generate_total_seconds=total)
    return figures


# Each loaded table's row -> the synthetic day it was written on (as "YYYY-MM-DD"): the column that dates it
# directly, or (entries) its snapshot's. Models are dated by the first row that names them, boards by day one.
_DATED_BY = {
    "fetches": "started_at",
    "snapshots": "observed_at",
    "model_aliases": "first_seen",
    "catalog_prices": "observed_on",
}


def _baseline_rows(url: str, paramstyle: str) -> dict[str, tuple[str, list[Any], list[str]]]:
    """Every loaded table's rows read back in id order, with the INSERT that writes them and each row's
    day (`_DATED_BY`), in the order the tables must be written (foreign keys)."""
    source = make_engine(url)
    out: dict[str, tuple[str, list[Any], list[str]]] = {}
    try:
        with source.connect() as conn:
            raw = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            for table in Base.metadata.sorted_tables:
                if table.name not in LOADED_TABLES:
                    continue
                names = [c.name for c in table.columns]
                quoted = ", ".join(f'"{n}"' for n in names)
                raw.execute(f'SELECT {quoted} FROM "{table.name}" ORDER BY 1')
                mark = "?" if paramstyle == "qmark" else "%s"
                sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join([mark] * len(names))})'
                rows = raw.fetchall()
                out[table.name] = (sql, rows, _days_of(table.name, names, rows, out))
            raw.close()
    finally:
        source.dispose()
    return out


def _days_of(
    table: str, names: list[str], rows: list[Any], read: dict[str, tuple[str, list[Any], list[str]]]
) -> list[str]:
    """Each of a table's rows' day (`read`: the tables read before it, the snapshots among them)."""
    if table in _DATED_BY:
        at = names.index(_DATED_BY[table])
        return [str(r[at])[:10] for r in rows]
    if table == "entries":
        snapshots = read["snapshots"]
        day_of = {r[0]: day for r, day in zip(snapshots[1], snapshots[2], strict=True)}
        at = names.index("snapshot_id")
        return [day_of[r[at]] for r in rows]
    return [""] * len(rows)  # boards and models: dated once the rows naming them are (`_date_models`)


def _date_models(read: dict[str, tuple[str, list[Any], list[str]]]) -> None:
    """Each model on the day of the first row that names it (an alias, an entry or a price), so it is
    written before them; each board on the first day."""
    first: dict[int, str] = {}
    for table in ("model_aliases", "entries", "catalog_prices"):
        names = [c.name for c in Base.metadata.tables[table].columns]
        at = names.index("model_id")
        _, rows, days = read[table]
        for row, day in zip(rows, days, strict=True):
            if row[at] not in first or day < first[row[at]]:
                first[row[at]] = day
    start = min(d for _, _, days in read.values() for d in days if d)
    models = read["models"]
    models[2][:] = [first.get(r[0], start) for r in models[1]]
    read["boards"][2][:] = [start] * len(read["boards"][1])


def executemany_baselines(url: str, scratch_url: str, daily_url: str) -> tuple[float, float]:
    """Seconds to insert the same rows (read back from the loaded database) with the driver's plain
    `executemany` into empty copies of the same tables (made by the same migrations): in one transaction
    (the target's baseline), and in one transaction per synthetic day, as the generator commits (what
    the daily commits cost, without the store's work)."""
    target, daily = make_engine(scratch_url), make_engine(daily_url)
    try:
        read = _baseline_rows(url, target.dialect.paramstyle)
        _date_models(read)
        schema.ensure(target)
        schema.ensure(daily)
        whole = _insert(target, [[(sql, rows) for sql, rows, _ in read.values()]])
        by_day: dict[str, list[tuple[str, list[Any]]]] = defaultdict(list)
        for sql, rows, days in read.values():  # tables in foreign-key order, each day's rows together
            grouped: dict[str, list[Any]] = defaultdict(list)
            for row, day in zip(rows, days, strict=True):
                grouped[day].append(row)
            for day, dayrows in grouped.items():
                by_day[day].append((sql, dayrows))
        return whole, _insert(daily, [by_day[d] for d in sorted(by_day)])
    finally:
        target.dispose()
        daily.dispose()


def _insert(engine: Any, transactions: list[list[tuple[str, list[Any]]]]) -> float:
    """Seconds to run these transactions (each a list of (INSERT, rows) for `executemany`), each committed."""
    with engine.connect() as conn:
        raw_conn = conn.connection.dbapi_connection
        assert raw_conn is not None
        cursor = raw_conn.cursor()
        started = time.perf_counter()
        for statements in transactions:
            if engine.dialect.name == "sqlite":
                cursor.execute("BEGIN")
            for sql, values in statements:
                cursor.executemany(sql, values)
            raw_conn.commit()
        return time.perf_counter() - started


def diff_every_pair(url: str) -> dict[str, float]:
    """Read every board's history, diff every consecutive comparable pair (timed alone), then store the
    events and weekly posts a running tracker would have stored (so the site has them)."""
    engine = make_engine(url)
    try:
        history = History(engine)
        started = time.perf_counter()
        histories = {b: history.board_history(b) for b in BOARDS}
        read = time.perf_counter() - started
        pairs = [p for b, h in histories.items() for p in derive.comparable_pairs(BOARDS[b], h)]
        _, seconds = derive.diff_pairs(pairs)
        del histories
        started = time.perf_counter()
        stored = derive.derive_events_and_posts(engine)
        return {
            "diff_pairs_count": len(pairs),
            "diff_every_pair_seconds": seconds,
            "history_read_for_diff_seconds": read,
            "events_and_posts_store_seconds": time.perf_counter() - started,
            "events_stored_count": stored["events_stored"],
            "posts_stored_count": stored["posts_stored"],
        }
    finally:
        engine.dispose()


def maintain(url: str) -> float:
    """PostgreSQL: `VACUUM ANALYZE` the loaded history, as autovacuum (on by default) keeps a database that
    has been written for years: statistics for the planner, and the visibility map that lets the covering
    index answer chart reads alone. The server here runs with autovacuum off, so a freshly loaded database
    would otherwise be measured as no deployment runs it. SQLite has nothing of the kind to run. Seconds."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        if engine.dialect.name != "postgresql":
            return 0.0
        started = time.perf_counter()
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return time.perf_counter() - started
    finally:
        engine.dispose()


UPDATE_ROUNDS = 3  # each one-new-snapshot case is measured this many times (the median is its figure)
FULL_ROUNDS = 3  # and the full publish too: a single one varied between 6.5 s and 10.2 s here


def publish_sequence(
    url: str, out: Path, rounds: int = UPDATE_ROUNDS, full_rounds: int = FULL_ROUNDS
) -> dict[str, float]:
    """In this process (the child): `full_rounds` full publishes (each into an empty folder; the figures
    are those of the median one, like the updates'), publish again, then `rounds` times two new weekly windows
    and one new Arena Text snapshot (the pace the boards keep: the data of all stays as fresh as in a
    running tracker), each published on its own. A single update takes one or two seconds and varies by a
    fifth between runs here, so each case's figures are those of its median publish (the fastest and
    slowest times are given too). The figures, with this process's peak memory."""
    from tracker.pipeline.publish import publish_site
    from tracker.pipeline.publish_tables import peak_kb

    engine = make_engine(url)
    try:
        history, store = History(engine), Store(engine)
        figures: dict[str, float] = {}

        taken: dict[str, list[dict[str, float]]] = {}  # each publish's figures, by case

        def publish(label: str, into: Path = out) -> None:
            before, started = os.times(), time.perf_counter()
            result = publish_site(engine, history, into, base_url=BASE_URL)
            taken.setdefault(label, []).append(
                {
                    "publish_seconds": time.perf_counter() - started,
                    "publish_cpu_seconds": cpu_seconds_since(before),
                    "files_written": result.written,
                    "site_files_count": result.files,
                    "model_pages_rendered": result.models_rendered,
                    "worker_peak_kb": result.worker_peak_kb,
                }
            )

        for i in range(full_rounds):  # each into a folder of its own (the last one is `out`): a full build
            into = out if i == full_rounds - 1 else out.with_name(f"{out.name}-full-{i}")
            publish("full", into)
            if into != out:
                shutil.rmtree(into)
        figures["full_self_peak_kb"] = peak_kb()
        publish("nothing_new")
        for _ in range(rounds):  # at the boards' own pace: two daily windows to each two-day Arena snapshot
            for board, label in (*[("openrouter-weekly", "one_new_weekly")] * 2, ("arena-text", "one_new_arena_text")):
                generate.add_snapshot(store, history, board)
                publish(label)
        for label, runs in taken.items():
            ordered = sorted(runs, key=lambda r: r["publish_seconds"])
            middle = ordered[len(ordered) // 2]  # the median publish (the slower one of an even count)
            figures.update({f"{label}_{k}": v for k, v in middle.items()})
            if len(runs) > 1:
                figures[f"{label}_publish_seconds_min"] = ordered[0]["publish_seconds"]
                figures[f"{label}_publish_seconds_max"] = ordered[-1]["publish_seconds"]
                figures[f"{label}_rounds_count"] = len(runs)
        figures["site_megabytes"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
        figures["reads_use_indexes"] = float(reads_use_indexes(engine))
        return figures
    finally:
        engine.dispose()


def cpu_seconds_since(before: os.times_result) -> float:
    """CPU seconds (user and system) spent since `before` by this process and by the child processes it
    has waited for since: a publish's own work and that of the processes it shares its work with, which
    the wall-clock time hides when they run side by side. A replaced version removed in the background
    (`rm`) is counted in the publish that next collects it."""
    now = os.times()
    fields = ("user", "system", "children_user", "children_system")
    return sum(getattr(now, f) - getattr(before, f) for f in fields)


CLI_ROUNDS = 3  # `tracker publish` runs of each kind (the median is the figure)


def cli_publishes(url: str, out: Path, rounds: int = CLI_ROUNDS) -> dict[str, float]:
    """`tracker publish` as a user or cron runs it, in a process of its own (imports, schema check, the
    latest events stored, the weekly post checked, then the build), on the site the publishing child left:
    once to catch up (not timed), then `rounds` times with nothing new and `rounds` times each after one
    new Arena Text snapshot. The medians: what the in-process figures leave out is the command's own.

    The command runs with Python's bytecode cache, as it does by default (in a temporary folder of its
    own, filled by the catch-up run): an environment with PYTHONDONTWRITEBYTECODE set, as some
    containers have, would compile the tracker's modules again in every run (about 0.1-0.2 s here)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}  # none of the user's settings
    env.update(TRACKER_DATABASE_URL=url, TRACKER_BASE_URL=BASE_URL)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="tracker-bench-pycache-") as cache:
        env["PYTHONPYCACHEPREFIX"] = cache
        settings = Path(cache, "empty-settings.toml")  # nor a tracker.toml where the benchmark is run from
        settings.write_text("")
        env["TRACKER_CONFIG"] = str(settings)
        return _cli_runs([sys.executable, "-m", "tracker", "--quiet", "publish", "--out", str(out)], env, url, rounds)


def _cli_runs(command: list[str], env: dict[str, str], url: str, rounds: int) -> dict[str, float]:
    """The catch-up run, then the timed ones (see `cli_publishes`)."""

    def timed() -> float:
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"tracker publish failed:\n{done.stderr[-4000:]}")
        return time.perf_counter() - started

    timed()
    nothing_new = [timed() for _ in range(rounds)]
    engine = make_engine(url)
    try:
        store, history = Store(engine), History(engine)
        updated = []
        for _ in range(rounds):
            generate.add_snapshot(store, history, "arena-text")
            updated.append(timed())
    finally:
        engine.dispose()
    return {
        "cli_nothing_new_publish_seconds": statistics.median(nothing_new),
        "cli_one_new_arena_text_publish_seconds": statistics.median(updated),
        "cli_rounds_count": rounds,
    }


def reads_use_indexes(engine: Any) -> bool:
    """The publish's lookups of entries (by snapshot, by model) use an index; the plans are printed,
    with the one of the per-model signatures (a whole-table aggregate: a scan of an index or the table)."""
    reads = SiteReads(engine)
    lookups = [
        reads.explain("SELECT * FROM entries WHERE snapshot_id IN (1, 2, 3)"),
        reads.explain("SELECT * FROM entries WHERE model_id IN (1, 2, 3)"),
    ]
    aggregate = reads.explain("SELECT model_id, count(*), min(snapshot_id) FROM entries GROUP BY model_id")
    for lines in (*lookups, aggregate):
        print("    plan:", " / ".join(line.strip() for line in lines))
    return all(any("index" in line.lower() for line in lines) for lines in lookups)


def publish_in_child(url: str, out: Path, rounds: int = UPDATE_ROUNDS) -> dict[str, float]:
    """Run `publish_sequence` in a fresh process, so its peak memory is the publish's alone."""
    child = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--publish-child", url, str(out), str(rounds)],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in child.stdout.splitlines()[:-1]:
        print(line)
    if child.returncode != 0:
        raise RuntimeError(f"the publishing child failed:\n{child.stderr[-4000:]}")
    figures: dict[str, float] = json.loads(child.stdout.splitlines()[-1])
    return figures


def parse_captures(folder: Path) -> dict[str, float]:
    """Median of five parses of each of the largest real captures (bytes already in memory)."""
    figures: dict[str, float] = {}
    for name, relative, board in CAPTURES:
        path = folder / relative
        if not path.exists():
            print(f"  (real capture missing: {path}; set TRACKER_REAL_FIXTURES)")
            continue
        body = path.read_bytes()
        run = _catalogue_parse(body, path.name) if board is None else _ranking_parse(body, path.name, board)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        figures[f"parse_{name}_seconds"] = statistics.median(times)
    return figures


def _catalogue_parse(body: bytes, name: str) -> Callable[[], object]:
    fmt = detect_catalog_format(body, name)
    return lambda: fmt.parse(body, as_of=date(2026, 8, 22))


def _ranking_parse(body: bytes, name: str, board: str) -> Callable[[], object]:
    fmt = detect_ranking_format(body, name, board)
    return lambda: fmt.parse(body, board=board, as_of=date(2026, 8, 2))


def bench_backend(backend: str, plan: Plan, folder: Path, rounds: int = UPDATE_ROUNDS) -> dict[str, float]:
    print(f"== {backend}: {plan.days} days of history")
    scratch, baseline = Scratch(backend, folder, "history"), Scratch(backend, folder, "executemany")
    daily = Scratch(backend, folder, "executemany_daily")
    try:
        figures = load(scratch.url, plan)
        inside, total = figures["load_seconds"], figures["generate_total_seconds"]
        print(f"  loaded in {inside:.1f} s inside the store ({total:.1f} s in all)")
        whole, by_day = executemany_baselines(scratch.url, baseline.url, daily.url)
        figures["executemany_seconds"], figures["executemany_daily_commits_seconds"] = whole, by_day
        figures["load_to_executemany_ratio"] = figures["load_seconds"] / whole
        figures["load_to_executemany_daily_commits_ratio"] = figures["load_seconds"] / by_day
        print(
            f"  plain executemany {whole:.1f} s in one transaction, {by_day:.1f} s committing once a day "
            f"(load: {inside / whole:.1f}x and {inside / by_day:.1f}x)"
        )
        figures.update(diff_every_pair(scratch.url))
        print(f"  diffed {figures['diff_pairs_count']:.0f} pairs in {figures['diff_every_pair_seconds']:.2f} s")
        if backend == "postgresql":
            figures["vacuum_analyze_seconds"] = maintain(scratch.url)
            print(f"  VACUUM ANALYZE in {figures['vacuum_analyze_seconds']:.1f} s (what autovacuum would have done)")
        published = publish_in_child(scratch.url, folder / f"site-{backend}", rounds)
        figures.update(published)
        figures.update(cli_publishes(scratch.url, folder / f"site-{backend}"))
        print(
            f"  tracker publish: nothing new {figures['cli_nothing_new_publish_seconds']:.2f} s, "
            f"one new Arena Text snapshot {figures['cli_one_new_arena_text_publish_seconds']:.2f} s"
        )
        full = figures["full_publish_seconds"]
        figures["full_publish_peak_megabytes"] = (
            published["full_self_peak_kb"] + published["full_worker_peak_kb"]
        ) / 1024
        figures["nothing_new_to_full_ratio"] = figures["nothing_new_publish_seconds"] / full
        figures["one_new_weekly_to_full_ratio"] = figures["one_new_weekly_publish_seconds"] / full
        figures["one_new_arena_text_to_full_ratio"] = figures["one_new_arena_text_publish_seconds"] / full
        full_cpu = figures["full_publish_cpu_seconds"]
        for case in ("one_new_weekly", "one_new_arena_text"):  # the same in work done (CPU), not in time
            cpu = figures[f"{case}_publish_cpu_seconds"]
            figures[f"{case}_to_full_cpu_ratio"] = cpu / full_cpu if full_cpu else 0.0
        return {f"{backend}_{k}": v for k, v in figures.items()}
    finally:
        scratch.drop()
        baseline.drop()
        daily.drop()


PROBE_FILES = 300  # files the machine probe creates (an Arena Text update writes about 340)
PROBE_LOOP = 10_000_000  # iterations of the probe's pure-Python loop


def machine_probe(folder: Path) -> dict[str, float]:
    """What the machine gives at this moment, for reading the figures beside other runs': milliseconds to
    create one empty file in the scratch folder (an update creates hundreds; on some file systems, and
    at some moments, this costs 50 times more than at others) and seconds of a fixed pure-Python loop."""
    probe = Path(tempfile.mkdtemp(prefix="probe-", dir=folder))
    try:
        started = time.perf_counter()
        for i in range(PROBE_FILES):
            os.close(os.open(probe / f"f{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        create = (time.perf_counter() - started) / PROBE_FILES * 1000
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    started = time.perf_counter()
    total = 0
    for i in range(PROBE_LOOP):
        total += i & 7
    return {"file_create_milliseconds": create, "python_loop_seconds": time.perf_counter() - started}


def report(figures: dict[str, float], held: Sequence[Target]) -> dict[str, str]:
    verdicts = {}
    width = max(len(k) for k in figures)
    for key in sorted(figures):
        value = figures[key]
        shown = f"{value:.4f}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"
        target = next((t for t in held if t.key == key), None)
        verdict = ""
        if target is not None:
            verdicts[key] = "PASS" if target.check(value) else "MISS"
            verdict = f"  target {target.says}: {verdicts[key]}"
        print(f"  {key:<{width}}  {shown:>12}{verdict}")
    return verdicts


def run(
    backends: Sequence[str], plan: Plan, folder: Path, fixtures: Path, rounds: int = UPDATE_ROUNDS
) -> dict[str, Any]:
    figures: dict[str, float] = {f"machine_at_start_{k}": v for k, v in machine_probe(folder).items()}
    for backend in backends:
        figures.update(bench_backend(backend, plan, folder, rounds))
    figures.update(parse_captures(fixtures))
    figures.update({f"machine_at_end_{k}": v for k, v in machine_probe(folder).items()})
    held = [t for b in backends for t in targets(b)] + CAPTURE_TARGETS
    print("== figures (seconds, megabytes, counts, ratios) and targets")
    verdicts = report(figures, held)
    return {"history_days": plan.days, **figures, "targets": verdicts}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--publish-child"]:
        figures = publish_sequence(args[1], Path(args[2]), int(args[3]) if len(args) > 3 else UPDATE_ROUNDS)
        print(json.dumps(figures, sort_keys=True))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one year of history instead of three")
    parser.add_argument("--days", type=int, help="any number of days of history")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", type=Path, help="keep the databases and sites in this folder")
    parser.add_argument(
        "--rounds",
        type=int,
        default=UPDATE_ROUNDS,
        help=f"Arena Text updates to publish, each after two weekly windows (default {UPDATE_ROUNDS}); each case's"
        " figure is its median publish, so more rounds give steadier figures",
    )
    options = parser.parse_args(args)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    plan = Plan(days=options.days or (YEAR if options.quick else 3 * YEAR))
    backends = ("sqlite", "postgresql") if options.backend == "both" else (options.backend,)
    fixtures = Path(os.environ.get("TRACKER_REAL_FIXTURES", REPO.parent / "shared" / "fixtures"))
    folder = options.keep or Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = run(backends, plan, folder, fixtures, options.rounds)
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
