"""The one writer: publish a whole site ({path: bytes}) to a folder in a single step.

The new site is written into a temporary folder next to the target, then swapped in by renames (target
-> backup, temporary -> target), so readers see the old site or the new one, never half of one. The
replaced version is then renamed out of the way and removed by an `rm` process of its own, which the
publish does not wait for (`settle` does): freeing its few hundred files and big downloads took about
0.1 s of every update, after the new site was already live. Any failure before the swap (a renderer
raising while its bytes are read, disk full) removes the temporary folder and leaves the published site
as it was. A folder this writer did not publish (no marker file) is never replaced, so a mistyped `--out
~` cannot delete anything.

`SiteUpdate` builds the new version from new files and from unchanged ones kept as hard links to the
published version, so a publish after a small change writes only what changed; the swap is the same.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tracker.models import UsageError
from tracker.site.paths import check_relative_path

MARKER = ".tracker-site"
MANIFEST = ".tracker-manifest.json"  # what the last publish wrote, so the next one can skip what did not change
MARKER_TEXT = b"Published by llm-rank-tracker; this folder is replaced as a whole on every publish.\n"

try:  # POSIX: serialise publishes to one folder; elsewhere the caller's run lock must do it
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def check_paths(paths: list[str]) -> None:
    """Refuse unsafe paths and any path given twice (also after case folding)."""
    seen: dict[str, str] = {}
    for path in paths:
        check_relative_path(path)
        folded = path.casefold()
        if folded in seen:
            raise ValueError(f"the site writes {path!r} twice (also as {seen[folded]!r})")
        seen[folded] = path
    files = set(seen)
    for folded in files:  # a file may not also be a folder ("a" and "a/b")
        parts = folded.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in files:
                raise ValueError(f"the site writes {seen[folded]!r} inside a file")


def _write_file(target: Path, data: bytes) -> None:
    # "x": a path written twice fails here too. Made durable before the swap by `_make_durable`.
    with open(target, "xb") as handle:
        handle.write(data)


def _make_durable(tmp: Path, written: list[Path]) -> None:
    """Everything written is on disk before the swap, so a crash after it leaves no empty files: one
    sync() where there is one (far cheaper than an fsync per file for hundreds of pages), else an fsync
    of each file written."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in written:  # pragma: no cover - platforms without sync()
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_if_possible(tmp)


