"""Every real capture imports through `tracker import` (format detected) and reads back with `tracker show`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from conftest import real_fixture
from sqlalchemy import text

from tracker.cli import main
from tracker.db import make_engine
from tracker.pipeline.ingest import date_in_name
from tracker.sources import detect_ranking_format
from tracker.store import decompress
from tracker.validate import validate

pytestmark = pytest.mark.fixtures


def run(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, *args])


def show(db_url: str, capsys, board: str, *extra: str) -> dict:
    capsys.readouterr()
    assert run(db_url, "show", "--board", board, "--json", *extra) == 0
    return json.loads(capsys.readouterr().out)


def csv_rows(relative: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(real_fixture(relative).read_text(encoding="utf-8"))))


def test_hf_dataset_rows_feed_text_raw_and_webdev(db_url, capsys):
    path = str(real_fixture("arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json"))
    assert run(db_url, "import", "--board", "arena-text-raw", path) == 0
    assert run(db_url, "import", "--board", "arena-webdev", path) == 0
    text = show(db_url, capsys, "arena-text-raw")
    assert text["as_of"] == "2026-04-23"
    assert len(text["entries"]) == 347
    top = text["entries"][0]
    assert (top["rank"], top["model_id"], round(top["score"], 2), top["votes"]) == (
        1,
        "claude-opus-4-6-thinking",
        1500.26,
        20192,
    )
    webdev = show(db_url, capsys, "arena-webdev")
    assert len(webdev["entries"]) == 65
    assert (webdev["entries"][0]["model_id"], round(webdev["entries"][0]["score"], 2)) == (
        "claude-opus-4-7-thinking",
        1572.44,
    )
    # The style-controlled board is not in this file: a clear layout error, and nothing stored.
    assert run(db_url, "import", "--board", "arena-text", path) == 65
    assert run(db_url, "show", "--board", "arena-text") == 2


def test_a_capture_whose_table_changed_names_the_board_and_keeps_the_file(db_url, capsys, tmp_path):
    real = real_fixture("arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json").read_bytes()
    changed = tmp_path / "webdev-2026-04-23.json"
    changed.write_bytes(real.replace(b'"rating"', b'"elo"'))  # the score column renamed upstream
    assert run(db_url, "import", "--board", "arena-webdev", str(changed)) == 65
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("arena-webdev: ")]
    assert len(said) == 1
    assert said[0].startswith(f"arena-webdev: {changed.name}: layout: ")
    assert "lacks the columns rating" in said[0]
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            (attempt,) = conn.execute(text("SELECT source, method, outcome, body FROM fetches")).all()
    finally:
        engine.dispose()
    assert (attempt.source, attempt.method, attempt.outcome) == ("arena-webdev", "import", "layout")
    assert decompress(attempt.body) == changed.read_bytes()
    assert run(db_url, "show", "--board", "arena-webdev") == 2


def test_same_file_twice_is_unchanged(db_url, capsys):
    path = str(real_fixture("openrouter/rankings-models-week-2026-08-01.json"))
    assert run(db_url, "import", "--board", "openrouter-weekly", path) == 0
    capsys.readouterr()
    assert run(db_url, "import", "--board", "openrouter-weekly", path) == 0
    assert "unchanged" in capsys.readouterr().out


def test_daily_rows_give_every_complete_window(db_url, capsys):
    relative = "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv"
    assert run(db_url, "import", "--board", "openrouter-weekly", str(real_fixture(relative))) == 0
    rows = csv_rows(relative)
    days = sorted({date.fromisoformat(r["date"]) for r in rows})
    for end in days[6:]:
        window = show(db_url, capsys, "openrouter-weekly", "--as-of", end.isoformat())
        assert window["as_of"] == end.isoformat()
        start = end - timedelta(days=6)
        assert window["window"] == {"start": start.isoformat(), "end": end.isoformat()}
        # Tokens are the integer sums of the daily rows of that window, model by model.
        sums: dict[str, int] = {}
        for r in rows:
            if r["model_permaslug"] != "other" and start <= date.fromisoformat(r["date"]) <= end:
                sums[r["model_permaslug"]] = sums.get(r["model_permaslug"], 0) + int(r["total_tokens"])
        assert {e["model_id"]: e["tokens"] for e in window["entries"]} == sums
    week = show(db_url, capsys, "openrouter-weekly", "--as-of", "2026-07-31")
    mimo = next(e for e in week["entries"] if e["model_id"] == "xiaomi/mimo-v2.5-20260422")
    assert mimo["tokens"] == 8_093_457_855_675
    assert round(mimo["change_pct"], 2) == -18.64


CAPTURES = [
    # (file, board, rows held, first model, as of)
    ("arena/arena-overview-rsc-webdev-excerpt-2026-09-26.txt", "arena-webdev", 47, None, "2026-09-26"),
    ("arena/lmarena-text-gradio-pagesource-2025-03-28.html", "arena-text-raw", 183, None, "2025-03-25"),
    ("arena/arena-catalog-text-style-control-2025-03-07.json", "arena-text", 204, None, "2025-03-07"),
    ("openrouter/rankings-models-week-2026-08-01.json", "openrouter-weekly", 471, "xiaomi/mimo-v2.5-20260422", None),
]


@pytest.mark.parametrize(("relative", "board", "rows", "first", "as_of"), CAPTURES)
def test_capture_imports_whole(db_url, capsys, relative, board, rows, first, as_of):
    assert run(db_url, "import", "--board", board, str(real_fixture(relative))) == 0
    shown = show(db_url, capsys, board)
    assert len(shown["entries"]) == rows
    if first:
        assert shown["entries"][0]["model_id"] == first
    if as_of:
        assert shown["as_of"] == as_of
    ranks = [e["rank"] for e in shown["entries"]]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(
    "relative",
    [
        "arena/hfspace-text-gradio-table-2024-06-19.csv",
        "arena/hfspace-text-gradio-table-2024-10-16.csv",
        "arena/hfspace-text-gradio-table-2025-07-18.csv",
    ],
)
def test_legacy_tables_import_with_the_date_in_their_name(db_url, capsys, relative):
    assert run(db_url, "import", "--board", "arena-text-raw", str(real_fixture(relative))) == 0
    shown = show(db_url, capsys, "arena-text-raw")
    table = csv_rows(relative)
    assert shown["as_of"] == relative[-14:-4]
    assert len(shown["entries"]) == len(table)
    assert shown["entries"][0]["model"] == table[0]["model"]
    assert shown["entries"][0]["rank_kind"] == "upper_bound"


def test_a_table_for_another_board_says_which_boards_it_feeds(db_url, capsys):
    path = str(real_fixture("arena/hfspace-text-gradio-table-2025-07-18.csv"))
    assert run(db_url, "import", "--board", "arena-text", path) == 65
    err = capsys.readouterr().err
    assert "recognised as legacy-csv, which cannot feed board 'arena-text'; it feeds arena-text-raw" in err
    assert run(db_url, "show", "--board", "arena-text") == 2  # nothing stored


def test_html_table_excerpt(db_url, capsys):
    relative = "arena/lmarena-text-htmltable-history-excerpt-2025-11-09.csv"
    assert run(db_url, "import", "--board", "arena-text", str(real_fixture(relative))) == 0
    shown = show(db_url, capsys, "arena-text")
    assert shown["as_of"] == "2025-11-09"
    assert len(shown["entries"]) == len(csv_rows(relative))
    assert shown["entries"][0]["model_id"] == "gemini-2.5-pro"


def test_export_sample_without_a_complete_week_is_refused(db_url, capsys):
    path = str(real_fixture("openrouter/rankings-daily-export-sample-2026-10-08.csv"))
    assert run(db_url, "import", "--board", "openrouter-weekly", path) == 65
    assert "no complete 7-day window" in capsys.readouterr().err
    assert run(db_url, "show", "--board", "openrouter-weekly") == 2


def test_catalogues_keep_price_history(db_url, capsys):
    for name in ("models-2025-08-05.json", "models-2026-08-01.json", "models-2026-08-22.json"):
        assert run(db_url, "import", "--board", "openrouter-models", str(real_fixture(f"openrouter/{name}"))) == 0
    out = capsys.readouterr().out
    assert "421 models" in out


def test_saved_leaderboard_against_the_week_before_agrees_with_openrouters_change(db_url, capsys):
    """The weekly leaderboard of 2026-08-01 against our own sums of the daily rows of the week before:
    the growth the diff reports is OpenRouter's own `change`, model by model."""
    daily = "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv"
    weekly = "openrouter/rankings-models-week-2026-08-01.json"
    assert run(db_url, "import", "--board", "openrouter-weekly", str(real_fixture(daily))) == 0
    assert run(db_url, "import", "--board", "openrouter-weekly", str(real_fixture(weekly))) == 0
    capsys.readouterr()
    args = ["diff", "--board", "openrouter-weekly", "--from", "2026-07-24", "--to", "2026-07-31", "--json"]
    assert run(db_url, *args) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["from"]["as_of"], result["to"]["as_of"]) == ("2026-07-24", "2026-07-31")
    # Models in the daily top 50 on every day of both weeks: their week-before sums are complete.
    days: dict[str, set[str]] = {}
    for r in csv_rows(daily):
        days.setdefault(r["model_permaslug"], set()).add(r["date"])
    wanted = {(date(2026, 7, 18) + timedelta(days=i)).isoformat() for i in range(14)}
    complete = {m for m, seen in days.items() if wanted <= seen and m != "other"}
    change = {
        r["variant_permaslug"]: r["change"]
        for r in json.loads(real_fixture(weekly).read_bytes())["data"]
        if r["change"] is not None
    }
    checked = 0
    for event in result["events"]:
        if event["kind"] in ("moved", "grew_lost_rank", "shrank_gained_rank") and event["model_id"] in complete:
            assert event["growth_pct"] == pytest.approx(change[event["model_id"]] * 100, abs=1e-3)
            checked += 1
    assert checked >= 10


