"""The post writer: a week of board diffs -> one `Post` in the house style (pure, deterministic, no clock).

Shape: a numbers-first headline from the events; a lead setting Arena's quality leaders against
OpenRouter's usage leader and saying how much moved; one section per board (registry order: Arena
Text, raw Text, WebDev, then OpenRouter); a "Sources" section with each board's required attribution.

Identity: `guid` is "urn:llm-rank-tracker:post:<date>" and `slug` is "<date>", where <date> is the
newest `as_of` among the boards' newer snapshots, so rebuilding from the same data gives the same post
and the week's later revisions update it in place. `published_at` defaults to that date at 00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from tracker.diff import entry_value
from tracker.models import BOARDS, Entry, Post, PostSection, ValueKind
from tracker.narrate_board import BoardWeek, board_paragraphs
from tracker.narrate_phrases import CI, at_value, join_list, names, plural, sentence, with_tokens
from tracker.narrate_portfolio import Matchup, matchup_section
from tracker.units import count_in_words, format_rank

__all__ = ["BoardWeek", "headline", "lead", "post_date", "write_post"]

GUID_PREFIX = "urn:llm-rank-tracker:post:"


def post_date(weeks: Sequence[BoardWeek]) -> date:
    """The date a post is about: the newest upstream date among its boards."""
    return max(w.newer.as_of for w in weeks)


def _in_order(weeks: Sequence[BoardWeek]) -> list[BoardWeek]:
    order = list(BOARDS)
    return sorted(weeks, key=lambda w: (order.index(w.board.id) if w.board.id in order else len(order), w.board.id))


def _leader(week: BoardWeek) -> Entry | None:
    ranked = week.ranked()
    return ranked[0] if ranked else None


# ---- headline


def _leader_story(week: BoardWeek) -> str | None:
    leader, short = _leader(week), names(week.board).short
    if leader is None:
        return None
    value = entry_value(week.board, leader)
    figures = with_tokens(value) if week.board.value is ValueKind.TOKENS else at_value(week.board, value)
    # A new leader inside Arena's confidence intervals is told in the body, hedged; the headline says "leads".
    verb = "takes #1 on" if any(e.significant is not False for e in week.of_kind("new_leader")) else "leads"
    return f"{leader.model} {verb} {short} {figures}"


def _mover_story(week: BoardWeek) -> str | None:
    movers = [e for e in week.of_kind("biggest_mover") if e.significant is not False]
    if len(movers) != 1:
        return None
    e = movers[0]
    verb = "climbs" if (e.to_rank or 0) < (e.from_rank or 0) else "falls"
    where = "" if week.board.value is ValueKind.TOKENS else f" on {names(week.board).short}"
    places = plural(int(e.extra.get("places", 0)), "place")
    return f"{e.model} {verb} {places} to {format_rank(e.to_rank)}{where}"


def _grew_story(week: BoardWeek) -> str | None:
    grew = week.of_kind("grew_lost_rank")
    if len(grew) < 2:
        return None
    return f"{plural(len(grew), 'model')} grew but lost rank on {names(week.board).short}"


def headline(weeks: Sequence[BoardWeek]) -> str:
    """Two stories, by priority: new leaders, the usage leader, the biggest usage move, growers that lost
    rank, the biggest Arena move, then any leader; stale boards offer their standing only."""
    ordered = _in_order(weeks)
    usage = [w for w in ordered if w.board.value is ValueKind.TOKENS]
    quality = [w for w in ordered if w.board.value is not ValueKind.TOKENS]
    candidates = [
        *(_leader_story(w) for w in ordered if any(e.significant is not False for e in w.of_kind("new_leader"))),
        *(_leader_story(w) for w in usage if not w.stale_since),
        *(_mover_story(w) for w in usage),
        *(_grew_story(w) for w in usage),
        *(_mover_story(w) for w in quality),
        *(_leader_story(w) for w in quality),
        *(_leader_story(w) for w in usage),
    ]
    stories: list[str] = []
    for story in candidates:
        if story and story not in stories:
            stories.append(story)
    return sentence("; ".join(stories[:2]))


# ---- lead


def _quality_clause(quality: Sequence[BoardWeek]) -> str:
    """ "claude-opus-4-6-thinking leads Arena's Text at 1502 and Arena's WebDev at ..." grouped by model."""
    by_model: dict[str, tuple[Entry, list[str]]] = {}
    for week in quality:
        leader = _leader(week)
        if leader is not None:
            shown = f"{names(week.board).owner} {at_value(week.board, entry_value(week.board, leader))}"
            by_model.setdefault(leader.model_id, (leader, []))[1].append(shown)
    return join_list([f"{leader.model} leads {join_list(boards)}" for leader, boards in by_model.values()])


def _usage_clause(usage: Sequence[BoardWeek]) -> str:
    parts = []
    for week in usage:
        leader = _leader(week)
        if leader is not None:
            n = names(week.board)
            parts.append(f"{leader.model} leads {n.owner} {n.noun} {with_tokens(leader.tokens, weekly=False)}")
    return join_list(parts)


def _movement(week: BoardWeek) -> str:
    n = names(week.board)
    if week.stale_since:
        return f"{n.owner} {n.noun} has not updated since {week.stale_since}"
    if week.older is None:
        return f"{n.owner} {n.noun} has no earlier snapshot to compare with"
    if week.nothing_new:
        return f"{n.owner} {n.noun} has no new snapshot since the previous post"
    moved = week.moved_in_top()
    if not moved:
        return f"nothing moved in {n.owner} top {week.top_n}"
    text = f"{plural(len(moved), 'model')} changed places in {n.owner} top {week.top_n}"
    unclear = sum(1 for e in moved if e.significant is False)
    if unclear and unclear == len(moved):
        text += f", {'all' if unclear > 1 else 'the move'} within {CI}"
    elif unclear:
        text += f", {count_in_words(unclear)} of them within {CI}"
    return text


def _leader_ids(weeks: Sequence[BoardWeek], *, usage: bool) -> set[str]:
    """Canonical ids of the leaders of the usage boards (or of the quality boards)."""
    leaders = (_leader(w) for w in weeks if (w.board.value is ValueKind.TOKENS) == usage)
    return {e.model_id for e in leaders if e is not None}


def lead(weeks: Sequence[BoardWeek]) -> str:
    """Quality leaders against usage leaders, then how much each board moved."""
    ordered = _in_order(weeks)
    quality = _quality_clause([w for w in ordered if w.board.value is not ValueKind.TOKENS])
    usage = _usage_clause([w for w in ordered if w.board.value is ValueKind.TOKENS])
    first = f"On quality, {quality}; on usage, {usage}." if quality and usage else f"{quality or usage}."
    if _leader_ids(ordered, usage=True) & _leader_ids(ordered, usage=False):
        first += " The same model leads on quality and on usage."
    return f"{first} {sentence('; '.join(_movement(w) for w in ordered))}."


# ---- the post


def _sources(weeks: Sequence[BoardWeek]) -> tuple[str, ...]:
    return tuple(
        f"{w.board.attribution.format(as_of=w.newer.as_of.isoformat())} ({w.board.title}; {w.board.licence})."
        for w in weeks
    )


def write_post(
    weeks: Sequence[BoardWeek], *, published_at: datetime | None = None, matchup: Matchup | None = None
) -> Post:
    """One post for the week; `published_at` defaults to the newest upstream date at 00:00 UTC.

    With a `matchup`, a "Prestige vs production" section sets Arena's quality leader against OpenRouter's
    traffic leader and their prices, before the sources.
    """
    if not weeks:
        raise ValueError("a post needs at least one board")
    if published_at is not None and published_at.tzinfo is None:
        raise ValueError("published_at must be timezone-aware")
    ordered = _in_order(weeks)
    day = post_date(ordered)
    sections = [PostSection(w.board.title, board_paragraphs(w)) for w in ordered]
    sources = _sources(ordered)
    matched = matchup_section(matchup)
    if matchup is not None and matched is not None:
        sections.append(matched)
        quoted = {w.board.id for w in ordered}
        sources += tuple(
            f"{b.attribution.format(as_of=as_of.isoformat())} ({b.title}; {b.licence})."
            for b, as_of in matchup.attributions()
            if b.id not in quoted
        )
    sections.append(PostSection("Sources", sources))
    snapshot_ids = {w.newer.id for w in ordered} | {w.older.id for w in ordered if w.older is not None}
    return Post(
        guid=f"{GUID_PREFIX}{day.isoformat()}",
        slug=day.isoformat(),
        title=headline(ordered),
        published_at=(published_at or datetime.combine(day, time(0), tzinfo=UTC)).astimezone(UTC),
        lead=lead(ordered),
        sections=tuple(sections),
        boards=tuple(w.board.id for w in ordered),
        snapshot_ids=tuple(sorted(snapshot_ids)),
    )
