"""Render the site context into files: pages (Jinja2), feeds, downloads and the static assets.

Pure: a `SiteContext` in, `{path: bytes}` out, nothing written. Templates load from the package
`tracker.templates` (the repository's top-level templates/ folder), with autoescape on and undefined
names an error. Each page gets `root` ("" or "../") so every link is relative and the site works from
any folder and from file://.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket

from tracker.feed import FeedItem, FeedSpec, post_item, render_atom, render_rss
from tracker.site import charts, figures, scatter, timeline
from tracker.site.context import BoardView, ModelView, PostView, SiteContext, StaleNotice
from tracker.site.downloads import board_downloads, event_downloads
from tracker.site.paths import check_relative_path, root_prefix
from tracker.units import format_rank, format_score, format_tokens

SITE_TITLE = "LLM rank tracker"
STATIC_FILES = ("style.css", "sort.js")
DATABASE_PATH = "data/history.sqlite"


# How the templates are compiled: the compiled code depends on these as much as on the sources.
_TEMPLATE_OPTIONS: dict[str, Any] = {
    "autoescape": True,
    "undefined": StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
}


class TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept between runs (Jinja's bytecode cache, each checked against its template's
    source): a publish loads them instead of compiling them all again, which took about 0.1 s in each of
    its processes. A cache file that cannot be read or written is passed over, never an error."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged cache file: compile the template instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache(environ: Mapping[str, str] | None = None) -> TemplateCache | None:
    """The cache in the user's cache folder ($XDG_CACHE_HOME or ~/.cache, then llm-rank-tracker/templates);
    its files are named for this Jinja version and these options, so code compiled otherwise is never
    loaded. None where the folder cannot be made."""
    env = os.environ if environ is None else environ
    try:
        home = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
        folder = home / "llm-rank-tracker" / "templates"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to be found
        return None
    options = repr(sorted((k, getattr(v, "__name__", v)) for k, v in _TEMPLATE_OPTIONS.items()))
    tag = hashlib.sha256(f"{jinja2.__version__} {options}".encode()).hexdigest()[:16]
    return TemplateCache(str(folder), f"{tag}-%s.cache")


@functools.cache
def environment() -> Environment:
    """The site's templates, compiled code kept in the user's cache folder (`template_cache`)."""
    return make_environment(template_cache())


def make_environment(cache: BytecodeCache | None) -> Environment:
    root = files("tracker.templates")
    env = Environment(loader=FileSystemLoader(str(root)), bytecode_cache=cache, **_TEMPLATE_OPTIONS)  # noqa: S701 - autoescape is on
    env.filters.update(
        tokens=figures.tokens,
        score=figures.score,
        whole=figures.whole,
        signed_percent=figures.signed_percent,
        share=figures.share,
        price=figures.price,
        day=figures.day,
        moment=figures.moment,
        rank=format_rank,
        inline_json=figures.inline_json,
        changes=figures.describe_changes,
        signed_pct=figures.signed_pct,
        usd_estimate=figures.usd_estimate,
    )
    env.globals.update(
        sparkline=charts.sparkline, line_chart=_line_chart, scatter_chart=scatter.scatter_chart, site_title=SITE_TITLE
    )
    return env


def _line_chart(series: charts.Series, *, title: str, kind: str) -> Any:
    formatter: Callable[[float], str] = {
        "rank": lambda v: format_rank(round(v)),
        "tokens": lambda v: format_tokens(round(v)),
        "score": format_score,
    }[kind]
    label = {"rank": "Rank", "tokens": "Tokens", "score": "Score"}[kind]
    return charts.line_chart(series, title=title, value_label=label, format_value=formatter)


class _Pages:
    """Collects rendered files; refuses a path twice, as the writer would."""

    def __init__(self, context: SiteContext) -> None:
        self.context = context
        self.files: dict[str, bytes] = {}

    def add(self, path: str, data: bytes) -> None:
        check_relative_path(path)
        if path in self.files:
            raise ValueError(f"the site renders {path!r} twice")
        self.files[path] = data

    def page(self, path: str, template: str, stale: tuple[StaleNotice, ...] = (), **values: Any) -> None:
        html = (
            environment()
            .get_template(template)
            .render(ctx=self.context, page=path, root=root_prefix(path), stale=stale, **values)
        )
        self.add(path, html.encode("utf-8"))


def _feed_time(context: SiteContext) -> datetime:
    day = context.built_from
    return datetime.combine(day, time(), tzinfo=UTC) if day else datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Feed:
    """One feed file: where it goes, its format, what it lists."""

    path: str
    atom: bool
    spec: FeedSpec

    def render(self, base_url: str | None) -> bytes:
        renderer = render_atom if self.atom else render_rss
        return renderer(self.spec, path=self.path, base_url=base_url)

    def key(self, base_url: str | None) -> str:
        """A digest of everything the file says. A feed is dated by its newest item (by the data's newest
        date only when it has none), so new data without a new post leaves it as it was."""
        spec = self.spec
        dated = max((i.published for i in spec.items), default=spec.updated)
        about = (spec.key, spec.title, spec.description, spec.page)
        document = (self.path, self.atom, base_url, about, tuple(map(_item_digest, spec.items)), dated)
        return hashlib.sha256(repr(document).encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=4096)
def _item_digest(item: FeedItem) -> str:
    """A digest of one feed item, made once for the several feeds that list the same post."""
    return hashlib.sha256(repr(item).encode("utf-8")).hexdigest()


def feeds_of(context: SiteContext) -> list[Feed]:
    """The site's feeds: every post (RSS and Atom), and each board's posts (RSS)."""
    updated = _feed_time(context)

    made: dict[str, Any] = {}  # a post's item, by its page: each post is in the site feeds and its boards'

    def items(posts: tuple[PostView, ...]) -> tuple[Any, ...]:
        return tuple(made.get(p.path) or made.setdefault(p.path, post_item(p.post, p.path)) for p in posts)

    description = "What changed on the Arena leaderboards and OpenRouter's weekly token ranking."
    everything = FeedSpec("all", SITE_TITLE, description, "index.html", items(context.posts), updated)
    out = [Feed("feed.xml", False, everything), Feed("atom.xml", True, everything)]
    for view in context.boards:
        mentions = tuple(p for p in context.posts if view.board.id in {b.id for b, _ in p.boards})
        spec = FeedSpec(
            view.board.id,
            f"{SITE_TITLE}: {view.board.title}",
            f"Posts about {view.board.title}.",
            view.path,
            items(mentions),
            updated,
        )
        out.append(Feed(view.feed_path, False, spec))
    return out


def _feeds(context: SiteContext) -> dict[str, bytes]:
    return {feed.path: feed.render(context.base_url) for feed in feeds_of(context)}


def _board_page(pages: _Pages, view: BoardView) -> None:
    stale = (view.stale,) if view.stale else ()
    pages.page(view.path, "board.html", stale, view=view)


def _model_page(pages: _Pages, view: ModelView) -> None:
    pages.page(view.path, "model.html", view.stale, view=view)


def head_pages(context: SiteContext, *, boards: bool = True) -> dict[str, bytes]:
    """The pages about the whole site (home, boards, indexes, status, methodology, portfolio) and the assets;
    without the board pages with `boards=False` (`board_page` renders them one at a time)."""
    pages = _Pages(context)
    pages.page("index.html", "home.html", context.stale)
    for view in context.boards if boards else ():
        _board_page(pages, view)
    pages.page("models/index.html", "models.html")
    pages.page("posts/index.html", "archive.html")
    pages.page("status.html", "status.html", context.stale)
    pages.page("methodology.html", "methodology.html", database=DATABASE_PATH, chart_points=timeline.CHART_POINTS)
    if context.portfolio is not None:
        pages.page(context.portfolio.path, "portfolio.html")
    assets = files("tracker.templates")
    for name in STATIC_FILES:
        pages.add(name, assets.joinpath(name).read_bytes())
    return pages.files


def model_pages(context: SiteContext, models: Iterable[ModelView]) -> dict[str, bytes]:
    pages = _Pages(context)
    for model in models:
        _model_page(pages, model)
    return pages.files


def board_page(context: SiteContext, view: BoardView) -> bytes:
    pages = _Pages(context)
    _board_page(pages, view)
    return pages.files[view.path]


def post_page(context: SiteContext, post: PostView) -> bytes:
    return post_pages(context, (post,))[post.path]


def post_pages(context: SiteContext, posts: Iterable[PostView]) -> dict[str, bytes]:
    pages = _Pages(context)
    for post in posts:
        pages.page(post.path, "post.html", post=post)
    return pages.files


def render_site(context: SiteContext) -> dict[str, bytes]:
    """Every file of the site: pages, feeds, data downloads and assets, keyed by site-relative path."""
    pages = _Pages(context)
    parts = [
        head_pages(context),
        model_pages(context, context.models),
        post_pages(context, context.posts),
        _feeds(context),
        *(board_downloads(view) for view in context.boards),
        event_downloads(context.events),
    ]
    for part in parts:
        for path, data in part.items():
            pages.add(path, data)
    return dict(sorted(pages.files.items()))
