"""The writer's vocabulary: board names, figures, counts, lists and growth, in the house style.

Every function here is a small pure string builder: tokens read 3.29T, ranks #14, Arena scores as
integers, growth 23%, small counts in words. Model names are never altered (no capitalising).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracker.models import Board, ValueKind
from tracker.units import count_in_words, format_percent, format_score, format_tokens

CI = "the 95% confidence intervals"


@dataclass(frozen=True)
class BoardNames:
    owner: str  # possessive, for "Arena's Text top five", "OpenRouter's weekly top five"
    noun: str  # what the board is: "board" or "ranking"
    short: str  # for headlines: "Arena Text", "OpenRouter"


_NAMES = {
    "arena-text": BoardNames("Arena's Text", "board", "Arena Text"),
    "arena-text-raw": BoardNames("Arena's raw Text", "board", "Arena Text (raw)"),
    "arena-webdev": BoardNames("Arena's WebDev", "board", "Arena WebDev"),
    "openrouter-weekly": BoardNames("OpenRouter's weekly", "ranking", "OpenRouter"),
}


def names(board: Board) -> BoardNames:
    return _NAMES.get(board.id, BoardNames(f"the {board.title}", "ranking", board.title))


_OWN_WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "nothing"}


def sentence(text: str) -> str:
    """Capitalise a sentence that starts with one of our words ("three models ..."), never a model name."""
    first = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first in _OWN_WORDS else text


def plural(n: int, noun: str) -> str:
    """ "one place", "three places", "12 models"."""
    return f"{count_in_words(n)} {noun}{'' if n == 1 else 's'}"


def join_list(items: Sequence[str]) -> str:
    """ "A", "A and B", "A, B, and C" (the article's serial comma)."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def figure(board: Board, value: float | int | None) -> str:
    """A board's value as prose shows it: "1502" or "3.29T"; "?" when unknown."""
    if value is None:
        return "?"
    if board.value is ValueKind.TOKENS:
        return format_tokens(int(value))
    return format_score(float(value))


def at_value(board: Board, value: float | int | None, *, unit: bool = False) -> str:
    """ "at 1502", "at 3.01T", or with the unit "at 3.29T tokens"."""
    suffix = " tokens" if unit and board.value is ValueKind.TOKENS else ""
    return f"at {figure(board, value)}{suffix}"


def tokens(value: float | int | None) -> str:
    """ "593B tokens"."""
    return f"{figure_tokens(value)} tokens"


def figure_tokens(value: float | int | None) -> str:
    return "?" if value is None else format_tokens(int(value))


def with_tokens(value: float | int | None, *, weekly: bool = True) -> str:
    """ "with 1.14T weekly tokens" or "with 609B tokens"."""
    return f"with {figure_tokens(value)} {'weekly ' if weekly else ''}tokens"


def basis(since: str | None) -> str:
    """What a growth figure compares with: "week-over-week", or "since 2026-07-04"."""
    return "week-over-week" if since is None else f"since {since}"


def down(pct: float, since: str | None) -> str:
    """ "down 8% week-over-week"."""
    return f"down {format_percent(abs(pct))} {basis(since)}"


def growth(pct: float, since: str | None = None) -> str:
    """ "23% week-over-week growth", "a 5% week-over-week decline", or "... growth since 2026-07-04".

    `since` names the older snapshot's date when the two snapshots are not a week apart.
    """
    shown = format_percent(abs(pct))
    if since is None:
        if shown == "0%":
            return "flat week-over-week usage"
        return f"{shown} week-over-week growth" if pct > 0 else f"a {shown} week-over-week decline"
    if shown == "0%":
        return f"flat usage {basis(since)}"
    return f"{shown} growth {basis(since)}" if pct > 0 else f"a {shown} decline {basis(since)}"


def score_gap(board: Board, ahead: float | int, behind: float | int) -> str:
    """The lead as prose: "seven points" (of the integers shown) or "280B tokens"."""
    if board.value is ValueKind.TOKENS:
        return f"{format_tokens(int(ahead) - int(behind))} tokens"
    points = int(format_score(float(ahead))) - int(format_score(float(behind)))
    return plural(points, "point")
