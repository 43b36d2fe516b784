"""The site built in parts: years of history published in bounded memory, and only the pages that changed.

`build_context` computes every view at once from every snapshot with every entry. Here the same steps
(the functions of `tracker.site.build`) run on less. The *head* (`head_parts`: home, boards, indexes,
posts, feeds, status, portfolio) needs each board's snapshot list, the entries of the few snapshots those
pages show (`head_snapshot_ids`), and each model's boards and dates (`Spans`); a model page
(`model_views`) needs only its own entries. The views are the ones `build_context` makes, so the files
are too: tests/test_incremental.py checks a site built in parts against `render_site(build_context(...))`
byte for byte.

`model_fingerprint` digests everything a model page is made of without rendering it: a page whose
fingerprint is the one recorded at the last publish is the same file, and is not rendered again.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from tracker.models import (
    BOARDS,
    CATALOGUE,
    Entry,
    Event,
    ModelInfo,
    Post,
    PriceRecord,
    Snapshot,
    SourceStatus,
    ValueKind,
    Window,
)
from tracker.portfolio import Portfolio
from tracker.site import build
from tracker.site.build import (
    CATALOGUE_ATTRIBUTION,
    SPARK_POINTS,
    BoardIndex,
    assemble_model_view,
    attribution,
    board_view,
    model_history,
    model_paths,
    post_views_of,
    prices_attribution,
    source_order,
    stale_notices,
)
from tracker.site.charts import Series
from tracker.site.context import BoardView, DatedEvent, ModelHistory, ModelView, PostView, SiteContext, StaleNotice
from tracker.site.portfolio_view import portfolio_view, with_lane
from tracker.site.timeline import chart_places, model_span, previous_comparable, timeline, week_closes, week_steps

Span = tuple[date, date]  # a model's first and last appearance on a board
Spans = Mapping[str, Mapping[str, Span]]  # model id -> board id -> span, for every model that has a page
StoredPoint = tuple[int, int | None, float | None, int | None]  # an entry's (snapshot id, rank, score, tokens)
_NO_SERIES = Series((), ())


def sorted_histories(snapshots: Mapping[str, Sequence[Snapshot]]) -> dict[str, tuple[Snapshot, ...]]:
    """Boards in the site's order, each history oldest first, as `build_context` orders them."""
    return {
        b: tuple(sorted(snapshots[b], key=lambda s: (s.as_of, s.id)))
        for b in sorted(snapshots, key=source_order)
        if snapshots[b]
    }


def head_snapshot_ids(snapshots: Mapping[str, Sequence[Snapshot]]) -> set[int]:
    """The snapshots whose entries the head pages show: each board's latest, the one it is compared
    with, and those its sparklines span."""
    wanted: set[int] = set()
    for board_id, history in sorted_histories(snapshots).items():
        b = BOARDS[board_id]
        previous = previous_comparable(b, history)
        wanted.update(s.id for s in (history[-1], previous) if s is not None)
        wanted.update(s.id for _, s in timeline(b, history, SPARK_POINTS) if s is not None)
    return wanted


def spans_of(
    listed: Mapping[str, Iterable[int]], snapshots: Mapping[str, Sequence[Snapshot]]
) -> dict[str, dict[str, Span]]:
    """Each model's span on each board, from the ids of the snapshots that list it (ids of snapshots not
    in `snapshots`, e.g. replaced by a later observation of their date, are ignored)."""
    where = {s.id: s for history in snapshots.values() for s in history}
    out: dict[str, dict[str, Span]] = {}
    for model_id, ids in listed.items():
        spans: dict[str, Span] = {}
        for snapshot_id in ids:
            snap = where.get(snapshot_id)
            if snap is None:
                continue
            first, last = spans.get(snap.board, (snap.as_of, snap.as_of))
            spans[snap.board] = (min(first, snap.as_of), max(last, snap.as_of))
        if spans:
            out[model_id] = spans
    return out


