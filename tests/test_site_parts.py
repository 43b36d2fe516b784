"""Model pages built from chart points (what a publish reads) are the pages `build_context` makes from
whole snapshots, and a board or post page's key changes exactly when what it shows does."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from tracker.models import Entry, ModelInfo, Post, PostSection, Snapshot
from tracker.site import timeline
from tracker.site.build import build_context
from tracker.site.parts import (
    HeadData,
    board_page_key,
    chart_snapshots,
    head_parts,
    model_views,
    post_page_key,
    spans_of,
)

MONDAY = date(2026, 6, 1)


def snap(snapshot_id: int, board: str, as_of: date, entries: list[Entry]) -> Snapshot:
    moment = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=UTC)
    kwargs = {}
    if board == "openrouter-weekly":
        kwargs = {"window_start": as_of - timedelta(days=6), "window_end": as_of}
    return Snapshot(snapshot_id, board, as_of, moment, tuple(entries), f"h{snapshot_id}", "test", **kwargs)


def arena(model: str, name: str, rank: int, score: float | None, organization: str | None = None) -> Entry:
    return Entry(model, name, rank=rank, score=score, votes=1000, organization=organization)


def weekly(model: str, name: str, rank: int, tokens: int | None, organization: str | None = None) -> Entry:
    return Entry(model, name, rank=rank, tokens=tokens, organization=organization)


INFOS = [
    ModelInfo("alpha", "Alpha", "arena", "Alpha Labs", (("key", "alpha"), ("name", "Alpha Old"))),
    # No stored organization: the page takes the first one its entries name, in board then date order.
    ModelInfo("beta", "Beta", "arena", None),
    ModelInfo("gamma", "Gamma", "openrouter", None),
    ModelInfo("delta", "Delta", "openrouter", "Delta Inc"),
]

SNAPSHOTS = {
    "arena-text": [
        snap(1, "arena-text", MONDAY, [arena("alpha", "Alpha", 1, 1400.5), arena("beta", "Beta", 2, 1390.0)]),
        snap(
            3,
            "arena-text",
            MONDAY + timedelta(days=2),
            [arena("beta", "Beta", 1, 1401.25, "Beta Corp"), arena("alpha", "Alpha", 2, None)],
        ),
        snap(7, "arena-text", MONDAY + timedelta(days=4), [arena("alpha", "Alpha", 1, 1402.0)]),  # beta left
        snap(9, "arena-text", MONDAY + timedelta(days=6), [arena("beta", "Beta", 1, 1403.0, "Beta Later")]),
    ],
    "openrouter-weekly": [
        snap(2, "openrouter-weekly", MONDAY, [weekly("gamma", "Gamma", 1, 900), weekly("delta", "Delta", 2, 800)]),
        # a week missing: a gap on the charts
        snap(8, "openrouter-weekly", MONDAY + timedelta(days=14), [weekly("delta", "Delta", 1, 950, "D")]),
        snap(
            10,
            "openrouter-weekly",
            MONDAY + timedelta(days=21),
            [weekly("delta", "Delta", 1, None), weekly("gamma", "Gamma", 2, 700, "Gamma Org")],
        ),
    ],
}


def listed() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for history in SNAPSHOTS.values():
        for s in history:
            for e in s.entries:
                out.setdefault(e.model_id, []).append(s.id)
    return out


def head_data(snapshots=SNAPSHOTS) -> HeadData:
    return HeadData(
        snapshots=snapshots,
        spans=spans_of(listed(), snapshots),
        models=INFOS,
        prices=(),
        posts=(),
        status=(),
        latest_events=(),
        built_from=None,
        base_url=None,
        database_download=False,
        portfolio=None,
    )


def parts_of(snapshots=SNAPSHOTS):
    return head_parts(head_data(snapshots))


def points_and_organizations() -> tuple[dict, dict]:
    points: dict[str, list[tuple[int, int | None, float | None, int | None]]] = {}
    organizations: dict[str, dict[int, str]] = {}
    for history in SNAPSHOTS.values():
        for s in history:
            for e in s.entries:
                points.setdefault(e.model_id, []).append((s.id, e.rank, e.score, e.tokens))
                if e.organization:
                    organizations.setdefault(e.model_id, {})[s.id] = e.organization
    # A snapshot that a later observation of its date replaced is not in any board's history: ignored.
    points["alpha"].append((99, 50, 1.0, None))
    organizations.setdefault("gamma", {})[99] = "Replaced Org"
    return points, organizations


def test_model_views_from_chart_points_are_the_views_build_context_makes():
    classic = {v.model_id: v for v in build_context(snapshots=SNAPSHOTS, models=INFOS).models}
    points, organizations = points_and_organizations()
    ids = sorted(classic)
    built = {v.model_id: v for v in model_views(parts_of(), ids, points, organizations)}
    assert built == classic
    # The cases the data was made for: a gap on the weekly board, the organization found in entries.
    assert built["beta"].organization == "Beta Corp"
    assert built["gamma"].organization == "Gamma Org"
    assert built["alpha"].organization == "Alpha Labs"
    delta = built["delta"].boards[0]
    assert delta.values.values == (800.0, None, 950.0, None)
    assert delta.ranks.labels[0] == MONDAY.isoformat()
    beta = built["beta"].boards[0]
    assert beta.latest is not None
    assert beta.latest.score == 1403.0
    assert beta.ranks.values == (2.0, 1.0, None, 1.0)


def test_views_from_the_points_of_the_chart_snapshots_alone_are_the_same(monkeypatch):
    """A publish reads only the entries its charts plot (`chart_snapshots`): a long span (lowered here to
    more than two snapshots) plots each week's close and its first and last; a weekly board steps back
    in whole weeks. The views made from those points alone are the views made from every point."""
    monkeypatch.setattr(timeline, "CHART_POINTS", 2)
    classic = {v.model_id: v for v in build_context(snapshots=SNAPSHOTS, models=INFOS).models}
    points, organizations = points_and_organizations()
    wanted = chart_snapshots(parts_of(), spans_of(listed(), SNAPSHOTS), sorted(classic))
    # alpha: 1 (Mon), 3 (Wed), 7 (Fri) in one week: the first, the last, no close between them
    assert wanted["alpha"] == {1, 7}
    # beta: 1 .. 9 (Sun): its first and its last, the week's close
    assert wanted["beta"] == {1, 9}
    # gamma: weeks back from 10 (day 21): days 14 (snapshot 8), 7 (none), 0 (snapshot 2, its first)
    assert wanted["gamma"] == {2, 8, 10}
    some = {m: [p for p in points[m] if p[0] in wanted[m]] for m in classic}
    built = {v.model_id: v for v in model_views(parts_of(), sorted(classic), some, organizations)}
    assert built == classic
    assert built["alpha"].boards[0].ranks.labels == (MONDAY.isoformat(), (MONDAY + timedelta(days=4)).isoformat())


def test_a_model_without_points_has_no_board_history():
    built = model_views(parts_of(), ["alpha"], {}, {})
    assert built[0].boards == ()
    assert built[0].aliases == (("key", "alpha"), ("name", "Alpha Old"))


def test_a_board_page_key_changes_with_what_the_page_shows_only():
    context = parts_of().context
    text = next(v for v in context.boards if v.board.id == "arena-text")
    key = board_page_key(context, text)
    assert board_page_key(parts_of().context, text) == key  # the same inputs: the same key
    renamed = dataclasses.replace(text, rows=(dataclasses.replace(text.rows[0], name="Renamed"), *text.rows[1:]))
    assert board_page_key(context, renamed) != key
    assert board_page_key(context, dataclasses.replace(text, events=())) == key  # no events either way
    # Another board's new snapshot changes the navigation only if a title or path changes: not here.
    newer = dict(SNAPSHOTS)
    extra = snap(11, "openrouter-weekly", date(2026, 6, 29), [weekly("gamma", "Gamma", 1, 1000)])
    newer["openrouter-weekly"] = [*SNAPSHOTS["openrouter-weekly"], extra]
    other = parts_of(newer).context
    text_again = next(v for v in other.boards if v.board.id == "arena-text")
    assert board_page_key(other, text_again) == key
    weekly_before = next(v for v in context.boards if v.board.id == "openrouter-weekly")
    weekly_after = next(v for v in other.boards if v.board.id == "openrouter-weekly")
    assert board_page_key(other, weekly_after) != board_page_key(context, weekly_before)


def test_a_post_page_key_follows_the_post():
    context = parts_of().context
    post = Post(
        guid="urn:test:post:1",
        slug="week-1",
        title="Week 1",
        published_at=datetime(2026, 6, 8, tzinfo=UTC),
        lead="Lead.",
        sections=(PostSection("Heading", ("Paragraph.",)),),
        boards=("arena-text",),
        snapshot_ids=(1, 3),
    )
    with_post = head_parts(dataclasses.replace(head_data(), posts=(post,))).context
    view = with_post.posts[0]
    key = post_page_key(with_post, view)
    assert post_page_key(with_post, view) == key
    edited = dataclasses.replace(view, post=dataclasses.replace(post, lead="Another lead."))
    assert post_page_key(with_post, edited) != key
    assert post_page_key(context, view) == key  # the same navigation
