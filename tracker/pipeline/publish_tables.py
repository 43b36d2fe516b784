"""The big downloads of a publish, written block by block and streamed to disk.

A board's history download is one block per snapshot, the events download one block per (date, board);
`tracker.site.tables` makes the bytes. Each block's place in the published file is in the manifest, so
the next publish copies the blocks that did not change straight from the published file and renders
only the new ones (a new snapshot; the snapshots listing a renamed model). A file none of whose blocks
or framing changed is kept as it is.

The work is a `DownloadsJob`: plain data, so that a full publish can run it in a second process (the
downloads are about half of a full build's work) while the first renders the pages; with the SQLite
copy, that runs alongside (`Background`). Entries are read a chunk of snapshots at a time, straight
from the driver, so memory stays bounded whatever the length of the history.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from sqlalchemy import Engine, make_url, select
from sqlalchemy.exc import SQLAlchemyError

from tracker import db
from tracker.db import make_engine, uses_psycopg
from tracker.dbcopy import export_sqlite
from tracker.history_site import EventGroup, SiteReads
from tracker.models import BOARDS, Snapshot, TrackerError
from tracker.site import tables
from tracker.site.build import source_order
from tracker.site.context import DatedEvent
from tracker.site.downloads import (
    EVENT_COLUMNS,
    EVENTS_DOCUMENT,
    HISTORY_COLUMNS,
    STORED_ENTRY,
    board_document,
    events_csv_block,
    events_json_block,
    history_blocks_of,
    stored_rows,
)
from tracker.site.manifest import Block, Manifest
from tracker.site.writer import Tree, TreeRecord

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Framing:
    """How blocks sit in a file: head, before the first block, between blocks, after the last, or when none."""

    head: bytes
    lead: bytes = b""
    separator: bytes = b""
    tail: bytes = b""
    empty: bytes = b""

    @classmethod
    def csv(cls, columns: Sequence[str]) -> Framing:
        return cls(tables.csv_header(columns))

    @classmethod
    def json(cls, document: dict[str, object]) -> Framing:
        head, tail, empty = tables.json_parts(document)
        return cls(head, b"\n  ", tables.JSON_SEPARATOR, tail, empty)


@dataclass(frozen=True)
class Table:
    """One download file: its path and framing; its blocks come from the shared `render`, at `part`."""

    path: str
    framing: Framing
    part: int  # which of the rendered parts of a block is this file's


def write_tables(
    update: Tree,
    files: Sequence[Table],
    keys: Sequence[str],
    render: Callable[[str], Sequence[bytes]],
    *,
    old: Manifest | None,
    manifest: Manifest,
    stale: Collection[str] = (),
    prepare: Callable[[list[str]], None] | None = None,
) -> None:
    """Write (or keep) downloads made of the same blocks `keys`, in order, in one pass: `render(key)`
    gives a block's bytes for every file (a CSV and a JSON row block, say). A block is copied from the
    published file when it is there and not `stale`; `prepare` gets the keys to render, first."""
    writing: list[tuple[Table, dict[str, Block], Path | None, str]] = []
    for table in files:
        previous = {b.key: b for b in old.blocks.get(table.path, [])} if old is not None else {}
        source = update.current(table.path) if previous else None
        if source is not None and old is not None and source.stat().st_size != old.files.get(table.path, ("", -1))[1]:
            source, previous = None, {}  # not the file the manifest describes: make it afresh
        framing = table.framing
        fingerprint = hashlib.sha256(framing.head + framing.tail + "\n".join(keys).encode()).hexdigest()
        if (
            old is not None
            and source is not None
            and not any(k in stale for k in keys)
            and [b.key for b in old.blocks[table.path]] == list(keys)
            and old.files.get(table.path, ("",))[0] == fingerprint
        ):
            update.keep(table.path)
            manifest.files[table.path] = old.files[table.path]
            manifest.blocks[table.path] = old.blocks[table.path]
            continue
        writing.append((table, previous if source is not None else {}, source, fingerprint))
    if not writing:
        return
    missing = [k for k in keys if any(k not in previous or k in stale for _, previous, _, _ in writing)]
    if prepare is not None and missing:
        prepare(missing)
    with contextlib.ExitStack() as stack:
        outs = [
            _Output(stack.enter_context(update.stream(table.path)), stack.enter_context(_open(source)))
            for table, _, source, _ in writing
        ]
        positions = [0] * len(writing)
        blocks: list[list[Block]] = [[] for _ in writing]
        for i, (table, _, _, _) in enumerate(writing):
            outs[i].write(table.framing.head)
            positions[i] = len(table.framing.head)
        for n, key in enumerate(keys):
            rendered: Sequence[bytes] | None = None
            for i, (table, previous, _, _) in enumerate(writing):
                glue = table.framing.lead if n == 0 else table.framing.separator
                out = outs[i]
                if key in previous and key not in stale and out.source is not None:
                    there = previous[key]
                    if n and out.copied_to is not None and out.copied_to + len(glue) == there.start:
                        out.copy(out.copied_to, there.end)  # the separator before it is the same bytes
                    else:
                        out.write(glue)
                        out.copy(there.start, there.end)
                    size = there.end - there.start
                else:
                    rendered = rendered if rendered is not None else render(key)
                    out.write(glue + rendered[table.part])
                    size = len(rendered[table.part])
                start = positions[i] + len(glue)
                blocks[i].append(Block(key, start, start + size))
                positions[i] = start + size
        for i, (table, _, _, fingerprint) in enumerate(writing):
            closing = table.framing.tail if keys else table.framing.empty
            outs[i].write(closing)
            outs[i].flush()
            manifest.files[table.path] = (fingerprint, positions[i] + len(closing))
            manifest.blocks[table.path] = blocks[i]


class _Output:
    """A download being written: new bytes, and runs of bytes copied from the published file, merged when
    they follow each other there and copied by the kernel where it can (no trip through this process)."""

    def __init__(self, out: BinaryIO, source: BinaryIO | None) -> None:
        self.out, self.source = out, source
        self.copied_to: int | None = None  # where the last copied run ends in the published file
        self._run: tuple[int, int] | None = None

    def write(self, data: bytes) -> None:
        self.flush()
        self.out.write(data)
        self.copied_to = None

    def copy(self, start: int, end: int) -> None:
        if self._run is not None and self._run[1] == start:
            self._run = (self._run[0], end)
        else:
            self.flush()
            self._run = (start, end)
        self.copied_to = end

    def flush(self) -> None:
        if self._run is None:
            return
        (start, end), self._run = self._run, None
        assert self.source is not None
        self.out.flush()
        try:
            while start < end:
                done = os.copy_file_range(self.source.fileno(), self.out.fileno(), end - start, start)
                if done <= 0:
                    raise OSError("copy_file_range copied nothing")
                start += done
        except (AttributeError, OSError):  # no copy_file_range here (or not between these files)
            self.source.seek(start)
            while start < end:
                chunk = self.source.read(min(end - start, 1 << 20))
                self.out.write(chunk)
                start += len(chunk)


@contextlib.contextmanager
def _open(path: Path | None) -> Iterator[BinaryIO | None]:
    if path is None:
        yield None
        return
    with open(path, "rb") as handle:
        yield handle


# ---- the job: every download of a publish


@dataclass(frozen=True)
class BoardTables:
    """One board's history downloads: the snapshots (without entries, oldest first) and the framing."""

    board: str
    attribution: str
    csv_path: str
    json_path: str
    snapshots: tuple[Snapshot, ...]


