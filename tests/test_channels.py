"""Collection channels, with a MockTransport serving the real captures the way each upstream would.

- datasets-server: the real `hf-rows` wrapper's rows, re-paged per offset (as `/filter` would page the
  `overall` rows) or its real pages served per offset (as `/rows` does);
- Data API: the real daily rows, answered for the requested date window, tokens as strings;
- export: the real sample CSV under a manifest whose size and sha256 the test computes;
- catalogue: the real `/api/v1/models` capture.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import logging
import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tracker.capture import Capture, CaptureLayoutError, Validators
from tracker.channels import ARENA_CONFIGS, Upstreams, collect_capture, policy_for
from tracker.channels_arena import OVERALL, collect_hf_rows
from tracker.channels_openrouter import EXPORT_MANIFEST_PATH
from tracker.fetch import Attempt, Fetcher
from tracker.fetch_policy import DEFAULT_HOSTS
from tracker.models import BlockedError, FetchError, SourceGoneError, TransientError, UsageError
from tracker.sources import catalog_formats, ranking_format, ranking_formats

NOW = datetime(2026, 8, 3, 6, 0, 0, tzinfo=UTC)
HF_WRAPPER = "arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json"
DAILY_CSV = "openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv"
EXPORT_CSV = "openrouter/rankings-daily-export-sample-2026-10-08.csv"
EXPORT_MANIFEST = "openrouter/rankings-daily-export-manifest-2026-10-08.json"
MODELS = "openrouter/models-2026-08-01.json"
API_KEY = "sk-or-v1-" + "5ec7e7" * 10  # a made-up key: it must never surface anywhere but the header
CSV_PATH = "/api/v1/datasets/exports/rankings-daily/2026-10-08.csv"

Handler = Callable[[httpx.Request], httpx.Response]
FixtureBytes = Callable[[str], bytes]
pytestmark = pytest.mark.fixtures


class Upstream:
    """A Fetcher over a MockTransport; records requests and attempts, never sleeps."""

    def __init__(self, handler: Handler, upstreams: Upstreams | None = None, max_tries: int = 2) -> None:
        self.requests: list[httpx.Request] = []
        self.attempts: list[Attempt] = []
        self.upstreams = upstreams or Upstreams()

        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return handler(request)

        policy = policy_for(self.upstreams)
        self.fetcher = Fetcher(
            httpx.Client(transport=httpx.MockTransport(record)),
            policy=dataclasses.replace(policy, max_tries=max_tries),
            sleep=lambda seconds: None,
            clock=lambda: NOW,
            on_attempt=self.attempts.append,
        )

    def collect(self, source: str, *, today: date | None = None, **kwargs: Any) -> Capture:
        return collect_capture(source, self.fetcher, self.upstreams, today=today or NOW.date(), **kwargs)

    def params(self, i: int) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.requests[i].url.query.decode()).items()}


def jsonify(value: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(value).encode(), headers={"content-type": "application/json"})


# ---- datasets-server (Arena boards)


def real_overall(fixture_bytes: FixtureBytes, config: str) -> tuple[list[Any], list[dict[str, Any]]]:
    """The real features and the real `overall` rows of one config of the wrapper."""
    wrapper = json.loads(fixture_bytes(HF_WRAPPER))
    pages = wrapper["configs"][config]
    rows = [row for page in pages for row in page["rows"] if row["row"]["category"] == "overall"]
    return pages[0]["features"], rows


def filter_upstream(features: list[Any], rows: list[dict[str, Any]]) -> Handler:
    """Answers `/filter` as datasets-server does: the rows matching `where`, sliced by offset/length."""

    def handler(request: httpx.Request) -> httpx.Response:
        q = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        if request.url.path != "/filter" or q.get("where") != "\"category\"='overall'":
            return jsonify({"error": "Parameter 'where' is invalid"}, 422)
        offset, length = int(q["offset"]), int(q["length"])
        return jsonify(
            {
                "features": features,
                "rows": rows[offset : offset + length],
                "num_rows_total": len(rows),
                "num_rows_per_page": 100,
                "partial": False,
            }
        )

    return handler


@pytest.mark.parametrize("config", ["text", "webdev"])
def test_hf_filter_pages_assemble_the_real_rows(fixture_bytes: FixtureBytes, config: str) -> None:
    features, rows = real_overall(fixture_bytes, config)
    up = Upstream(filter_upstream(features, rows))
    capture = collect_hf_rows("arena-x", up.fetcher, up.upstreams.hf_datasets_url, config=config)

    pages = math.ceil(len(rows) / 100)
    assert len(up.requests) == pages
    assert [up.params(i)["offset"] for i in range(pages)] == [str(100 * i) for i in range(pages)]
    assert up.params(0) == {
        "dataset": "lmarena-ai/leaderboard-dataset",
        "config": config,
        "split": "latest",
        "where": OVERALL,
        "offset": "0",
        "length": "100",
    }
    assert up.requests[0].url.host == "datasets-server.huggingface.co"
    wrapper = json.loads(capture.body)
    assert wrapper["dataset"] == "lmarena-ai/leaderboard-dataset"
    assert wrapper["split"] == "latest"
    assert list(wrapper["configs"]) == [config]
    assert [r for page in wrapper["configs"][config] for r in page["rows"]] == rows
    assert capture.body == json.dumps(wrapper, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert capture.format == "hf-rows"
    assert capture.url == str(up.requests[0].url)
    assert capture.urls == tuple(str(r.url) for r in up.requests)
    assert capture.attempts == pages
    assert capture.fetched_at == NOW
    assert capture.complete_through is None


def test_hf_capture_feeds_the_hf_rows_parser(fixture_bytes: FixtureBytes) -> None:
    features, rows = real_overall(fixture_bytes, "webdev")
    up = Upstream(filter_upstream(features, rows))
    capture = up.collect("arena-webdev")
    (snapshot,) = ranking_format(capture.format).parse(capture.body, board="arena-webdev", as_of=None)
    assert len(snapshot.entries) == 65  # README: webdev overall has 65 models
    assert snapshot.entries[0].model_id == "claude-opus-4-7-thinking"
    assert round(snapshot.entries[0].score or 0, 2) == 1572.44


def test_hf_rows_pages_come_back_exactly(fixture_bytes: FixtureBytes) -> None:
    real_pages = json.loads(fixture_bytes(HF_WRAPPER))["configs"]["text"]

    def handler(request: httpx.Request) -> httpx.Response:
        q = parse_qs(request.url.query.decode())
        assert request.url.path == "/rows"
        assert "where" not in q
        return jsonify(real_pages[int(q["offset"][0]) // 100])

    up = Upstream(handler)
    capture = collect_hf_rows("arena-text-raw", up.fetcher, up.upstreams.hf_datasets_url, config="text", where=None)
    assert len(up.requests) == len(real_pages) == 86
    assert json.loads(capture.body)["configs"]["text"] == real_pages


@pytest.mark.parametrize("source", ["arena-text", "arena-text-raw", "arena-webdev"])
def test_each_arena_board_reads_its_config(fixture_bytes: FixtureBytes, source: str) -> None:
    features, rows = real_overall(fixture_bytes, "webdev")  # stand-in rows: the config name is under test
    up = Upstream(filter_upstream(features, rows))
    capture = up.collect(source)
    assert up.params(0)["config"] == ARENA_CONFIGS[source]
    assert list(json.loads(capture.body)["configs"]) == [ARENA_CONFIGS[source]]
    assert capture.source == source


def paging(pages: list[Any]) -> Handler:
    """Serve hand-made pages in order, one per request."""

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(parse_qs(request.url.query.decode())["offset"][0])
        page = pages[offset // 100]
        return page if isinstance(page, httpx.Response) else jsonify(page)

    return handler


def page(first: int, count: int, total: int, **extra: Any) -> dict[str, Any]:
    rows = [{"row_idx": i, "row": {"model_name": f"m{i}", "category": "overall"}} for i in range(first, first + count)]
    return {"features": [], "rows": rows, "num_rows_total": total, "num_rows_per_page": 100, **extra}


def test_hf_total_changing_mid_paging_is_transient() -> None:
    up = Upstream(paging([page(0, 100, 150), page(100, 50, 151)]))
    with pytest.raises(TransientError, match="row count changed") as caught:
        up.collect("arena-webdev")
    assert caught.value.body is not None
    assert json.loads(caught.value.body)["num_rows_total"] == 151


def test_hf_short_page_is_transient() -> None:
    up = Upstream(paging([page(0, 100, 250), page(100, 99, 250)]))
    with pytest.raises(TransientError, match="99 rows, 100 expected"):
        up.collect("arena-webdev")


def test_hf_repeated_rows_are_transient() -> None:
    up = Upstream(paging([page(0, 100, 200), page(0, 100, 200)]))
    with pytest.raises(TransientError, match="repeated"):
        up.collect("arena-webdev")


def test_hf_page_that_is_not_json_is_a_layout_error_with_its_body() -> None:
    broken = httpx.Response(200, content=b"<html>maintenance</html>", headers={"content-type": "text/html"})
    up = Upstream(paging([page(0, 100, 150), broken]))
    with pytest.raises(CaptureLayoutError, match="arena-webdev: answer is not JSON") as caught:
        up.collect("arena-webdev")
    assert caught.value.body == b"<html>maintenance</html>"
    assert caught.value.exit_code == 65


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (page(0, 0, 0), "reports 0 rows"),
        (page(0, 10, 10, partial=True), "partial index"),
        ({"error": "Unexpected error."}, "no `rows` list"),
        ({"rows": [], "num_rows_total": "10"}, "no `num_rows_total`"),
        ([1, 2], "not an object"),
    ],
)
def test_hf_pages_of_the_wrong_shape_are_layout_errors(bad: Any, message: str) -> None:
    up = Upstream(paging([bad]))
    with pytest.raises(CaptureLayoutError, match=message):
        up.collect("arena-text")


def test_hf_failures_on_a_later_page_stop_the_capture() -> None:
    challenge = httpx.Response(503, headers={"cf-mitigated": "challenge"}, content=b"<html></html>")
    with pytest.raises(BlockedError):
        Upstream(paging([page(0, 100, 150), challenge])).collect("arena-webdev")
    down = httpx.Response(500, content=b'{"error": "The response is not ready yet."}')
    up = Upstream(paging([page(0, 100, 150), down]), max_tries=3)
    with pytest.raises(TransientError):
        up.collect("arena-webdev")
    assert len(up.requests) == 4  # one good page, then three tries of the second


# ---- OpenRouter Data API (keyed)


def daily_upstream(fixture_bytes: FixtureBytes, *, lag_days: int = 0) -> tuple[Handler, list[dict[str, str]]]:
    """The real daily rows, answered for the requested window as the Data API does (tokens as strings)."""
    rows = list(csv.DictReader(io.StringIO(fixture_bytes(DAILY_CSV).decode())))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return jsonify({"error": {"code": 401, "message": "No auth credentials found"}}, 401)
        q = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        end = date.fromordinal(date.fromisoformat(q["end_date"]).toordinal() - lag_days).isoformat()
        data = [r for r in rows if q["start_date"] <= r["date"] <= end]
        meta = {
            "as_of": "2026-08-03T02:00:00Z",
            "start_date": q["start_date"],
            "end_date": end,
            "version": "v1",
        }
        return jsonify({"data": data, "meta": meta})

    return handler, rows


def test_data_api_fetches_the_last_14_complete_days(fixture_bytes: FixtureBytes) -> None:
    handler, rows = daily_upstream(fixture_bytes)
    up = Upstream(handler)
    capture = up.collect("openrouter-weekly", api_key=API_KEY)
    assert len(up.requests) == 1
    request = up.requests[0]
    assert request.url.path == "/api/v1/datasets/rankings-daily"
    assert up.params(0) == {"start_date": "2026-07-20", "end_date": "2026-08-02"}
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["user-agent"].startswith("llm-rank-tracker/")
    document = json.loads(capture.body)
    days = sorted({r["date"] for r in document["data"]})
    assert (days[0], days[-1], len(days)) == ("2026-07-20", "2026-08-02", 14)
    assert len(document["data"]) == sum("2026-07-20" <= r["date"] <= "2026-08-02" for r in rows)
    assert all(isinstance(r["total_tokens"], str) for r in document["data"])
    assert capture.format == "openrouter-dataapi-json"
    assert capture.complete_through == date(2026, 8, 2)
    # The body is the upstream's, untouched: one request covers the window.
    assert capture.body == up.attempts[-1].body


def test_data_api_lagging_upstream_limits_complete_through(fixture_bytes: FixtureBytes) -> None:
    handler, _ = daily_upstream(fixture_bytes, lag_days=1)
    capture = Upstream(handler).collect("openrouter-weekly", api_key=API_KEY)
    assert capture.complete_through == date(2026, 8, 1)


def test_data_api_answer_without_rows_is_a_layout_error() -> None:
    up = Upstream(lambda request: jsonify({"error": {"message": "moved"}}))
    with pytest.raises(CaptureLayoutError, match="no `data` list"):
        up.collect("openrouter-weekly", api_key=API_KEY)


def assert_no_key(*things: Any) -> None:
    for thing in things:
        assert API_KEY not in repr(thing)
        assert API_KEY.encode() not in (thing if isinstance(thing, bytes) else repr(thing).encode())


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: jsonify({"error": {"code": 401, "message": "User not found."}}, 401),
        lambda request: httpx.Response(503, content=b"down"),
        lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused")),
        lambda request: httpx.Response(302, headers={"Location": "https://evil.example/x"}),
    ],
    ids=["401", "503", "connect-error", "redirect-away"],
)
def test_api_key_never_leaks_from_a_failure(answer: Handler, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    up = Upstream(answer)
    with pytest.raises(FetchError) as caught:
        up.collect("openrouter-weekly", api_key=API_KEY)
    err = caught.value
    assert up.requests[0].headers["authorization"] == f"Bearer {API_KEY}"  # it was sent, only there
    assert_no_key(str(err), err, err.args, err.url, err.headers, err.body or b"", up.attempts, caplog.text)


def test_api_key_never_leaks_from_a_capture(fixture_bytes: FixtureBytes, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    handler, _ = daily_upstream(fixture_bytes)
    up = Upstream(handler)
    capture = up.collect("openrouter-weekly", api_key=API_KEY)
    assert_no_key(capture, capture.headers, capture.urls, capture.body, up.attempts, caplog.text)


# ---- OpenRouter keyless export


def export_upstream(manifest: dict[str, Any], csv_body: bytes, *, manifest_etag: str = '"m1"') -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/latest.manifest.json"):
            if request.headers.get("if-none-match") == manifest_etag:
                return httpx.Response(304, headers={"ETag": manifest_etag})
            return httpx.Response(
                200,
                content=json.dumps(manifest, indent=2).encode(),
                headers={"ETag": manifest_etag, "Last-Modified": "Thu, 08 Oct 2026 01:46:15 GMT"},
            )
        if request.url.path.endswith(CSV_PATH):
            return httpx.Response(200, content=csv_body, headers={"content-type": "text/csv"})
        return httpx.Response(404)

    return handler


def real_manifest(fixture_bytes: FixtureBytes, csv_body: bytes | None = None) -> dict[str, Any]:
    """The real manifest; with `csv_body`, its CSV entry describes that body (size and sha256)."""
    manifest: dict[str, Any] = json.loads(fixture_bytes(EXPORT_MANIFEST))
    if csv_body is not None:
        manifest["files"]["csv"]["bytes"] = len(csv_body)
        manifest["files"]["csv"]["sha256"] = hashlib.sha256(csv_body).hexdigest()
    return manifest


def test_export_is_fetched_verified_and_moved_onto_a_mirror(fixture_bytes: FixtureBytes) -> None:
    body = fixture_bytes(EXPORT_CSV)
    mirror = Upstreams(openrouter_url="http://127.0.0.1:8765/mirror")
    up = Upstream(export_upstream(real_manifest(fixture_bytes, body), body), mirror)
    capture = up.collect("openrouter-weekly", today=date(2026, 10, 8))
    assert [str(r.url) for r in up.requests] == [
        "http://127.0.0.1:8765/mirror" + EXPORT_MANIFEST_PATH,
        "http://127.0.0.1:8765/mirror" + CSV_PATH,  # the manifest names https://openrouter.ai/...
    ]
    assert all("authorization" not in r.headers for r in up.requests)
    assert capture.body == body
    assert capture.format == "openrouter-export-csv"
    assert capture.url == "http://127.0.0.1:8765/mirror" + CSV_PATH
    assert capture.etag == '"m1"'  # the manifest's: the next run asks whether it changed
    assert capture.last_modified == "Thu, 08 Oct 2026 01:46:15 GMT"
    assert capture.complete_through == date(2026, 10, 7)
    assert capture.attempts == 2


def test_stale_export_is_complete_only_through_its_snapshot(fixture_bytes: FixtureBytes) -> None:
    body = fixture_bytes(EXPORT_CSV)
    up = Upstream(export_upstream(real_manifest(fixture_bytes, body), body))
    assert up.collect("openrouter-weekly", today=date(2026, 10, 20)).complete_through == date(2026, 10, 7)


def test_export_shorter_than_its_manifest_is_refused(fixture_bytes: FixtureBytes) -> None:
    body = fixture_bytes(EXPORT_CSV)  # the manifest describes the full 122,881-byte file
    up = Upstream(export_upstream(real_manifest(fixture_bytes), body))
    with pytest.raises(TransientError, match="truncated") as caught:
        up.collect("openrouter-weekly")
    assert caught.value.body == body


def test_export_with_a_wrong_sha256_is_refused(fixture_bytes: FixtureBytes) -> None:
    body = fixture_bytes(EXPORT_CSV)
    garbled = body.replace(b"2026-10-07", b"2026-10-06", 1)
    assert len(garbled) == len(body)
    up = Upstream(export_upstream(real_manifest(fixture_bytes, body), garbled))
    with pytest.raises(TransientError, match="sha256"):
        up.collect("openrouter-weekly")


def test_unchanged_manifest_means_not_modified(fixture_bytes: FixtureBytes) -> None:
    body = fixture_bytes(EXPORT_CSV)
    up = Upstream(export_upstream(real_manifest(fixture_bytes, body), body))
    first = up.collect("openrouter-weekly")
    second = up.collect("openrouter-weekly", previous=first.validators)
    assert up.requests[2].headers["if-none-match"] == '"m1"'
    assert up.requests[2].headers["if-modified-since"] == "Thu, 08 Oct 2026 01:46:15 GMT"
    assert len(up.requests) == 3  # the CSV is not fetched again
    assert second.not_modified
    assert second.body == b""


def test_manifest_without_a_csv_entry_is_a_layout_error(fixture_bytes: FixtureBytes) -> None:
    manifest = real_manifest(fixture_bytes)
    del manifest["files"]["csv"]
    with pytest.raises(CaptureLayoutError, match="names no CSV"):
        Upstream(export_upstream(manifest, b"")).collect("openrouter-weekly")


def test_export_gone_is_source_gone() -> None:
    with pytest.raises(SourceGoneError):
        Upstream(lambda request: httpx.Response(404)).collect("openrouter-weekly", api_key="")


# ---- OpenRouter catalogue


def test_catalogue_is_collected_then_conditional(fixture_bytes: FixtureBytes) -> None:
    body = fixture_bytes(MODELS)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"cat-1"':
            return httpx.Response(304, headers={"ETag": '"cat-1"'})
        return httpx.Response(200, content=body, headers={"ETag": '"cat-1"', "content-type": "application/json"})

    up = Upstream(handler)
    first = up.collect("openrouter-models")
    assert str(up.requests[0].url) == "https://openrouter.ai/api/v1/models"
    assert "if-none-match" not in up.requests[0].headers
    assert first.body == body
    assert first.format == "openrouter-models-api"
    assert first.validators == Validators('"cat-1"', None)
    second = up.collect("openrouter-models", previous=first.validators)
    assert second.not_modified
    assert second.body == b""
    assert second.status == 304


def test_catalogue_empty_or_challenged_is_never_a_capture() -> None:
    with pytest.raises(TransientError, match="empty body"):
        Upstream(lambda request: httpx.Response(200, content=b"")).collect("openrouter-models")
    page = b"<html><head><title>Just a moment...</title></head></html>"
    html = httpx.Response(200, content=page, headers={"content-type": "text/html"})
    with pytest.raises(BlockedError):
        Upstream(lambda request: html).collect("openrouter-models")


# ---- dispatch and registry


def test_unknown_source_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown source"):
        Upstream(lambda request: httpx.Response(200)).collect("arena-vision")


def test_policy_allows_the_overridden_hosts() -> None:
    upstreams = Upstreams(hf_datasets_url="http://127.0.0.1:9000", openrouter_url="https://mirror.example.org")
    assert policy_for(upstreams).allowed_hosts == DEFAULT_HOSTS | {"127.0.0.1", "mirror.example.org"}


def test_every_channel_format_is_a_registered_parser() -> None:
    from tracker.channels_openrouter import FORMAT_DATA_API, FORMAT_EXPORT_CSV, FORMAT_MODELS

    ranking = {f.name for f in ranking_formats()}
    assert {"hf-rows", FORMAT_DATA_API, FORMAT_EXPORT_CSV} <= ranking
    assert FORMAT_MODELS in {f.name for f in catalog_formats()}
