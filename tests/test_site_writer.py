"""The atomic writer: a whole new site or the whole old one, never half; no temp files left behind."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tracker.models import UsageError
from tracker.site import writer
from tracker.site.writer import MANIFEST, MARKER, SiteUpdate, Tree, read_manifest, write_site

OLD = {"index.html": b"old home", "boards/a.html": b"old board", "gone.html": b"only in the old site"}
NEW = {"index.html": b"new home", "boards/a.html": b"new board", "data/x.csv": b"a,b\r\n"}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def published(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(folder).items() if k != MARKER}


def leftovers(parent: Path, name: str = "site") -> list[str]:
    writer.settle()  # a replaced version is removed in the background
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_first_publish_and_replace(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    assert published(out) == OLD
    write_site(NEW, out)
    assert published(out) == NEW  # the old-only file is gone: the folder is replaced as a whole
    assert leftovers(tmp_path) == []
    assert (out / MARKER).exists()
    assert out.stat().st_mode & 0o755 == 0o755


def test_publishing_the_same_files_twice_gives_identical_bytes(tmp_path: Path) -> None:
    write_site(NEW, tmp_path / "one")
    write_site(NEW, tmp_path / "two")
    write_site(NEW, tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_disk_full_mid_write_leaves_the_old_site_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    real_write = writer._write_file
    written: list[Path] = []

    def fill_up(target: Path, data: bytes) -> None:
        if len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(target)
        real_write(target, data)

    monkeypatch.setattr(writer, "_write_file", fill_up)
    with pytest.raises(OSError, match="No space left") as info:
        write_site(NEW, out)
    assert info.value.errno == errno.ENOSPC
    assert len(written) == 2  # the failure really happened half-way
    assert published(out) == OLD
    assert leftovers(tmp_path) == []


class ExplodingFiles(Mapping[str, bytes]):
    """A lazily rendered site whose renderer raises while the writer reads it."""

    def __init__(self, files: dict[str, bytes], bad: str) -> None:
        self.files, self.bad = files, bad

    def __getitem__(self, key: str) -> bytes:
        if key == self.bad:
            raise RuntimeError("template error while rendering " + key)
        return self.files[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def test_a_renderer_exception_mid_build_leaves_the_old_site_whole(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    with pytest.raises(RuntimeError, match="template error"):
        write_site(ExplodingFiles(NEW, "data/x.csv"), out)  # sorted: boards/, data/ fail before index
    assert published(out) == OLD
    assert leftovers(tmp_path) == []


def test_a_failed_swap_puts_the_old_site_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    real_rename = Path.rename

    def rename(self: Path, target: Path) -> Path:
        if self.name.startswith(".site.tmp-"):
            raise OSError(errno.EIO, "I/O error")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="I/O error"):
        write_site(NEW, out)
    monkeypatch.undo()
    assert published(out) == OLD
    assert leftovers(tmp_path) == []


def test_a_killed_publish_is_recovered_next_time(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    # As if killed between "site -> backup" and "temp -> site": both folders left behind.
    out.rename(tmp_path / ".site.old-abc123")
    (tmp_path / ".site.tmp-abc123").mkdir()
    (tmp_path / ".site.tmp-abc123" / "half.html").write_bytes(b"half")
    write_site(NEW, out)
    assert published(out) == NEW
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "files",
    [
        {"../escape.html": b"x"},
        {"/etc/passwd": b"x"},
        {"a/../../b.html": b"x"},
        {"index.html": b"x", "INDEX.html": b"y"},  # the same file on a case-insensitive disk
        {"a": b"x", "a/b.html": b"y"},  # a file cannot also be a folder
    ],
)
def test_unsafe_or_repeated_paths_are_refused_before_anything_is_written(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    with pytest.raises(ValueError, match=r"unsafe|twice|inside a file"):
        write_site(files, out)
    assert published(out) == OLD
    assert leftovers(tmp_path) == []


def test_a_path_given_in_files_and_copy_in_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "db.sqlite"
    source.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(ValueError, match="twice"):
        write_site({"data/history.sqlite": b"x"}, tmp_path / "site", copy_in={"data/history.sqlite": source})


def test_copy_in_adds_files_from_disk(tmp_path: Path) -> None:
    source = tmp_path / "db.sqlite"
    source.write_bytes(b"SQLite format 3\x00rest")
    write_site(NEW, tmp_path / "site", copy_in={"data/history.sqlite": source})
    assert (tmp_path / "site" / "data" / "history.sqlite").read_bytes() == source.read_bytes()


def test_a_folder_not_published_by_the_tool_is_never_replaced(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    with pytest.raises(UsageError, match="refusing to replace"):
        write_site(NEW, home)
    assert (home / "thesis.tex").read_text() == "years of work"
    assert leftovers(tmp_path, "home") == []
    empty = tmp_path / "empty"
    empty.mkdir()
    write_site(NEW, empty)  # an empty folder is fine
    assert published(empty) == NEW


def test_a_file_in_the_way_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "site").write_text("not a folder")
    with pytest.raises(UsageError, match="not a folder"):
        write_site(NEW, tmp_path / "site")


def test_a_linked_site_folder_is_replaced_by_a_real_one_and_its_target_kept(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    write_site(OLD, target)
    (tmp_path / "site").symlink_to(target, target_is_directory=True)
    write_site(NEW, tmp_path / "site")
    assert not (tmp_path / "site").is_symlink()
    assert published(tmp_path / "site") == NEW
    assert published(target) == OLD  # the old link's target is not deleted through the link
    assert leftovers(tmp_path) == []


# ---- updating a published site: unchanged files kept as links, the same all-or-nothing swap


def test_an_update_keeps_unchanged_files_as_links_and_swaps_in_whole(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    board = (out / "boards" / "a.html").stat().st_ino
    with SiteUpdate(out) as update:
        update.keep("boards/a.html")
        update.write("index.html", b"new home")
        with update.stream("data/x.csv") as handle:
            handle.write(b"a,b\r\n")
        update.commit(manifest=b'{"format": 1}\n')
        assert update.written == 2  # the kept file is not written
    assert sorted(published(out)) == sorted([MANIFEST, "boards/a.html", "index.html", "data/x.csv"])
    assert tree(out)["boards/a.html"] == b"old board"
    assert (out / "boards" / "a.html").stat().st_ino == board  # the very same file, not a copy
    assert "gone.html" not in tree(out)  # what is not kept or written is gone
    assert read_manifest(out) == b'{"format": 1}\n'
    assert leftovers(tmp_path) == []


def test_an_update_that_fails_leaves_the_published_site_and_its_files_whole(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)

    def half_then_break() -> None:
        with SiteUpdate(out) as update:
            update.keep("boards/a.html")
            update.write("index.html", b"half of a new site")
            raise RuntimeError("renderer broke")

    with pytest.raises(RuntimeError, match="renderer broke"):
        half_then_break()
    assert published(out) == OLD
    assert (out / "boards" / "a.html").stat().st_nlink == 1  # the link in the dropped version is gone
    assert leftovers(tmp_path) == []
    with pytest.raises(FileNotFoundError), SiteUpdate(out) as update:
        update.keep("never-published.html")
    assert published(out) == OLD


def test_an_update_refuses_a_path_twice_and_unsafe_paths(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)

    def twice() -> None:
        with SiteUpdate(out) as update:
            update.write("index.html", b"one")
            update.keep("index.html")
            update.commit()

    with pytest.raises(ValueError, match="twice"):
        twice()
    with pytest.raises(ValueError, match="unsafe"), SiteUpdate(out) as update:
        update.write("../escape.html", b"x")
    assert published(out) == OLD
    assert not (tmp_path / "escape.html").exists()


def test_another_process_can_fill_the_same_new_version(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    with SiteUpdate(out) as update:
        assert update.folder is not None
        helper = Tree(out, update.folder)  # what a second process does with the folder's path
        helper.keep("index.html")
        helper.write("data/big.csv", b"x,y\r\n")
        update.adopt(helper.record())
        update.write("boards/a.html", b"new board")
        update.commit()
        assert update.written == 2
    assert published(out) == {"index.html": b"old home", "data/big.csv": b"x,y\r\n", "boards/a.html": b"new board"}
    assert read_manifest(out) is None  # committed without one


def test_keep_if_keeps_only_a_published_file_of_the_recorded_size(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site({"a.html": b"aaa", "deep/er/b.html": b"bbbb", "c.html": b"cc"}, out)
    (out / "link.html").symlink_to(out / "a.html")
    kept = (out / "deep/er/b.html").stat().st_ino
    with SiteUpdate(out) as update:
        assert update.keep_if("deep/er/b.html", 4)  # its folders made in the new version
        assert not update.keep_if("a.html", 4)  # another size: changed since it was recorded
        assert not update.keep_if("missing.html", 3)
        assert not update.keep_if("link.html", 3)  # a link is not a published file
        with pytest.raises(ValueError, match="unsafe"):
            update.keep_if("../c.html", 2)
        update.write("a.html", b"new")
        update.commit()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")) == ["a.html", "deep/er/b.html"]
    assert (out / "deep/er/b.html").read_bytes() == b"bbbb"
    assert (out / "deep/er/b.html").stat().st_ino == kept  # the very same file, not a copy


def test_early_flush_syncs_each_file_it_is_given_and_skips_what_it_cannot_open(tmp_path: Path, monkeypatch) -> None:
    files = [tmp_path / "a.csv", tmp_path / "b.json"]
    for f in files:
        f.write_bytes(b"x" * 100)
    synced: list[int] = []
    real_fsync = writer.os.fsync

    def recorded(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(writer.os, "fsync", recorded)
    flush = writer.EarlyFlush([str(files[0]), str(tmp_path / "gone.csv"), str(files[1])])
    flush.wait()
    assert synced == [f.stat().st_ino for f in files]  # in order; the missing file is left to the commit's sync


def test_the_replaced_version_is_removed_in_the_background(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    write_site(NEW, out)
    assert published(out) == NEW  # live at once
    removing = dict(writer._REMOVING)
    assert len(removing) == 1  # handed to an `rm` of its own, under a name a recovery never restores from
    (trash,) = removing
    assert Path(trash).parent == tmp_path
    assert Path(trash).name.startswith(".site.gone-")
    writer.settle()
    assert not os.path.lexists(trash)
    assert writer._REMOVING == {}
    assert leftovers(tmp_path) == []


def test_without_rm_the_replaced_version_is_removed_before_the_publish_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    monkeypatch.setattr(writer.shutil, "which", lambda name: None)
    write_site(NEW, out)
    assert writer._REMOVING == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no settle() needed
    assert published(out) == NEW


def test_a_removal_that_cannot_start_is_done_before_the_publish_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)

    def no_process(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(writer.subprocess, "Popen", no_process)
    write_site(NEW, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert published(out) == NEW


def test_a_removal_cut_short_is_finished_by_the_next_publish_and_never_restored(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(OLD, out)
    # As if the machine stopped while a background `rm` was at work, and again between the two renames
    # of a later swap: a half-removed version and a backup are left, and no published folder.
    half = tmp_path / ".site.gone-aaa111"
    (half / "boards").mkdir(parents=True)
    (half / "boards" / "a.html").write_bytes(b"half removed")
    out.rename(tmp_path / ".site.old-zzz999")
    write_site(NEW, tmp_path / "elsewhere")  # another site's publish touches nothing of this one
    with SiteUpdate(out) as update:  # recovery restores the backup, not the half-removed version
        assert published(out) == OLD
        update.write("index.html", b"newer")
        update.commit()
    assert published(out) == {"index.html": b"newer"}
    assert leftovers(tmp_path) == []


def test_a_version_still_being_removed_is_left_to_its_removal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class SlowRemoval:  # an `rm` that has not got round to it yet
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def poll(self) -> None:
            return None

        def wait(self) -> int:
            return 0

    out = tmp_path / "site"
    write_site(OLD, out)
    monkeypatch.setattr(writer.subprocess, "Popen", SlowRemoval)
    write_site(NEW, out)
    (first,) = writer._REMOVING
    write_site(OLD, out)  # the next publish does not remove it itself (the work would be done twice)
    assert os.path.isdir(first)
    assert len(writer._REMOVING) == 2
    monkeypatch.undo()
    writer._REMOVING.clear()  # as if the process had ended: the next publish finishes what is left
    write_site(NEW, out)
    writer.settle()
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="the background removal is an rm process on POSIX only")
def test_the_background_removal_does_not_hold_the_publish_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    slow_rm = tmp_path / "slow-rm"
    slow_rm.write_text('#!/bin/sh\nsleep 1\nexec rm "$@"\n')
    slow_rm.chmod(0o755)
    sites = tmp_path / "sites"
    out = sites / "site"
    write_site(OLD, out)
    monkeypatch.setattr(writer.shutil, "which", lambda name: str(slow_rm))
    write_site(NEW, out)
    (removing,) = writer._REMOVING.values()
    assert removing.poll() is None  # still at work
    fd = os.open(sites, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a next publish would not wait for the removal
    finally:
        os.close(fd)
    writer.settle()
    assert leftovers(sites) == []


@pytest.mark.parametrize("name", ["site.old-2", "site.tmp-2"])
def test_a_folder_named_like_a_backup_is_handled_as_any_other(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    write_site(OLD, out)
    write_site(NEW, out)
    (trash,) = writer._REMOVING
    assert Path(trash).name.startswith(f".{name}.gone-")  # found by the next publish's recovery
    writer.settle()
    assert published(out) == NEW
    assert leftovers(tmp_path, name) == []