@dataclass(frozen=True)
class DownloadsJob:
    database_url: str
    out_dir: str
    folder: str  # the new version of the site being filled
    old: bytes | None  # the last publish's manifest
    boards: tuple[BoardTables, ...]
    stale: frozenset[str]  # snapshots listing a model renamed since the last publish: rendered again
    events: bool = True  # the events downloads too
    database_copy: tuple[str, str | None] | None = None  # then the SQLite copy: (where, from which previous one)

    def to_render(self, parsed: Manifest | None = None) -> int:
        """How many blocks the job must render (the rest it copies): decides where it runs. `parsed`: the
        caller's `Manifest.from_bytes(self.old)`, if it has it (a big manifest takes a while to parse)."""
        old = parsed if parsed is not None else Manifest.from_bytes(self.old)
        if old is None:
            return sum(len(b.snapshots) for b in self.boards) + 1000
        count = 0
        for b in self.boards:
            published = {k.key for k in old.blocks.get(b.csv_path, [])}
            count += sum(1 for s in b.snapshots if str(s.id) in self.stale or str(s.id) not in published)
        return count


@dataclass(frozen=True)
class DownloadsDone:
    files: dict[str, tuple[str, int]]
    blocks: dict[str, list[Block]]
    record: TreeRecord
    peak_kb: int  # the process's peak resident memory, when it ran in a process of its own (else 0)


