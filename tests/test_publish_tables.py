"""The downloads job: board histories from the entries as stored (the rows `entry_rows` makes, read
cheaply), and the SQLite copy made alongside the downloads when the job runs on its own (a thread from
SQLite, a third process from PostgreSQL) giving the same files as made one after the other."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest

from tracker.dbcopy import export_sqlite
from tracker.history_site import SiteReads
from tracker.models import BOARDS
from tracker.pipeline import publish_tables
from tracker.pipeline.publish_tables import BoardTables, DownloadsJob, run_downloads, stored_entries
from tracker.site.build import download_paths
from tracker.site.downloads import entry_rows, stored_rows
from tracker.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import derive
import generate
from world import Plan

PLAN = Plan(days=16, scale=0.05)


@pytest.fixture
def history_db(engine):
    generate.generate(Store(engine), PLAN)
    derive.derive_events_and_posts(engine)
    return engine


def job_for(engine, folder: Path, **changes) -> DownloadsJob:
    chosen, _ = SiteReads(engine).snapshots()
    boards = []
    for board_id, history in sorted(chosen.items()):
        if board_id in BOARDS and history:
            csv_path, json_path = download_paths(BOARDS[board_id])
            ordered = tuple(sorted(history, key=lambda s: (s.as_of, s.id)))
            boards.append(BoardTables(board_id, "attribution", csv_path, json_path, ordered))
    folder.mkdir()
    url = engine.url.render_as_string(hide_password=False)
    return DownloadsJob(url, str(folder.parent / "published"), str(folder), None, tuple(boards), frozenset(), **changes)


def files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class Spy(publish_tables._Process):
    """A job's process, recording the jobs given and the processes stopped."""

    jobs: ClassVar[list[DownloadsJob]] = []
    closed: ClassVar[list[Spy]] = []

    def __init__(self, job: DownloadsJob, doing: str) -> None:
        Spy.jobs.append(job)
        super().__init__(job, doing)

    def close(self) -> None:
        Spy.closed.append(self)
        super().close()


@pytest.fixture
def spy(monkeypatch):
    Spy.jobs, Spy.closed = [], []
    monkeypatch.setattr(publish_tables, "_Process", Spy)
    return Spy


def test_rows_from_the_stored_entries_are_the_rows_of_their_entries(history_db):
    reads = SiteReads(history_db)
    models = reads.model_names()
    chosen, _ = reads.snapshots()
    compared = 0
    for board_id, history in chosen.items():
        ids = [s.id for s in history]
        held, stored = reads.entries(snapshot_ids=ids), stored_entries(history_db, ids)
        for snap in history:
            expected = entry_rows(BOARDS[board_id], snap.id, snap.as_of, held.fields(snap.id))
            assert stored_rows(BOARDS[board_id], snap.id, snap.as_of, stored[snap.id], models) == expected
            compared += len(expected)
    assert compared > 100


def test_the_copy_made_alongside_gives_the_same_files(history_db, tmp_path, spy):
    one_after_the_other = job_for(history_db, tmp_path / "a")
    run_downloads(one_after_the_other, history_db)
    export_sqlite(history_db, tmp_path / "a" / "copy.sqlite")
    alongside = job_for(history_db, tmp_path / "b", database_copy=(str(tmp_path / "b" / "copy.sqlite"), None))
    done = run_downloads(alongside)  # on its own: it opens the database itself
    assert files(tmp_path / "b") == files(tmp_path / "a")
    assert len([p for p in files(tmp_path / "a") if p.startswith("data/")]) == 2 * len(alongside.boards) + 2  # + events
    if history_db.dialect.name == "sqlite":  # inside SQLite: a thread of this process
        assert spy.jobs == []
    else:  # the rows pass through Python: a process of its own, counted in the peak memory
        assert [(j.boards, j.events, j.database_copy, j.old) for j in spy.jobs] == [
            ((), False, alongside.database_copy, None)
        ]
        assert done.peak_kb > publish_tables.peak_kb()
    assert spy.closed == []


def test_a_copy_that_fails_alongside_fails_the_job(history_db, tmp_path, spy):
    taken = tmp_path / "taken.sqlite"
    taken.write_bytes(b"keep me")
    job = job_for(history_db, tmp_path / "new", database_copy=(str(taken), None))
    with pytest.raises((FileExistsError, RuntimeError)):
        run_downloads(job)
    assert taken.read_bytes() == b"keep me"


