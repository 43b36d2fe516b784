"""OpenRouter's channels: the daily rankings (keyed Data API, or the keyless export files) and the catalogue.

- Keyed: `GET /api/v1/datasets/rankings-daily?start_date=&end_date=` with `Authorization: Bearer`.
  One request covers the window (the endpoint has no pages; spans up to 366 days), so the body is
  the upstream's JSON untouched: `{"data": [{date, model_permaslug, total_tokens (a string)}], "meta"}`.
- Keyless: `latest.manifest.json`, then the dated CSV it names, checked against the manifest's byte
  size and sha256. The manifest's absolute URL is moved onto the configured base URL, so a mirror
  works. The conditional GET is made on the manifest: unchanged manifest, unchanged data.
- Catalogue: `GET /api/v1/models`, conditional when the last capture had validators.

The API key only ever goes into the Authorization header of the request: never into a URL, a
message, a log line or a recorded header.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from tracker.capture import (
    Capture,
    Validators,
    json_object,
    layout_error,
    make_capture,
    require_body,
    transient_error,
)
from tracker.fetch import Fetcher, Response

DAILY_PATH = "/api/v1/datasets/rankings-daily"
EXPORT_MANIFEST_PATH = "/api/v1/datasets/exports/rankings-daily/latest.manifest.json"
MODELS_PATH = "/api/v1/models"
DAILY_DAYS = 14  # two full weeks: this week's sum and last week's, for the week-over-week change
MAX_DAILY_DAYS = 366  # the Data API's widest window

FORMAT_DATA_API = "openrouter-dataapi-json"  # names as the parser registry (tracker.sources) lists them
FORMAT_EXPORT_CSV = "openrouter-export-csv"
FORMAT_MODELS = "openrouter-models-api"


def collect_daily_keyed(
    source: str, fetcher: Fetcher, base_url: str, *, api_key: str, today: date, days: int = DAILY_DAYS
) -> Capture:
    """The last `days` complete UTC days of daily rows from the keyed Data API."""
    if not 1 <= days <= MAX_DAILY_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAILY_DAYS}, not {days}")
    end = today - timedelta(days=1)  # the last complete UTC day
    start = end - timedelta(days=days - 1)
    response = fetcher.get(
        base_url.rstrip("/") + DAILY_PATH,
        params={"start_date": start.isoformat(), "end_date": end.isoformat()},
        headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
    )
    document = json_object(source, response)
    if not isinstance(document.get("data"), list):
        raise layout_error(source, "Data API answer has no `data` list", response)
    meta = document.get("meta")
    upstream_end = _iso_date(meta.get("end_date")) if isinstance(meta, dict) else None
    complete = min(end, upstream_end) if upstream_end else end
    return make_capture(source, FORMAT_DATA_API, [response], response.body, complete_through=complete)


def collect_daily_export(
    source: str, fetcher: Fetcher, base_url: str, *, today: date, previous: Validators | None = None
) -> Capture:
    """The keyless daily export: the manifest, then the CSV it names, verified by size and sha256."""
    base = base_url.rstrip("/")
    previous = previous or Validators()
    manifest_response = fetcher.get(
        base + EXPORT_MANIFEST_PATH, etag=previous.etag, last_modified=previous.last_modified
    )
    if manifest_response.not_modified:
        return make_capture(source, FORMAT_EXPORT_CSV, [manifest_response], b"")
    manifest = json_object(source, manifest_response)
    csv_url, size, sha256 = _csv_entry(source, manifest, manifest_response)
    csv_response = fetcher.get(_on_base(csv_url, manifest_response.url, base))
    body = require_body(source, csv_response)
    if len(body) != size:
        raise transient_error(
            source, f"export CSV is {len(body)} bytes, its manifest says {size}: truncated", csv_response
        )
    if hashlib.sha256(body).hexdigest() != sha256:
        raise transient_error(source, "export CSV does not match its manifest's sha256", csv_response)
    complete = today - timedelta(days=1)
    snapshot = _iso_date(manifest.get("snapshot_date"))
    if snapshot is not None:  # a snapshot holds the days before its date
        complete = min(complete, snapshot - timedelta(days=1))
    return make_capture(
        source,
        FORMAT_EXPORT_CSV,
        [manifest_response, csv_response],
        body,
        main=csv_response,
        conditional=manifest_response,
        complete_through=complete,
    )


def collect_catalogue(source: str, fetcher: Fetcher, base_url: str, *, previous: Validators | None = None) -> Capture:
    """The model catalogue (prices, context lengths), conditional on the last capture's validators."""
    previous = previous or Validators()
    response = fetcher.get(base_url.rstrip("/") + MODELS_PATH, etag=previous.etag, last_modified=previous.last_modified)
    body = b"" if response.not_modified else require_body(source, response)
    return make_capture(source, FORMAT_MODELS, [response], body)


def _csv_entry(source: str, manifest: dict[str, Any], response: Response) -> tuple[str, int, str]:
    """(url, bytes, sha256) of the CSV file a manifest names; a layout error when any is missing."""
    files = manifest.get("files")
    entry = files.get("csv") if isinstance(files, dict) else None
    if isinstance(entry, dict):
        url, size, sha256 = entry.get("url"), entry.get("bytes"), entry.get("sha256")
        if (
            isinstance(url, str)
            and url
            and isinstance(size, int)
            and not isinstance(size, bool)
            and size > 0
            and isinstance(sha256, str)
            and len(sha256) == 64
        ):
            return url, size, sha256.lower()
    raise layout_error(source, "export manifest names no CSV file with bytes and sha256", response)


def _on_base(url: str, manifest_url: str, base: str) -> str:
    """The CSV's URL on the configured base: an absolute URL keeps only its path and query."""
    parts = urlsplit(url)
    if not parts.netloc:  # relative to the manifest, which is already on the base
        return urljoin(manifest_url, url)
    on = urlsplit(base)
    return urlunsplit((on.scheme, on.netloc, on.path.rstrip("/") + parts.path, parts.query, ""))


def _iso_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
