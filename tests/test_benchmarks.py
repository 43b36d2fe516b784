"""The benchmark's smoke test: the generator writes a tiny history through the store and the benchmark's
steps run on it, giving every figure the JSON line promises. No speed is asserted (the benchmark is where
speed is checked, on a full history); the CPU accounting is checked on a process that burns known CPU."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from conftest import real_fixture, real_fixtures_dir

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import generate
import run
from world import Plan

from tracker.db import make_engine
from tracker.history import History
from tracker.pipeline import schema
from tracker.store import Store

TINY = Plan(days=21, scale=0.05)  # three weeks, a few dozen models
PER_BACKEND = [
    "load_seconds",
    "generate_total_seconds",
    "executemany_seconds",
    "load_to_executemany_ratio",
    "executemany_daily_commits_seconds",
    "load_to_executemany_daily_commits_ratio",
    "diff_every_pair_seconds",
    "diff_pairs_count",
    "full_publish_seconds",
    "full_publish_cpu_seconds",
    "one_new_arena_text_publish_cpu_seconds",
    "one_new_arena_text_to_full_cpu_ratio",
    "one_new_weekly_to_full_cpu_ratio",
    "full_publish_peak_megabytes",
    "full_files_written",
    "nothing_new_publish_seconds",
    "nothing_new_files_written",
    "nothing_new_to_full_ratio",
    "one_new_weekly_publish_seconds",
    "one_new_weekly_files_written",
    "one_new_weekly_to_full_ratio",
    "one_new_weekly_publish_seconds_min",
    "one_new_weekly_publish_seconds_max",
    "one_new_weekly_rounds_count",
    "one_new_arena_text_publish_seconds",
    "one_new_arena_text_files_written",
    "one_new_arena_text_to_full_ratio",
    "cli_nothing_new_publish_seconds",
    "cli_one_new_arena_text_publish_seconds",
    "history_entries_count",
    "history_models_with_pages_count",
    "reads_use_indexes",
]
CAPTURES = [
    "parse_gradio_page_3_3mb_seconds",
    "parse_hf_rows_json_3_2mb_seconds",
    "parse_weekly_json_270kb_seconds",
    "parse_catalogue_json_690kb_seconds",
]


def test_the_generator_writes_a_history_through_the_store(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tiny.sqlite'}")
    try:
        schema.ensure(engine)
        stats = generate.generate(Store(engine), TINY)
        counts = History(engine).counts()
        assert counts["snapshots"] == stats.snapshots > 0
        assert counts["entries"] == stats.entries
        assert counts["fetches"] == stats.fetches == 21 * 24 * 4  # an attempt per hour per source
        assert stats.price_changes > 0
        again = make_engine(f"sqlite:///{tmp_path / 'again.sqlite'}")
        schema.ensure(again)
        assert generate.generate(Store(again), TINY).as_dict() == stats.as_dict()  # seeded: the same history
        again.dispose()
    finally:
        engine.dispose()


def test_one_transaction_loads_the_same_history(tmp_path: Path) -> None:
    """`--one-transaction` (the baseline's way, to measure what the daily commits cost) stores the same rows."""
    rows = {}
    for name, one in (("daily", False), ("one", True)):
        engine = make_engine(f"sqlite:///{tmp_path / (name + '.sqlite')}")
        try:
            schema.ensure(engine)
            stats = generate.generate(Store(engine), TINY, one_transaction=one)
            with engine.connect() as conn:
                rows[name] = [
                    conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                    for table in ("fetches", "snapshots", "entries", "models", "catalog_prices")
                ]
            assert stats.store_seconds["commit"] > 0
        finally:
            engine.dispose()
    assert rows["one"] == rows["daily"]
    assert len(rows["one"][2]) > 0  # entries


def test_the_executemany_baselines_write_the_loaded_rows_whole_and_day_by_day(databases, backend, monkeypatch) -> None:
    """Both baselines insert exactly the loaded rows: one in a single transaction, the other in one per
    synthetic day, each model before the first row naming it (the foreign keys hold on both backends)."""
    urls = [databases.new(backend, migrated=True)] + [databases.new(backend, migrated=False) for _ in range(2)]
    try:
        engine = make_engine(urls[0])
        try:
            generate.generate(Store(engine), TINY)
        finally:
            engine.dispose()
        transactions: list[int] = []
        insert = run._insert
        monkeypatch.setattr(
            run, "_insert", lambda engine, batches: transactions.append(len(batches)) or insert(engine, batches)
        )
        whole, daily = run.executemany_baselines(*urls)
        assert whole > 0
        assert daily > 0
        assert transactions[0] == 1
        assert transactions[1] >= TINY.days  # a transaction per day (the first weekly window is dated the day before)
        tables = ("boards", "fetches", "models", "model_aliases", "snapshots", "entries", "catalog_prices")
        read = []
        for url in urls:
            engine = make_engine(url)
            try:
                with engine.connect() as conn:
                    read.append([conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables])
            finally:
                engine.dispose()
        assert read[1] == read[0]
        assert read[2] == read[0]
    finally:
        for url in urls:
            databases.drop(url)


def test_the_benchmark_gives_every_figure(tmp_path: Path, capsys) -> None:
    real_fixture(run.CAPTURES[0][1])  # the real captures must be there (in CI a missing one fails)
    result = run.run(["sqlite"], TINY, tmp_path, real_fixtures_dir(), rounds=2)  # the rounds reach the child
    line = capsys.readouterr().out.splitlines()[-2]  # the last printed figure; the JSON is main's to print
    assert "parse_" in line or "sqlite_" in line
    assert {f"sqlite_{k}" for k in PER_BACKEND} <= set(result)
    assert set(CAPTURES) <= set(result)
    for moment in ("start", "end"):  # the machine probe, before and after
        assert result[f"machine_at_{moment}_file_create_milliseconds"] > 0
        assert result[f"machine_at_{moment}_python_loop_seconds"] > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("probe-")] == []  # its files removed
    assert result["sqlite_nothing_new_files_written"] == 0
    assert 0 < result["sqlite_one_new_weekly_files_written"] < result["sqlite_full_files_written"]
    assert result["sqlite_one_new_arena_text_rounds_count"] == 2
    assert result["sqlite_one_new_weekly_rounds_count"] == 2 * 2
    assert result["sqlite_full_rounds_count"] == run.FULL_ROUNDS
    assert result["sqlite_cli_rounds_count"] == run.CLI_ROUNDS
    assert "sqlite_cli_nothing_new_publish_seconds" in result["targets"]
    assert result["sqlite_full_publish_seconds_min"] <= result["sqlite_full_publish_seconds"]
    assert result["sqlite_full_publish_cpu_seconds"] > 0
    assert 0 <= result["sqlite_one_new_arena_text_to_full_cpu_ratio"] < 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("site-")) == ["site-sqlite"]
    low, mid, high = (result[f"sqlite_one_new_arena_text_publish_seconds{s}"] for s in ("_min", "", "_max"))
    assert low <= mid <= high
    assert set(result["targets"].values()) <= {"PASS", "MISS"}
    assert "sqlite_full_publish_seconds" in result["targets"]
    json.dumps(result)  # one JSON object