def test_downloads_that_fail_stop_the_copy_alongside(history_db, tmp_path, spy, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("rendering a block failed")

    monkeypatch.setattr(publish_tables, "history_blocks_of", broken)
    target = tmp_path / "new" / "copy.sqlite"
    job = job_for(history_db, tmp_path / "new", database_copy=(str(target), None))
    with pytest.raises(RuntimeError, match="rendering a block failed"):
        run_downloads(job)
    if history_db.dialect.name != "sqlite":  # the copy's process is stopped, not left running
        [stopped] = spy.closed
        assert stopped._process.returncode is not None


def test_a_job_with_only_the_copy_makes_it_in_its_own_process(history_db, tmp_path):
    target = tmp_path / "new" / "copy.sqlite"
    job = job_for(history_db, tmp_path / "new", database_copy=(str(target), None))
    done = publish_tables.Background(replace(job, boards=(), events=False)).result()
    assert target.read_bytes() == export_sqlite(history_db, tmp_path / "direct.sqlite").read_bytes()
    assert done.peak_kb > 0


def test_in_the_background_the_copy_from_postgresql_starts_with_the_downloads(history_db, tmp_path, spy):
    """From PostgreSQL the copy gets a process of its own, started with the downloads' one; from SQLite
    the downloads' process makes it (in a thread). The same files, the same copy either way."""
    run_downloads(job_for(history_db, tmp_path / "a"), history_db)
    export_sqlite(history_db, tmp_path / "a" / "copy.sqlite")
    target = tmp_path / "b" / "copy.sqlite"
    job = job_for(history_db, tmp_path / "b", database_copy=(str(target), None))
    background = publish_tables.Background(job)
    done = background.result()
    if history_db.dialect.name == "sqlite":
        assert spy.jobs == [job]
    else:
        assert [(j.boards, j.events, j.database_copy) for j in spy.jobs] == [
            ((), False, job.database_copy),
            (job.boards, True, None),
        ]
    assert files(tmp_path / "b") == files(tmp_path / "a")
    assert sorted(done.files) == sorted(p for p in files(tmp_path / "a") if p.startswith("data/"))
    assert spy.closed == []


def test_in_the_background_a_failure_of_the_downloads_stops_the_copy(history_db, tmp_path, spy):
    job = job_for(history_db, tmp_path / "new", database_copy=(str(tmp_path / "new" / "copy.sqlite"), None))
    background = publish_tables.Background(replace(job, boards=(*job.boards, replace(job.boards[0], board="nope"))))
    with pytest.raises(RuntimeError, match="writing the downloads failed"):
        background.result()
    if history_db.dialect.name != "sqlite":
        [stopped] = spy.closed
        assert stopped._process.returncode is not None


def test_in_the_background_a_failure_of_the_disk_comes_back_as_itself(history_db, tmp_path, capfd):
    """The downloads' process cannot write (here: the new version's folder is under a file, as a disk that
    refuses writes would fail): the OSError reaches the publisher as it is, for the command to report in
    one line, and the process prints no traceback. A bug there still comes back as a RuntimeError, with
    the process's traceback on standard error."""
    job = job_for(history_db, tmp_path / "new")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    capfd.readouterr()
    with pytest.raises(NotADirectoryError, match="Not a directory"):
        publish_tables.Background(replace(job, folder=str(blocked / "new"))).result()
    assert "Traceback" not in capfd.readouterr().err
    with pytest.raises(RuntimeError, match="writing the downloads failed: KeyError"):
        publish_tables.Background(replace(job, boards=(replace(job.boards[0], board="nope"),))).result()
    assert "Traceback" in capfd.readouterr().err


def test_a_full_builds_downloads_are_shared_biggest_first_to_the_process_with_less_to_do():
    from tracker.pipeline.publish import EVENT_COST, PAGE_COST, share_downloads

    def board(name: str) -> BoardTables:
        return BoardTables(name, "", f"{name}.csv", f"{name}.json", ())

    boards = tuple(map(board, ("a-text", "b-webdev", "c-weekly")))
    job = DownloadsJob("sqlite://", "out", "folder", None, boards, frozenset())
    rows = {"a-text": 182_300, "b-webdev": 163_976, "c-weekly": 54_750}  # the benchmark's three years
    here, there = share_downloads(job, rows, 55_532, pages=553)
    # Biggest first, each to the process with less to do so far: the biggest board to the second process
    # (this one has 553 pages to render first), the next to this one, the events (costlier a row) to the
    # second, the smallest board to this one.
    assert 163_976 > 55_532 * EVENT_COST > 54_750
    assert 553 * PAGE_COST < 182_300 < 553 * PAGE_COST + 163_976
    assert ([b.board for b in there.boards], there.events) == (["a-text"], True)
    assert ([b.board for b in here.boards], here.events) == (["b-webdev", "c-weekly"], False)
    # Every part goes to exactly one process, boards in the job's order.
    for pages in (0, 100, 10**6):
        for events in (0, 10**6):
            one, two = share_downloads(job, rows, events, pages=pages)
            assert sorted(b.board for b in one.boards + two.boards) == ["a-text", "b-webdev", "c-weekly"]
            assert [one.events, two.events].count(True) == 1
            assert all(list(j.boards) == sorted(j.boards, key=job.boards.index) for j in (one, two))
    # A job without the events downloads gives neither process them.
    one, two = share_downloads(replace(job, events=False), rows, 10, pages=1)
    assert not one.events
    assert not two.events
