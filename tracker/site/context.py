"""The data every page needs (the site context): plain frozen dataclasses, computed by `build.py`
before any page is rendered. Templates only read these; they never compute or query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.lanes import LaneRules
from tracker.models import Board, Entry, Event, Post, PriceRecord, Snapshot, SourceStatus
from tracker.portfolio import PortfolioRow
from tracker.site.charts import Series
from tracker.site.scatter import ScatterPoint


@dataclass(frozen=True)
class StaleNotice:
    source: str
    title: str
    since: date | None  # the upstream date that stopped advancing


@dataclass(frozen=True)
class DatedEvent:
    as_of: date  # the date of the snapshot the event was found in
    event: Event


@dataclass(frozen=True)
class RankChange:
    """A row's rank against the comparable previous snapshot."""

    kind: str  # "up", "down", "same", "new" (absent before), "none" (nothing to compare with)
    places: int = 0
    previous_rank: int | None = None


@dataclass(frozen=True)
class BoardRow:
    entry: Entry
    name: str
    organization: str  # as the entry names it, else as the model's record does (OpenRouter's rows name none)
    model_path: str
    change: RankChange
    trend: Series  # recent rank (Arena) or tokens (OpenRouter)


@dataclass(frozen=True)
class BoardView:
    board: Board
    path: str
    history: tuple[Snapshot, ...]  # oldest first, for the downloads
    latest: Snapshot
    previous: Snapshot | None
    rows: tuple[BoardRow, ...]
    attribution: str
    stale: StaleNotice | None
    events: tuple[Event, ...]  # found in the latest snapshot
    csv_path: str
    json_path: str
    feed_path: str


@dataclass(frozen=True)
class ModelHistory:
    """One model on one board over time."""

    board: Board
    board_path: str
    latest: Entry | None  # None when the model is not in the board's newest snapshot
    ranks: Series
    values: Series
    first_seen: date
    last_seen: date
    attribution: str


@dataclass(frozen=True)
class ModelView:
    model_id: str
    name: str
    path: str
    organization: str | None
    aliases: tuple[tuple[str, str], ...]  # (kind, alias), sorted
    boards: tuple[ModelHistory, ...]
    prices: tuple[PriceRecord, ...]  # oldest first
    price_attribution: str | None
    stale: tuple[StaleNotice, ...]
    lane: str | None = None  # from the portfolio, when the model (or its OpenRouter counterpart) is in it
    counterpart: str | None = None  # the OpenRouter model an Arena model is sold as, or None
    counterpart_path: str | None = None  # its page, when it has one


@dataclass(frozen=True)
class PortfolioLine:
    """One row of the portfolio table, with the pages it links to and the Arena names it shows."""

    row: PortfolioRow
    path: str | None  # the OpenRouter model's page, if it has one
    text_name: str | None  # the Arena Text model's display name
    text_path: str | None
    webdev_name: str | None
    webdev_path: str | None


@dataclass(frozen=True)
class PortfolioView:
    path: str
    lines: tuple[PortfolioLine, ...]  # best Arena Text rank first
    points: tuple[ScatterPoint, ...]  # models with both a Text score and weekly tokens
    rules: LaneRules
    text_board: Board | None  # which Arena Text board the scores come from
    attributions: tuple[tuple[Board, str], ...]  # (board, attribution text with its as-of date)
    price_attribution: str | None


@dataclass(frozen=True)
class PostView:
    post: Post
    path: str
    boards: tuple[tuple[Board, str], ...]  # (board, its page path)
    attributions: tuple[tuple[Board, str], ...]  # (board, attribution text with the cited as-of date)


@dataclass(frozen=True)
class SiteContext:
    built_from: date | None  # the newest date in the data; the site's "as of"
    base_url: str | None  # absolute links in feeds; None = relative links
    boards: tuple[BoardView, ...]
    models: tuple[ModelView, ...]  # by name
    posts: tuple[PostView, ...]  # newest first
    events: tuple[DatedEvent, ...]  # oldest first
    status: tuple[SourceStatus, ...]
    stale: tuple[StaleNotice, ...]
    database_download: bool  # the storage side publishes data/history.sqlite
    portfolio: PortfolioView | None = None  # None: the site is built without the cross-source portfolio
