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
from collections.abc import Iterable, Mapping, Sequence
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
    fast = set(plain)
    converters = [None if c in fast else _cell for c in columns]
    writer.writerows(
        [[v if f is None else f(v) for f, v in zip(converters, (row[c] for c in columns), strict=True)] for row in rows]
    )
    return out.getvalue().encode("utf-8")


def _json_row(row: Mapping[str, Any]) -> str:
    """One element of the document's `rows` array, as `json.dumps(..., indent=1)` writes it at that depth."""
    if row and all(isinstance(v, _SCALARS) for v in row.values()):
        inner = _ROW.encode(row)  # '{"a": 1,\n   "b": 2}': the C encoder, with the indented separator
        return "{\n   " + inner[1:-1] + "\n  }"
    # Nested values: let json lay them out, then indent the whole element to its depth (JSON text has no
    # raw newlines inside strings, so every newline is layout).
    return json.dumps(row, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False).replace("\n", "\n  ")


def json_rows(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """One JSON block: rows joined as in the `rows` array (no separator before the first or after the last)."""
    return ",\n  ".join(_json_row(r) for r in rows).encode("utf-8")


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
