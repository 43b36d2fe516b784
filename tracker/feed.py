"""RSS 2.0 and Atom feeds of the posts: the only module that uses feedgen.

Pure: a `FeedSpec` in, bytes out. feedgen stamps "now" into `lastBuildDate`/`updated` and prepends
entries by default; here every date comes from the data (the newest item, else the spec's `updated`)
and items are appended newest first, so the same posts always give the same bytes. An item's guid is
the post's stored guid (isPermaLink="false"), never derived from a URL that could change.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from tracker.models import Post

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

GENERATOR = "llm-rank-tracker"
# Characters XML 1.0 cannot carry at all; lxml refuses them, so they are dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    link: str  # the item's page, relative to the site root
    published: datetime  # aware
    summary: str  # plain text
    html: str  # the body as HTML, every text already escaped


@dataclass(frozen=True)
class FeedSpec:
    """One feed: what it is about and its items (any order: they are sorted newest first)."""

    key: str  # "all" or a board id: part of the feed's permanent Atom id
    title: str
    description: str
    page: str  # the site page the feed belongs to, relative to the site root
    items: tuple[FeedItem, ...]
    updated: datetime  # used when there are no items: the newest data date


def post_html(post: Post) -> str:
    """A post's body as HTML paragraphs, every text escaped."""
    parts = [f"<p>{escape(post.lead)}</p>"] if post.lead else []
    for section in post.sections:
        parts.append(f"<h2>{escape(section.heading)}</h2>")
        parts += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
    return "\n".join(parts)


def post_item(post: Post, link: str) -> FeedItem:
    return FeedItem(post.guid, post.title, link, post.published_at, post.lead, post_html(post))


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def atom_id(guid: str) -> str:
    """Atom ids must be IRIs: a guid that is not one is wrapped in a stable URN."""
    return guid if _URI.match(guid) else f"urn:llm-rank-tracker:post:{quote(guid, safe='')}"


def _href(base_url: str | None, feed_path: str, target: str) -> str:
    """Absolute under TRACKER_BASE_URL; otherwise relative to the feed file, as readers resolve it."""
    if base_url:
        url = urljoin(base_url.rstrip("/") + "/", target)
        # On a web server a folder's index page is the folder itself: the site link is the base URL.
        return url.removesuffix("index.html") if url.endswith("/index.html") else url
    return posixpath.relpath(target, posixpath.dirname(feed_path) or ".")


def _newest_first(items: Sequence[FeedItem]) -> list[FeedItem]:
    return sorted(items, key=lambda i: (i.published, i.guid), reverse=True)


def _generator(spec: FeedSpec, base_url: str | None, feed_path: str) -> FeedGenerator:
    from feedgen.feed import FeedGenerator  # imported when a feed is written: most publishes keep them

    items = _newest_first(spec.items)
    fg = FeedGenerator()
    fg.title(xml_text(spec.title))
    fg.description(xml_text(spec.description))
    fg.id(f"urn:llm-rank-tracker:feed:{quote(spec.key, safe='')}")
    fg.link(href=_href(base_url, feed_path, feed_path), rel="self")
    # feedgen takes the RSS channel link from the last link added: the site page.
    fg.link(href=_href(base_url, feed_path, spec.page), rel="alternate")
    fg.language("en")
    fg.generator(GENERATOR)
    updated = items[0].published if items else spec.updated
    fg.lastBuildDate(updated)
    fg.updated(updated)
    return fg


def _items(fg: FeedGenerator, spec: FeedSpec, base_url: str | None, feed_path: str, atom: bool) -> None:
    for item in _newest_first(spec.items):
        fe: Any = fg.add_entry(order="append")  # feedgen prepends by default
        fe.title(xml_text(item.title))
        fe.link(href=_href(base_url, feed_path, item.link), rel="alternate")
        fe.published(item.published)
        fe.updated(item.published)
        if atom:
            fe.id(atom_id(item.guid))
            fe.summary(xml_text(item.summary))
            fe.content(xml_text(item.html), type="html")
        else:
            fe.guid(item.guid, permalink=False)
            fe.pubDate(item.published)
            fe.description(xml_text(item.html))


def render_rss(spec: FeedSpec, *, path: str, base_url: str | None = None) -> bytes:
    """The RSS 2.0 document of a feed that will be published at `path` (relative to the site root)."""
    fg = _generator(spec, base_url, path)
    _items(fg, spec, base_url, path, atom=False)
    return bytes(fg.rss_str(pretty=True))


def render_atom(spec: FeedSpec, *, path: str, base_url: str | None = None) -> bytes:
    """The Atom 1.0 document of a feed that will be published at `path` (relative to the site root)."""
    fg = _generator(spec, base_url, path)
    _items(fg, spec, base_url, path, atom=True)
    return bytes(fg.atom_str(pretty=True))
