"""Publishing: the history -> the site's data -> pages, feeds, downloads -> one atomic swap into place.

Everything the site says comes from the database, and every date in it from the data (the newest moment
the history knows of), so the same database always gives the same site, byte for byte.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from tracker.dbcopy import export_sqlite
from tracker.history import History
from tracker.models import BOARDS, SOURCES
from tracker.pipeline.portfolio import site_portfolio
from tracker.site import build_context, render_site, write_site

log = logging.getLogger(__name__)

DATABASE_FILE = "data/history.sqlite"


@dataclass(frozen=True)
class PublishResult:
    out: Path
    files: int


def publish_site(engine: Engine, history: History, out: Path, *, base_url: str | None) -> PublishResult:
    """Build the whole site from the history and swap it into `out`."""
    clock = history.data_clock()
    context = build_context(
        snapshots={b: history.board_history(b) for b in BOARDS},
        events=[(stored.event, stored.to_as_of) for stored in history.events()],
        posts=history.posts(),
        prices=history.price_history(),
        models=history.model_infos(),
        status=history.source_status(SOURCES, clock) if clock else (),
        base_url=base_url,
        database_download=True,
        portfolio=site_portfolio(history),
    )
    files = render_site(context)
    with tempfile.TemporaryDirectory(prefix="tracker-publish-") as tmp:
        copy = export_sqlite(engine, Path(tmp) / "history.sqlite")
        write_site(files, out, copy_in={DATABASE_FILE: copy})
    log.info("published %d files to %s", len(files) + 1, out)
    return PublishResult(out, len(files) + 1)