@dataclass(frozen=True)
class HeadData:
    """What the head pages are made of (see the module docstring)."""

    snapshots: Mapping[str, Sequence[Snapshot]]  # every board's snapshots; entries on `head_snapshot_ids`
    spans: Spans
    models: Sequence[ModelInfo]
    prices: Sequence[PriceRecord]
    posts: Sequence[Post]
    status: Sequence[SourceStatus]
    latest_events: Sequence[tuple[Event, date]]  # the events of each board's newest date, in stored order
    built_from: date | None
    base_url: str | None
    database_download: bool
    portfolio: Portfolio | None


@dataclass(frozen=True)
class SiteParts:
    """The head's context, and what model pages share: paths, names, prices, notices, board views."""

    context: SiteContext
    histories: Mapping[str, tuple[Snapshot, ...]]
    paths: Mapping[str, str]
    names: Mapping[str, str]
    infos: Mapping[str, ModelInfo]
    prices: Mapping[str, tuple[PriceRecord, ...]]
    stale: Mapping[str, StaleNotice]
    portfolio: Portfolio | None
    latest: Mapping[str, Mapping[str, Entry]]  # per board: the entries of its newest snapshot, by model
    positions: Mapping[int, tuple[str, int]]  # snapshot id -> (its board, its place in that board's history)
    _dates: Mapping[str, tuple[list[date], list[int]]]  # per board: snapshot dates and running id sums
    _labels: Mapping[str, list[str]]  # per board: its snapshot dates as the charts label them
    _closes: Mapping[str, list[int]]  # per board: the places of the snapshots that close a week

    def in_span(self, board_id: str, span: Span) -> tuple[int, int]:
        """(count, sum of ids) of the board's snapshots dated within a span: a new one there is a new point."""
        dates, sums = self._dates[board_id]
        lo, hi = bisect_left(dates, span[0]), bisect_right(dates, span[1])
        return hi - lo, sums[hi] - sums[lo]

    def plotted(self, board_id: str, span: Span) -> list[int]:
        """The places in the board's history (one not stepping in weeks) that a model's chart over this
        span plots (`chart_places`)."""
        dates = self._dates[board_id][0]
        return chart_places(self._closes[board_id], bisect_left(dates, span[0]), bisect_right(dates, span[1]))


def head_parts(data: HeadData) -> SiteParts:
    """The head's context (`build_context`'s, with light model views that only the models index reads)."""
    histories = sorted_histories(data.snapshots)
    infos = {m.model_id: m for m in data.models}
    paths = model_paths(data.spans)
    names = {m: infos[m].name if m in infos else m for m in data.spans}
    stale = stale_notices(data.status)
    indexes = {b: BoardIndex(BOARDS[b], h) for b, h in histories.items()}
    views = [
        board_view(
            BOARDS[b],
            h,
            indexes[b],
            paths,
            names,
            stale.get(b),
            tuple(ev for ev, day in data.latest_events if ev.board == b and day == h[-1].as_of),
            infos,
        )
        for b, h in histories.items()
    ]
    light = sorted(
        (
            ModelView(
                model_id=m,
                name=names[m],
                path=paths[m],
                organization=None,
                aliases=(),
                boards=tuple(
                    ModelHistory(
                        board=v.board,
                        board_path=v.path,
                        latest=indexes[v.board.id].entry(v.latest, m),
                        ranks=_NO_SERIES,
                        values=_NO_SERIES,
                        first_seen=spans[v.board.id][0],
                        last_seen=spans[v.board.id][1],
                        attribution=attribution(v.board, spans[v.board.id][1]),
                    )
                    for v in views
                    if v.board.id in spans
                ),
                prices=(),
                price_attribution=None,
                stale=(),
            )
            for m, spans in data.spans.items()
        ),
        key=lambda v: (v.name.casefold(), v.model_id),
    )
    by_model: dict[str, list[PriceRecord]] = {}
    for record in sorted(data.prices, key=lambda p: (p.model_id, p.observed_on, p.catalog_id)):
        by_model.setdefault(record.model_id, []).append(record)
    dated = tuple(DatedEvent(day, ev) for ev, day in data.latest_events)
    context = SiteContext(
        built_from=data.built_from,
        base_url=data.base_url,
        boards=tuple(views),
        models=tuple(light),
        posts=tuple(post_views_of(data.posts, views)),
        events=dated,
        status=tuple(sorted(data.status, key=lambda s: source_order(s.source))),
        stale=tuple(stale[k] for k in sorted(stale, key=source_order)),
        database_download=data.database_download,
        portfolio=None
        if data.portfolio is None
        else portfolio_view(data.portfolio, paths, names, CATALOGUE_ATTRIBUTION),
    )
    dates = {b: ([s.as_of for s in h], [0, *accumulate(s.id for s in h)]) for b, h in histories.items()}
    return SiteParts(
        context=context,
        histories=histories,
        paths=paths,
        names=names,
        infos=infos,
        prices={m: tuple(p) for m, p in by_model.items()},
        stale=stale,
        portfolio=data.portfolio,
        latest={v.board.id: {e.model_id: e for e in v.latest.entries} for v in views},
        positions={s.id: (b, i) for b, h in histories.items() for i, s in enumerate(h)},
        _dates=dates,
        _labels={b: [day.isoformat() for day in d] for b, (d, _) in dates.items()},
        _closes={b: week_closes(d) for b, (d, _) in dates.items()},
    )