RANKINGS = [
    # (file, board): every real capture of a ranking, for every board it feeds
    ("arena/arena-catalog-text-style-control-2025-03-07.json", "arena-text"),
    ("arena/arena-overview-rsc-webdev-excerpt-2026-09-26.txt", "arena-webdev"),
    ("arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json", "arena-text-raw"),
    ("arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json", "arena-webdev"),
    ("arena/hfspace-text-gradio-table-2024-06-19.csv", "arena-text-raw"),
    ("arena/hfspace-text-gradio-table-2024-10-16.csv", "arena-text-raw"),
    ("arena/hfspace-text-gradio-table-2025-07-18.csv", "arena-text-raw"),
    ("arena/lmarena-text-gradio-pagesource-2025-03-28.html", "arena-text-raw"),
    ("arena/lmarena-text-htmltable-history-excerpt-2025-11-09.csv", "arena-text"),
    ("openrouter/models-find-analytics-2025-12-11.json", "openrouter-weekly"),
    ("openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv", "openrouter-weekly"),
    ("openrouter/rankings-models-week-2026-08-01.json", "openrouter-weekly"),
    ("openrouter/rankings-models-week-2026-08-02.json", "openrouter-weekly"),
    ("openrouter/rankings-weekly-charts-2026-08-02.json", "openrouter-weekly"),
    ("openrouter/rankings-weekly-charts-2026-09-05.json", "openrouter-weekly"),
]


@pytest.mark.parametrize(("relative", "board"), RANKINGS)
def test_every_real_ranking_holds_figures_validation_accepts(relative, board):
    """Finite figures, ranks from 1, no negative counts, intervals low to high, and ranks by value that
    agree with the values: what validation refuses, no real capture holds."""
    path = real_fixture(relative)
    body = path.read_bytes()
    fmt = detect_ranking_format(body, path.name, board)
    parsed = fmt.parse(body, board=board, as_of=date_in_name(path.name))
    assert parsed
    for snapshot in parsed:
        assert validate(snapshot, None).entries  # a refusal raises InvalidCaptureError, naming what is wrong
