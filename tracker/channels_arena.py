"""The Arena boards' default channel: Hugging Face datasets-server pages of `lmarena-ai/leaderboard-dataset`.

One board is one config of the dataset (split `latest`). The channel pages through `/filter` (only
the `overall` category: a few pages instead of ~90) and wraps the page responses as
`{"dataset", "split", "configs": {config: [page, ...]}}`, the `hf-rows` format. Paging must add up
exactly (same total on every page, full pages, no row twice) or there is no capture at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from tracker.capture import Capture, json_object, layout_error, make_capture, transient_error
from tracker.fetch import Fetcher, Response

log = logging.getLogger(__name__)

HF_DATASET = "lmarena-ai/leaderboard-dataset"
HF_SPLIT = "latest"
OVERALL = "\"category\"='overall'"  # datasets-server `where`: column in double quotes, value in single
PAGE_LENGTH = 100  # the datasets-server maximum
MAX_ROWS = 100_000  # far beyond any leaderboard: a bound on paging, whatever the upstream claims
FORMAT = "hf-rows"

# Board -> dataset config. `text_style_control` is the site's default Text view.
ARENA_CONFIGS: dict[str, str] = {
    "arena-text": "text_style_control",
    "arena-text-raw": "text",
    "arena-webdev": "webdev",
}


def hf_rows_body(dataset: str, split: str, configs: Mapping[str, Sequence[Mapping[str, Any]]]) -> bytes:
    """The `hf-rows` wrapper as bytes: compact, keys sorted, UTF-8 (so equal data gives equal bytes)."""
    wrapper = {"dataset": dataset, "split": split, "configs": {k: list(v) for k, v in configs.items()}}
    return json.dumps(wrapper, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def collect_hf_rows(
    source: str,
    fetcher: Fetcher,
    base_url: str,
    *,
    config: str,
    where: str | None = OVERALL,
    dataset: str = HF_DATASET,
    split: str = HF_SPLIT,
) -> Capture:
    """Every page of one config (filtered by `where`, or all rows via `/rows` when None), as one capture."""
    endpoint = f"{base_url.rstrip('/')}/{'filter' if where else 'rows'}"
    pages: list[dict[str, Any]] = []
    responses: list[Response] = []
    seen: set[int] = set()
    total: int | None = None
    offset = 0
    while total is None or offset < total:
        params: dict[str, str | int] = {
            "dataset": dataset,
            "config": config,
            "split": split,
            "offset": offset,
            "length": PAGE_LENGTH,
        }
        if where:
            params["where"] = where
        response = fetcher.get(endpoint, params=params)
        page = json_object(source, response)
        rows, page_total = _rows_and_total(source, page, response)
        if total is None:
            if not 0 < page_total <= MAX_ROWS:
                raise layout_error(source, f"datasets-server reports {page_total} rows for {config}", response)
            total = page_total
        elif page_total != total:
            raise transient_error(source, f"row count changed while paging: {total}, then {page_total}", response)
        expected = min(PAGE_LENGTH, total - offset)
        if len(rows) != expected:
            raise transient_error(
                source, f"page at offset {offset} has {len(rows)} rows, {expected} expected", response
            )
        for row in rows:
            index = row.get("row_idx")
            if not isinstance(index, int) or index in seen:
                raise transient_error(source, f"row_idx {index!r} missing or repeated while paging", response)
            seen.add(index)
        pages.append(page)
        responses.append(response)
        offset += len(rows)
    log.info("%s: %d rows of %s/%s in %d pages", source, offset, dataset, config, len(pages))
    return make_capture(source, FORMAT, responses, hf_rows_body(dataset, split, {config: pages}))


def _rows_and_total(source: str, page: Mapping[str, Any], response: Response) -> tuple[list[Any], int]:
    rows = page.get("rows")
    total = page.get("num_rows_total")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise layout_error(source, "datasets-server page has no `rows` list", response)
    if not isinstance(total, int) or isinstance(total, bool):
        raise layout_error(source, "datasets-server page has no `num_rows_total`", response)
    if page.get("partial") is True:  # the upstream index covers only part of the data
        raise layout_error(source, "datasets-server answers from a partial index", response)
    return rows, total
