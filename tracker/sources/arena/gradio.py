"""Legacy lmarena.ai Gradio page (2024-2025): the Text leaderboard inside `window.gradio_config`.

The Text table is the dataframe with elem_id `arena_leaderboard_dataframe` under the Language/Text tab
(Vision and Text-to-Image tables share that elem_id), headers like
`Rank* (UB) | Rank (StyleCtrl) | Model | Arena Score | 95% CI | Votes | Organization | License`.
Its Arena Score is the raw (not style-controlled) score, so the page feeds `arena-text-raw`; the
`Rank (StyleCtrl)` column has no scores beside it and is not enough for `arena-text`.
The page is megabytes long: the config is found by string search and decoded with `raw_decode`;
only the small Model cells go through an HTML parser (the standard library's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from typing import Any

from tracker.models import Entry, LayoutError, ParsedSnapshot, RankKind
from tracker.sources.arena.common import (
    check_board,
    ci_bounds,
    in_rank_order,
    name,
    number,
    optional_name,
    optional_whole,
    require_as_of,
    whole,
)
from tracker.sources.text import decode_text

FORMAT = "gradio-page"
BOARDS = ("arena-text-raw",)
MARKER = "window.gradio_config"
TABLE_ID = "arena_leaderboard_dataframe"
FULL_TABLE_ID = "full_leaderboard_dataframe"
_LAST_UPDATED_RE = re.compile(r"Last updated:\s*(\d{4}-\d{2}-\d{2})")
_TEXT_TAB_RE = re.compile(r"\b(language|text)\b(?!-to-)", re.IGNORECASE)
# Tabs of the other arenas, whose tables share the Text table's elem_id.
_OTHER_TAB_RE = re.compile(r"vision|image|video|webdev|copilot|search|hard|prompt", re.IGNORECASE)
_HEADER_ALIASES = {
    "rank": ("rank* (ub)", "rank (ub)", "rank*", "rank"),
    "rank_sc": ("rank (stylectrl)",),
    "model": ("model",),
    "score": ("arena score", "arena elo", "elo rating"),
    "ci": ("95% ci",),
    "votes": ("votes",),
    "organization": ("organization",),
}


def sniff(body: bytes, filename: str) -> bool:
    return MARKER.encode() in body and TABLE_ID.encode() in body


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    check_board(board, BOARDS, FORMAT, "the page's Arena Score is without style control")
    config = _gradio_config(decode_text(body, FORMAT))
    components = {c["id"]: c for c in config.get("components", ()) if isinstance(c, dict) and "id" in c}
    tabs = _tab_labels(config.get("layout"), components)
    table_id = _text_table(components, tabs)
    value = components[table_id]["props"]["value"]
    rows = value.get("data")
    if not isinstance(rows, list) or not rows:
        raise LayoutError(f"{FORMAT}: the Text leaderboard table has no rows")
    columns = _columns(value.get("headers") or components[table_id]["props"].get("headers"))
    entries = [_entry(row, columns, i) for i, row in enumerate(rows, start=1)]
    keys = _arena_keys(components, rows, columns)
    if keys:
        entries = [replace(entry, model_id=key) for entry, key in zip(entries, keys, strict=True)]
    notes = "Text table (raw Arena Score, Rank (UB))"
    if keys:
        notes += "; model keys from the full leaderboard"
    page_date = _last_updated(components, tabs, tabs.get(table_id, ()))
    return [
        ParsedSnapshot(
            board=board,
            as_of=page_date or require_as_of(as_of, FORMAT),
            entries=in_rank_order(entries),
            method=FORMAT,
            notes=notes,
        )
    ]


def _gradio_config(text: str) -> Mapping[str, Any]:
    at = text.find(MARKER)
    if at < 0:
        raise LayoutError(f"{FORMAT}: no {MARKER} in the page")
    start = text.find("{", at)
    if start < 0:
        raise LayoutError(f"{FORMAT}: {MARKER} has no object after it")
    try:
        config, _ = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise LayoutError(f"{FORMAT}: {MARKER} is truncated or malformed ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(config, dict):
        raise LayoutError(f"{FORMAT}: {MARKER} is not an object")
    return config


def _tab_labels(layout: Any, components: Mapping[int, Any]) -> dict[int, tuple[str, ...]]:
    """For every component id, the labels of the tabs it sits in, outermost first."""
    found: dict[int, tuple[str, ...]] = {}

    def walk(node: Any, labels: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        node_id = node.get("id")
        component = components.get(node_id) if isinstance(node_id, int) else None
        if component is not None and component.get("type") == "tabitem":
            labels = (*labels, str((component.get("props") or {}).get("label", "")))
        if "id" in node:
            found[node["id"]] = labels
        for child in node.get("children") or ():
            walk(child, labels)

    walk(layout, ())
    return found


def _dataframes(components: Mapping[int, Any], elem_id: str) -> Iterator[int]:
    for cid, component in components.items():
        props = component.get("props")
        if component.get("type") != "dataframe" or not isinstance(props, dict):
            continue
        if props.get("elem_id") == elem_id and isinstance(props.get("value"), dict):
            yield cid


def _text_table(components: Mapping[int, Any], tabs: Mapping[int, tuple[str, ...]]) -> int:
    """The leaderboard table under a Language/Text tab; else the first not under another arena's tab."""
    candidates = [cid for cid in _dataframes(components, TABLE_ID) if _has_leaderboard_headers(components[cid])]
    in_text_tab = [cid for cid in candidates if tabs.get(cid) and _TEXT_TAB_RE.search(tabs[cid][-1])]
    neutral = [cid for cid in candidates if not any(_OTHER_TAB_RE.search(label) for label in tabs.get(cid, ()))]
    chosen = in_text_tab or neutral
    if not chosen:
        elsewhere = "; ".join(" > ".join(tabs.get(cid, ())) for cid in candidates) or "nowhere"
        raise LayoutError(
            f"{FORMAT}: no Text leaderboard table ({TABLE_ID} with Rank, Model and Arena Score columns "
            f"under a Language/Text tab); leaderboard tables found under: {elsewhere}"
        )
    return chosen[0]


