"""Incremental publishing: a publish that reuses what did not change gives exactly the site a full build
gives, writes nothing when nothing is new, and rewrites only what a new snapshot touches. On SQLite and
PostgreSQL, from a small synthetic history written through the store (benchmarks/generate.py)."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from tracker import db
from tracker.history import History
from tracker.history_site import SiteReads
from tracker.models import BOARDS, SOURCES, CatalogModel, FetchRecord, ParsedCatalog, ParsedSnapshot
from tracker.pipeline import publish as publishing
from tracker.pipeline import publish_tables
from tracker.pipeline.portfolio import refresh_matches, site_portfolio
from tracker.pipeline.publish import publish_site
from tracker.site import build_context, render_site, timeline
from tracker.site.build import model_paths
from tracker.site.manifest import Manifest
from tracker.site.writer import MANIFEST, MARKER, read_manifest, settle
from tracker.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import derive
import generate
from world import Plan

PLAN = Plan(days=24, scale=0.05)  # a few weeks, a few dozen models: every kind of page and download
BASE_URL = "https://example.invalid/tracker/"


@pytest.fixture
def history_db(engine):
    store = Store(engine)
    generate.generate(store, PLAN)
    derive.derive_events_and_posts(engine)
    refresh_matches(History(engine), store)
    return engine


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def publish(engine, out: Path, **options):
    return publish_site(engine, History(engine), out, base_url=BASE_URL, **options)


def assert_same_as_a_full_build(engine, out: Path, tmp_path: Path) -> None:
    full = tmp_path / f"full-{len(list(tmp_path.iterdir()))}"
    publish(engine, full, full=True)
    published, expected = tree(out), tree(full)
    assert sorted(published) == sorted(expected)
    assert [p for p in expected if published[p] != expected[p]] == []


def classic_site(engine) -> dict[str, bytes]:
    """The site as `render_site(build_context(...))` makes it from whole boards, in memory."""
    history = History(engine)
    clock = history.data_clock()
    context = build_context(
        snapshots={b: history.board_history(b) for b in BOARDS},
        events=[(stored.event, stored.to_as_of) for stored in history.events()],
        posts=history.posts(),
        prices=history.price_history(),
        models=history.model_infos(),
        status=history.source_status(SOURCES, clock) if clock else (),
        base_url=BASE_URL,
        database_download=True,
        portfolio=site_portfolio(history),
    )
    return render_site(context)


def test_a_site_built_in_parts_is_the_site_render_site_makes(history_db, tmp_path):
    out = tmp_path / "site"
    result = publish(history_db, out)
    classic = classic_site(history_db)
    published = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sorted(set(published) - set(classic)) == [MANIFEST, MARKER, "data/history.sqlite"]
    assert sorted(classic) == sorted(set(published) - {MANIFEST, MARKER, "data/history.sqlite"})
    assert [p for p in classic if classic[p] != published[p]] == []
    assert result.files == len(published) - 2  # the marker and the manifest are not site files
    assert result.models_rendered == len([p for p in classic if p.startswith("models/")]) - 1  # less the index


def test_publishing_again_with_nothing_new_writes_no_file(history_db, tmp_path):
    out = tmp_path / "site"
    publish(history_db, out)
    before, numbers = tree(out), inodes(out)
    again = publish(history_db, out)
    assert again.written == 0
    assert tree(out) == before
    assert inodes(out) == numbers  # not even rewritten with the same bytes
    settle()  # the replaced versions' background removals
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temporary folder left


@pytest.mark.parametrize("board", ["openrouter-weekly", "arena-text"])
def test_one_new_snapshot_rewrites_only_what_it_touches(history_db, tmp_path, board):
    out = tmp_path / "site"
    first = publish(history_db, out)
    numbers = inodes(out)
    history = History(history_db)
    listed = {e.model_id for e in history.latest_snapshot(board).entries}
    generate.add_snapshot(Store(history_db), history, board)
    listed |= {e.model_id for e in history.latest_snapshot(board).entries}
    result = publish(history_db, out)
    assert 0 < result.written < first.written
    assert len(listed) <= result.models_rendered < first.models_rendered
    after = inodes(out)
    changed = {p for p in after if numbers.get(p) != after[p]}
    other = next(b for b in ("arena-webdev", "openrouter-weekly") if b != board)
    assert f"boards/{board}.html" in changed
    assert "index.html" in changed
    assert f"data/{board}-history.csv" in changed
    assert "data/history.sqlite" in changed
    assert f"boards/{other}.html" not in changed
    assert f"data/{other}-history.json" not in changed
    assert "style.css" not in changed
    source = "openrouter" if board == "openrouter-weekly" else "arena"
    untouched = [m for m in History(history_db).model_infos() if m.source != source]
    assert untouched
    paths = {p for p in after if p.startswith("models/") and p != "models/index.html"}
    assert len(paths & changed) <= len(paths) - len(untouched)  # no page of the other source's models changed
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_renames_prices_posts_and_staleness_are_picked_up(history_db, tmp_path):
    out = tmp_path / "site"
    publish(history_db, out)
    store, history = Store(history_db), History(history_db)
    # A renamed model: every download row of it changes, and the pages that name it.
    generate.add_snapshot(store, history, "arena-webdev", rename=True)
    publish(history_db, out)
    assert_same_as_a_full_build(history_db, out, tmp_path)
    # A price change in the catalogue (stored as a new price row).
    catalogue = history.catalogue()
    assert catalogue is not None
    day = catalogue.as_of + timedelta(days=1)
    changed = catalogue.models[0]
    models = tuple(
        CatalogModel(m.slug, m.catalog_id, m.name, m.prompt_price_per_m, m.completion_price_per_m, m.context_length)
        for m in catalogue.models[1:]
    )
    price = (changed.prompt_price_per_m or Decimal(1)) * 2
    models += (CatalogModel(changed.slug, changed.catalog_id, changed.name, price, price, changed.context_length),)
    assert store.save_catalog(ParsedCatalog(day, models, "openrouter-models-api"), fetch_id=None).price_changes >= 1
    publish(history_db, out)
    assert_same_as_a_full_build(history_db, out, tmp_path)
    # Weeks of new data: a new weekly post, then a source that stops answering and turns stale.
    for _ in range(4):
        generate.add_snapshot(store, history, "openrouter-weekly")
        generate.add_snapshot(store, history, "arena-text")
    derive.derive_events_and_posts(history_db)
    publish(history_db, out)
    assert_same_as_a_full_build(history_db, out, tmp_path)
    last = history.data_clock()
    assert last is not None
    for days in (2, 12):
        when = last + timedelta(days=days)
        store.record_fetch(FetchRecord("arena-webdev", "collect", when, "transient", board="arena-webdev", error="503"))
    result = publish(history_db, out)
    assert result.written > 0
    assert "Stale since" in (out / "boards" / "arena-webdev.html").read_text(encoding="utf-8")
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_an_old_snapshot_arriving_late_is_placed_in_every_page_it_belongs_to(history_db, tmp_path):
    out = tmp_path / "site"
    publish(history_db, out)
    store, history = Store(history_db), History(history_db)
    oldest = history.snapshot_refs("arena-text")[0]
    snapshot = history.load_snapshot(oldest.id)
    # A backfill: a board as it stood a day before anything stored, and a later revision of one date.
    entries = tuple(replace(e, model_id=e.key, source_key=None, score=(e.score or 0) - 1) for e in snapshot.entries)
    store.save_snapshot(
        ParsedSnapshot("arena-text", snapshot.as_of - timedelta(days=1), entries, "hf-rows"),
        observed_at=snapshot.observed_at,
        fetch_id=None,
    )
    store.save_snapshot(
        ParsedSnapshot("arena-text", snapshot.as_of, entries[1:], "hf-rows"),
        observed_at=snapshot.observed_at + timedelta(hours=1),
        fetch_id=None,
    )
    publish(history_db, out)
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_other_settings_or_a_lost_manifest_mean_a_full_build(history_db, tmp_path):
    out = tmp_path / "site"
    publish(history_db, out)
    other = publish_site(history_db, History(history_db), out, base_url="https://elsewhere.invalid/")
    assert other.written == other.files  # nothing reused: the feeds' links change with the base URL
    (out / MANIFEST).unlink()
    assert read_manifest(out) is None
    rebuilt = publish(history_db, out)
    assert rebuilt.written == rebuilt.files
    manifest = Manifest.from_bytes(read_manifest(out))
    assert manifest is not None
    assert manifest.intact(out)
    (out / "index.html").write_text("tampered, and shorter")
    assert not manifest.intact(out)
    repaired = publish(history_db, out)
    assert repaired.written >= 1
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_downloads_written_in_a_second_process_are_the_same(history_db, tmp_path, monkeypatch):
    monkeypatch.setattr(publishing, "BACKGROUND_BLOCKS", -1)  # always the second process
    out = tmp_path / "site"
    publish(history_db, out)
    generate.add_snapshot(Store(history_db), History(history_db), "arena-text")
    publish(history_db, out)
    assert_same_as_a_full_build(history_db, out, tmp_path)


@pytest.mark.parametrize("page_cost", [0, 10**9])
def test_downloads_shared_either_way_between_the_processes_are_the_same(history_db, tmp_path, monkeypatch, page_cost):
    """However a full build's downloads are shared between this process and the second one (here: every
    part in the second, or this process taking some), the site is the one a single process builds."""
    monkeypatch.setattr(publishing, "BACKGROUND_BLOCKS", -1)  # always the second process
    monkeypatch.setattr(publishing, "PAGE_COST", page_cost)
    here = []
    run_here = publishing.run_downloads

    def spied(job, *args, **kwargs):
        here.append((tuple(b.board for b in job.boards), job.events))
        return run_here(job, *args, **kwargs)

    monkeypatch.setattr(publishing, "run_downloads", spied)
    out = tmp_path / "site"
    publish(history_db, out)
    if page_cost:
        assert here == [((), False)]  # pages dear beyond measure: the second process writes every download
    else:
        assert here[0][0] or here[0][1]  # this process writes some of them
    alone = tmp_path / "alone"
    publish(history_db, alone, full=True, workers=False)
    published, expected = tree(out), tree(alone)
    assert sorted(published) == sorted(expected)
    assert [p for p in expected if published[p] != expected[p]] == []


def test_a_failure_half_way_leaves_the_published_site_whole(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    before = tree(out)
    generate.add_snapshot(Store(history_db), History(history_db), "openrouter-weekly")

    def broken(*args, **kwargs):
        raise RuntimeError("template error while rendering a model page")

    monkeypatch.setattr(publishing, "model_pages", broken)
    with pytest.raises(RuntimeError, match="template error"):
        publish(history_db, out)
    assert tree(out) == before
    settle()  # the replaced versions' background removals
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_kept_files_are_links_to_the_published_ones_not_copies(history_db, tmp_path):
    out = tmp_path / "site"
    publish(history_db, out)
    generate.add_snapshot(Store(history_db), History(history_db), "openrouter-weekly")
    publish(history_db, out)
    assert out.stat().st_mode & 0o755 == 0o755
    assert all(p.stat().st_mode & 0o444 == 0o444 for p in out.rglob("*") if p.is_file())
    # One version of the site is on disk once the old one's removal is done: no file has another link.
    settle()
    assert all(p.stat().st_nlink == 1 for p in out.rglob("*") if p.is_file())


def _forking(monkeypatch) -> list[int]:
    """Always share the model pages with a forked helper; the list gets how many each helper took."""
    monkeypatch.setattr(publishing, "FORK_PAGES", 1)
    monkeypatch.setattr(publishing, "_can_fork", lambda: True)
    shared: list[int] = []
    real = publishing._Helper

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, engine, update, state, models, *downloads):
            shared.append(len(models))
            super().__init__(engine, update, state, models, *downloads)

    monkeypatch.setattr(publishing, "_Helper", Counted)
    return shared


@pytest.mark.parametrize("board", ["openrouter-weekly", "arena-text"])
def test_model_pages_shared_with_a_forked_helper_are_the_same(history_db, tmp_path, monkeypatch, board):
    out = tmp_path / "site"
    publish(history_db, out)
    shared = _forking(monkeypatch)
    generate.add_snapshot(Store(history_db), History(history_db), board)
    result = publish(history_db, out)
    assert len(shared) == 1
    assert 0 < shared[0] < result.models_rendered  # the helper rendered some, not all
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_the_helper_flushes_the_downloads_it_wrote_early(history_db, tmp_path, monkeypatch):
    """The forked helper hands the downloads it wrote to `EarlyFlush` before it renders its pages (what
    each process does is recorded in a file, with its pid); the site is the one a full build makes."""
    out = tmp_path / "site"
    publish(history_db, out)
    shared = _forking(monkeypatch)
    done = tmp_path / "done"
    real_flush, real_render = publishing.EarlyFlush, publishing._render_models

    def record(line: str) -> None:
        with open(done, "a") as handle:
            handle.write(f"{os.getpid()} {line}\n")

    class Recorded(real_flush):  # type: ignore[misc, valid-type]
        def __init__(self, paths):
            paths = list(paths)
            record("flush " + " ".join(sorted(os.path.basename(p) for p in paths)))
            super().__init__(paths)

    def rendering(*args, **kwargs):
        record("pages")
        return real_render(*args, **kwargs)

    monkeypatch.setattr(publishing, "EarlyFlush", Recorded)
    monkeypatch.setattr(publishing, "_render_models", rendering)
    before = tree(out)
    generate.add_snapshot(Store(history_db), History(history_db), "arena-text")
    result = publish(history_db, out)
    after = tree(out)
    lines = [line.split(" ", 1) for line in done.read_text().splitlines()]
    done.unlink()
    child = [what for pid, what in lines if int(pid) != os.getpid()]
    rewritten = [  # the downloads this update changed (the SQLite copy is another child's)
        p for p in after if p.startswith("data/") and p != publishing.DATABASE_FILE and before.get(p) != after[p]
    ]
    assert "data/arena-text-history.csv" in rewritten
    assert child[0] == "flush " + " ".join(sorted(os.path.basename(p) for p in rewritten))  # first the flush,
    assert child[1:] == ["pages"]  # then its pages;
    assert all(w == "pages" for pid, w in lines if int(pid) == os.getpid())  # this process flushes nothing early
    assert 0 < shared[0] < result.models_rendered
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_the_forked_helper_writes_the_downloads_of_an_update(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    _forking(monkeypatch)
    writers = tmp_path / "writers"  # the pid of every process that wrote downloads (a child's memory is its own)
    real = publishing.run_downloads

    def recorded(*args, **kwargs):
        with open(writers, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(publishing, "run_downloads", recorded)
    before = tree(out)
    generate.add_snapshot(Store(history_db), History(history_db), "arena-text")
    publish(history_db, out)
    pids = writers.read_text().split()
    writers.unlink()
    assert len(pids) == 1  # written once,
    assert int(pids[0]) != os.getpid()  # by the child alone
    after = tree(out)
    assert after["data/arena-text-history.csv"] != before["data/arena-text-history.csv"]
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_a_failure_in_the_helpers_downloads_leaves_the_published_site_whole(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    before = tree(out)
    _forking(monkeypatch)
    parent, real = os.getpid(), publishing.run_downloads

    def broken_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise OSError("disk full while writing a download")
        return real(*args, **kwargs)

    monkeypatch.setattr(publishing, "run_downloads", broken_in_the_child)
    generate.add_snapshot(Store(history_db), History(history_db), "openrouter-weekly")
    with pytest.raises(OSError, match="disk full while writing a download"):  # as itself: one line from the CLI
        publish(history_db, out)
    assert tree(out) == before
    settle()  # the replaced versions' background removals
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_failure_in_the_forked_helper_leaves_the_published_site_whole(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    before = tree(out)
    shared = _forking(monkeypatch)
    generate.add_snapshot(Store(history_db), History(history_db), "arena-text")
    parent, real = os.getpid(), publishing.model_pages

    def broken_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("template error in the helper")
        return real(*args, **kwargs)

    monkeypatch.setattr(publishing, "model_pages", broken_in_the_child)
    with pytest.raises(RuntimeError, match=r"model pages in a forked child failed.*template error in the helper"):
        publish(history_db, out)
    assert shared
    assert tree(out) == before
    settle()  # the replaced versions' background removals
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_update_makes_its_sqlite_copy_in_a_forked_child_from_the_start(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    started: list[str] = []
    real = publishing._Child

    class Watched(real):  # type: ignore[misc, valid-type]
        def __init__(self, engine, work, what):
            started.append(what)
            super().__init__(engine, work, what)

    monkeypatch.setattr(publishing, "_Child", Watched)
    generate.add_snapshot(Store(history_db), History(history_db), "openrouter-weekly")
    publish(history_db, out)
    assert started[0] == "the SQLite copy"  # before anything else of the update
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_a_failure_in_the_copy_child_leaves_the_published_site_whole(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    before = tree(out)
    generate.add_snapshot(Store(history_db), History(history_db), "openrouter-weekly")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(publish_tables, "export_sqlite", broken)
    with pytest.raises(OSError, match="disk full"):  # as itself: one line from the CLI
        publish(history_db, out)
    assert tree(out) == before
    settle()  # the replaced versions' background removals
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_spans_of_models_a_new_snapshot_lists_are_widened_not_read_again(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    seen: list[tuple[int, set[str]]] = []
    real = publishing._grown_spans

    def watched(*args, **kwargs):
        spans, rest = real(*args, **kwargs)
        seen.append((len(spans), rest))
        return spans, rest

    monkeypatch.setattr(publishing, "_grown_spans", watched)
    generate.add_snapshot(Store(history_db), History(history_db), "arena-text")
    publish(history_db, out)
    assert len(seen) == 1
    widened, rest = seen[0]
    assert widened > 0
    assert rest == set()  # nothing left a board or was replaced: no model was read in full
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_an_updates_signatures_are_grown_from_the_last_publishs_not_read_whole(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    recorded = Manifest.from_bytes(read_manifest(out))
    assert recorded is not None
    assert recorded.entry_mark is not None
    reads = SiteReads(history_db)
    assert recorded.entry_mark == reads.model_signatures(set())[1]  # (rows, highest id) of the entries table
    whole: list[object] = []
    real = SiteReads.model_signatures
    monkeypatch.setattr(SiteReads, "model_signatures", lambda self, left_out: whole.append(1) or real(self, left_out))
    for board in ("openrouter-weekly", "arena-text"):
        generate.add_snapshot(Store(history_db), History(history_db), board)
        publish(history_db, out)
    assert whole == []  # both updates read only the entries added since the last publish
    manifest = Manifest.from_bytes(read_manifest(out))
    assert manifest is not None
    _, replaced = reads.snapshots()
    signatures, mark = real(SiteReads(history_db), replaced)
    assert {m: r.signature for m, r in manifest.models.items()} == signatures
    assert manifest.entry_mark == mark
    assert mark[0] > recorded.entry_mark[0]
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_an_entry_gone_behind_the_trackers_back_means_every_signature_is_read_again(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    history = History(history_db)
    generate.add_snapshot(Store(history_db), history, "arena-text")
    latest = history.latest_snapshot("openrouter-weekly")
    with history_db.begin() as conn:  # an old entry deleted, a new one added: the highest id alone would not tell
        conn.execute(sa.delete(db.EntryRow).where(db.EntryRow.snapshot_id == latest.id, db.EntryRow.rank == 1))
    grown: list[object] = []
    real = SiteReads.grown_signatures

    def watched(self, *args):
        grown.append(result := real(self, *args))
        return result

    monkeypatch.setattr(SiteReads, "grown_signatures", watched)
    publish(history_db, out)
    assert grown == [None]  # the count did not add up: read whole
    manifest = Manifest.from_bytes(read_manifest(out))
    assert manifest is not None
    signatures, mark = SiteReads(history_db).model_signatures(SiteReads(history_db).snapshots()[1])
    assert {m: r.signature for m, r in manifest.models.items()} == signatures
    assert manifest.entry_mark == mark
    # The model pages are those of a full build. (The downloads keep the blocks of old snapshots: the
    # tracker never changes a stored snapshot's entries; a full build rebuilds them after such surgery.)
    full = tmp_path / "full"
    publish(history_db, full, full=True)
    pages, expected = tree(out), tree(full)
    assert {p: h for p, h in pages.items() if p.startswith("models/")} == {
        p: h for p, h in expected.items() if p.startswith("models/")
    }


def test_a_manifest_without_where_its_signatures_were_read_means_reading_them_whole(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    manifest = Manifest.from_bytes(read_manifest(out))
    assert manifest is not None
    again = Manifest.from_bytes(manifest.to_bytes())
    assert again is not None
    assert (again.entry_mark, again.left_out) == (manifest.entry_mark, manifest.left_out)
    older = replace(manifest, entry_mark=None)  # as a publish of the version before wrote it
    (out / MANIFEST).write_bytes(older.to_bytes())
    generate.add_snapshot(Store(history_db), History(history_db), "openrouter-weekly")
    whole: list[object] = []
    real = SiteReads.model_signatures
    monkeypatch.setattr(SiteReads, "model_signatures", lambda self, left_out: whole.append(1) or real(self, left_out))
    publish(history_db, out)
    assert whole == [1]
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_event_groups_and_the_events_of_some_groups_are_those_a_plain_join_gives(history_db):
    reads = SiteReads(history_db)
    ev, snap = db.EventRow, db.SnapshotRow
    plain = (
        sa.select(snap.as_of, ev.board_id, sa.func.count(), sa.func.min(ev.id), sa.func.max(ev.id), sa.func.sum(ev.id))
        .join(snap, snap.id == ev.to_snapshot_id)
        .group_by(snap.as_of, ev.board_id)
    )
    with history_db.connect() as conn:
        expected = {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in conn.execute(plain)}
    groups = reads.event_groups()
    assert len(groups) > 3
    assert {(g.as_of, g.board): g.signature for g in groups} == expected
    every = list(reads.events())
    wanted = {(g.as_of, g.board) for g in sorted(groups, key=lambda g: g.as_of)[-3:]}
    some = list(reads.events(wanted))
    assert some  # in the order stored, only the groups asked for
    assert some == [(day, event) for day, event in every if (day, event.board) in wanted]


def grouped_plainly(engine, up_to: int | None = None) -> dict[tuple[object, str], tuple[int, ...]]:
    """The events' groups by a plain join (only the events up to an id, if given)."""
    ev, snap = db.EventRow, db.SnapshotRow
    plain = (
        sa.select(snap.as_of, ev.board_id, sa.func.count(), sa.func.min(ev.id), sa.func.max(ev.id), sa.func.sum(ev.id))
        .join(snap, snap.id == ev.to_snapshot_id)
        .group_by(snap.as_of, ev.board_id)
    )
    if up_to is not None:
        plain = plain.where(ev.id <= up_to)
    with engine.connect() as conn:
        return {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in conn.execute(plain)}