def model_views(
    parts: SiteParts,
    model_ids: Sequence[str],
    points: Mapping[str, Sequence[StoredPoint]],
    organizations: Mapping[str, Mapping[int, str]],
) -> list[ModelView]:
    """The pages of some models, from their chart points (`SiteReads.chart_points`) and, for a model whose
    stored organization is empty, the organizations its entries name (`SiteReads.organizations`): the
    views `build_context` makes from every entry of every snapshot.

    A model page shows the full entry of the board's newest snapshot only (`SiteParts.latest`); its
    display names come from the stored model (`ModelInfo`), as the entries `SiteReads` makes carry them.
    """
    out = []
    for m in model_ids:
        view = _model_view(parts, m, points.get(m, ()), organizations.get(m, {}))
        out.append(view if parts.portfolio is None else with_lane(view, parts.portfolio, parts.paths))
    return out


def _model_view(
    parts: SiteParts, model_id: str, points: Sequence[StoredPoint], organizations: Mapping[int, str]
) -> ModelView:
    placed: dict[str, dict[int, StoredPoint]] = {}  # board -> place in its history -> point
    positions = parts.positions
    where = positions.get
    for point in points:
        at = where(point[0])
        if at is not None:  # else a snapshot replaced by a later observation of its date
            board, place = at
            own = placed.get(board)
            if own is None:
                own = placed[board] = {}
            own[place] = point
    info = parts.infos.get(model_id)
    organization = info.organization if info else None
    histories = []
    for view in parts.context.boards:
        board_id = view.board.id
        own = placed.get(board_id)
        if not own:
            continue
        history = parts.histories[board_id]
        places = sorted(own)
        first, last = history[places[0]].as_of, history[places[-1]].as_of
        if not organization:  # the first one its entries name, in the boards' and the dates' order
            named = _places_on(positions, board_id, organizations)
            organization = organizations[history[min(named)].id] if named else None
        figure = 3 if view.board.value is ValueKind.TOKENS else 2
        labels = None
        if view.board.window is Window.WEEK:  # whole weeks back from the last appearance
            slots = model_span(view.board, history, first, last)
            listed = [None if snap is None else own.get(positions[snap.id][1]) for _, snap in slots]
            days: Sequence[date] = [day for day, _ in slots]
        else:  # the snapshots from the first appearance to the last (`chart_places`), by place
            dates, iso = parts._dates[board_id][0], parts._labels[board_id]
            plotted = parts.plotted(board_id, (first, last))
            lo, hi = plotted[0], plotted[-1] + 1
            if len(plotted) == hi - lo:  # every one: a slice
                listed = list(map(own.get, range(lo, hi)))
                days, labels = dates[lo:hi], iso[lo:hi]
            else:
                listed = list(map(own.get, plotted))
                days, labels = [dates[i] for i in plotted], [iso[i] for i in plotted]
        drawn: list[build.ChartPoint] = [None if p is None else (p[1], p[figure]) for p in listed]
        latest = parts.latest[board_id].get(model_id)
        histories.append(model_history(view, latest, days, drawn, first, last, labels))
    own_prices = parts.prices.get(model_id, ())
    return assemble_model_view(
        model_id,
        parts.names[model_id],
        parts.paths[model_id],
        organization,
        set(info.aliases) if info else set(),
        histories,
        own_prices,
        prices_attribution(own_prices),
        parts.stale,
    )


