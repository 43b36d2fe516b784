"""Build the site context from stored data: `build_context` (pure).

The same stored data gives the same context; nothing here reads a clock: `built_from` is the newest
date found in the data. Everything is computed once here so that rendering is only formatting.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from tracker.models import (
    BOARDS,
    CATALOGUE,
    SOURCES,
    Board,
    Entry,
    Event,
    ModelInfo,
    Post,
    PriceRecord,
    Snapshot,
    SourceStatus,
    ValueKind,
    board,
)
from tracker.portfolio import Portfolio
from tracker.site.charts import Series
from tracker.site.context import (
    BoardRow,
    BoardView,
    DatedEvent,
    ModelHistory,
    ModelView,
    PostView,
    RankChange,
    SiteContext,
    StaleNotice,
)
from tracker.site.paths import assign_names
from tracker.site.portfolio_view import portfolio_view, with_lane
from tracker.site.timeline import entries_by_model, model_span, previous_comparable, timeline

CATALOGUE_TITLE = "OpenRouter model catalogue"
CATALOGUE_ATTRIBUTION = "Source: OpenRouter model catalogue (openrouter.ai/models), as of {as_of}"
SPARK_POINTS = 8  # how many recent snapshots a table row's sparkline spans


def _source_title(source: str) -> str:
    return BOARDS[source].title if source in BOARDS else CATALOGUE_TITLE if source == CATALOGUE else source


def _attribution(b: Board, as_of: date) -> str:
    return b.attribution.format(as_of=as_of.isoformat())


def _source_order(source: str) -> tuple[int, str]:
    return (SOURCES.index(source) if source in SOURCES else len(SOURCES), source)


def _value(b: Board, entry: Entry) -> float | None:
    value = entry.tokens if b.value is ValueKind.TOKENS else entry.score
    return None if value is None else float(value)


def _rank_change(entry: Entry, previous: Snapshot | None, index: _Index) -> RankChange:
    if previous is None:
        return RankChange("none")
    before = index.entry(previous, entry.model_id)
    if before is None:
        return RankChange("new")
    if entry.rank is None or before.rank is None:
        return RankChange("none", previous_rank=before.rank)
    delta = before.rank - entry.rank
    kind = "up" if delta > 0 else "down" if delta < 0 else "same"
    return RankChange(kind, abs(delta), before.rank)


class _Index:
    """A board's history looked up by model: built once, so pages cost one pass over the entries."""

    def __init__(self, b: Board, history: Sequence[Snapshot]) -> None:
        self.board = b
        self.history = history
        self.dates = [s.as_of for s in history]
        self.rows: dict[int, dict[str, Entry]] = {s.id: entries_by_model(s) for s in history}
        if len(self.rows) != len(history):
            raise ValueError("two snapshots of one board share an id")
        self.seen: dict[str, list[tuple[date, Entry]]] = {}
        for s in history:
            for e in s.entries:
                self.seen.setdefault(e.model_id, []).append((s.as_of, e))

    def entry(self, snapshot: Snapshot | None, model_id: str) -> Entry | None:
        return None if snapshot is None else self.rows[snapshot.id].get(model_id)


@functools.lru_cache(maxsize=8192)  # a chart has a label per point; the same dates recur on every page
def _iso(day: date) -> str:
    return day.isoformat()


def _series(
    b: Board, index: _Index, slots: Sequence[tuple[date, Snapshot | None]], model_id: str, *, ranks: bool
) -> Series:
    values: list[float | None] = []
    for _, snap in slots:
        entry = index.entry(snap, model_id)
        if entry is None:
            values.append(None)
        elif ranks:
            values.append(None if entry.rank is None else float(entry.rank))
        else:
            values.append(_value(b, entry))
    return Series(tuple(d.isoformat() for d, _ in slots), tuple(values), invert=ranks)


def _stale_notices(status: Sequence[SourceStatus]) -> dict[str, StaleNotice]:
    return {
        s.source: StaleNotice(s.source, _source_title(s.source), s.stale_since or s.last_as_of)
        for s in status
        if s.stale
    }


