"""Big downloads written in blocks: a CSV table or a JSON document whose `rows` come a block at a time.

The bytes are exactly those of `csv.writer` (RFC 4180 line ends) and of
`json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\\n"`, but a file
is the concatenation of independent blocks (one per snapshot, say), so a publish can reuse the blocks
that did not change and render only the new ones, and none of it has to sit in memory at once. Flat rows
(scalars only) go through the C JSON encoder; rows with nested values through `json.dumps` itself.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

ROWS_KEY = "rows"
CSV_SEPARATOR = b""  # CSV blocks are whole lines: they simply follow each other
JSON_SEPARATOR = b",\n  "  # between two rows of the `rows` array, at its depth in the document
_ROW = json.JSONEncoder(sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",\n   ", ": "))
_SCALARS = (str, int, float, type(None))


def _cell(value: Any) -> Any:
    """A value as the CSV shows it: None empty, booleans lower-case, nested values as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def csv_header(columns: Sequence[str]) -> bytes:
    return csv_rows(columns, [dict(zip(columns, columns, strict=True))])


def csv_rows(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, plain: Sequence[str] = ()) -> bytes:
    """One CSV block. Columns in `plain` hold only str, int, float or None: the csv module writes those
    exactly as `_cell` would (None empty, floats by repr), so they skip the per-value conversion."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    if len(columns) > 1 and set(columns) <= set(plain):
        writer.writerows(map(itemgetter(*columns), rows))  # each row's values as a tuple, picked in C
    elif len(columns) > 1:
        fast = set(plain)
        converted = [i for i, c in enumerate(columns) if c not in fast]  # only these values go through _cell
        pick, lines = itemgetter(*columns), []
        nested: dict[str, str] = {}  # repr of a nested value -> its cell: equal values are written alike
        for row in rows:
            values = list(pick(row))
            for i in converted:
                value = values[i]
                if isinstance(value, dict | list):
                    cell = nested.get(name := repr(value))
                    values[i] = cell if cell is not None else nested.setdefault(name, _cell(value))
                else:
                    values[i] = _cell(value)
            lines.append(values)
        writer.writerows(lines)
    else:
        writer.writerows([[row[c] if c in plain else _cell(row[c]) for c in columns] for row in rows])
    return out.getvalue().encode("utf-8")


_MARK = "@@tracker-nested:"  # stands in for a nested value while the row's scalars are encoded


def _json_row(row: Mapping[str, Any], *, flat: bool = False) -> str:
    """One element of the document's `rows` array, as `json.dumps(..., indent=1)` writes it at that depth."""
    nested = {} if flat else {k: v for k, v in row.items() if not isinstance(v, _SCALARS)}
    if row and (not nested or not any(isinstance(v, str) and _MARK in v for v in row.values())):
        # The C encoder, with the indented separator, for the scalars; each nested value laid out by
        # json and indented to its depth (JSON text has no raw newline inside a string: every one is layout).
        marked = {**row, **{k: f"{_MARK}{k}" for k in nested}} if nested else row
        inner = _ROW.encode(marked)
        if nested:  # splice every nested value in at its stand-in, found before any is spliced in
            places = sorted((inner.index(json.dumps(f"{_MARK}{k}", ensure_ascii=False)), k) for k in nested)
            pieces, done = [], 0
            for at, key in places:
                pieces += [inner[done:at], _nested(nested[key], 3)]
                done = at + len(json.dumps(f"{_MARK}{key}", ensure_ascii=False))
            inner = "".join([*pieces, inner[done:]])
        return "{\n   " + inner[1:-1] + "\n  }"
    return json.dumps(row, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False).replace("\n", "\n  ")


