"""The built site in a real headless Chromium: no console errors, sortable tables, hostile names inert.

Uses Debian's chromium (/usr/bin/chromium, or TRACKER_CHROMIUM); never downloads a browser. Skips when
it is missing, except in CI (CI=true), where a missing browser fails the test.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_site_context import HOSTILE, hostile_snapshots, sample_context, sample_post

from tracker.site import render_site, write_site

pytestmark = pytest.mark.browser

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = Path(os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    context = sample_context(snapshots=hostile_snapshots(), posts=[sample_post(1), sample_post(2)])
    write_site(render_site(context), out)
    return out


@pytest.fixture(scope="module")
def base_url(site_dir: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"chromium not found at {CHROMIUM} (install Debian's chromium or set TRACKER_CHROMIUM)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A page with every console error, page error, failed request and dialog recorded."""

    def __init__(self, browser: Any, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, url: str) -> Any:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    w = Watched(browser, DESKTOP)
    yield w
    w.close()


def model_path(model_id: str) -> str:
    return next(m.path for m in sample_context(snapshots=hostile_snapshots()).models if m.model_id == model_id)


PAGES = ("index.html", "boards/arena-text.html", "boards/openrouter-weekly.html", "__model__")


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_without_errors_and_hostile_names_stay_inert(watched: Watched, base_url: str, path: str) -> None:
    path = model_path("../../etc/passwd") if path == "__model__" else path
    page = watched.open(base_url + path)
    assert watched.problems == []
    assert watched.dialogs == []
    injected = page.evaluate(
        """() => document.querySelectorAll(
            'img, [onerror], [onload], a[href^="javascript:"],'
            + ' script:not([src]):not([type="application/ld+json"])'
        ).length"""
    )
    assert injected == 0
    assert page.evaluate("() => document.querySelectorAll('script[src]').length") == 1


def row_names(page: Any) -> list[str]:
    return page.eval_on_selector_all("table.sortable tbody tr", "rows => rows.map(r => r.cells[1].textContent.trim())")


def test_clicking_a_header_sorts_the_table(watched: Watched, base_url: str) -> None:
    page = watched.open(base_url + "boards/arena-text.html")
    entries = hostile_snapshots()["arena-text"][-1].entries
    by_rank = [e.model for e in sorted(entries, key=lambda e: e.rank or 0)]
    assert row_names(page) == by_rank  # readable order without any script: rank order
    by_score = [e.model for e in sorted(entries, key=lambda e: (e.score, e.rank))]
    page.get_by_role("button", name="Score").click()
    assert row_names(page) == by_score
    assert page.get_attribute("th:has(button:text('Score'))", "aria-sort") == "ascending"
    page.get_by_role("button", name="Score").click()
    assert row_names(page) == [e.model for e in sorted(entries, key=lambda e: (-(e.score or 0), e.rank))]
    page.get_by_role("button", name="Model").click()
    assert row_names(page) == sorted(by_rank, key=str.lower)
    assert watched.problems == []
    assert watched.dialogs == []


def test_sorting_and_styles_work_from_file_urls(watched: Watched, site_dir: Path) -> None:
    page = watched.open((site_dir / "boards" / "openrouter-weekly.html").as_uri())
    tokens_desc = row_names(page)
    page.get_by_role("button", name="Tokens").click()
    assert row_names(page) == list(reversed(tokens_desc))
    assert "system-ui" in page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert watched.problems == []


@pytest.mark.parametrize(("label", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_screenshots_on_phone_and_desktop(
    browser: Any, base_url: str, tmp_path: Path, label: str, viewport: dict[str, int]
) -> None:
    w = Watched(browser, viewport)
    try:
        for name, path in (
            ("home", "index.html"),
            ("board", "boards/arena-text.html"),
            ("model", model_path("deepseek/deepseek-v4-flash-20260423")),
        ):
            page = w.open(base_url + path)
            shot = tmp_path / f"{name}-{label}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 5_000
            # Nothing wider than the screen except inside the horizontal scroll boxes.
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, (name, overflow)
        assert w.problems == []
        assert w.dialogs == []
    finally:
        w.close()


def test_hostile_names_show_as_text_in_the_browser(watched: Watched, base_url: str) -> None:
    page = watched.open(base_url + "boards/arena-text.html")
    shown = set(row_names(page))
    assert set(HOSTILE.values()) <= shown
    assert watched.dialogs == []
