"""Backfill from the official datasets, and reparse from stored raw captures."""

from __future__ import annotations

import csv
import io
import json
from functools import partial

import pytest
from conftest import real_fixture
from sqlalchemy import text
from upstream import running

from tracker.cli import main
from tracker.db import make_engine

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.fixtures]


def webdev_rows(publish_date: str, drop: int = 0) -> list[dict]:
    wrapper = json.loads(
        real_fixture("arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json").read_bytes()
    )
    rows = [
        r["row"] for page in wrapper["configs"]["webdev"] for r in page["rows"] if r["row"]["category"] == "overall"
    ]
    rows = sorted(rows, key=lambda r: r["rank"])[drop:]
    return [{**r, "leaderboard_publish_date": publish_date} for r in rows]


def tracker(url: str, *args: str) -> int:
    return main(["--database-url", url, *args])


def count(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_backfill_arena_reads_the_full_split_since_a_date(db_url, monkeypatch, capsys):
    with running() as server:
        server.arena["webdev"] = webdev_rows("2026-04-16") + webdev_rows("2026-04-23", drop=1)
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        assert tracker(db_url, "backfill", "arena-webdev", "--since", "2026-04-01") == 0
        first = next(q for p, q, _ in server.queries if p == "/filter")
    assert first["split"] == ["full"]
    assert "'2026-04-01'" in first["where"][0]
    assert "overall" in first["where"][0]
    capsys.readouterr()
    assert tracker(db_url, "show", "--board", "arena-webdev", "--as-of", "2026-04-16", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)["entries"]) == 65
    assert tracker(db_url, "show", "--board", "arena-webdev", "--json") == 0
    latest = json.loads(capsys.readouterr().out)
    assert (latest["as_of"], len(latest["entries"])) == ("2026-04-23", 64)


def test_backfill_openrouter_needs_the_key_and_sends_it(db_url, monkeypatch, capsys):
    body = real_fixture("openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv").read_text()
    with running() as server:
        server.daily = list(csv.DictReader(io.StringIO(body)))
        server.api_key = "sk-test-key"
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
        assert tracker(db_url, "backfill", "openrouter-weekly", "--since", "2026-07-25") == 2
        assert "OPENROUTER_API_KEY" in capsys.readouterr().err
        monkeypatch.setenv("OPENROUTER_API_KEY", "sk-test-key")
        assert tracker(db_url, "backfill", "openrouter-weekly", "--since", "2026-07-25") == 0
        calls = [(q, auth) for p, q, auth in server.queries if p == "/api/v1/datasets/rankings-daily"]
    assert calls
    assert all(auth == "Bearer sk-test-key" for _, auth in calls)
    assert "sk-test-key" not in capsys.readouterr().out
    capsys.readouterr()
    assert tracker(db_url, "show", "--board", "openrouter-weekly", "--as-of", "2026-07-31", "--json") == 0
    week = json.loads(capsys.readouterr().out)
    mimo = next(e for e in week["entries"] if e["model_id"] == "xiaomi/mimo-v2.5-20260422")
    assert mimo["tokens"] == 8_093_457_855_675


def test_reparse_turns_a_stored_failed_capture_into_a_snapshot_once(db_url, tmp_path, capsys, monkeypatch):
    """A capture that failed is kept raw; once the code accepts it (here: looser rules standing in for a
    parser fix), reparse derives the snapshot from the stored body, and a second reparse adds nothing."""
    table = tmp_path / "week-2026-08-01.csv"
    table.write_text("rank,model,tokens\n" + "".join(f"{i},Model {i},{90 - i}B\n" for i in range(1, 5)))
    assert tracker(db_url, "import", "--board", "openrouter-weekly", str(table)) == 65  # 4 rows: too few
    assert count(db_url, "SELECT count(*) FROM snapshots") == 0
    import tracker.validate as validate_module

    monkeypatch.setattr(validate_module, "ValidationRules", partial(validate_module.ValidationRules, min_rows=3))
    assert tracker(db_url, "reparse") == 0
    assert tracker(db_url, "reparse") == 0
    assert count(db_url, "SELECT count(*) FROM snapshots") == 1
    assert count(db_url, "SELECT count(*) FROM fetches") == 1  # reparse records no new attempt
    capsys.readouterr()
    assert tracker(db_url, "show", "--board", "openrouter-weekly", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["as_of"] == "2026-08-01"  # the date the import took from the file name is kept with the body
