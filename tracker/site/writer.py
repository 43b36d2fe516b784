"""The one writer: publish a whole site ({path: bytes}) to a folder in a single step.

The new site is written into a temporary folder next to the target, then swapped in by renames
(target -> backup, temporary -> target, backup removed), so readers see the old site or the new one,
never half of one. Any failure before the swap (a renderer raising while its bytes are read, disk full)
removes the temporary folder and leaves the published site as it was. A folder this writer did not
publish (no marker file) is never replaced, so a mistyped `--out ~` cannot delete anything.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from tracker.models import UsageError
from tracker.site.paths import check_relative_path

MARKER = ".tracker-site"
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
    # "x": a path written twice fails here too; fsync so a crash after the swap leaves no empty files.
    with open(target, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened for fsync
        fd = os.open(folder, os.O_RDONLY)
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


def _recover(out_dir: Path) -> None:
    """Finish what a killed publish left: restore a backup if the target is missing, drop leftovers."""
    parent, name = out_dir.parent, out_dir.name
    backups = sorted(parent.glob(f".{name}.old-*"))
    if backups and not os.path.lexists(out_dir):
        backups[-1].rename(out_dir)
        backups.pop()
    for leftover in [*backups, *parent.glob(f".{name}.tmp-*")]:
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


def _fill(tmp: Path, files: Mapping[str, bytes], copy_in: Mapping[str, Path]) -> None:
    for path in sorted([*files, *copy_in]):
        target = tmp.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if path in files:
            _write_file(target, files[path])
        else:
            shutil.copyfile(copy_in[path], target)
    _write_file(tmp / MARKER, MARKER_TEXT)
    # mkdtemp makes the folder 0700 (its subfolders follow the umask); a web server must read the site.
    os.chmod(tmp, 0o755)  # noqa: S103 - a published site is public by design


def _swap(tmp: Path, out_dir: Path) -> None:
    if not os.path.lexists(out_dir):
        tmp.rename(out_dir)
        return
    backup = tmp.with_name(tmp.name.replace(".tmp-", ".old-", 1))
    out_dir.rename(backup)
    try:
        tmp.rename(out_dir)
    except BaseException:
        backup.rename(out_dir)
        raise
    _remove(backup)


def write_site(files: Mapping[str, bytes], out_dir: Path, *, copy_in: Mapping[str, Path] | None = None) -> None:
    """Publish `files` (site-relative "a/b.html" -> bytes) as the whole content of `out_dir`.

    `copy_in` adds files copied from disk (e.g. "data/history.sqlite" -> a consistent database copy made
    by the storage side) without reading them into memory. The previous content of `out_dir` is replaced.
    """
    copy_in = dict(copy_in or {})
    check_paths([*files, *copy_in])
    out_dir = Path(os.path.abspath(out_dir))
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _publish_lock(parent):
        _recover(out_dir)
        _check_replaceable(out_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
        try:
            _fill(tmp, files, copy_in)
            _fsync_dir(tmp)
            _swap(tmp, out_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # gone already when the swap succeeded
        _fsync_dir(parent)
