"""A local stand-in for the upstreams, on 127.0.0.1: the Hugging Face datasets-server, OpenRouter's export
files and catalogue. Tests give it data (or scripted failures) and point the collectors at it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

EXPORT_DIR = "/api/v1/datasets/exports/rankings-daily"
Reply = tuple[int, dict[str, str], bytes]


def export_csv(daily: Sequence[Mapping[str, Any]]) -> bytes:
    """OpenRouter's keyless export CSV from daily rows {date, model_permaslug, total_tokens}: rank and share added."""
    by_day: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in daily:
        by_day[str(row["date"])].append(row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "model_permaslug", "rank", "total_tokens", "share_of_daily_tokens"])
    for day in sorted(by_day):
        rows = by_day[day]
        total = sum(int(r["total_tokens"]) for r in rows)
        models = sorted((r for r in rows if r["model_permaslug"] != "other"), key=lambda r: -int(r["total_tokens"]))
        for rank, r in enumerate(models, 1):
            writer.writerow([day, r["model_permaslug"], rank, r["total_tokens"], int(r["total_tokens"]) / total])
        for r in rows:
            if r["model_permaslug"] == "other":
                writer.writerow([day, "other", "", r["total_tokens"], int(r["total_tokens"]) / total])
    return out.getvalue().encode()


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.arena: dict[str, list[dict[str, Any]]] = {}  # config -> overall rows
        self.export: bytes | None = None  # the daily export CSV
        self.export_date: date | None = None
        self.models: bytes | None = None  # the catalogue JSON
        self.daily: list[dict[str, Any]] = []  # daily rows the keyed Data API answers from
        self.api_key: str | None = None  # the key the Data API accepts
        self.queries: list[tuple[str, dict[str, list[str]], str | None]] = []  # path, query, Authorization
        self.scripts: dict[str, list[Reply]] = defaultdict(list)  # path -> replies served before the data
        self.requests: list[str] = []
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def env(self) -> dict[str, str]:
        return {"TRACKER_HF_DATASETS_URL": self.base, "TRACKER_OPENROUTER_URL": self.base}

    def fail(self, path: str, *replies: Reply) -> None:
        """Serve these replies (in order) on `path` before the real data."""
        with self.lock:
            self.scripts[path].extend(replies)

    def reply(self, path: str, query: dict[str, list[str]], authorization: str | None = None) -> Reply:
        with self.lock:
            self.requests.append(path)
            self.queries.append((path, query, authorization))
            if self.scripts.get(path):
                return self.scripts[path].pop(0)
        if path in ("/filter", "/rows"):
            return self._page(query)
        if path == f"{EXPORT_DIR}/latest.manifest.json" and self.export is not None and self.export_date:
            manifest = {
                "dataset": "rankings-daily",
                "snapshot_date": self.export_date.isoformat(),
                "files": {
                    "csv": {
                        "url": f"https://openrouter.ai{EXPORT_DIR}/{self.export_date.isoformat()}.csv",
                        "bytes": len(self.export),
                        "sha256": hashlib.sha256(self.export).hexdigest(),
                    }
                },
            }
            return 200, {"content-type": "application/json"}, json.dumps(manifest).encode()
        if self.export_date and path == f"{EXPORT_DIR}/{self.export_date.isoformat()}.csv" and self.export:
            return 200, {"content-type": "text/csv"}, self.export
        if path == "/api/v1/datasets/rankings-daily" and self.api_key:
            if authorization != f"Bearer {self.api_key}":
                return 401, {"content-type": "application/json"}, b'{"error": "unauthorized"}'
            start, end = query["start_date"][0], query["end_date"][0]
            rows = [{**r, "total_tokens": str(r["total_tokens"])} for r in self.daily if start <= str(r["date"]) <= end]
            document = {"data": rows, "meta": {"start_date": start, "end_date": end, "version": "v1"}}
            return 200, {"content-type": "application/json"}, json.dumps(document).encode()
        if path == "/api/v1/models" and self.models is not None:
            return 200, {"content-type": "application/json"}, self.models
        return 404, {"content-type": "text/plain"}, b"not found"

    def _page(self, query: dict[str, list[str]]) -> Reply:
        config = query.get("config", [""])[0]
        if config not in self.arena:
            return 404, {}, b'{"error": "config not found"}'
        rows = self.arena[config]
        offset, length = int(query.get("offset", ["0"])[0]), int(query.get("length", ["100"])[0])
        names = list(rows[0]) if rows else []
        page = {
            "features": [{"feature_idx": i, "name": n, "type": {"_type": "Value"}} for i, n in enumerate(names)],
            "rows": [
                {"row_idx": i, "row": row, "truncated_cells": []}
                for i, row in enumerate(rows[offset : offset + length], start=offset)
            ],
            "num_rows_total": len(rows),
            "num_rows_per_page": length,
            "partial": False,
        }
        return 200, {"content-type": "application/json"}, json.dumps(page).encode()


class _Handler(BaseHTTPRequestHandler):
    server: Upstream

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        status, headers, body = self.server.reply(parts.path, parse_qs(parts.query), self.headers.get("Authorization"))
        self.send_response(status)
        headers = {"content-length": str(len(body)), **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@contextmanager
def running() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