SNAPSHOT_CHUNK = 100  # snapshots whose entries are read (and held) at once


def run_downloads(job: DownloadsJob, engine: Engine | None = None, parsed: Manifest | None = None) -> DownloadsDone:
    """Write every download into the new version of the site; in this process (`engine`) or on its own.
    On its own, with downloads to write too, it makes the SQLite copy alongside them (`_Alongside`).
    `parsed`: `Manifest.from_bytes(job.old)`, if the caller has it."""
    own = engine is None
    copy = job.database_copy
    engine = engine or make_engine(job.database_url)
    alongside = _Alongside(job, engine) if own and copy is not None and (job.boards or job.events) else None
    try:
        reads = SiteReads(engine)
        tree = Tree(Path(job.out_dir), Path(job.folder))
        old = parsed if parsed is not None else Manifest.from_bytes(job.old)
        manifest = Manifest("", "")
        if job.boards:
            models = reads.model_names()
            for board_tables in job.boards:
                _board_downloads(tree, engine, models, board_tables, old, manifest, job.stale)
        if job.events:
            _event_downloads(tree, reads, old, manifest)
        others = 0  # the peak memory of a process making the copy alongside
        if alongside is not None:
            others, alongside = alongside.wait(tree), None
        elif copy is not None:
            export_copy(engine, copy)
        # The processes run at the same time: the sum of their peaks bounds what they held together.
        return DownloadsDone(manifest.files, manifest.blocks, tree.record(), peak_kb() + others if own else 0)
    finally:
        if alongside is not None:  # the downloads failed: the copy is of no use
            alongside.close()
        if own:
            engine.dispose()


def export_copy(engine: Engine, copy: tuple[str, str | None]) -> Path:
    """The SQLite copy at `copy[0]`, brought up to date from the previous one at `copy[1]`, if there is one."""
    target, previous = copy
    return export_sqlite(engine, Path(target), previous=None if previous is None else Path(previous))


class _Alongside:
    """The SQLite copy, made while this process writes the downloads. From an SQLite file it runs inside
    SQLite (which lets go of the GIL): a thread. From PostgreSQL its rows pass through Python, which
    would compete with the downloads for this process: a process of its own."""

    def __init__(self, job: DownloadsJob, engine: Engine) -> None:
        assert job.database_copy is not None
        self._error: BaseException | None = None
        self._process: _Process | None = None
        self._thread: threading.Thread | None = None
        if engine.dialect.name == "sqlite":
            self._thread = threading.Thread(target=self._copy, args=(engine, job.database_copy), daemon=True)
            self._thread.start()
        else:
            self._process = _Process(replace(job, old=None, boards=(), events=False), "the SQLite copy")

    def _copy(self, engine: Engine, copy: tuple[str, str | None]) -> None:
        try:
            export_copy(engine, copy)
        except BaseException as error:  # raised again by `wait`, in the thread that waits
            self._error = error

    def wait(self, tree: Tree) -> int:
        """Wait for the copy (raising what made it fail); the peak memory of its process, if it had one."""
        if self._process is not None:
            done = self._process.result()
            tree.adopt(done.record)
            return done.peak_kb
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        return 0

    def close(self) -> None:
        """The copy is no longer wanted: stop its process, or wait for its thread (a thread cannot be stopped)."""
        if self._process is not None:
            self._process.close()
        if self._thread is not None:
            self._thread.join()