def test_grown_event_groups_are_the_groups_read_whole_and_refuse_a_table_that_shrank(history_db):
    reads = SiteReads(history_db)
    newest = max(reads.event_groups(), key=lambda g: g.signature[2])
    count, low, high, _ = newest.signature
    assert count > 1
    cut = low + (high - low) // 2  # the newest group half recorded: it grows, and new groups appear
    recorded = [
        publish_tables.EventGroup(day, board, signature)
        for (day, board), signature in grouped_plainly(history_db, cut).items()
    ]
    generate.add_snapshot(Store(history_db), History(history_db), "openrouter-weekly")
    grown = reads.grown_event_groups(recorded)
    assert grown is not None
    whole = {(g.as_of, g.board): g.signature for g in SiteReads(history_db).event_groups()}
    assert {(g.as_of, g.board): g.signature for g in grown} == whole == grouped_plainly(history_db)
    assert len(whole) > len(recorded)  # the new snapshot's events are a group of their own
    assert reads.grown_event_groups(list(grown)) == list(grown)  # nothing new: the same groups
    with history_db.begin() as conn:  # an event read at the mark, gone behind the tracker's back
        conn.execute(sa.delete(db.EventRow).where(db.EventRow.id == low))
    assert reads.grown_event_groups(recorded) is None
    assert reads.grown_event_groups(list(grown)) is None


