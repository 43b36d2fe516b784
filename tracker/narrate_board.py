"""One board's section of a post: standing, entries and exits, moves, and who grew yet lost rank.

Each sentence builder takes events (and the snapshots they came from) and returns one sentence; the
paragraph builders decide which models each sentence covers, so that no model is told twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from tracker.diff import entry_value, growth_pct
from tracker.diff_rules import ci_separated, rank_of
from tracker.models import Board, Entry, Event, Snapshot, ValueKind, watched_top
from tracker.narrate_phrases import (
    CI,
    at_value,
    down,
    figure,
    figure_tokens,
    growth,
    join_list,
    names,
    plural,
    score_gap,
    sentence,
    tokens,
    with_tokens,
)
from tracker.units import count_in_words, format_rank

MAX_MOVES = 5  # moves told one by one; the rest are counted
MAX_GREW = 6


@dataclass(frozen=True)
class BoardWeek:
    """One board in a post: its newer snapshot, the older one it was compared with (if any), the events."""

    board: Board
    newer: Snapshot
    older: Snapshot | None
    events: Sequence[Event] = field(default_factory=tuple)

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind and e.board == self.board.id]

    @property
    def nothing_new(self) -> bool:
        """The board has no newer snapshot than the one it was compared with (the previous post's): no
        capture since, or the upstream did not update. Nothing moved because nothing was compared."""
        return self.older is not None and self.older.id == self.newer.id

    @property
    def stale_since(self) -> str | None:
        stale = self.of_kind("stale")
        return str(stale[0].extra.get("since", self.newer.as_of.isoformat())) if stale else None

    def growth_since(self, event: Event | None = None) -> str | None:
        """None when growth is week over week; else the older snapshot's date it is measured from."""
        if self.older is None or (event is not None and event.extra.get("growth_source") == "upstream"):
            return None
        gap = (self.newer.window_end or self.newer.as_of) - (self.older.window_end or self.older.as_of)
        return None if gap == timedelta(days=7) else self.older.as_of.isoformat()

    def ranked(self) -> list[Entry]:
        return sorted(self.newer.entries, key=lambda e: (rank_of(e), e.model_id))

    @property
    def top_n(self) -> int:
        return watched_top(self.events)

    def moved_in_top(self) -> list[Event]:
        """The moves within the watched top N (either side); a usage board's events cover its whole list."""
        return [e for e in self.of_kind("moved") if e.within(self.top_n)]


# ---- the standing: who leads, by how much, the top five


def stale_sentence(board: Board, since: str) -> str:
    """ "Arena's WebDev board has not updated since 2026-04-23." """
    n = names(board)
    return f"{n.owner} {n.noun} has not updated since {since}."


def new_leader_sentence(board: Board, event: Event) -> str:
    """ "X takes #1 from Y, up from #3." or "X enters at #1, taking the lead from Y." """
    previous = join_list([str(p["model"]) for p in event.extra.get("previous", ())]) or "the previous leader"
    if event.from_rank is None:
        text = f"{event.model} enters at #1, taking the lead from {previous}"
    else:
        text = f"{event.model} takes #1 from {previous}, up from {format_rank(event.from_rank)}"
    if event.significant is False:
        text += f", a change within {CI}"
    return text + "."


def top_sentence(week: BoardWeek, unchanged: Event | None, *, subject: str | None = None) -> str:
    """ "Arena's Text top five is unchanged: A at 1502, ..." or "A leads at 1567, followed by B at 1560"."""
    board = week.board
    if unchanged is not None:
        models = list(unchanged.extra["models"])
        listed = [f"{m['model']} {at_value(board, m['value'], unit=i == 0)}" for i, m in enumerate(models)]
        n = count_in_words(int(unchanged.extra["n"]))
        return f"{names(board).owner} top {n} is unchanged: {join_list(listed)}."
    leader, *rest = week.ranked()[:5]
    text = f"{subject or leader.model} leads {_leader_value(week, leader)}"
    if rest:
        text += ", followed by " + join_list([f"{e.model} {at_value(board, entry_value(board, e))}" for e in rest])
    return text + "."


def _leader_value(week: BoardWeek, leader: Entry) -> str:
    board = week.board
    if board.value is not ValueKind.TOKENS:
        return at_value(board, entry_value(board, leader))
    old = {e.model_id: e for e in week.older.entries}.get(leader.model_id) if week.older else None
    pct, source = growth_pct(board, leader, old)
    since = None if source == "upstream" else week.growth_since()
    text = with_tokens(leader.tokens)
    return text if pct is None else f"{text} and {growth(pct, since)}"


def margin_sentence(board: Board, first: Entry, second: Entry) -> str:
    """ "The lead over B is seven points, within the 95% confidence intervals." """
    ahead, behind = entry_value(board, first), entry_value(board, second)
    if ahead is None or behind is None:
        return ""
    if figure(board, ahead) == figure(board, behind):
        return f"{first.model} and {second.model} are level {at_value(board, ahead, unit=True)}."
    text = f"The lead over {second.model} is {score_gap(board, ahead, behind)}"
    if board.value is ValueKind.SCORE and ci_separated(first, second) is False:
        text += f", within {CI}"
    return text + "."


def standing_paragraph(week: BoardWeek) -> str:
    parts = []
    if week.stale_since:
        parts.append(stale_sentence(week.board, week.stale_since))
    leaders = week.of_kind("new_leader")
    parts += [new_leader_sentence(week.board, e) for e in leaders]
    unchanged = week.of_kind("top_unchanged")
    ranked = week.ranked()
    if not ranked:  # validation never stores an empty snapshot; say so rather than fail
        n = names(week.board)
        return " ".join([*parts, f"{n.owner} {n.noun} lists no models."])
    # Right after "X takes #1 ...", the standing goes on with "It leads ..." rather than the name again.
    subject = "It" if [e.model_id for e in leaders] == [ranked[0].model_id] else None
    parts.append(top_sentence(week, unchanged[0] if unchanged else None, subject=subject))
    if len(ranked) > 1:
        parts.append(margin_sentence(week.board, ranked[0], ranked[1]))
    return " ".join(p for p in parts if p)


# ---- what moved


def _route(event: Event) -> str:
    return f"from {format_rank(event.from_rank)} to {format_rank(event.to_rank)}"


def _climbed(event: Event) -> bool:
    return event.from_rank is not None and event.to_rank is not None and event.to_rank < event.from_rank


def _margin_note(event: Event) -> str:
    return f", within {CI}" if event.significant is False else ""


def _grew_despite(week: BoardWeek, event: Event) -> str | None:
    """ "despite 593B tokens and 23% week-over-week growth" for a token-board model that fell yet grew."""
    pct = event.growth_pct
    if week.board.value is not ValueKind.TOKENS or _climbed(event) or pct is None or pct <= 0:
        return None
    return f"despite {tokens(event.value_after)} and {growth(pct, week.growth_since(event))}"


def move_sentence(week: BoardWeek, event: Event) -> str:
    """ "Gemini 3 Flash Preview moved from #6 to #5 with 1.14T weekly tokens." """
    board, climbed = week.board, _climbed(event)
    text = f"{event.model} {'moved' if climbed else 'fell'} {_route(event)} "
    if board.value is ValueKind.TOKENS:
        text += _grew_despite(week, event) or with_tokens(event.value_after)
        if not climbed and event.growth_pct is not None and event.growth_pct < 0:
            text += ", " + down(event.growth_pct, week.growth_since(event))
    else:
        text += at_value(board, event.value_after)
    return text + _margin_note(event) + "."


def _mover_clause(week: BoardWeek, event: Event) -> str:
    """ "from #14 to #11 with 609B tokens" (figures as the biggest-mover sentence gives them)."""
    if week.board.value is ValueKind.TOKENS:
        figures = _grew_despite(week, event) or with_tokens(event.value_after, weekly=False)
    else:
        figures = at_value(week.board, event.value_after)
    return f"{_route(event)} {figures}{_margin_note(event)}"


def biggest_mover_sentence(week: BoardWeek, movers: Sequence[Event]) -> str:
    """ "X made the biggest top-20 rank move, climbing three places from #14 to #11 with 609B tokens." """
    if not movers:
        return ""
    top = int(movers[0].extra.get("within_top", week.top_n))
    places = plural(int(movers[0].extra.get("places", 0)), "place")
    if len(movers) == 1:
        e = movers[0]
        verb = "climbing" if _climbed(e) else "falling"
        return f"{e.model} made the biggest top-{top} rank move, {verb} {places} {_mover_clause(week, e)}."
    if len(movers) <= 3:
        told = [f"{e.model} {'climbed' if _climbed(e) else 'fell'} {_mover_clause(week, e)}" for e in movers]
        return f"The biggest top-{top} rank moves were {places} each: {join_list(told)}."
    listed = join_list([str(e.model) for e in movers])
    return sentence(f"{plural(len(movers), 'model')} shared the biggest top-{top} rank move, {places} each: {listed}.")


def entry_exit_sentence(week: BoardWeek, event: Event) -> str:
    """ "X entered the top 20, climbing from #24 to #18 with ..." / "X left the top 20 from #19 ..." """
    board, top = week.board, int(event.extra.get("within_top", week.top_n))
    if board.value is ValueKind.TOKENS:
        figures = with_tokens(event.value_after)
        if event.from_rank is None and event.growth_pct is not None:
            figures += f" and {growth(event.growth_pct, week.growth_since(event))}"
    else:
        figures = at_value(board, event.value_after)
    if event.kind == "entered" and event.from_rank is None:
        if board.value is not ValueKind.TOKENS:
            figures = f"with a score of {figure(board, event.value_after)}"
        return f"{event.model} is new in the top {top} at {format_rank(event.to_rank)} {figures}."
    if event.kind == "entered":
        return f"{event.model} entered the top {top}, climbing {_route(event)} {figures}{_margin_note(event)}."
    if event.to_rank is None:
        return f"{event.model} left the top {top} from {format_rank(event.from_rank)} and is no longer listed."
    return f"{event.model} left the top {top}, falling {_route(event)} {figures}{_margin_note(event)}."


def grew_lost_sentence(week: BoardWeek, event: Event) -> str:
    """ "MiniMax M2.7 fell from #11 to #13 despite 593B tokens and 23% week-over-week growth." """
    figures = _grew_despite(week, event) or f"despite growing to {tokens(event.value_after)}"
    return f"{event.model} fell {_route(event)} {figures}."


def shrank_gained_sentence(week: BoardWeek, event: Event) -> str:
    """ "X climbed from #9 to #8 even though its tokens fell 5% week-over-week, to 700B." """
    text = f"{event.model} climbed {_route(event)} even though its tokens fell"
    if event.growth_pct is not None:
        text += " " + down(event.growth_pct, week.growth_since(event)).removeprefix("down ")
    return f"{text}, to {figure_tokens(event.value_after)}."


# ---- the paragraphs


def _told_elsewhere(week: BoardWeek) -> set[str]:
    kinds = ("new_leader", "biggest_mover", "entered", "exited", "grew_lost_rank", "shrank_gained_rank")
    return {e.model_id for e in week.events if e.kind in kinds and e.model_id}


def changes_paragraph(week: BoardWeek) -> str:
    """Entries and exits (those not told as the biggest move or a new leader)."""
    skip = {e.model_id for e in week.of_kind("new_leader") + week.of_kind("biggest_mover")}
    told = [e for e in week.of_kind("entered") + week.of_kind("exited") if e.model_id not in skip]
    return " ".join(entry_exit_sentence(week, e) for e in told)


def moves_paragraph(week: BoardWeek) -> str:
    """The biggest mover, then mid-table moves by rank; the rest counted; or that nothing moved."""
    moved = week.moved_in_top()
    if not moved:
        return f"No model in the top {week.top_n} changed rank."
    elsewhere = _told_elsewhere(week)
    plain = [e for e in moved if e.model_id not in elsewhere]
    parts = [biggest_mover_sentence(week, week.of_kind("biggest_mover"))]
    parts += [move_sentence(week, e) for e in plain[:MAX_MOVES]]
    if len(plain) > MAX_MOVES:
        more = plural(len(plain) - MAX_MOVES, "other model")
        parts.append(sentence(f"{more} in the top {week.top_n} also changed places."))
    return " ".join(p for p in parts if p)


def grew_lost_paragraph(week: BoardWeek) -> str:
    """ "Three models grew and still lost rank. MiniMax M2.7 fell from #11 to #13 despite ..." """
    movers = {e.model_id for e in week.of_kind("biggest_mover")}
    grew = [e for e in week.of_kind("grew_lost_rank") if e.model_id not in movers]
    told = [e for e in grew if e.within(week.top_n)]
    below = len(grew) - len(told)
    parts = [sentence(f"{plural(len(told), 'model')} grew and still lost rank.")] if len(told) > 1 else []
    parts += [grew_lost_sentence(week, e) for e in told[:MAX_GREW]]
    if len(told) > MAX_GREW:
        parts.append(sentence(f"{plural(len(told) - MAX_GREW, 'other model')} did too."))
    if below:
        parts.append(sentence(f"Below the top {week.top_n}, {plural(below, 'more model')} grew yet lost rank."))
    return " ".join(parts)


def shrank_gained_paragraph(week: BoardWeek) -> str:
    told = [e for e in week.of_kind("shrank_gained_rank") if e.within(week.top_n)]
    return " ".join(shrank_gained_sentence(week, e) for e in told)


def no_comparison_sentence(board: Board) -> str:
    if board.value is ValueKind.TOKENS:
        return "No snapshot of the week before is stored, so no rank moves are reported."
    return "No earlier snapshot is stored, so no rank moves are reported."


def nothing_new_sentence(week: BoardWeek) -> str:
    n = names(week.board)
    return (
        f"{n.owner} {n.noun} has no new snapshot since the previous post; "
        f"these figures are as of {week.newer.as_of.isoformat()}."
    )


def board_paragraphs(week: BoardWeek) -> tuple[str, ...]:
    """A board's section, paragraph by paragraph: a stale board gets its standing only."""
    paragraphs = [standing_paragraph(week)]
    if week.stale_since:
        return tuple(paragraphs)
    if week.older is None:
        return (*paragraphs, no_comparison_sentence(week.board))
    if week.nothing_new:
        return (*paragraphs, nothing_new_sentence(week))
    paragraphs += [
        changes_paragraph(week),
        moves_paragraph(week),
        grew_lost_paragraph(week),
        shrank_gained_paragraph(week),
    ]
    return tuple(p for p in paragraphs if p)
