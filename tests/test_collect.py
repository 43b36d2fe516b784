"""Live collection against a local upstream on 127.0.0.1: good captures become snapshots; 500s, 429s,
challenges, truncated bodies, empty and shrunken tables become recorded attempts, never snapshots."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from conftest import real_fixture
from sqlalchemy import text
from upstream import Upstream, export_csv, running

from tracker.channels import Upstreams, policy_for
from tracker.cli import main
from tracker.config import load_settings
from tracker.fetch import Fetcher
from tracker.pipeline.collect import collect
from tracker.store import decompress

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.fixtures]

NOW = datetime(2026, 8, 3, 4, 0, tzinfo=UTC)
CHALLENGE = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>challenge-platform</body></html>"


def arena_rows(config: str) -> list[dict]:
    wrapper = json.loads(
        real_fixture("arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json").read_bytes()
    )
    rows = [r["row"] for page in wrapper["configs"][config] for r in page["rows"]]
    return sorted((r for r in rows if r["category"] == "overall"), key=lambda r: r["rank"])


def daily_rows() -> list[dict]:
    body = real_fixture("openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv").read_text()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def upstream():
    with running() as server:
        server.arena["webdev"] = arena_rows("webdev")
        server.arena["text_style_control"] = arena_rows("text")  # a stand-in: same row shape
        server.export = export_csv(daily_rows())
        server.export_date = date(2026, 8, 3)
        server.models = real_fixture("openrouter/models-2026-08-01.json").read_bytes()
        yield server


def count(db_url: str, table: str) -> int:
    from tracker.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def fetches(db_url: str) -> list:
    """Every recorded attempt, oldest first, with its stored body decompressed."""
    from tracker.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT source, board_id, outcome, http_status, error, body FROM fetches ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return [SimpleNamespace(**{**row._mapping, "body": row.body and decompress(row.body)}) for row in rows]


def said_about(source: str, err: str) -> list[str]:
    """The lines a command printed about one source (log lines start with a timestamp instead)."""
    return [line for line in err.splitlines() if line.startswith(f"{source}: ")]


def cli(db_url: str, monkeypatch, server: Upstream, *args: str) -> int:
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    return main(["--database-url", db_url, *args])


def test_collect_every_source_from_the_mirror(db_url, monkeypatch, upstream, capsys):
    code = cli(db_url, monkeypatch, upstream, "collect", "arena-text", "arena-webdev", "openrouter-weekly")
    assert code == 0, capsys.readouterr()
    assert cli(db_url, monkeypatch, upstream, "collect", "openrouter-models") == 0
    capsys.readouterr()
    assert cli(db_url, monkeypatch, upstream, "show", "--board", "arena-webdev", "--json") == 0
    webdev = json.loads(capsys.readouterr().out)
    assert (webdev["as_of"], len(webdev["entries"])) == ("2026-04-23", 65)
    assert cli(db_url, monkeypatch, upstream, "show", "--board", "openrouter-weekly", "--json") == 0
    weekly = json.loads(capsys.readouterr().out)
    assert weekly["as_of"] == "2026-08-02"
    assert weekly["window"] == {"start": "2026-07-27", "end": "2026-08-02"}
    # Four HF pages for 347 text rows, not 86: the channel filters to the overall category.
    assert upstream.requests.count("/filter") == 4 + 1
    # Collecting again finds the same content: no new snapshot, and the run still succeeds.
    before = count(db_url, "snapshots")
    assert cli(db_url, monkeypatch, upstream, "collect", "arena-webdev") == 0
    assert count(db_url, "snapshots") == before
    assert count(db_url, "fetches") == 5


def test_a_challenge_page_is_blocked_not_retried(db_url, monkeypatch, upstream, capsys):
    upstream.fail("/filter", (403, {"cf-mitigated": "challenge", "content-type": "text/html"}, CHALLENGE))
    assert cli(db_url, monkeypatch, upstream, "collect", "arena-webdev") == 69
    assert "blocked" in capsys.readouterr().err
    assert upstream.requests.count("/filter") == 1
    assert count(db_url, "snapshots") == 0
    assert count(db_url, "fetches") == 1


def test_an_empty_table_is_a_layout_change(db_url, monkeypatch, upstream):
    upstream.arena["webdev"] = []
    assert cli(db_url, monkeypatch, upstream, "collect", "arena-webdev") == 65
    assert count(db_url, "snapshots") == 0


def test_a_page_that_lost_its_rows_list_names_the_source_and_keeps_the_body(db_url, monkeypatch, upstream, capsys):
    moved = b'{"features": [], "leaderboard": {"rows": []}, "num_rows_total": 65, "partial": false}'
    upstream.fail("/filter", (200, {"content-type": "application/json"}, moved))
    assert cli(db_url, monkeypatch, upstream, "collect", "arena-webdev") == 65
    (line,) = said_about("arena-webdev", capsys.readouterr().err)
    assert ": layout: " in line
    assert "no `rows` list" in line
    (attempt,) = fetches(db_url)
    assert (attempt.source, attempt.outcome, attempt.http_status) == ("arena-webdev", "layout", 200)
    assert attempt.body == moved
    assert count(db_url, "snapshots") == 0


def test_a_table_that_lost_a_column_names_the_source_and_keeps_the_body(db_url, monkeypatch, upstream, capsys):
    renamed = [
        {**{k: v for k, v in row.items() if k != "rating"}, "elo": row["rating"]}  # the score column renamed
        for row in upstream.arena["webdev"]
    ]
    upstream.arena["webdev"] = renamed
    assert cli(db_url, monkeypatch, upstream, "collect", "arena-webdev") == 65
    (line,) = said_about("arena-webdev", capsys.readouterr().err)
    assert ": layout: " in line
    assert "lacks the columns rating" in line
    (attempt,) = fetches(db_url)
    assert (attempt.source, attempt.board_id, attempt.outcome, attempt.http_status) == (
        "arena-webdev",
        "arena-webdev",
        "layout",
        200,
    )
    kept = json.loads(attempt.body)
    assert [r["row"] for page in kept["configs"]["webdev"] for r in page["rows"]] == renamed
    assert count(db_url, "snapshots") == 0


def latin1_export(upstream: Upstream, content_type: str) -> bytes:
    """Serve the export CSV in latin-1 ("café" as the one byte 0xE9), declared by `content_type`."""
    rows = daily_rows()
    renamed = rows[0]["model_permaslug"]  # a model with a figure every day, renamed on every one
    assert renamed != "other"
    rows = [{**r, "model_permaslug": "mistralai/café-large"} if r["model_permaslug"] == renamed else r for r in rows]
    latin1 = export_csv(rows).decode("utf-8").encode("latin-1")
    assert b"caf\xe9" in latin1
    upstream.export = latin1  # the manifest gives its size and sha256
    csv_path = f"/api/v1/datasets/exports/rankings-daily/{upstream.export_date}.csv"
    upstream.fail(csv_path, (200, {"content-type": content_type}, latin1))
    return latin1


def test_a_body_in_its_declared_charset_is_decoded_as_declared_and_kept_as_it_came(db_url, upstream):
    latin1 = latin1_export(upstream, "text/csv; charset=ISO-8859-1")
    (outcome,), _ = run_collect(db_url, upstream, ["openrouter-weekly"])
    assert (outcome.outcome, outcome.exit_code) == ("new", 0), outcome.error
    (attempt,) = fetches(db_url)
    assert (attempt.outcome, attempt.body) == ("new", latin1)  # the raw body as it came, not re-encoded
    from tracker.db import make_engine
    from tracker.history import History
    from tracker.pipeline.ingest import reparse
    from tracker.store import Store

    engine = make_engine(db_url)
    try:
        latest = History(engine).latest_snapshot("openrouter-weekly")
        assert latest is not None
        assert "mistralai/café-large" in {e.model_id for e in latest.entries}  # "é", not "Ã©" or a refusal
        # Re-deriving from the stored body reads the stored Content-Type too: the same snapshot again.
        (again,) = reparse(Store(engine), History(engine), observed_at=latest.observed_at)
        assert (again.outcome, again.error) == ("unchanged", None)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("text/csv", "is not UTF-8"),  # no charset declared: UTF-8, nothing guessed
        ("text/csv; charset=utf-8", "is not UTF-8"),  # declared wrongly
        ("text/csv; charset=x-no-such-charset", "unknown charset 'x-no-such-charset'"),
    ],
)
def test_a_body_not_in_its_declared_or_default_charset_is_refused_with_the_body_kept(
    db_url, upstream, content_type, message
):
    latin1 = latin1_export(upstream, content_type)
    (outcome,), _ = run_collect(db_url, upstream, ["openrouter-weekly"])
    assert (outcome.source, outcome.outcome, outcome.exit_code) == ("openrouter-weekly", "layout", 65)
    assert message in str(outcome.error)
    (attempt,) = fetches(db_url)
    assert (attempt.outcome, attempt.body) == ("layout", latin1)
    assert count(db_url, "snapshots") == 0


def test_a_gone_source_is_not_retried(db_url, monkeypatch, upstream):
    upstream.models = None  # the catalogue answers 404
    assert cli(db_url, monkeypatch, upstream, "collect", "openrouter-models") == 66
    assert upstream.requests.count("/api/v1/models") == 1


class Waits:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def run_collect(db_url: str, server: Upstream, sources: list[str]):
    from tracker.db import make_engine
    from tracker.history import History
    from tracker.store import Store

    settings = load_settings(env=server.env(), database_url=db_url)
    waits = Waits()
    upstreams = Upstreams(settings.hf_datasets_url, settings.arena_url, settings.openrouter_url)
    engine = make_engine(settings.database_url)
    try:
        with Fetcher(policy=policy_for(upstreams), sleep=waits) as fetcher:
            outcomes = collect(Store(engine), History(engine), settings, sources, now=NOW, fetcher=fetcher)
    finally:
        engine.dispose()
    return outcomes, waits.seconds


def test_server_errors_then_success(db_url, upstream):
    upstream.fail("/filter", (500, {}, b"oops"), (502, {}, b"bad gateway"))
    (outcome,), waits = run_collect(db_url, upstream, ["arena-webdev"])
    assert outcome.outcome == "new"
    assert len(waits) == 2
    assert count(db_url, "snapshots") == 1


def test_only_server_errors_is_a_transient_failure_with_the_body_kept(db_url, upstream):
    upstream.fail("/filter", *[(503, {}, b"down for maintenance")] * 10)
    (outcome,), waits = run_collect(db_url, upstream, ["arena-webdev"])
    assert (outcome.outcome, outcome.exit_code) == ("transient", 75)
    assert len(waits) == 3  # four tries, three waits between them
    assert count(db_url, "snapshots") == 0
    from tracker.db import make_engine
    from tracker.store import decompress

    engine = make_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT outcome, http_status, body FROM fetches")).one()
    engine.dispose()
    assert (row.outcome, row.http_status, decompress(row.body)) == ("transient", 503, b"down for maintenance")


def test_retry_after_is_honoured(db_url, upstream):
    upstream.fail("/api/v1/models", (429, {"retry-after": "7"}, b"slow down"))
    (outcome,), waits = run_collect(db_url, upstream, ["openrouter-models"])
    assert outcome.outcome == "new"
    assert waits == [7.0]


def test_truncated_body_is_not_stored(db_url, upstream):
    models = upstream.models
    assert models is not None
    cut = models[: len(models) // 2]
    upstream.fail("/api/v1/models", *[(200, {"content-length": str(len(models))}, cut)] * 10)
    (outcome,), _ = run_collect(db_url, upstream, ["openrouter-models"])
    assert outcome.outcome == "transient"
    assert count(db_url, "catalog_prices") == 0


def test_a_drastically_shorter_table_is_refused(db_url, upstream):
    (first,), _ = run_collect(db_url, upstream, ["arena-webdev"])
    assert first.outcome == "new"
    rows = upstream.arena["webdev"][:10]
    for row in rows:
        row["leaderboard_publish_date"] = "2026-04-30"  # a "newer" board that lost most of its rows
    upstream.arena["webdev"] = rows
    (second,), _ = run_collect(db_url, upstream, ["arena-webdev"])
    assert (second.outcome, second.exit_code) == ("invalid", 65)
    assert "10 rows against 65" in str(second.error)
    assert count(db_url, "snapshots") == 1
    assert count(db_url, "fetches") == 2


def test_one_failing_source_does_not_stop_the_others(db_url, upstream):
    upstream.fail("/filter", (403, {"cf-mitigated": "challenge"}, CHALLENGE))
    outcomes, _ = run_collect(db_url, upstream, ["arena-webdev", "openrouter-weekly"])
    assert [o.outcome for o in outcomes] == ["blocked", "new"]