def _board_downloads(
    tree: Tree,
    engine: Engine,
    models: dict[int, tuple[str, str]],
    job: BoardTables,
    old: Manifest | None,
    manifest: Manifest,
    stale: Collection[str],
) -> None:
    board = BOARDS[job.board]
    by_key = {str(s.id): s for s in job.snapshots}
    pending: list[int] = []  # the snapshots to render, newest first (taken from the end)
    held: list[dict[int, list[tuple[Any, ...]]]] = [{}]  # the entries of the chunk of snapshots being rendered

    def prepare(missing: list[str]) -> None:
        pending.extend(reversed([by_key[k].id for k in missing]))

    def render(key: str) -> tuple[bytes, bytes]:
        snap = by_key[key]
        if snap.id not in held[0]:
            chunk = {snap.id, *(pending.pop() for _ in range(min(SNAPSHOT_CHUNK, len(pending))))}
            held[0] = {}  # the chunk before goes first: only one is held at a time
            held[0] = stored_entries(engine, chunk)
        return history_blocks_of(stored_rows(board, snap.id, snap.as_of, held[0].get(snap.id, ()), models))

    files = [
        Table(job.csv_path, Framing.csv(HISTORY_COLUMNS), 0),
        Table(job.json_path, Framing.json(board_document(board, job.attribution)), 1),
    ]
    write_tables(tree, files, list(by_key), render, old=old, manifest=manifest, stale=stale, prepare=prepare)


_IDS = 500  # snapshot ids per query, well under every backend's parameter limit
_STORED = [db.EntryRow.__table__.c["model_id" if c == "model_row_id" else c] for c in STORED_ENTRY]
# From PostgreSQL: one index lookup per snapshot (OFFSET 0 keeps the subquery apart). For IN (...) the
# planner estimates rows evenly over the snapshots and scans the whole table for every chunk instead.
_STORED_PG = (
    "SELECT e.* FROM unnest(%s::integer[]) AS wanted(id), LATERAL (SELECT "  # noqa: S608 - the table's names
    + ", ".join(f'"{c.name}"' for c in _STORED)
    + " FROM entries WHERE snapshot_id = wanted.id OFFSET 0) AS e"
)


def stored_entries(engine: Engine, snapshot_ids: Collection[int]) -> dict[int, list[tuple[Any, ...]]]:
    """The entries of these snapshots as `STORED_ENTRY` tuples, by snapshot: the driver's own rows, read
    from PostgreSQL in binary form (no text to make and parse for every number)."""
    e = db.EntryRow
    ids = sorted(snapshot_ids)
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    with engine.connect() as conn:
        driver = conn.connection.dbapi_connection
        assert driver is not None
        for start in range(0, len(ids), _IDS):
            part = ids[start : start + _IDS]
            rows: Sequence[tuple[Any, ...]]
            if uses_psycopg(engine):
                with cast("psycopg.Connection[Any]", driver).cursor(binary=True) as binary:
                    rows = binary.execute(_STORED_PG, (part,)).fetchall()
            else:
                # Integer ids only: written into the SQL, which the driver runs as it is.
                query = select(*_STORED).where(e.snapshot_id.in_(part))
                cursor = driver.cursor()
                try:
                    cursor.execute(str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})))
                    rows = cursor.fetchall()
                finally:
                    cursor.close()
            for row in rows:
                found[row[0]].append(row)
    return found


