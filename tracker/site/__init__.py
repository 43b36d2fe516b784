"""Static site: the context pages need, pages, charts, downloads and the atomic writer.

Use: `files = render_site(build_context(...))` (pure), then `write_site(files, out_dir)` (I/O).
"""

from tracker.site.build import build_context
from tracker.site.context import SiteContext
from tracker.site.pages import render_site
from tracker.site.writer import write_site

__all__ = ["SiteContext", "build_context", "render_site", "write_site"]
