"""Static site: the context pages need, pages, charts, downloads and the atomic writer.

Use: `files = render_site(build_context(...))` (pure), then `write_site(files, out_dir)` (I/O).

The names below are loaded when first used: importing one light module of the package (the manifest, the
writer) does not load the templates and the page code, so `tracker publish` with nothing new starts
without them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.site.build import build_context
    from tracker.site.context import SiteContext
    from tracker.site.pages import render_site
    from tracker.site.writer import write_site

__all__ = ["SiteContext", "build_context", "render_site", "write_site"]

_HOMES = {
    "SiteContext": "tracker.site.context",
    "build_context": "tracker.site.build",
    "render_site": "tracker.site.pages",
    "write_site": "tracker.site.writer",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)