EVENTS_CSV, EVENTS_JSON = "data/events.csv", "data/events.json"


def _event_downloads(tree: Tree, reads: SiteReads, old: Manifest | None, manifest: Manifest) -> None:
    groups = sorted(_event_groups(reads, old), key=lambda g: (g.as_of, source_order(g.board)))
    by_key = {_group_key(g): g for g in groups}
    loaded: dict[tuple[date, str], list[DatedEvent]] = defaultdict(list)

    def prepare(missing: list[str]) -> None:
        wanted = {(by_key[k].as_of, by_key[k].board) for k in missing}
        for day, event in reads.events(wanted):
            loaded[(day, event.board)].append(DatedEvent(day, event))

    def render(key: str) -> tuple[bytes, bytes]:
        events = loaded.pop((by_key[key].as_of, by_key[key].board), [])
        return events_csv_block(events), events_json_block(events)

    files = [
        Table(EVENTS_CSV, Framing.csv(EVENT_COLUMNS), 0),
        Table(EVENTS_JSON, Framing.json(EVENTS_DOCUMENT), 1),
    ]
    write_tables(tree, files, list(by_key), render, old=old, manifest=manifest, prepare=prepare)


def _group_key(group: EventGroup) -> str:
    """A block of the events downloads: its date, board and the signature of its events."""
    return "|".join([group.as_of.isoformat(), group.board, *(str(n) for n in group.signature)])


def _event_groups(reads: SiteReads, old: Manifest | None) -> list[EventGroup]:
    """The events' groups: those the last publish wrote the events downloads from (its block keys),
    grown by the events stored since, when nothing else changed; else grouped whole."""
    recorded = _recorded_groups(old)
    grown = None if recorded is None else reads.grown_event_groups(recorded)
    return reads.event_groups() if grown is None else grown


def _recorded_groups(old: Manifest | None) -> list[EventGroup] | None:
    """The groups behind the last publish's events downloads, read back from their block keys (None if
    it recorded none, or a key is not one `_group_key` writes)."""
    blocks = None if old is None else old.blocks.get(EVENTS_CSV)
    if blocks is None:
        return None
    groups = []
    for block in blocks:
        parts = block.key.split("|")
        if len(parts) != 6:
            return None
        try:
            day, numbers = date.fromisoformat(parts[0]), tuple(int(n) for n in parts[2:])
        except ValueError:
            return None
        groups.append(EventGroup(day, parts[1], (numbers[0], numbers[1], numbers[2], numbers[3])))
    return groups