def _has_leaderboard_headers(component: Mapping[str, Any]) -> bool:
    headers = component["props"]["value"].get("headers") or component["props"].get("headers") or []
    try:
        _columns(headers)
    except LayoutError:
        return False
    return True


def _columns(headers: Any) -> dict[str, int]:
    if not isinstance(headers, list):
        raise LayoutError(f"{FORMAT}: the table has no header list")
    normal = [str(h).strip().lower() for h in headers]
    columns: dict[str, int] = {}
    for field, aliases in _HEADER_ALIASES.items():
        for alias in aliases:
            if alias in normal:
                columns[field] = normal.index(alias)
                break
    missing = [f for f in ("rank", "model", "score") if f not in columns]
    if missing:
        raise LayoutError(f"{FORMAT}: the table lacks the columns {', '.join(missing)} (headers: {headers})")
    return columns


def _cell(row: Sequence[Any], columns: Mapping[str, int], field: str) -> Any:
    index = columns.get(field)
    return row[index] if index is not None and index < len(row) else None


def _entry(row: Any, columns: Mapping[str, int], position: int) -> Entry:
    where = f"row {position}"
    if not isinstance(row, list) or len(row) <= max(columns.values()):
        raise LayoutError(f"{FORMAT}: {where} of the Text table is incomplete")
    display = name(_cell_text(_cell(row, columns, "model")), FORMAT, f"model of {where}")
    score = number(_cell(row, columns, "score"), FORMAT, f"Arena Score of {where}")
    ci_low, ci_high = ci_bounds(_cell(row, columns, "ci"), score, FORMAT, f"95% CI of {where}")
    return Entry(
        model_id=display,
        model=display,
        rank=whole(_cell(row, columns, "rank"), FORMAT, f"rank of {where}"),
        rank_kind=RankKind.UPPER_BOUND,
        score=score,
        ci_low=ci_low,
        ci_high=ci_high,
        votes=optional_whole(_cell(row, columns, "votes"), FORMAT, f"votes of {where}"),
        organization=optional_name(_cell(row, columns, "organization")),
    )


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _cell_text(cell: Any) -> Any:
    """A Model cell is an HTML anchor: its text is the display name."""
    if not isinstance(cell, str) or "<" not in cell:
        return cell
    parser = _TextOf()
    parser.feed(cell)
    parser.close()
    return "".join(parser.parts)


def _arena_keys(components: Mapping[int, Any], rows: list[Any], columns: Mapping[str, int]) -> list[str] | None:
    """Arena keys for the rows, from the page's full leaderboard table (Overview tab) when it lists the same
    models in the same order: same length, and its Overall (and style-controlled) rank equal on every row."""
    ranks = [_cell(row, columns, "rank") for row in rows]
    sc_ranks = [_cell(row, columns, "rank_sc") for row in rows]
    for cid in _dataframes(components, FULL_TABLE_ID):
        value = components[cid]["props"]["value"]
        headers = [str(h).strip().lower() for h in value.get("headers") or ()]
        full = value.get("data")
        if "model" not in headers or "overall" not in headers or not isinstance(full, list) or len(full) != len(rows):
            continue
        pairs = [(headers.index("overall"), ranks)]
        if "overall w/ style control" in headers and "rank_sc" in columns:
            pairs.append((headers.index("overall w/ style control"), sc_ranks))
        key_at = headers.index("model")
        aligned = all(
            isinstance(row, list) and len(row) == len(headers) and all(row[at] == col[i] for at, col in pairs)
            for i, row in enumerate(full)
        )
        keys = [optional_name(row[key_at]) for row in full] if aligned else []
        if keys and all(keys):
            return [key for key in keys if key]
    return None


def _last_updated(
    components: Mapping[int, Any], tabs: Mapping[int, tuple[str, ...]], tab: tuple[str, ...]
) -> date | None:
    """The "Last updated: YYYY-MM-DD" of the table's own tab, else the first one on the page."""
    dates: list[tuple[bool, date]] = []
    for cid, component in components.items():
        value = (component.get("props") or {}).get("value") if component.get("type") == "markdown" else None
        match = _LAST_UPDATED_RE.search(value) if isinstance(value, str) else None
        if match:
            try:
                dates.append((tabs.get(cid) != tab, date.fromisoformat(match.group(1))))
            except ValueError:
                raise LayoutError(f"{FORMAT}: 'Last updated' is not a valid date: {match.group(1)}") from None
    return min(dates, key=lambda d: d[0])[1] if dates else None
