"""Downloads in blocks (tracker.site.tables): the same bytes as `json.dumps(..., indent=1)` and `csv.writer`,
however the rows are cut into blocks."""

from __future__ import annotations

import csv
import io
import json
import random
from typing import Any

import pytest

from tracker.site import tables

COLUMNS = ["as_of", "extra", "model", "rank", "score"]
NASTY = ['quote " and \\ backslash', "line\nbreak\u2028sep", "é 😀 中文 <b>&amp;", "", "@@tracker-nested:extra"]


def value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(12 if depth < 2 else 8)
    if choice == 8:
        return {f"k{i}": value(rng, depth + 1) for i in range(rng.randrange(4))}
    if choice == 9:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if choice == 10:
        return ("tuple", 1.5)
    if choice == 11:
        return {"models": [{"model": rng.choice(NASTY), "rank": 1}], "n": 5}
    return [None, 0, -17, 0.1, 1e-7, 1.5e300, rng.choice(NASTY), True][choice]


def expected_json(document: dict[str, Any], rows: list[dict[str, Any]]) -> bytes:
    text = json.dumps({**document, "rows": rows}, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def expected_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([tables._cell(row[c]) for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def cut(rows: list[dict[str, Any]], rng: random.Random) -> list[list[dict[str, Any]]]:
    blocks: list[list[dict[str, Any]]] = []
    while rows:
        size = rng.randrange(1, 4)
        blocks.append(rows[:size])
        rows = rows[size:]
    return blocks


@pytest.mark.parametrize("seed", range(40))
def test_blocks_make_the_bytes_of_one_json_dump_and_one_csv(seed: int) -> None:
    rng = random.Random(seed)
    rows = [{c: value(rng) for c in COLUMNS} for _ in range(rng.randrange(0, 9))]
    document = {"columns": COLUMNS, "title": "Arena Text ü", "attribution": 'a "quoted" <source>'}
    blocks = cut(rows, rng)
    assert tables.json_file(document, [tables.json_rows(b) for b in blocks]) == expected_json(document, rows)
    assert tables.csv_file(COLUMNS, [tables.csv_rows(COLUMNS, b) for b in blocks]) == expected_csv(rows)


def test_flat_rows_take_the_fast_paths_to_the_same_bytes() -> None:
    rng = random.Random(7)
    rows = [{c: rng.choice([None, 3, 2.5, 1e-9, *NASTY]) for c in COLUMNS} for _ in range(30)]
    assert tables.json_rows(rows, flat=True) == tables.json_rows(rows)
    assert tables.csv_rows(COLUMNS, rows, plain=COLUMNS) == tables.csv_rows(COLUMNS, rows)
    document = {"columns": COLUMNS}
    assert tables.json_file(document, [tables.json_rows(rows, flat=True)]) == expected_json(document, rows)


def test_an_empty_table_is_still_a_whole_document() -> None:
    assert tables.json_file({"columns": COLUMNS}, []) == expected_json({"columns": COLUMNS}, [])
    assert json.loads(tables.json_file({"columns": COLUMNS}, [b""])) == {"columns": COLUMNS, "rows": []}
    assert tables.csv_file(COLUMNS, []) == b"as_of,extra,model,rank,score\r\n"


def test_the_document_must_not_carry_its_rows_itself() -> None:
    with pytest.raises(ValueError, match="blocks"):
        tables.json_parts({"rows": []})


def test_not_a_number_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(ValueError, match="Out of range"):
        tables.json_rows([{"score": float("nan")}], flat=True)


def test_nested_values_take_the_one_call_path_to_the_same_bytes() -> None:
    rng = random.Random(11)
    extras = [{"within_top": 20}, {"within_top": 20}, {"models": ["a", "b"], "n": 2}, [], {}, ("t", 1.5), None]
    rows = [{"as_of": "2026-08-01", "extra": rng.choice(extras), "rank": rng.randrange(5)} for _ in range(40)]
    row_by_row = ",\n  ".join(tables._json_row(r) for r in rows)
    assert tables._marked_block(rows) == row_by_row  # the one-call path is taken, to the same text
    assert tables.json_rows(rows) == row_by_row.encode("utf-8")
    # A string holding the marker, or an empty row: the row-by-row path, still the same bytes.
    for odd in ({"as_of": "@@tracker-nested:0", "extra": {"a": 1}}, {}):
        assert tables._marked_block([*rows, odd]) is None
        assert tables.json_file({}, [tables.json_rows([*rows, odd])]) == expected_json({}, [*rows, odd])