def peak_kb() -> int:
    """This process's peak resident memory in KiB: VmHWM where Linux has it, since `ru_maxrss` also
    counts the parent's memory a spawned process had before it started this program; else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# ---- running the job in a process of its own


class Background:
    """The job running on its own, in a second Python process (`python -m tracker.pipeline.publish_tables`).
    From PostgreSQL the SQLite copy's rows pass through Python: a job with the copy and downloads to write
    starts a third process for the copy at the same moment (from SQLite the second process makes it in
    a thread, inside SQLite). Nothing is shared with this process but the job and the result."""

    def __init__(self, job: DownloadsJob) -> None:
        self._copy: _Process | None = None
        if job.database_copy is not None and (job.boards or job.events) and not _from_sqlite(job):
            self._copy = _Process(replace(job, old=None, boards=(), events=False), "the SQLite copy")
            job = replace(job, database_copy=None)
        self._downloads = _Process(job, "writing the downloads")

    def result(self) -> DownloadsDone:
        try:
            done = self._downloads.result()
            if self._copy is None:
                return done
            copied, self._copy = self._copy.result(), None
        finally:
            if self._copy is not None:  # the downloads failed: the copy is of no use
                self._copy.close()
        return _together(done, copied)

    def close(self) -> None:
        """Stop the processes if their result is no longer wanted (what needed it failed)."""
        self._downloads.close()
        if self._copy is not None:
            self._copy.close()


def _together(done: DownloadsDone, copied: DownloadsDone) -> DownloadsDone:
    a, b = done.record, copied.record
    record = TreeRecord(a.paths + b.paths, a.new + b.new, a.written + b.written)
    # The processes run at the same time: the sum of their peaks bounds what they held together.
    peak = done.peak_kb + copied.peak_kb
    return DownloadsDone({**done.files, **copied.files}, {**done.blocks, **copied.blocks}, record, peak)


def _from_sqlite(job: DownloadsJob) -> bool:
    return make_url(job.database_url).get_backend_name() == "sqlite"


# Failures a child process hands back as they are, for the command to report in one line as it would in
# this process (a full disk, the database gone); anything else comes back as a RuntimeError (a bug).
EXPECTED_FAILURES = (OSError, TrackerError, SQLAlchemyError)


def failure_to_send(error: BaseException, doing: str) -> BaseException:
    """What a child process sends back when `doing` failed with `error`: the error itself when it is an
    expected failure that survives pickling, else a RuntimeError naming it (and its traceback, for a bug,
    goes to the child's standard error, which is the command's)."""
    if isinstance(error, EXPECTED_FAILURES):
        with contextlib.suppress(Exception):
            pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, checked before they are sent
            return error
    traceback.print_exception(error)
    return RuntimeError(f"{doing} failed: {error!r}")


class _Process:
    """One job in a Python process of its own: the job goes in on stdin and the result comes back on
    stdout, both pickled."""

    def __init__(self, job: DownloadsJob, doing: str) -> None:
        self._doing = doing
        package_root = str(Path(__file__).resolve().parent.parent.parent)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p),
        }
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        payload = pickle.dumps(job)
        # The job may be bigger than a pipe's buffer: write it from a thread while this one goes on.
        self._feeder = threading.Thread(target=self._feed, args=(payload,), daemon=True)
        self._feeder.start()

    def _feed(self, payload: bytes) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError):
            stdin.write(payload)
        stdin.close()

    def result(self) -> DownloadsDone:
        assert self._process.stdout is not None
        answer = self._process.stdout.read()
        self._process.stdout.close()
        self._feeder.join()
        code = self._process.wait()
        done = pickle.loads(answer) if answer else None  # noqa: S301 - the answer of the process this one started
        if isinstance(done, BaseException):  # what failed there (`failure_to_send`), raised here
            raise done
        if code != 0:
            raise RuntimeError(f"{self._doing} failed in a process of its own (exit {code})")
        if not isinstance(done, DownloadsDone):
            raise RuntimeError(f"{self._doing}: the process gave no result")
        return done

    def close(self) -> None:
        """Stop the process if it still runs, and wait for it."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._feeder.join()  # its write ends (a broken pipe) with the process
        if self._process.stdout is not None and not self._process.stdout.closed:
            self._process.stdout.close()


def main() -> int:
    """The second process: read the job, run it, write the result (or what failed, exit 1)."""
    gc.disable()  # a short-lived process that makes millions of objects and keeps few: see publish.py
    # Run as `-m`, this file is __main__; the result must name the classes of the importable module.
    from tracker.pipeline import publish_tables

    job = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - written by the publishing process
    try:
        answer: object = publish_tables.run_downloads(job)
    except Exception as error:  # handed to the publishing process, which raises it
        answer = publish_tables.failure_to_send(error, "writing the downloads")
    sys.stdout.buffer.write(pickle.dumps(answer))
    sys.stdout.buffer.flush()
    return 1 if isinstance(answer, BaseException) else 0


if __name__ == "__main__":
    sys.exit(main())