def _places_on(positions: Mapping[int, tuple[str, int]], board_id: str, ids: Iterable[int]) -> list[int]:
    """The places in a board's history of the snapshots among these ids that it holds."""
    return [at[1] for i in ids if (at := positions.get(i)) is not None and at[0] == board_id]


def chart_snapshots(parts: SiteParts, spans: Spans, model_ids: Iterable[str]) -> dict[str, set[int]]:
    """Per model (these), the snapshots whose entries its page plots, from its spans: the chart points to
    read. The first and last of each span are among them, so the page's view finds its spans in them."""
    out: dict[str, set[int]] = {}
    by_date: dict[str, dict[date, int]] = {}  # weekly boards: snapshot ids by date
    for m in model_ids:
        wanted = out[m] = set()
        for board_id, (first, last) in spans.get(m, {}).items():
            history = parts.histories.get(board_id)
            if not history:
                continue
            if BOARDS[board_id].window is not Window.WEEK:
                wanted.update(history[i].id for i in parts.plotted(board_id, (first, last)))
                continue
            ids = by_date.get(board_id)
            if ids is None:
                ids = by_date[board_id] = {s.as_of: s.id for s in history}
            wanted.update(ids[day] for day in (*week_steps(first, last), first) if day in ids)  # and the first
    return out


def model_fingerprint(parts: SiteParts, model_id: str, signature: object, spans: Mapping[str, Span]) -> str:
    """A digest of everything the model's page is made of (its entries by their signature: entries are
    never rewritten), so an unchanged digest means an unchanged page."""
    info = parts.infos.get(model_id)
    own = parts.prices.get(model_id, ())
    boards = []
    for view in parts.context.boards:
        span = spans.get(view.board.id)
        if span is None:
            continue
        latest = view.latest.id if model_id in parts.latest[view.board.id] else None
        notice = parts.stale.get(view.board.id)
        boards.append(
            (view.board.id, view.board.title, view.path, span, latest, parts.in_span(view.board.id, span), notice)
        )
    lane = None
    if parts.portfolio is not None:
        row = parts.portfolio.row_for(model_id)
        lane = None if row is None else (row.lane, row.model_id, row.model, parts.paths.get(row.model_id))
    nav = _nav(parts.context)
    catalogue = parts.stale.get(CATALOGUE) if own else None
    document = (
        model_id,
        parts.paths[model_id],
        parts.names[model_id],
        info,
        signature,
        boards,
        own,
        lane,
        catalogue,
        nav,
    )
    return hashlib.sha256(repr(document).encode("utf-8")).hexdigest()


def _nav(context: SiteContext) -> tuple[object, ...]:
    """What every page's header shows: the boards' titles and paths, the portfolio's path."""
    return (
        tuple((v.board.id, v.board.title, v.path) for v in context.boards),
        None if context.portfolio is None else context.portfolio.path,
    )


def board_page_key(context: SiteContext, view: BoardView) -> str:
    """A digest of everything a board page shows (board.html reads these fields of its view only)."""
    latest, previous = view.latest, view.previous
    document = (
        _nav(context),
        view.path,
        view.board,
        view.attribution,
        (view.csv_path, view.json_path, view.feed_path),
        view.events,
        view.stale,
        (latest.as_of, latest.window_start, latest.window_end),
        None if previous is None else previous.as_of,
        view.rows,
    )
    return hashlib.sha256(repr(document).encode("utf-8")).hexdigest()


def post_page_key(context: SiteContext, post: PostView) -> str:
    """A digest of everything a post page shows."""
    return hashlib.sha256(repr((_nav(context), post)).encode("utf-8")).hexdigest()
