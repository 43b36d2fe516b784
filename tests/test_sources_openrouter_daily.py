"""The four daily shapes: Data API CSV and JSON, keyless export CSV and JSON; and how they fail."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from tracker.models import InvalidCaptureError, LayoutError, UsageError
from tracker.sources.openrouter import daily

EXPORT_CSV = "openrouter/rankings-daily-export-sample-2026-10-08.csv"
SAMPLES = Path(__file__).parent / "samples" / "openrouter"
BOARD = "openrouter-weekly"
T = 10**9


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# ---- the keyless export CSV (real sample: three scattered days)


def test_export_sample_ranks_and_shares_agree_with_the_tokens(fixture_bytes):
    rows = daily.read_export_csv(fixture_bytes(EXPORT_CSV))
    by_day: dict[date, list[daily.DailyRow]] = defaultdict(list)
    for row in rows:
        by_day[row.day].append(row)
    assert sorted(by_day) == [date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 7)]
    for day_rows in by_day.values():
        assert len(day_rows) == 51
        total = sum(r.tokens for r in day_rows)
        assert all(r.share == r.tokens / total for r in day_rows)  # exactly, as the upstream computed it
        ranked = sorted((r for r in day_rows if r.rank is not None), key=lambda r: r.rank or 0)
        assert [r.rank for r in ranked] == list(range(1, 51))
        assert [r.tokens for r in ranked] == sorted((r.tokens for r in ranked), reverse=True)
        (other,) = [r for r in day_rows if r.model_id == "other"]
        assert other.rank is None
    first = next(r for r in rows if r.day == date(2026, 9, 30) and r.rank == 1)
    assert (first.model_id, first.tokens) == ("stealth/space-bunny-alpha", 5_331_621_827_040)


def test_export_sample_covers_no_week_so_importing_it_fails_clearly(fixture_bytes):
    with pytest.raises(LayoutError) as caught:
        daily.parse_export_csv(fixture_bytes(EXPORT_CSV), board=BOARD, as_of=None)
    message = str(caught.value)
    assert "no complete 7-day window" in message
    assert "2026-09-30, 2026-10-01, 2026-10-07" in message


def test_export_csv_with_crlf_and_bom_reads_the_same_rows(fixture_bytes):
    body = fixture_bytes(EXPORT_CSV)
    upstream_style = b"\xef\xbb\xbf" + body.replace(b"\n", b"\r\n")
    assert daily.read_export_csv(upstream_style) == daily.read_export_csv(body)


def test_export_csv_whose_shares_do_not_add_up_is_refused(fixture_bytes):
    lines = fixture_bytes(EXPORT_CSV).decode().splitlines(keepends=True)
    del lines[5]  # a lost row: every other share of that day no longer matches the day total
    with pytest.raises(LayoutError, match="share_of_daily_tokens"):
        daily.read_export_csv("".join(lines).encode())


def test_export_csv_rank_on_other_or_missing_rank_is_refused():
    header = "date,model_permaslug,rank,total_tokens,share_of_daily_tokens\n"
    with pytest.raises(LayoutError, match="the rank is empty"):
        daily.read_export_csv((header + "2026-01-01,a/x,,10,1.0\n").encode())
    with pytest.raises(LayoutError, match="`other` row carries a rank"):
        daily.read_export_csv((header + "2026-01-01,a/x,1,5,0.5\n2026-01-01,other,2,5,0.5\n").encode())


# ---- the Data API JSON (hand-made sample in the documented shape)


def test_dataapi_json_sample_drops_the_day_meta_as_of_falls_on():
    snapshots = daily.parse_dataapi_json(sample("rankings-daily-dataapi-sample.json"), board=BOARD, as_of=None)
    assert [s.window_end for s in snapshots] == [date(2026, 5, d) for d in range(7, 15)]
    week = snapshots[-1]
    assert (week.window_start, week.window_end, week.method) == (
        date(2026, 5, 8),
        date(2026, 5, 14),
        daily.DATAAPI_JSON,
    )
    by_id = {e.model_id: e for e in week.entries}
    assert [e.model_id for e in week.entries] == [
        "openai/gpt-4o-2024-05-13",
        "anthropic/claude-3.5-sonnet-20241022",
        "openai/gpt-4o-2024-05-13:free",
    ]
    assert by_id["openai/gpt-4o-2024-05-13"].tokens == 7 * 1200 * T  # 05-15's partial 50B is not in it
    assert by_id["openai/gpt-4o-2024-05-13"].change == pytest.approx(1200 / 1000 - 1)
    assert by_id["anthropic/claude-3.5-sonnet-20241022"].change == pytest.approx(400 / 500 - 1)
    # missing from the 05-01 top 50: its previous week is a lower bound, so no change
    assert by_id["openai/gpt-4o-2024-05-13:free"].change is None
    total = 7 * (1200 + 400 + 300 + 200) * T
    assert by_id["openai/gpt-4o-2024-05-13:free"].share == 7 * 300 * T / total
    assert all(isinstance(e.tokens, int) for e in week.entries)


def test_dataapi_json_as_of_argument_cuts_further():
    body = sample("rankings-daily-dataapi-sample.json")
    snapshots = daily.parse_dataapi_json(body, board=BOARD, as_of=date(2026, 5, 10))
    assert snapshots[-1].window_end == date(2026, 5, 10)


def test_dataapi_json_error_body_is_a_layout_error():
    body = json.dumps({"error": {"code": 401, "message": "No auth credentials found"}}).encode()
    with pytest.raises(LayoutError, match="No auth credentials found"):
        daily.parse_dataapi_json(body, board=BOARD, as_of=None)


def _dataapi(rows: list[dict[str, object]]) -> bytes:
    return json.dumps({"data": rows, "meta": {"as_of": "2026-02-01T00:00:00Z"}}).encode()


def _week_of(model: str, tokens: object) -> list[dict[str, object]]:
    return [{"date": f"2026-01-0{d}", "model_permaslug": model, "total_tokens": tokens} for d in range(1, 8)]


def test_token_figures_like_1_77T_come_out_as_exact_integers():
    rows, _ = daily.read_dataapi_json(_dataapi(_week_of("a/x", "1.77T")))
    assert {r.tokens for r in rows} == {1_770_000_000_000}
    assert all(type(r.tokens) is int for r in rows)
    week = daily.parse_dataapi_json(_dataapi(_week_of("a/x", "1.77T")), board=BOARD, as_of=None)[0]
    assert week.entries[0].tokens == 7 * 1_770_000_000_000
    assert type(week.entries[0].tokens) is int


@pytest.mark.parametrize("cell", [1.5e12, 12.0, "12.5", "abc", "", True, None, "-5", "1e12"])
def test_non_integer_token_cells_are_refused(cell):
    with pytest.raises(LayoutError, match="token count"):
        daily.read_dataapi_json(_dataapi(_week_of("a/x", cell)))


def test_slugs_are_nfc_normalised():
    rows, _ = daily.read_dataapi_json(_dataapi(_week_of("a/cafe\u0301", "5")))
    assert {r.model_id for r in rows} == {"a/caf\u00e9"}


# ---- the export JSON (hand-made sample in the described shape)


def test_export_json_sample_gives_the_windows_through_the_day_before_its_snapshot():
    snapshots = daily.parse_export_json(sample("rankings-daily-export-sample.json"), board=BOARD, as_of=None)
    assert [(s.window_start, s.window_end) for s in snapshots] == [
        (date(2026, 5, 8), date(2026, 5, 14)),
        (date(2026, 5, 9), date(2026, 5, 15)),
    ]
    week = snapshots[-1]
    glm = week.entries[0]
    assert glm.model_id == "z-ai/glm-5.2-20260616"
    assert glm.tokens == sum((700 + 10 * i) * T for i in range(1, 8))
    assert glm.change is None  # no previous week in the file
    assert week.entries[1].model_id == "xiaomi/mimo-v2.5-20260422:free"


def test_export_json_row_count_mismatch_or_other_dataset_is_refused():
    doc = json.loads(sample("rankings-daily-export-sample.json"))
    doc["rows"] = doc["rows"][:-3]
    with pytest.raises(LayoutError, match="row_count"):
        daily.parse_export_json(json.dumps(doc).encode(), board=BOARD, as_of=None)
    doc = json.loads(sample("rankings-daily-export-sample.json"))
    doc["dataset"] = "benchmark-runs"
    with pytest.raises(LayoutError, match="benchmark-runs"):
        daily.parse_export_json(json.dumps(doc).encode(), board=BOARD, as_of=None)


# ---- failures every daily shape shares


HEADER = b"date,model_permaslug,total_tokens\n"
WEEK_CSV = HEADER + b"".join(b"2026-01-0%d,a/x,100\n2026-01-0%d,other,10\n" % (d, d) for d in range(1, 8))


def test_dataapi_csv_with_bom_and_crlf_parses():
    week = daily.parse_dataapi_csv(b"\xef\xbb\xbf" + WEEK_CSV.replace(b"\n", b"\r\n"), board=BOARD, as_of=None)
    assert week[0].entries[0].tokens == 700
    assert week[0].entries[0].share == 700 / 770


@pytest.mark.parametrize("cut", [len(WEEK_CSV) - 3, len(WEEK_CSV) - 12, len(HEADER) + 5])
def test_truncated_csv_is_refused(cut):
    with pytest.raises(LayoutError):
        daily.parse_dataapi_csv(WEEK_CSV[:cut], board=BOARD, as_of=None)


@pytest.mark.parametrize("cut", [10, 200, -2])
def test_truncated_json_is_refused(cut):
    body = sample("rankings-daily-dataapi-sample.json")
    with pytest.raises(LayoutError, match="truncated or malformed"):
        daily.parse_dataapi_json(body[:cut], board=BOARD, as_of=None)


@pytest.mark.parametrize(
    "parse",
    [daily.parse_dataapi_csv, daily.parse_export_csv, daily.parse_dataapi_json, daily.parse_export_json],
)
@pytest.mark.parametrize("body", [b"", b"   \n", b"\xef\xbb\xbf"])
def test_empty_body_is_refused(parse, body):
    with pytest.raises(LayoutError, match="empty"):
        parse(body, board=BOARD, as_of=None)


def test_missing_column_is_refused():
    body = WEEK_CSV.replace(b"total_tokens", b"tokens")
    with pytest.raises(LayoutError, match="lacks the column"):
        daily.parse_dataapi_csv(body, board=BOARD, as_of=None)
    rows = [{k: v for k, v in r.items() if k != "date"} for r in _week_of("a/x", "5")]
    with pytest.raises(LayoutError, match="'date' is missing"):
        daily.parse_dataapi_json(_dataapi(rows), board=BOARD, as_of=None)


def test_header_only_csv_is_refused():
    with pytest.raises(LayoutError, match="no rows"):
        daily.parse_dataapi_csv(HEADER, board=BOARD, as_of=None)


def test_duplicate_daily_row_is_reported_not_summed():
    body = WEEK_CSV + b"2026-01-03,a/x,100\n"
    with pytest.raises(InvalidCaptureError, match="duplicate daily row for 'a/x' on 2026-01-03"):
        daily.parse_dataapi_csv(body, board=BOARD, as_of=None)
    rows = [*_week_of("a/x", "5"), {"date": "2026-01-07", "model_permaslug": "a/x", "total_tokens": "5"}]
    with pytest.raises(InvalidCaptureError):
        daily.parse_dataapi_json(_dataapi(rows), board=BOARD, as_of=None)


def test_a_bad_date_is_refused():
    with pytest.raises(LayoutError, match="not a date"):
        daily.parse_dataapi_csv(WEEK_CSV.replace(b"2026-01-04", b"04/01/2026"), board=BOARD, as_of=None)


def test_only_the_openrouter_board_is_fed():
    with pytest.raises(UsageError, match="openrouter-weekly"):
        daily.parse_dataapi_csv(WEEK_CSV, board="arena-text", as_of=None)