def _board_view(
    b: Board,
    history: tuple[Snapshot, ...],
    index: _Index,
    paths: Mapping[str, str],
    names: Mapping[str, str],
    stale: StaleNotice | None,
    events: tuple[Event, ...],
    infos: Mapping[str, ModelInfo],
) -> BoardView:
    latest, previous = history[-1], previous_comparable(b, history)
    slots = timeline(b, history, SPARK_POINTS)
    rows = tuple(
        BoardRow(
            entry=e,
            name=names[e.model_id],
            organization=e.organization or (infos[e.model_id].organization if e.model_id in infos else None) or "",
            model_path=paths[e.model_id],
            change=_rank_change(e, previous, index),
            trend=_series(b, index, slots, e.model_id, ranks=b.value is not ValueKind.TOKENS),
        )
        for e in sorted(latest.entries, key=lambda e: (e.rank is None, e.rank or 0, e.model_id))
    )
    return BoardView(
        board=b,
        path=f"boards/{b.id}.html",
        history=history,
        latest=latest,
        previous=previous,
        rows=rows,
        attribution=_attribution(b, latest.as_of),
        csv_path=download_paths(b)[0],
        json_path=download_paths(b)[1],
        feed_path=f"feeds/{b.id}.xml",
        stale=stale,
        events=events,
    )


def download_paths(b: Board) -> tuple[str, str]:
    """The board's history downloads: CSV and JSON."""
    return f"data/{b.id}-history.csv", f"data/{b.id}-history.json"


# A model's point on a chart: its rank and its figure (score or tokens); None where it is not listed.
ChartPoint = tuple[int | None, float | int | None] | None


def _model_view(
    model_id: str,
    info: ModelInfo | None,
    views: Sequence[tuple[BoardView, _Index]],
    own_prices: tuple[PriceRecord, ...],
    price_attribution: str | None,
    stale: Mapping[str, StaleNotice],
    path: str,
    name: str,
) -> ModelView:
    histories: list[ModelHistory] = []
    aliases: set[tuple[str, str]] = set(info.aliases) if info else set()
    organization = info.organization if info else None
    for view, index in views:
        seen = index.seen.get(model_id)
        if not seen:
            continue
        for _, e in seen:
            aliases.update(("name", n) for n in (e.model, *e.aliases) if n != name)
            organization = organization or e.organization
        # From the model's first to its last appearance: a new snapshot changes only the pages of the
        # models in it (and of those that just left), which is what lets publishing be incremental.
        slots = model_span(view.board, index.history, seen[0][0], seen[-1][0], index.dates)
        rows = index.rows
        tokens = view.board.value is ValueKind.TOKENS
        points: list[ChartPoint] = [
            None
            if snap is None or (found := rows[snap.id].get(model_id)) is None
            else (found.rank, found.tokens if tokens else found.score)
            for _, snap in slots
        ]
        latest = index.entry(view.latest, model_id)
        histories.append(model_history(view, latest, [day for day, _ in slots], points, seen[0][0], seen[-1][0]))
    return assemble_model_view(
        model_id, name, path, organization, aliases, histories, own_prices, price_attribution, stale
    )


def model_history(
    view: BoardView,
    latest: Entry | None,
    days: Sequence[date],
    points: Sequence[ChartPoint],
    first_seen: date,
    last_seen: date,
    day_labels: Sequence[str] | None = None,
) -> ModelHistory:
    """A model's history on a board: its charts over `days` (from its first to its last appearance), with a
    point per day, from the first one where it is listed. `day_labels`: the days as ISO dates, if the
    caller has them."""
    start = next((i for i, p in enumerate(points) if p is not None), len(points))
    # One tuple for both charts.
    labels = tuple([_iso(day) for day in days[start:]] if day_labels is None else day_labels[start:])
    points = points[start:]
    return ModelHistory(
        board=view.board,
        board_path=view.path,
        latest=latest,
        ranks=Series(labels, tuple([None if p is None or p[0] is None else float(p[0]) for p in points]), True),
        values=Series(labels, tuple([None if p is None or p[1] is None else float(p[1]) for p in points])),
        first_seen=first_seen,
        last_seen=last_seen,
        attribution=_attribution(view.board, last_seen),  # the figures shown are as of then
    )