class EarlyFlush:
    """Files of the new version written to disk in a background thread while other work goes on (a big
    download while pages are rendered), so that the sync before the swap finds them there already and
    waits only for the rest. Only a head start: `SiteUpdate.commit` makes everything durable either way,
    so a file that cannot be opened or flushed here is simply left to it."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._paths = list(paths)
        self._thread = threading.Thread(target=self._flush, name="early-flush", daemon=True)
        self._thread.start()

    def _flush(self) -> None:
        for path in self._paths:
            _fsync_if_possible(path)  # os.fsync lets go of the GIL while the disk works

    def wait(self) -> None:
        self._thread.join()


def _fsync_if_possible(path: str | Path) -> None:
    """fsync a file or folder where it can be opened and synced (not every file system lets a folder be
    opened for fsync; an early flush's file may be gone): for steps that only help durability along."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _publish_lock(parent: Path) -> Iterator[None]:
    """Hold an exclusive lock on the parent folder itself: no lock file is left lying around."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _remove(path: Path) -> None:
    if path.is_symlink():  # a published folder may have been a link: drop the link, not its target
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


# Replaced versions being removed in the background, each by an `rm` process of its own: path -> process.
_REMOVING: dict[str, subprocess.Popen[bytes]] = {}


def _reap() -> None:
    """Forget the background removals that have finished (their processes are collected)."""
    for where, remover in list(_REMOVING.items()):
        if remover.poll() is not None:
            del _REMOVING[where]


def _renamed(path: Path, stage: str, to: str) -> Path:
    """A version's folder beside the published one under its next stage's name (".tmp-" -> ".old-" ->
    ".gone-"): the last `stage` is the one this module added (the folder's own name may hold one too)."""
    head, _, tail = path.name.rpartition(stage)
    return path.with_name(f"{head}{to}{tail}")


def _discard(backup: Path) -> None:
    """Remove the version a swap replaced. It is renamed to a name `_recover` never restores from, then
    removed by an `rm` process of its own, which the publish does not wait for (it outlives a `tracker
    publish` if need be); where that cannot be done, removed here and now."""
    rm = shutil.which("rm") if os.name == "posix" else None
    if rm is None or backup.is_symlink():
        _remove(backup)
        return
    trash = _renamed(backup, ".old-", ".gone-")
    try:
        backup.rename(trash)
    except OSError:
        _remove(backup)
        return
    _reap()
    try:
        # The path is a sibling of the published folder that this module named: no shell, no options.
        remover = subprocess.Popen(  # noqa: S603
            [rm, "-rf", "--", str(trash)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        _remove(trash)
        return
    _REMOVING[str(trash)] = remover


def settle() -> None:
    """Wait until every replaced version this process handed to a background removal is gone."""
    while _REMOVING:
        _REMOVING.popitem()[1].wait()


def _recover(out_dir: Path) -> None:
    """Finish what a killed publish left: restore a backup if the target is missing, drop leftovers
    (a replaced version whose background removal was cut short too)."""
    parent, name = out_dir.parent, out_dir.name
    backups = sorted(parent.glob(f".{name}.old-*"))
    if backups and not os.path.lexists(out_dir):
        backups[-1].rename(out_dir)
        backups.pop()
    _reap()
    gone = [p for p in parent.glob(f".{name}.gone-*") if str(p) not in _REMOVING]  # not while its `rm` works
    for leftover in [*backups, *parent.glob(f".{name}.tmp-*"), *gone]:
        _remove(leftover)


def _check_replaceable(out_dir: Path) -> None:
    if not os.path.lexists(out_dir):
        return
    if not out_dir.is_dir():
        raise UsageError(f"cannot publish to {out_dir}: it is not a folder")
    if any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise UsageError(
            f"refusing to replace {out_dir}: it is not empty and was not published by this tool "
            f"(no {MARKER} file); remove it or choose another output folder"
        )


def _swap(tmp: Path, out_dir: Path) -> None:
    if not os.path.lexists(out_dir):
        tmp.rename(out_dir)
        return
    backup = _renamed(tmp, ".tmp-", ".old-")
    out_dir.rename(backup)
    try:
        tmp.rename(out_dir)
    except BaseException:
        backup.rename(out_dir)
        raise
    _discard(backup)


@dataclass(frozen=True)
class TreeRecord:
    """What was put into a new version of the folder (by another process, say): paths, new files, count."""

    paths: tuple[str, ...]
    new: tuple[str, ...]  # the files written (as opposed to kept), absolute
    written: int


class Tree:
    """A new version of a published folder being filled in a temporary folder beside it: `write` and
    `stream` new files, `produce` a path for a file something else writes, `keep` an unchanged file (a
    hard link to the published one: nothing is copied or rewritten). `SiteUpdate` swaps it in."""

    def __init__(self, out_dir: Path, tmp: Path | None = None) -> None:
        self.out_dir = Path(os.path.abspath(out_dir))
        self.written = 0  # files written (not kept) so far
        self._paths: list[str] = []
        self._new: list[Path] = []
        self._tmp = tmp
        self._folders: set[str] = set()  # folders of the new version made so far (relative, "" the top)

    def current(self, path: str) -> Path | None:
        """The file as published now, or None."""
        target = self.out_dir.joinpath(*check_relative_path(path).split("/"))
        return target if target.is_file() and not target.is_symlink() else None

    def _target(self, path: str) -> Path:
        if self._tmp is None:
            raise RuntimeError("the new version of the site is not open (use SiteUpdate as a context manager)")
        self._paths.append(check_relative_path(path))
        target = self._tmp.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, path: str, data: bytes) -> None:
        target = self._target(path)
        _write_file(target, data)
        self._new.append(target)
        self.written += 1

    @contextlib.contextmanager
    def stream(self, path: str) -> Iterator[BinaryIO]:
        """A file to write piece by piece (a big download), never whole in memory."""
        target = self._target(path)
        with open(target, "xb") as handle:
            yield handle
        self._new.append(target)
        self.written += 1

    def produce(self, path: str) -> Path:
        """Where to create a file that something else writes (e.g. a database copy), in the new version."""
        target = self._target(path)
        self._new.append(target)
        self.written += 1
        return target

    def keep_if(self, path: str, size: int) -> bool:
        """`keep` the published file if it is there, a file (not a link), of this size; False if not. The
        cheap form for keeping hundreds of pages: one `lstat` and one `link` each."""
        if self._tmp is None:
            raise RuntimeError("the new version of the site is not open (use SiteUpdate as a context manager)")
        native = check_relative_path(path).replace("/", os.sep)
        source = os.path.join(self.out_dir, native)
        try:
            found = os.lstat(source)
        except OSError:
            return False
        if not stat.S_ISREG(found.st_mode) or found.st_size != size:
            return False
        folder = os.path.dirname(native)
        if folder not in self._folders:
            os.makedirs(os.path.join(self._tmp, folder), exist_ok=True)
            self._folders.add(folder)
        self._paths.append(path)
        self._link(source, Path(self._tmp, native))
        return True

    def keep(self, path: str) -> None:
        """The published file, unchanged, in the new version too."""
        source = self.current(path)
        if source is None:
            raise FileNotFoundError(f"{path} is not in the published site")
        self._link(source, self._target(path))

    def _link(self, source: str | Path, target: Path) -> None:
        """The published file at `target` in the new version: a hard link, or a copy where there are none."""
        try:
            os.link(source, target)
        except OSError:  # a file system without hard links: copy it
            shutil.copyfile(source, target)
            self._new.append(target)

    def record(self) -> TreeRecord:
        return TreeRecord(tuple(self._paths), tuple(str(p) for p in self._new), self.written)

    def adopt(self, record: TreeRecord) -> None:
        """Count in what another `Tree` on the same temporary folder (another process) put there."""
        self._paths.extend(record.paths)
        self._new.extend(Path(p) for p in record.new)
        self.written += record.written

    @property
    def folder(self) -> Path | None:
        """The temporary folder being filled (for another process to fill it too), or None when closed."""
        return self._tmp


class SiteUpdate(Tree):
    """A new version of a published folder, built beside it and swapped in as a whole.

    Use as a context manager: fill it (see `Tree`), then `commit` to swap it in. Leaving the block
    without `commit`, or by an exception, drops the new version and leaves the published one as it was.
    Publishes to one folder are serialised.
    """

    def __init__(self, out_dir: Path) -> None:
        super().__init__(out_dir)
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> SiteUpdate:
        parent = self.out_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            stack.enter_context(_publish_lock(parent))
            _recover(self.out_dir)
            _check_replaceable(self.out_dir)
            self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.tmp-", dir=parent))
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)  # gone already when the swap succeeded
        finally:
            self._stack.close()

    def commit(self, manifest: bytes | None = None) -> None:
        """Swap the new version in (with `manifest` stored beside the marker, if given)."""
        if self._tmp is None:
            raise RuntimeError("SiteUpdate is used outside its `with` block")
        check_paths(self._paths)
        _write_file(self._tmp / MARKER, MARKER_TEXT)
        if manifest is not None:
            _write_file(self._tmp / MANIFEST, manifest)
        # mkdtemp makes the folder 0700 (its subfolders follow the umask); a web server must read the site.
        os.chmod(self._tmp, 0o755)  # noqa: S103 - a published site is public by design
        _make_durable(self._tmp, [*self._new, self._tmp / MARKER])
        _swap(self._tmp, self.out_dir)
        _fsync_if_possible(self.out_dir.parent)


def read_manifest(out_dir: Path) -> bytes | None:
    """The manifest stored with the published site by `SiteUpdate.commit`, or None."""
    path = Path(out_dir) / MANIFEST
    if not (Path(out_dir) / MARKER).is_file() or not path.is_file():
        return None
    return path.read_bytes()


def write_site(files: Mapping[str, bytes], out_dir: Path, *, copy_in: Mapping[str, Path] | None = None) -> None:
    """Publish `files` (site-relative "a/b.html" -> bytes) as the whole content of `out_dir`.

    `copy_in` adds files copied from disk (e.g. "data/history.sqlite" -> a consistent database copy made
    by the storage side) without reading them into memory. The previous content of `out_dir` is replaced.
    """
    copy_in = dict(copy_in or {})
    check_paths([*files, *copy_in])
    with SiteUpdate(out_dir) as update:
        for path in sorted([*files, *copy_in]):
            if path in files:
                update.write(path, files[path])
            else:
                with update.stream(path) as handle, open(copy_in[path], "rb") as source:
                    shutil.copyfileobj(source, handle)
        update.commit()
