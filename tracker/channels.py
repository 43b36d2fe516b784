"""Which channel collects each source, and where the upstreams are: `collect_capture` is the entry point.

- arena-text, arena-text-raw, arena-webdev: datasets-server `/filter` pages of the configs
  text_style_control, text, webdev -> format `hf-rows`.
- openrouter-weekly: the keyed Data API when an API key is given -> `openrouter-dataapi-json`;
  otherwise the keyless export CSV -> `openrouter-export-csv`.
- openrouter-models: `/api/v1/models` -> `openrouter-models-api`.

Base URLs come from the caller (tracker.config reads the environment); the fetcher must allow
their hosts, which `policy_for` arranges.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from tracker.capture import Capture, CaptureLayoutError, Validators
from tracker.channels_arena import ARENA_CONFIGS, collect_hf_rows
from tracker.channels_openrouter import collect_catalogue, collect_daily_export, collect_daily_keyed
from tracker.fetch import Fetcher
from tracker.fetch_policy import FetchPolicy, known_hosts
from tracker.models import CATALOGUE, SOURCES, UsageError

__all__ = [
    "ARENA_CONFIGS",
    "Capture",
    "CaptureLayoutError",
    "Upstreams",
    "Validators",
    "collect_capture",
    "policy_for",
]


@dataclass(frozen=True)
class Upstreams:
    """Base URLs of the upstreams.

    Overridden by TRACKER_HF_DATASETS_URL, TRACKER_ARENA_URL, TRACKER_OPENROUTER_URL (read in tracker.config).
    """

    hf_datasets_url: str = "https://datasets-server.huggingface.co"
    arena_url: str = "https://arena.ai"  # no default channel reads it yet; its host is still known
    openrouter_url: str = "https://openrouter.ai"

    def hosts(self) -> frozenset[str]:
        return known_hosts(self.hf_datasets_url, self.arena_url, self.openrouter_url)


def policy_for(upstreams: Upstreams, policy: FetchPolicy | None = None) -> FetchPolicy:
    """`policy` (default limits when None) with the known hosts of these upstreams allowed."""
    return dataclasses.replace(policy or FetchPolicy(), allowed_hosts=upstreams.hosts())


def collect_capture(
    source: str,
    fetcher: Fetcher,
    upstreams: Upstreams,
    *,
    today: date,
    api_key: str | None = None,
    previous: Validators | None = None,
) -> Capture:
    """Collect one source's capture, or raise the fetch/layout error that prevented it.

    `today` is the UTC date of the run (daily data is complete through the day before);
    `previous` holds the validators of the last capture, for a conditional GET where the
    channel supports one (the catalogue and the export manifest; the datasets-server pages
    and the Data API's moving date window have nothing to compare against).
    """
    if source in ARENA_CONFIGS:
        return collect_hf_rows(source, fetcher, upstreams.hf_datasets_url, config=ARENA_CONFIGS[source])
    if source == "openrouter-weekly":
        if api_key:
            return collect_daily_keyed(source, fetcher, upstreams.openrouter_url, api_key=api_key, today=today)
        return collect_daily_export(source, fetcher, upstreams.openrouter_url, today=today, previous=previous)
    if source == CATALOGUE:
        return collect_catalogue(source, fetcher, upstreams.openrouter_url, previous=previous)
    raise UsageError(f"unknown source {source!r}; known sources: {', '.join(SOURCES)}")
