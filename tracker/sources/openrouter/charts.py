"""OpenRouter's weekly chart series (`/api/frontend/v1/rankings/model-rankings-chart`): weekly history.

Two shapes are accepted:

* the collector wrapper of our real captures, `{"schema": 3, "sources": {...}, "fetched_at": <ISO>,
  "creator": [...], "model": [{"x": "2025-08-04", "ys": {slug: tokens, ..., "Others": n}}, ...]}`
  (`model` is the endpoint's `data.data`; `creator` is the by-author series, not a model ranking);
* the bare endpoint response `{"data": {"data": [{"x", "ys"}, ...], "cachedAt": ...}}`, the shape
  third-party clients of the endpoint read (`response.data.data`).

Each point is a week labelled by its Monday, holding the top 9 models and an `Others` bucket. A week
is the 7 UTC days Monday..Sunday, and its values are the daily Data API sums over those days (checked
on the captures: in the week of 2026-07-20 the week's total and every model listed in all seven daily
top 50s match the daily rows to the token). So a chart week is the same kind of window as the
trailing 7-day board (`Window.WEEK`, 7 complete UTC days), one that happens to end on a Sunday;
window_start and window_end make that explicit, and consecutive chart weeks are exactly the "window
that ended seven days before" the diff compares. A chart snapshot lists only the week's top 9.

The newest point is still counting when the chart is fetched, so a week becomes a snapshot only once
its Sunday is over at the capture time (`fetched_at`, or the bare response's `cachedAt`) and is not
after the `as_of` given. With no capture time at all, the newest week is assumed in progress and
left out. `change` is computed against the previous week of the same series, where the model was in
both weeks' top 9 (both values are then whole-week totals); `share` counts `Others` in the total.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tracker.models import LayoutError, ParsedSnapshot
from tracker.sources.openrouter.common import (
    BOARD,
    WINDOW_DAYS,
    Usage,
    day,
    load_json,
    mapping,
    non_empty_list,
    ranked_entries,
    require_board,
    share_of,
    slug,
    sniff_json,
    token_count,
)

FORMAT = "openrouter-weekly-chart"
OTHERS = "others"  # the chart's bucket for every model outside the week's top 9 (compared lower-cased)


def _instant(value: object) -> datetime | None:
    """A capture time: an ISO timestamp, or epoch seconds or milliseconds; None when absent or unreadable."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
    return None


def _series(doc: Any) -> tuple[list[Any], datetime | None]:
    """The model series and the capture time, from either shape."""
    top = mapping(doc, FORMAT, "the chart file")
    if "model" in top:
        return non_empty_list(top["model"], FORMAT, "the `model` series"), _instant(top.get("fetched_at"))
    inner = top.get("data")
    if isinstance(inner, dict) and "data" in inner:
        return non_empty_list(inner["data"], FORMAT, "`data.data`"), _instant(inner.get("cachedAt"))
    raise LayoutError(f"{FORMAT}: neither a `model` series nor `data.data` in the chart file")


def _weeks(points: list[Any]) -> dict[date, dict[str, int]]:
    weeks: dict[date, dict[str, int]] = {}
    for i, raw in enumerate(points):
        where = f"week {i}"
        point = mapping(raw, FORMAT, where)
        monday = day(point.get("x"), FORMAT, f"{where}.x")
        if monday.weekday() != 0:
            raise LayoutError(f"{FORMAT}: {where}: {monday.isoformat()} is not a Monday")
        if monday in weeks:
            raise LayoutError(f"{FORMAT}: {where}: the week of {monday.isoformat()} appears twice")
        ys = mapping(point.get("ys"), FORMAT, f"{where}.ys")
        values: dict[str, int] = {}
        for key, tokens in ys.items():
            name = slug(key, FORMAT, where)
            name = OTHERS if name.lower() == OTHERS else name
            if name in values:
                raise LayoutError(f"{FORMAT}: {where}: {name!r} appears twice")
            values[name] = token_count(tokens, FORMAT, f"{where} {name}")
        if not any(name != OTHERS for name in values):
            raise LayoutError(f"{FORMAT}: {where}: no model in the week of {monday.isoformat()}")
        weeks[monday] = values
    return weeks


def _complete(mondays: list[date], fetched: datetime | None, as_of: date | None) -> list[date]:
    done = list(mondays)
    if fetched is not None:
        today = fetched.astimezone(UTC).date()
        done = [m for m in done if m + timedelta(days=WINDOW_DAYS - 1) < today]
    elif done:
        done = done[:-1]  # no capture time: the newest week is assumed still counting
    if as_of is not None:
        done = [m for m in done if m + timedelta(days=WINDOW_DAYS - 1) <= as_of]
    return done


def _snapshot(monday: date, values: dict[str, int], before: dict[str, int] | None) -> ParsedSnapshot:
    total = sum(values.values())
    usages = []
    for model_id, tokens in values.items():
        if model_id == OTHERS:
            continue
        change = None
        if before is not None and before.get(model_id, 0) > 0:
            change = tokens / before[model_id] - 1
        usages.append(Usage(model_id, tokens, change=change, share=share_of(tokens, total)))
    sunday = monday + timedelta(days=WINDOW_DAYS - 1)
    return ParsedSnapshot(
        board=BOARD,
        as_of=sunday,
        entries=ranked_entries(usages),
        method=FORMAT,
        window_start=monday,
        window_end=sunday,
        notes=f"Monday-Sunday week from the weekly chart: top {len(usages)} only, the rest counted in share",
    )


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    require_board(board, FORMAT)
    points, fetched = _series(load_json(body, FORMAT))
    weeks = _weeks(points)
    mondays = sorted(weeks)
    complete = _complete(mondays, fetched, as_of)
    if not complete:
        raise LayoutError(
            f"{FORMAT}: no complete week in the chart (weeks {mondays[0].isoformat()}.."
            f"{mondays[-1].isoformat()}, captured {fetched.isoformat() if fetched else 'at an unknown time'})"
        )
    return [_snapshot(m, weeks[m], weeks.get(m - timedelta(days=WINDOW_DAYS))) for m in complete]


def sniff(body: bytes, filename: str) -> bool:
    doc = sniff_json(body)
    if not isinstance(doc, dict):
        return False
    points = doc.get("model")
    if points is None and isinstance(doc.get("data"), dict):
        points = doc["data"].get("data")
    return isinstance(points, list) and bool(points) and isinstance(points[0], dict) and {"x", "ys"} <= points[0].keys()