def test_an_update_groups_only_the_new_events_and_gives_the_full_builds_downloads(history_db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(history_db, out)
    calls: dict[str, list[object]] = {"whole": [], "grown": []}
    whole, grown = SiteReads.event_groups, SiteReads.grown_event_groups
    monkeypatch.setattr(SiteReads, "event_groups", lambda self: calls["whole"].append(1) or whole(self))

    def watched(self, groups):
        calls["grown"].append(result := grown(self, groups))
        return result

    monkeypatch.setattr(SiteReads, "grown_event_groups", watched)
    generate.add_snapshot(Store(history_db), History(history_db), "arena-text")
    publish(history_db, out, workers=False)
    assert calls["whole"] == []
    assert len(calls["grown"]) == 1
    assert calls["grown"][0] is not None
    assert_same_as_a_full_build(history_db, out, tmp_path)

    # An event deleted behind the tracker's back: the groups are read whole, and the events downloads are
    # again those of a full build.
    with history_db.begin() as conn:
        first = conn.scalar(sa.select(sa.func.min(db.EventRow.id)))
        conn.execute(sa.delete(db.EventRow).where(db.EventRow.id == first))
    calls["whole"].clear()
    calls["grown"].clear()
    publish(history_db, out, workers=False)
    assert calls["grown"] == [None]
    assert calls["whole"] == [1]
    full = tmp_path / "after-the-delete"
    publish(history_db, full, full=True)
    for path in (publish_tables.EVENTS_CSV, publish_tables.EVENTS_JSON):
        assert (out / path).read_bytes() == (full / path).read_bytes()


def rank_chart_points(page: str, board_title: str) -> list[tuple[str, str]]:
    """The points of a model page's rank chart on a board (a line without gaps)."""
    charts = BeautifulSoup(page, "html.parser").find_all("svg", class_="chart")
    chart = next(c for c in charts if c.title.string.startswith("Rank of") and c.title.string.endswith(board_title))
    return re.findall(r"([\d.]+) ([\d.]+)", str(chart.find("path")["d"]))


def test_long_charts_are_thinned_alike_in_a_site_built_in_parts_an_update_and_a_full_build(
    history_db, tmp_path, monkeypatch
):
    """Beyond `CHART_POINTS` snapshots a chart plots one a week; lowered here so a few weeks of history are
    long: the site built in parts is still the one `render_site` makes, an update the full build's."""
    monkeypatch.setattr(timeline, "CHART_POINTS", 4)
    out = tmp_path / "site"
    publish(history_db, out)
    classic = classic_site(history_db)
    assert [p for p in classic if classic[p] != (out / p).read_bytes()] == []
    history = History(history_db)
    board = history.board_history("arena-text")
    assert len(board) > 2 * timeline.CHART_POINTS
    # A model listed in every snapshot: its rank chart plots each week's close and its first and last.
    steady = set.intersection(*({e.model_id for e in s.entries} for s in board))
    model = sorted(steady)[0]
    dates = [s.as_of for s in board]
    expected = timeline.chart_places(timeline.week_closes(dates), 0, len(dates))
    assert len(expected) < len(dates)
    page = (out / model_paths(SiteReads(history_db).model_spans(set()))[model]).read_text()
    assert len(rank_chart_points(page, BOARDS["arena-text"].title)) == len(expected)
    generate.add_snapshot(Store(history_db), history, "arena-text")
    publish(history_db, out)
    assert_same_as_a_full_build(history_db, out, tmp_path)


def test_chart_points_among_given_snapshots_are_those_of_a_whole_read(history_db):
    reads = SiteReads(history_db)
    history = History(history_db)
    board = history.board_history("arena-text")
    models = sorted({e.model_id for s in board for e in s.entries})[:6]
    whole = reads.chart_points(models)
    ids = [s.id for s in board]
    among = {models[0]: ids[::2], models[1]: ids[::2], models[2]: ids[:3], models[3]: [], models[4]: ids}
    some = reads.chart_points(models, among)
    assert set(some) == set(whole)
    for m in models:
        wanted = set(among.get(m, ()))
        assert some[m] == [p for p in whole[m] if p[0] in wanted], m
    assert some[models[0]]
    assert some[models[3]] == some[models[5]] == []


def test_the_build_key_covers_the_model_map_the_matches_come_from(monkeypatch):
    """A publish with nothing new takes the steps before the build (the matches among them) as done by
    the last one only under the same build key, so another model map must give another key."""
    from tracker.site.manifest import build_key

    before = build_key(base_url=None)
    read = Path.read_bytes

    def edited(path: Path) -> bytes:
        data = read(path)
        return data + b"\n# edited\n" if path.name == "model_map.yaml" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert build_key(base_url=None) != before
