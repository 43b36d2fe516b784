"""What the last publish left in the site folder, and whether it is still current.

The light half of publishing: the database's fingerprint, the last manifest, and the answer of a publish
with nothing new (which writes nothing). `tracker publish` and `tracker run` ask it first, so when nothing
changed the command never loads the page code, the templates or the download writers (`publish`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from tracker.history_site import SiteReads
from tracker.lanes import DEFAULT_LANE_RULES, LaneRules
from tracker.site.manifest import Manifest, build_key
from tracker.site.writer import read_manifest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    out: Path
    files: int  # files in the published site
    written: int = -1  # files this publish wrote; the others were kept as they were (0: nothing new)
    models_rendered: int = 0
    worker_peak_kb: int = 0  # peak memory of the second process, when the downloads ran in one


def current_site(
    engine: Engine, out: Path, *, base_url: str | None, lanes: LaneRules = DEFAULT_LANE_RULES
) -> PublishResult | None:
    """What a publish with nothing new returns (it writes nothing), when the site in `out` is whole and
    was built by this version, with these settings, from the database as it is now; else None."""
    return LastPublish(SiteReads(engine), out, site_build_key(base_url, lanes)).current


def site_build_key(base_url: str | None, lanes: LaneRules) -> str:
    return build_key(base_url=base_url, database_download=True, portfolio=True, lanes=repr(lanes))


class LastPublish:
    """The database's fingerprint now; the last publish's manifest (and its bytes) if this version with
    these settings wrote it (never with `full`); and, if it was built from the database as it is now,
    the result of a publish that has nothing new to write."""

    def __init__(self, reads: SiteReads, out: Path, key: str, *, full: bool = False) -> None:
        self.database = reads.fingerprint()
        self.recorded = None if full else read_manifest(out)
        old = Manifest.from_bytes(self.recorded)
        if old is not None and old.build != key:
            old = None  # another version or other settings: nothing of the old site can be reused
        self.old = old
        self.current = None
        if old is not None and old.database == self.database and old.intact(out):
            log.info("nothing new since the last publish: %s is up to date", out)
            self.current = PublishResult(out, len(old.files), 0)
