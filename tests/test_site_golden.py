"""Golden site: one small site rendered and compared byte for byte with tests/golden/site/.

Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest tests/test_site_golden.py`;
then read the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
from importlib.resources import files
from pathlib import Path

from test_site_context import sample_context, sample_post, sample_snapshots

from tracker.site import render_site
from tracker.site.pages import STATIC_FILES

GOLDEN = Path(__file__).parent / "golden" / "site"


def small_site() -> dict[str, bytes]:
    # Two weeks of each board and one post: every page kind, a stale banner, prices, events.
    snapshots = {board: history[-2:] for board, history in sample_snapshots().items()}
    site = render_site(sample_context(snapshots=snapshots, posts=[sample_post(2)]))
    return {path: data for path, data in site.items() if path not in STATIC_FILES}


def golden_files() -> dict[str, bytes]:
    return {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in sorted(GOLDEN.rglob("*")) if p.is_file()}


def test_small_site_matches_the_golden_copy() -> None:
    site = small_site()
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for path, data in site.items():
            target = GOLDEN / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    golden = golden_files()
    assert sorted(site) == sorted(golden)
    for path in sorted(site):
        if site[path] != golden[path]:
            diff = difflib.unified_diff(
                golden[path].decode("utf-8").splitlines(),
                site[path].decode("utf-8").splitlines(),
                f"golden/{path}",
                f"rendered/{path}",
                lineterm="",
            )
            raise AssertionError("\n".join(list(diff)[:60]) + "\n(regenerate with UPDATE_GOLDEN=1 if intended)")


def test_static_assets_are_the_packaged_files() -> None:
    site = render_site(sample_context())
    for name in STATIC_FILES:
        assert site[name] == files("tracker.templates").joinpath(name).read_bytes()