def _nested(value: Any, depth: int) -> str:
    """A value as `json.dumps(..., indent=1)` lays it out where it sits `depth` levels deep."""
    flat = isinstance(value, dict | list | tuple) and all(
        isinstance(v, _SCALARS) for v in (value.values() if isinstance(value, dict) else value)
    )
    if flat and value:
        if depth not in _FLAT:
            _FLAT[depth] = json.JSONEncoder(
                sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",\n" + " " * (depth + 1), ": ")
            )
        inner = _FLAT[depth].encode(value)  # the C encoder, separators indented to the depth
        return inner[0] + "\n" + " " * (depth + 1) + inner[1:-1] + "\n" + " " * depth + inner[-1]
    text = json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    return text.replace("\n", "\n" + " " * depth)


_FLAT: dict[int, json.JSONEncoder] = {}


def json_rows(rows: Iterable[Mapping[str, Any]], *, flat: bool = False) -> bytes:
    """One JSON block: rows joined as in the `rows` array (no separator before the first or after the last).
    `flat`: the rows hold scalars only (no value is checked)."""
    if flat:
        rows = list(rows)
        if not rows:
            return b""
        # One C encoder call for the whole block: its separators put every key on its own line; then
        # only the braces between rows need their own lines (no raw newline is ever inside a string).
        text = _ROW.encode(rows)[1:-1].replace("},\n   {", "\n  },\n  {\n   ")
        return ("{\n   " + text[1:-1] + "\n  }").encode("utf-8")
    rows = list(rows)
    block = _marked_block(rows)
    if block is not None:
        return block.encode("utf-8")
    return ",\n  ".join(_json_row(r) for r in rows).encode("utf-8")


_MARKED = re.compile(f'"{_MARK}([0-9]+)"')


def _marked_block(rows: list[Mapping[str, Any]]) -> str | None:
    """Rows with nested values through one C encoder call, as `json_rows(..., flat=True)` does: each nested
    value stands in as a marker string (one per distinct value), laid out once and spliced in after.
    None (take the row-by-row path) when a row is empty or a string in the rows holds the marker."""
    if not rows or not all(rows):
        return None
    markers: dict[str, str] = {}  # repr of a nested value -> its marker (equal values lay out alike)
    laid_out: list[str] = []  # by marker number: the value as `json.dumps(..., indent=1)` lays it out in a row
    marked: list[Mapping[str, Any]] = []
    placed = 0
    for row in rows:
        nested = [k for k, v in row.items() if not isinstance(v, _SCALARS)]
        if nested:
            copy = dict(row)
            for key in nested:
                value = row[key]
                marker = markers.get(name := repr(value))
                if marker is None:
                    marker = markers[name] = f"{_MARK}{len(laid_out)}"
                    laid_out.append(_nested(value, 3))
                copy[key] = marker
                placed += 1
            row = copy
        marked.append(row)
    text = _ROW.encode(marked)
    if text.count(_MARK) != placed:  # a string of the rows holds the marker too
        return None
    text = text[1:-1].replace("},\n   {", "\n  },\n  {\n   ")
    return _MARKED.sub(lambda m: laid_out[int(m[1])], "{\n   " + text[1:-1] + "\n  }")


def json_parts(document: Mapping[str, Any]) -> tuple[bytes, bytes, bytes]:
    """(head, tail, empty tail) of a document around its `rows` array: a file is head + blocks + tail
    (head + empty tail when there are no rows). `document` must not hold `rows` itself."""
    if ROWS_KEY in document:
        raise ValueError("the document's rows come in blocks")
    text = json.dumps({**document, ROWS_KEY: []}, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    marker = f'\n "{ROWS_KEY}": ['
    cut = text.index(marker) + len(marker)  # strings hold no raw newline: the marker is the key itself
    head, rest = text[:cut], text[cut:]  # rest starts with "]"
    return head.encode("utf-8"), ("\n " + rest + "\n").encode("utf-8"), (rest + "\n").encode("utf-8")


def csv_file(columns: Sequence[str], blocks: Iterable[bytes]) -> bytes:
    return csv_header(columns) + b"".join(blocks)


def json_file(document: Mapping[str, Any], blocks: Iterable[bytes]) -> bytes:
    head, tail, empty = json_parts(document)
    body = JSON_SEPARATOR.join(b for b in blocks if b)
    return head + (b"\n  " + body + tail if body else empty)
