"""The default Arena channel: Hugging Face datasets-server JSON for `lmarena-ai/leaderboard-dataset`.

Accepts one `/rows` or `/filter` page response, a JSON list of such pages, or the wrapper
`{"dataset", "split", "configs": {config: [page, ...]}}`. Takes the `overall` category and makes one
snapshot per `leaderboard_publish_date` (the `latest` split has one; the `full` split holds the history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from tracker.models import Entry, LayoutError, ParsedSnapshot, RankKind
from tracker.sources.arena.common import (
    body_head,
    check_board,
    in_rank_order,
    iso_date,
    load_json,
    name,
    number,
    optional_name,
    optional_number,
    optional_whole,
    whole,
)

FORMAT = "hf-rows"
DATASET = "lmarena-ai/leaderboard-dataset"
CONFIG_FOR_BOARD = {"arena-text": "text_style_control", "arena-text-raw": "text", "arena-webdev": "webdev"}
BOARDS = tuple(CONFIG_FOR_BOARD)
CATEGORY = "overall"
REQUIRED_COLUMNS = ("model_name", "rating", "rank", "category", "leaderboard_publish_date")


def sniff(body: bytes, filename: str) -> bool:
    head = body_head(body)
    return head[:1] in (b"{", b"[") and b'"row_idx"' in head and b'"features"' in head


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    """Snapshots of `board`, oldest first; the capture's publish dates win over `as_of`."""
    check_board(board, BOARDS, FORMAT)
    doc = load_json(body, FORMAT)
    pages, label = _pages_for(doc, board)
    rows = _complete_rows(pages, label)
    overall = [(idx, row) for idx, row in rows if row.get("category") == CATEGORY]
    if not overall:
        raise LayoutError(f"{FORMAT}: {label} has no rows of category {CATEGORY!r}")
    by_date: dict[date, list[Entry]] = {}
    for idx, row in overall:
        published = iso_date(row.get("leaderboard_publish_date"), FORMAT, f"leaderboard_publish_date of row {idx}")
        by_date.setdefault(published, []).append(_entry(idx, row))
    return [
        ParsedSnapshot(
            board=board,
            as_of=published,
            entries=in_rank_order(entries),
            method=FORMAT,
            notes=f"{label}; category {CATEGORY}",
        )
        for published, entries in sorted(by_date.items())
    ]


def _pages_for(doc: Any, board: str) -> tuple[list[Mapping[str, Any]], str]:
    """The page responses that hold `board`, and how to name them in messages."""
    if isinstance(doc, dict) and "configs" in doc:
        dataset = doc.get("dataset")
        if dataset is not None and dataset != DATASET:
            raise LayoutError(f"{FORMAT}: the capture is of dataset {dataset!r}, not {DATASET}")
        configs = doc["configs"]
        if not isinstance(configs, dict):
            raise LayoutError(f"{FORMAT}: 'configs' is not an object of config -> pages")
        config = CONFIG_FOR_BOARD[board]
        if config not in configs:
            held = ", ".join(sorted(configs)) or "none"
            raise LayoutError(
                f"{FORMAT}: config {config!r} (board {board}) is missing from this capture; it holds: {held}"
            )
        split = doc.get("split")
        label = f"config {config}" + (f", split {split}" if isinstance(split, str) else "")
        return _as_pages(configs[config], label), label
    if isinstance(doc, dict) and "rows" in doc:
        return [doc], "a datasets-server rows page"
    if isinstance(doc, list):
        return _as_pages(doc, "a list of datasets-server rows pages"), "a list of datasets-server rows pages"
    raise LayoutError(f"{FORMAT}: no datasets-server rows page (expected 'rows' or 'configs')")


def _as_pages(value: Any, label: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not value or not all(isinstance(page, dict) for page in value):
        raise LayoutError(f"{FORMAT}: {label} is not a non-empty list of page objects")
    return value


def _complete_rows(pages: Sequence[Mapping[str, Any]], label: str) -> list[tuple[int, Mapping[str, Any]]]:
    """All rows of the pages by row_idx, after checking the pages cover what `num_rows_total` announces."""
    totals: set[int] = set()
    rows: dict[int, Mapping[str, Any]] = {}
    for number_, page in enumerate(pages, start=1):
        where = f"{label}, page {number_}"
        _check_features(page.get("features"), where)
        page_rows = page.get("rows")
        if not isinstance(page_rows, list):
            raise LayoutError(f"{FORMAT}: {where} has no 'rows' list")
        if page.get("partial") is True:  # datasets-server indexed only part of the dataset
            raise LayoutError(f"{FORMAT}: {where} comes from a partial index of the dataset")
        totals.add(whole(page.get("num_rows_total"), FORMAT, f"num_rows_total of {where}"))
        for item in page_rows:
            idx, row = _row(item, where)
            # Overlapping pages repeat a dataset row; that is one row, not a duplicate model.
            rows.setdefault(idx, row)
    if len(totals) != 1:
        raise LayoutError(f"{FORMAT}: the pages of {label} disagree on num_rows_total: {sorted(totals)}")
    total = totals.pop()
    if len(rows) < total:
        raise LayoutError(
            f"{FORMAT}: truncated capture: the pages of {label} hold {len(rows)} of the {total} rows "
            "that num_rows_total announces"
        )
    if len(rows) > total:
        raise LayoutError(f"{FORMAT}: the pages of {label} hold {len(rows)} rows, more than num_rows_total {total}")
    return sorted(rows.items(), key=lambda item: item[0])


def _check_features(features: Any, where: str) -> None:
    if features is None:
        return
    if not isinstance(features, list):
        raise LayoutError(f"{FORMAT}: 'features' of {where} is not a list")
    names = {f.get("name") for f in features if isinstance(f, dict)}
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise LayoutError(f"{FORMAT}: {where} lacks the columns {', '.join(missing)}")


def _row(item: Any, where: str) -> tuple[int, Mapping[str, Any]]:
    if not isinstance(item, dict) or not isinstance(item.get("row"), dict):
        raise LayoutError(f"{FORMAT}: a row of {where} is not a {{row_idx, row}} object")
    idx = whole(item.get("row_idx"), FORMAT, f"row_idx in {where}")
    cut = set(item.get("truncated_cells") or ()) & {*REQUIRED_COLUMNS, "rating_lower", "rating_upper"}
    if cut:
        raise LayoutError(f"{FORMAT}: row {idx} of {where} has truncated cells: {', '.join(sorted(cut))}")
    row: Mapping[str, Any] = item["row"]
    return idx, row


def _entry(idx: int, row: Mapping[str, Any]) -> Entry:
    where = f"row {idx}"
    key = name(row.get("model_name"), FORMAT, f"model_name of {where}")
    return Entry(
        model_id=key,
        model=key,  # the dataset names models by their Arena key only
        rank=whole(row.get("rank"), FORMAT, f"rank of {where}"),
        rank_kind=RankKind.ORDINAL,
        score=number(row.get("rating"), FORMAT, f"rating of {where}"),
        ci_low=optional_number(row.get("rating_lower"), FORMAT, f"rating_lower of {where}"),
        ci_high=optional_number(row.get("rating_upper"), FORMAT, f"rating_upper of {where}"),
        votes=optional_whole(row.get("vote_count"), FORMAT, f"vote_count of {where}"),
        organization=optional_name(row.get("organization")),
    )