def assemble_model_view(
    model_id: str,
    name: str,
    path: str,
    organization: str | None,
    aliases: set[tuple[str, str]],
    histories: Sequence[ModelHistory],
    own_prices: tuple[PriceRecord, ...],
    price_attribution: str | None,
    stale: Mapping[str, StaleNotice],
) -> ModelView:
    """A model page's view from its boards' histories, its prices and the stale notices that concern it."""
    notices = [stale[h.board.id] for h in histories if h.board.id in stale]
    if own_prices and CATALOGUE in stale:
        notices.append(stale[CATALOGUE])
    return ModelView(
        model_id=model_id,
        name=name,
        path=path,
        organization=organization,
        aliases=tuple(sorted(aliases)),
        boards=tuple(histories),
        prices=own_prices,
        price_attribution=price_attribution if own_prices else None,
        stale=tuple(notices),
    )


def prices_attribution(own_prices: Sequence[PriceRecord]) -> str | None:
    """A model's price table is attributed as of its newest row, so it changes only with that model's prices."""
    newest = max((p.observed_on for p in own_prices), default=None)
    return CATALOGUE_ATTRIBUTION.format(as_of=newest.isoformat()) if newest else None


class _Dated:
    """A board's snapshot dates, by snapshot id and in order: what a post's attribution looks up."""

    def __init__(self, view: BoardView) -> None:
        self.view = view
        self.by_id = {s.id: s.as_of for s in view.history}
        self.days = sorted(self.by_id.values())

    def cited(self, snapshot_ids: Iterable[int], day: date) -> date | None:
        """The newest of these snapshots' dates; without any, the newest date up to `day`."""
        cited = [self.by_id[i] for i in snapshot_ids if i in self.by_id]
        if cited:
            return max(cited)
        at = bisect_right(self.days, day)
        return self.days[at - 1] if at else None


def _post_view(post: Post, path: str, views: Mapping[str, _Dated]) -> PostView:
    boards: list[tuple[Board, str]] = []
    attributions: list[tuple[Board, str]] = []
    listed = set(post.snapshot_ids)
    told = "\n".join(p for section in post.sections for p in section.paragraphs)
    for board_id in sorted(set(post.boards), key=_source_order):
        dated = views.get(board_id)
        if dated is None:
            continue
        view = dated.view
        boards.append((view.board, view.path))
        if view.board.attribution.partition("{as_of}")[0] in told:
            continue  # a written post cites its sources itself, as of the snapshots it was written from
        cited = dated.cited(listed, post.published_at.date())
        if cited is not None:
            attributions.append((view.board, _attribution(view.board, cited)))
    return PostView(post, path, tuple(boards), tuple(attributions))


def model_paths(model_ids: Iterable[str]) -> dict[str, str]:
    """Each model's page, from every model id the site has (the names depend on the whole set)."""
    return {k: f"models/{v}.html" for k, v in assign_names((m, m) for m in sorted(model_ids)).items()}


def post_views_of(posts: Sequence[Post], views: Sequence[BoardView]) -> list[PostView]:
    """The posts' views, newest first."""
    # Oldest first for naming, so an older post keeps its name when a newer one wants the same slug.
    by_age = sorted(posts, key=lambda p: (p.published_at, p.guid))
    post_names = assign_names((p.guid, p.slug) for p in by_age)
    by_board = {v.board.id: _Dated(v) for v in views}
    return [_post_view(p, f"posts/{post_names[p.guid]}.html", by_board) for p in reversed(by_age)]


