"""Publishing: the history -> the site's data -> pages, feeds, downloads -> one atomic swap into place.

Everything the site says comes from the database, and every date in it from the data (the newest moment
the history knows of), so the same database always gives the same site, byte for byte.

Publishing is incremental. The manifest of the last publish (`tracker.site.manifest`) holds the database
fingerprint: when it is unchanged nothing is written at all. Otherwise the head pages are rendered (they
are few and cheap) and written only where their bytes changed; a model page is rendered only when its
fingerprint changed (`tracker.site.parts`); the big downloads reuse their unchanged blocks
(`publish_tables`); the SQLite copy starts from the previous one (`tracker.dbcopy`). Everything else is
kept by hard links in the new version of the folder, which is swapped in as a whole
(`tracker.site.writer.SiteUpdate`). The result is the site a full build makes (tests/test_incremental.py).

A full build spreads over the machine: the downloads are shared with a second process when there are many
blocks to render (`share_downloads`), and the SQLite copy runs in a thread (it runs inside SQLite, without
the GIL), while this process renders the pages and then writes its share. An update that renders many
model pages (a new Arena snapshot: most of its models) shares them with a forked helper process instead.
Entries are read a chunk of models (or snapshots) at a time: memory stays bounded.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import pickle
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import cast

from sqlalchemy import Engine

from tracker.history import History
from tracker.history_site import EntryMark, Signature, SiteReads
from tracker.lanes import DEFAULT_LANE_RULES, LaneRules
from tracker.models import BOARDS, SOURCES, Post, PriceRecord, Snapshot
from tracker.pipeline.portfolio import site_portfolio
from tracker.pipeline.publish_tables import (
    Background,
    BoardTables,
    DownloadsDone,
    DownloadsJob,
    export_copy,
    failure_to_send,
    run_downloads,
)
from tracker.pipeline.published import LastPublish, PublishResult, site_build_key
from tracker.site.build import attribution, download_paths
from tracker.site.manifest import Manifest, ModelRecord, digest
from tracker.site.pages import board_page, feeds_of, head_pages, model_pages, post_page
from tracker.site.parts import (
    HeadData,
    SiteParts,
    Span,
    StoredPoint,
    board_page_key,
    chart_snapshots,
    head_parts,
    head_snapshot_ids,
    model_fingerprint,
    model_views,
    post_page_key,
    spans_of,
)
from tracker.site.writer import EarlyFlush, SiteUpdate, Tree, TreeRecord

log = logging.getLogger(__name__)

DATABASE_FILE = "data/history.sqlite"
MODEL_CHUNK = 100  # model pages whose entries are read (and held) at once
FORK_PAGES = 40  # an update rendering at least this many model pages shares them with a forked helper
BACKGROUND_BLOCKS = 300  # with more download blocks than this to render, they are rendered in a second process


def publish_site(
    engine: Engine,
    history: History,
    out: Path,
    *,
    base_url: str | None,
    full: bool = False,
    workers: bool = True,
    lanes: LaneRules = DEFAULT_LANE_RULES,
) -> PublishResult:
    """Build the site from the history and swap it into `out`, writing only what changed (all with `full`).
    `workers=False` keeps all the work in this process."""
    with _no_cycle_collection():  # from the start: the last manifest read makes many objects too
        return _publish(engine, history, out, base_url=base_url, full=full, workers=workers, lanes=lanes)


def _publish(
    engine: Engine, history: History, out: Path, *, base_url: str | None, full: bool, workers: bool, lanes: LaneRules
) -> PublishResult:
    reads = SiteReads(engine)
    key = site_build_key(base_url, lanes)
    last = LastPublish(reads, out, key, full=full)
    if last.current is not None:
        return last.current
    database, recorded, old = last.database, last.recorded, last.old
    manifest = Manifest(key, database)
    with SiteUpdate(out) as update, contextlib.ExitStack() as children:
        copy = _database(update, old, manifest)  # where the SQLite copy goes, if it is not kept as it is
        # An update's copy starts first, in a forked child (before any thread of this process starts): it
        # takes about as long as all the rest of a small update, on the machine's other core.
        early = None
        if copy is not None and old is not None and workers and _separable(engine) and _can_fork():
            early = _Child(engine, functools.partial(export_copy, engine, copy), "the SQLite copy")
            children.callback(early.close)
        plan = _Plan(reads, history, old)
        job = plan.downloads(engine, update, old, recorded)
        # A full build spreads over the machine: a second process writes the SQLite copy and its share of
        # the downloads (the biggest part first), while this one renders the pages and then writes the rest.
        split = workers and _separable(engine) and job.to_render(old) > BACKGROUND_BLOCKS
        # The second process takes the copy: from SQLite it makes it in a thread (inside SQLite), from
        # another database in a third process of its own, alongside the downloads (`Background`).
        copy_there = split and early is None
        # An update that renders many model pages shares them with a forked helper (the downloads are
        # small then: the machine's second core is free). It forks before any thread of this one starts.
        may_fork = workers and not split and _separable(engine) and _can_fork()
        here, background = job, None
        if split:
            here, there = share_downloads(job, *plan.reads.download_sizes(), pages=len(plan.spans))
            background = Background(replace(there, database_copy=copy if copy_there else None))
        with ThreadPoolExecutor(1) as thread:
            # Else the copy runs here, in a thread (inside SQLite or the driver it lets go of the GIL).
            copying: Future[Path] | None = None

            def start_copy() -> None:
                nonlocal copying
                if copy is not None and not copy_there and early is None:
                    copying = thread.submit(export_copy, engine, copy)

            if not may_fork:
                start_copy()
            state = _State(plan, history, base_url, lanes)
            dirty = _keep_models(update, state, old, manifest)
            helper = None
            if may_fork and len(dirty) >= FORK_PAGES:
                # The helper writes the downloads (while this process renders the head pages), then its half.
                helper = _Helper(engine, update, state, dirty[1::2], (job, old))
                dirty = dirty[::2]
            if may_fork:
                start_copy()
            try:
                _head_files(update, state, old, manifest)
                rendered = _render_models(update, state, dirty, manifest)
                helped = None
                if helper is not None:
                    rendered += helper.pages(update, manifest)
                    helped = helper.downloads
            finally:
                if helper is not None:
                    helper.close()
            if background is None:
                parts = [helped or run_downloads(job, engine, old)]
            else:
                parts = [run_downloads(here, engine, old), background.result()]
            if copying is not None:
                copying.result()
            if early is not None:
                early.result()
        if copy is not None:
            manifest.files[DATABASE_FILE] = (manifest.database, Path(copy[0]).stat().st_size)
        for done in parts:
            update.adopt(done.record)
            manifest.files.update(done.files)
            manifest.blocks.update(done.blocks)
        manifest.names = dict(state.parts.names)
        manifest.newest_snapshot = plan.newest
        if set(plan.spans) == set(plan.signatures):  # every model with entries is recorded: a sound base
            manifest.entry_mark, manifest.left_out = plan.entry_mark, tuple(sorted(plan.replaced))
        update.commit(manifest.to_bytes())
    log.info(
        "published %d files to %s (%d written, %d model pages)", len(manifest.files), out, update.written, rendered
    )
    return PublishResult(out, len(manifest.files), update.written, rendered, max(d.peak_kb for d in parts))


# What the downloads' parts cost, in history rows written (the unit `share_downloads` weighs them in),
# measured on the three-year benchmark history: a model page about 3.7 ms, a row of a board's history
# about 17 us, a row of the events downloads about 40 us.
PAGE_COST = 200
EVENT_COST = 2


def share_downloads(
    job: DownloadsJob, rows: Mapping[str, int], events: int, *, pages: int
) -> tuple[DownloadsJob, DownloadsJob]:
    """A full build's downloads shared between this process, which renders `pages` model pages first,
    and the second one: the biggest part first, each to whichever has less to do so far (`rows`: each
    board's stored rows; `events`: the events there are). Which process writes a file never changes its
    bytes, only when the build ends: this process used to write the events alone and then wait seconds
    for the second one's board histories."""
    parts: list[tuple[int, str, BoardTables | None]] = [(rows.get(b.board, 0), b.board, b) for b in job.boards]
    parts.append((events * EVENT_COST, "", None))  # the events downloads
    load = {"here": pages * PAGE_COST, "there": 0}
    taken: dict[str, list[BoardTables | None]] = {"here": [], "there": []}
    for cost, _, part in sorted(parts, key=lambda p: (-p[0], p[1])):
        side = "here" if load["here"] < load["there"] else "there"
        load[side] += cost
        taken[side].append(part)

    def share(side: str) -> DownloadsJob:
        boards = tuple(b for b in job.boards if b in taken[side])  # in the job's order
        return replace(job, boards=boards, events=job.events and None in taken[side])

    return share("here"), share("there")


def _separable(engine: Engine) -> bool:
    """Another process can open this database (not an in-memory SQLite one)."""
    return engine.dialect.name != "sqlite" or engine.url.database not in (None, "", ":memory:")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A publish makes millions of objects that reference counting frees; the cyclic collector, walking
    the live ones again and again, tripled the cost of reading entries. It is off during the publish."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Plan:
    """What a publish works from, all cheap to read: each board's snapshots (without entries), every
    model's signature and spans, and the model names the downloads are written with."""

    def __init__(self, reads: SiteReads, history: History, old: Manifest | None) -> None:
        self.reads = reads
        chosen, replaced = reads.snapshots()
        self.replaced = replaced
        self.snapshots = {b: h for b, h in chosen.items() if b in BOARDS}
        self.signatures, self.entry_mark = _signatures(reads, old, replaced)
        known = {
            m: record.spans
            for m, record in (old.models.items() if old is not None else ())
            if self.signatures.get(m) == record.signature
        }
        unknown = set(self.signatures) - set(known)
        fresh: dict[str, Mapping[str, Span]] = {}
        self.newest = max([s.id for h in chosen.values() for s in h] + list(replaced), default=0)
        # The chart points of the models whose spans cannot be told from what the last publish recorded
        # and what was added since (read once: their spans come from them, and their pages from them).
        self.points: dict[str, list[StoredPoint]] = {}
        if unknown and old is None:
            fresh = dict(reads.model_spans(replaced))  # every model: one pass over the table
        elif unknown and old is not None:
            fresh, rest = _grown_spans(reads, old, unknown, self.signatures, replaced, self.snapshots)
            if rest:
                self.points = reads.chart_points(rest)
                listed = {m: [p[0] for p in points] for m, points in self.points.items()}
                fresh.update(spans_of(listed, self.snapshots))
        self.spans = {**known, **fresh}
        self.infos = history.model_infos()
        self.names = {info.model_id: info.name for info in self.infos}
        self.old = old

    def downloads(
        self, engine: Engine, update: SiteUpdate, old: Manifest | None, recorded: bytes | None
    ) -> DownloadsJob:
        """The downloads' job; `recorded` is the manifest's bytes `old` was read from."""
        renamed = {m for m, name in self.names.items() if old is not None and old.names.get(m, name) != name}
        stale = frozenset(str(i) for i in self.reads.snapshots_listing(renamed)) if renamed else frozenset()
        boards = []
        for board_id, history in sorted(self.snapshots.items()):
            if not history:
                continue
            ordered = tuple(sorted(history, key=lambda s: (s.as_of, s.id)))
            board = BOARDS[board_id]
            csv_path, json_path = download_paths(board)
            boards.append(BoardTables(board_id, attribution(board, ordered[-1].as_of), csv_path, json_path, ordered))
        return DownloadsJob(
            database_url=engine.url.render_as_string(hide_password=False),
            out_dir=str(update.out_dir),
            folder=str(update.folder),
            old=None if old is None else recorded,
            boards=tuple(boards),
            stale=stale,
        )


def _signatures(
    reads: SiteReads, old: Manifest | None, replaced: set[int]
) -> tuple[dict[str, Signature], EntryMark | None]:
    """Every model's signature, and where in the entries table they stand (None: the next publish reads
    them all again). From the last publish's, plus the entries added since, when nothing but new
    snapshots replaced an observation of their date; else read whole. The last publish's must cover
    every model with entries: they do when each of its models had spans (always, from the boards)."""
    if old is not None and old.entry_mark is not None and old.newest_snapshot is not None:
        newest = old.newest_snapshot
        if set(old.left_out) <= replaced and all(i > newest for i in replaced.difference(old.left_out)):
            recorded = {m: cast(Signature, r.signature) for m, r in old.models.items()}
            whole = all(len(s) == 4 for s in recorded.values())  # (count, min, max, sum)
            grown = reads.grown_signatures(recorded, old.entry_mark, replaced) if whole else None
            if grown is not None:
                return grown
    return reads.model_signatures(replaced)


def _grown_spans(
    reads: SiteReads,
    old: Manifest,
    models: set[str],
    signatures: Mapping[str, Signature],
    replaced: set[int],
    snapshots: Mapping[str, list[Snapshot]],
) -> tuple[dict[str, Mapping[str, Span]], set[str]]:
    """The spans of models whose only change since the last publish is new snapshots listing them (their
    signature is the recorded one plus those snapshots: nothing left or was replaced): the recorded spans
    widened by the new snapshots' dates. The other models are returned to be read in full."""
    if old.newest_snapshot is None:
        return {}, set(models)
    added = reads.listings_after(old.newest_snapshot)
    grown: dict[str, list[int]] = {}
    rest: set[str] = set()
    for m in models:
        ids = [i for i in added.get(m, ()) if i not in replaced]
        record = old.models.get(m)
        if not ids:
            rest.add(m)
            continue
        count, low, high, total = record.signature if record is not None else (0, min(ids), max(ids), 0)
        if signatures.get(m) != (count + len(ids), min(low, *ids), max(high, *ids), total + sum(ids)):
            rest.add(m)
            continue
        grown[m] = ids
    spans: dict[str, Mapping[str, Span]] = {}
    added_spans = spans_of(grown, snapshots)  # one pass for all: it looks each snapshot up by id
    for m in grown:
        record = old.models.get(m)
        widened = dict(record.spans) if record is not None else {}
        for board, (first, last) in added_spans.get(m, {}).items():
            was = widened.get(board)
            widened[board] = (first, last) if was is None else (min(first, was[0]), max(last, was[1]))
        spans[m] = widened
    return spans, rest


class _State:
    """The head's parts (with the entries of the snapshots the head pages show) and every page's fingerprint."""

    def __init__(self, plan: _Plan, history: History, base_url: str | None, lanes: LaneRules) -> None:
        self.plan = plan
        head = head_snapshot_ids(plan.snapshots)
        entries = plan.reads.entries(snapshot_ids=head)
        clock = history.data_clock()
        latest_groups = {(h[-1].as_of, b) for b, h in plan.snapshots.items() if h}
        posts, prices = history.posts(), history.price_history()
        self.parts: SiteParts = head_parts(
            HeadData(
                snapshots={
                    b: [entries.snapshot(s) if s.id in head else s for s in h] for b, h in plan.snapshots.items()
                },
                spans=plan.spans,
                models=plan.infos,
                prices=prices,
                posts=posts,
                status=history.source_status(SOURCES, clock) if clock else (),
                latest_events=[(event, day) for day, event in plan.reads.events(latest_groups)],
                built_from=_newest_day(plan.snapshots, posts, prices, plan.reads.newest_event_day()),
                base_url=base_url,
                database_download=True,
                portfolio=site_portfolio(history, lanes),
            )
        )
        self.fingerprints = {m: model_fingerprint(self.parts, m, plan.signatures[m], plan.spans[m]) for m in plan.spans}


def _newest_day(
    snapshots: dict[str, list[Snapshot]], posts: list[Post], prices: list[PriceRecord], events: date | None
) -> date | None:
    """The site's "data up to": the newest date among snapshots, posts, prices and events."""
    days = [h[-1].as_of for h in snapshots.values() if h]
    days += [p.published_at.date() for p in posts] + [p.observed_on for p in prices] + ([events] if events else [])
    return max(days, default=None)


def _still_there(update: SiteUpdate, old: Manifest, path: str) -> bool:
    """The published file is there with the size the manifest recorded (a cheap check: it is not read)."""
    current = update.current(path)
    return current is not None and path in old.files and current.stat().st_size == old.files[path][1]


def _kept(update: SiteUpdate, old: Manifest | None, manifest: Manifest, path: str) -> bool:
    """Keep the published file as the last publish recorded it, if it is still there; False if it is not."""
    recorded = None if old is None else old.files.get(path)
    if recorded is None or not update.keep_if(path, recorded[1]):
        return False
    manifest.files[path] = recorded
    return True


def _keep_or_write(update: SiteUpdate, old: Manifest | None, manifest: Manifest, path: str, data: bytes) -> None:
    entry = (digest(data), len(data))
    if not (old is not None and old.files.get(path) == entry and update.keep_if(path, entry[1])):
        update.write(path, data)
    manifest.files[path] = entry


def _head_files(update: SiteUpdate, state: _State, old: Manifest | None, manifest: Manifest) -> None:
    """The head pages and feeds; a board page, post page or feed made from what the last publish made it
    from is kept without rendering it (most of them: a new snapshot changes one board, a post never
    changes, a feed changes with the posts)."""
    context = state.parts.context
    keyed: list[tuple[str, str, Callable[[], bytes]]] = [
        (v.path, board_page_key(context, v), functools.partial(board_page, context, v)) for v in context.boards
    ]
    keyed += [(p.path, post_page_key(context, p), functools.partial(post_page, context, p)) for p in context.posts]
    base = context.base_url
    keyed += [(f.path, f.key(base), functools.partial(f.render, base)) for f in feeds_of(context)]
    for path, key, render in keyed:
        unchanged = old is not None and old.pages.get(path) == key
        if not (unchanged and _kept(update, old, manifest, path)):
            _keep_or_write(update, old, manifest, path, render())
        manifest.pages[path] = key
    for path, data in sorted(head_pages(context, boards=False).items()):
        _keep_or_write(update, old, manifest, path, data)


def _keep_models(update: SiteUpdate, state: _State, old: Manifest | None, manifest: Manifest) -> list[str]:
    """Keep the model pages whose fingerprint did not change; the models whose page must be rendered."""
    parts, plan = state.parts, state.plan
    dirty = []
    for m in sorted(plan.spans):
        record = old.models.get(m) if old is not None else None
        path = parts.paths[m]
        unchanged = record is not None and record.fingerprint == state.fingerprints[m]
        if not (unchanged and _kept(update, old, manifest, path)):
            dirty.append(m)
        manifest.models[m] = ModelRecord(state.fingerprints[m], plan.signatures[m], dict(plan.spans[m]))
    return dirty


def _render_models(tree: Tree, state: _State, models: list[str], manifest: Manifest) -> int:
    """Render these models' pages into the tree, a chunk of models at a time."""
    parts, plan = state.parts, state.plan
    for start in range(0, len(models), MODEL_CHUNK):
        chunk = models[start : start + MODEL_CHUNK]
        points = {m: plan.points[m] for m in chunk if m in plan.points}
        unread = [m for m in chunk if m not in points]
        if unread:
            points.update(plan.reads.chart_points(unread, chart_snapshots(parts, plan.spans, unread)))
        unnamed = [m for m in chunk if not ((info := parts.infos.get(m)) and info.organization)]
        views = model_views(parts, chunk, points, plan.reads.organizations(unnamed) if unnamed else {})
        for path, data in sorted(model_pages(parts.context, views).items()):
            tree.write(path, data)
            manifest.files[path] = (digest(data), len(data))
    return len(models)


def _can_fork() -> bool:
    """A forked child is safe only from a process with no other thread (one could hold a lock the
    child would wait on for ever): `tracker publish` and the benchmark, not the scheduler's jobs."""
    return hasattr(os, "fork") and threading.active_count() == 1


class _Child:
    """Work done in a forked child process: it shares everything this process has computed so far
    (copy-on-write), opens its own database connections, and sends back its result (pickled, through
    a pipe). `result` waits for it and raises what it raised."""

    def __init__(self, engine: Engine, work: Callable[[], object], what: str) -> None:
        self._read, write = os.pipe()
        self._what = what
        self._pid: int | None = os.fork()
        if self._pid == 0:  # pragma: no cover - the child (its work is checked by the files it writes)
            code = 1
            try:
                os.close(self._read)
                engine.dispose(close=False)  # the parent's pooled connections stay the parent's
                answer = pickle.dumps(work())
                code = 0
            except BaseException as error:  # anything at all: the parent raises it
                answer = pickle.dumps(failure_to_send(error, f"{what} in a forked child"))
            try:
                with os.fdopen(write, "wb") as out:
                    out.write(answer)
            finally:
                os._exit(code)  # never back into the parent's code (its cleanup is the parent's)
        os.close(write)

    def result(self) -> object:
        data, status = self._collect()
        done = pickle.loads(data) if data else None  # noqa: S301 - written by the child this process forked
        if status != 0 or isinstance(done, BaseException):
            raise done if isinstance(done, Exception) else RuntimeError(f"{self._what}: the child failed ({status})")
        return done

    def _collect(self) -> tuple[bytes, int]:
        if self._pid is None:
            return b"", -1
        with os.fdopen(self._read, "rb") as answer:
            data = answer.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return data, status

    def close(self) -> None:
        """Wait for the child if its result was not collected (the publish failed): no zombie is left."""
        self._collect()


class _Helper(_Child):
    """A forked child writing the downloads, when given their job (with the last publish's manifest,
    parsed), and then some model pages, into the same new version of the site."""

    def __init__(
        self,
        engine: Engine,
        update: SiteUpdate,
        state: _State,
        models: list[str],
        downloads: tuple[DownloadsJob, Manifest | None] | None = None,
    ) -> None:
        folder = update.folder
        assert folder is not None
        self._models = len(models)
        self.downloads: DownloadsDone | None = None  # the downloads written, once `pages` returned

        def work() -> tuple[TreeRecord, dict[str, tuple[str, int]], DownloadsDone | None]:
            # The downloads first: the disk writes them out (`EarlyFlush`) while the pages are rendered,
            # instead of in the sync before the swap, where this process would wait for it.
            written = None if downloads is None else run_downloads(downloads[0], engine, downloads[1])
            flushing = EarlyFlush(written.record.new) if written is not None else None
            tree, files = Tree(update.out_dir, folder), Manifest("", "")
            _render_models(tree, state, models, files)
            if flushing is not None:
                flushing.wait()
            return tree.record(), files.files, written

        super().__init__(engine, work, "rendering model pages")

    def pages(self, update: SiteUpdate, manifest: Manifest) -> int:
        """Wait for the child; count in the pages it wrote (its downloads are in `downloads`, for the
        caller to adopt with the others). Raises if it failed."""
        done = self.result()
        assert isinstance(done, tuple)
        record, files, self.downloads = done
        update.adopt(record)
        manifest.files.update(files)
        return self._models


def _database(update: SiteUpdate, old: Manifest | None, manifest: Manifest) -> tuple[str, str | None] | None:
    """The SQLite copy: kept when the database did not change (None), else (where to write it, the
    previous copy to start from, if there is one: the same bytes for far less copying)."""
    previous = update.current(DATABASE_FILE) if old is not None and _still_there(update, old, DATABASE_FILE) else None
    if previous is not None and old is not None and old.database == manifest.database:
        update.keep(DATABASE_FILE)
        manifest.files[DATABASE_FILE] = old.files[DATABASE_FILE]
        return None
    return str(update.produce(DATABASE_FILE)), None if previous is None else str(previous)