def test_main_ends_with_one_json_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(
        run, "run", lambda backends, plan, folder, fixtures, rounds: {"history_days": plan.days, "rounds": rounds}
    )
    assert run.main(["--days", "3", "--backend", "sqlite", "--keep", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"history_days": 3, "rounds": run.UPDATE_ROUNDS}
    assert run.main(["--days", "3", "--backend", "sqlite", "--keep", str(tmp_path), "--rounds", "5"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"history_days": 3, "rounds": 5}


def test_maintain_analyzes_a_postgresql_history_and_leaves_sqlite_alone(db_url, backend) -> None:
    engine = make_engine(db_url)
    try:
        generate.generate(Store(engine), Plan(days=3, scale=0.05))
    finally:
        engine.dispose()
    seconds = run.maintain(db_url)
    if backend == "sqlite":
        assert seconds == 0.0
        return
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            analyzed = conn.exec_driver_sql(
                "SELECT last_analyze IS NOT NULL, last_vacuum IS NOT NULL FROM pg_stat_user_tables"
                " WHERE relname = 'entries'"
            ).one()
    finally:
        engine.dispose()
    assert seconds > 0
    assert tuple(analyzed) == (True, True)


def test_cpu_seconds_count_this_process_and_the_children_it_waited_for() -> None:
    """A publish's helpers are forked children (and, for a full build, processes it starts): the CPU figure
    must hold their work, which the publisher's own CPU time does not."""

    def burn(seconds: float) -> None:
        until = time.process_time() + seconds
        while time.process_time() < until:
            pass

    before = os.times()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only burns CPU and leaves
        burn(0.3)
        os._exit(0)
    os.waitpid(child, 0)
    assert run.cpu_seconds_since(before) >= 0.25  # the child's CPU, though this process only waited
    before = os.times()
    burn(0.2)
    assert 0.15 <= run.cpu_seconds_since(before) < 0.5