def _newest_date(
    snapshots: Mapping[str, Sequence[Snapshot]],
    posts: Sequence[Post],
    prices: Sequence[PriceRecord],
    events: Sequence[DatedEvent],
) -> date | None:
    days = [s.as_of for history in snapshots.values() for s in history]
    days += [p.published_at.date() for p in posts] + [p.observed_on for p in prices] + [e.as_of for e in events]
    return max(days, default=None)


def build_context(
    *,
    snapshots: Mapping[str, Sequence[Snapshot]],
    events: Iterable[tuple[Event, date]] = (),
    posts: Sequence[Post] = (),
    prices: Sequence[PriceRecord] = (),
    models: Sequence[ModelInfo] = (),
    status: Sequence[SourceStatus] = (),
    base_url: str | None = None,
    built_from: date | None = None,
    database_download: bool = False,
    portfolio: Portfolio | None = None,
) -> SiteContext:
    """Compute the whole site's data. `snapshots` per board id, each oldest first; `events` with the
    date of the snapshot they were found in; `built_from` defaults to the newest date in the data.
    With a `portfolio` (even an empty one) the site gets its portfolio page and model pages their lane."""
    infos = {m.model_id: m for m in models}
    histories = {
        b: tuple(sorted(snapshots[b], key=lambda s: (s.as_of, s.id)))
        for b in sorted(snapshots, key=_source_order)
        if snapshots[b]
    }
    boards = [board(b) for b in histories]
    model_ids = sorted({e.model_id for h in histories.values() for s in h for e in s.entries})
    paths = model_paths(model_ids)
    by_date = sorted((s for h in histories.values() for s in h), key=lambda s: (s.as_of, _source_order(s.board)))
    newest_name = {e.model_id: e.model for s in by_date for e in s.entries}
    names = {m: infos[m].name if m in infos else newest_name[m] for m in model_ids}
    stale = _stale_notices(status)
    dated = tuple(
        sorted((DatedEvent(day, ev) for ev, day in events), key=lambda d: (d.as_of, _source_order(d.event.board)))
    )
    indexes = {b: _Index(board(b), h) for b, h in histories.items()}
    views = [
        _board_view(
            b,
            histories[b.id],
            indexes[b.id],
            paths,
            names,
            stale.get(b.id),
            tuple(d.event for d in dated if d.event.board == b.id and d.as_of == histories[b.id][-1].as_of),
            infos,
        )
        for b in boards
    ]
    with_index = [(v, indexes[v.board.id]) for v in views]
    price_history: dict[str, list[PriceRecord]] = {}
    for record in sorted(prices, key=lambda p: (p.model_id, p.observed_on, p.catalog_id)):
        price_history.setdefault(record.model_id, []).append(record)
    model_views = sorted(
        (
            _model_view(
                m,
                infos.get(m),
                with_index,
                tuple(price_history.get(m, ())),
                prices_attribution(price_history.get(m, ())),
                stale,
                paths[m],
                names[m],
            )
            for m in model_ids
        ),
        key=lambda v: (v.name.casefold(), v.model_id),
    )
    if portfolio is not None:
        model_views = [with_lane(v, portfolio, paths) for v in model_views]
    post_views = post_views_of(posts, views)
    return SiteContext(
        built_from=built_from or _newest_date(histories, posts, prices, dated),
        base_url=base_url,
        boards=tuple(views),
        models=tuple(model_views),
        posts=tuple(post_views),
        events=dated,
        status=tuple(sorted(status, key=lambda s: _source_order(s.source))),
        stale=tuple(stale[k] for k in sorted(stale, key=_source_order)),
        database_download=database_download,
        portfolio=None if portfolio is None else portfolio_view(portfolio, paths, names, CATALOGUE_ATTRIBUTION),
    )


# The steps of `build_context`, for building the site in parts (`tracker.site.parts`).
BoardIndex = _Index
attribution = _attribution
board_view = _board_view
stale_notices = _stale_notices
source_order = _source_order
