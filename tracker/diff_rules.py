"""The diff's judgement calls: when an Arena move is significant, and when an absence means "left".

Significance (Arena score boards only; usage token counts are exact, so their moves carry no flag):

1. A model's *peers* in a move are the models it passed or that passed it: models listed in both
   snapshots whose order against it flipped strictly (a tie on either side is not a flip), plus, when it
   fell, models new to the board that now rank above it.
2. No peers: the rank changed only because models left, arrived below, or a tie formed or broke —
   `significant: false`.
3. Otherwise significant when its 95% confidence interval in the newer snapshot is disjoint from at
   least one peer's (it really overtook, or was overtaken by, someone); not significant when it
   overlaps every peer's.
4. Where a confidence interval is missing, the plausible rank ranges decide (Arena's ordinal
   `rank_upper`..`rank_lower`): significant when the old and new ranges do not overlap; with no
   ranges either, unknown (`None`).

Absence: a model missing from a list is outside that list's top N if the list shows its whole top N
(at least N rows). When both lists are shorter than N, a small board shown whole, a model missing
from one counts as gone if the shorter list has at least `ratio` (80%) of the longer's rows; unless
the list it is missing from is cut at a fixed length (`CUT_LIST_METHODS`: OpenRouter's weekly chart
lists its top 9 and lumps the rest together), which says nothing of the models it leaves out. A model
missing from a shorter, truncated list is never reported as an exit; one listed in both that crosses
the line is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tracker.models import Entry


def ci_separated(a: Entry, b: Entry) -> bool | None:
    """Whether two models' confidence intervals are disjoint; None when either is unknown."""
    if a.ci_low is None or a.ci_high is None or b.ci_low is None or b.ci_high is None:
        return None
    return a.ci_low > b.ci_high or b.ci_low > a.ci_high


def rank_ranges_disjoint(old: Entry, new: Entry) -> bool | None:
    """Whether a model's plausible rank ranges before and after do not overlap; None when unknown."""
    old_best, old_worst, new_best, new_worst = old.rank_upper, old.rank_lower, new.rank_upper, new.rank_lower
    if old_best is None or old_worst is None or new_best is None or new_worst is None:
        return None
    return new_worst < old_best or new_best > old_worst


def rank_of(entry: Entry) -> int:
    """An entry's rank; diff_checks refuses unranked entries before any rule runs."""
    assert entry.rank is not None
    return entry.rank


def move_peers(model_id: str, old: Mapping[str, Entry], new: Mapping[str, Entry]) -> list[Entry]:
    """The newer entries of the models `model_id` passed or was passed by (see the module docstring)."""
    was, now = rank_of(old[model_id]), rank_of(new[model_id])
    peers = []
    for other_id, entry in new.items():
        if other_id == model_id:
            continue
        if other_id in old:
            before, after = rank_of(old[other_id]), rank_of(entry)
            if (before < was and after > now) or (before > was and after < now):
                peers.append(entry)
        elif now > was and rank_of(entry) < now:
            peers.append(entry)
    return peers


def separation(subject: Entry, peers: Iterable[Entry]) -> bool | None:
    """True if `subject` is clear of any peer, False if it overlaps all, None if unknown for some."""
    verdicts = [ci_separated(subject, peer) for peer in peers]
    if any(v is True for v in verdicts):
        return True
    if all(v is False for v in verdicts):
        return False
    return None


def move_significance(model_id: str, old: Mapping[str, Entry], new: Mapping[str, Entry]) -> bool | None:
    """Whether an Arena model's rank change is beyond the confidence intervals (module docstring)."""
    peers = move_peers(model_id, old, new)
    if not peers:
        return False
    verdict = separation(new[model_id], peers)
    if verdict is None:
        return rank_ranges_disjoint(old[model_id], new[model_id])
    return verdict


def absence_is_known(absent_from: int, other: int, top_n: int, ratio: float, *, cut: bool = False) -> bool:
    """A model missing from a list of `absent_from` rows (`cut`: at a fixed length) is outside its top N,
    against a list of `other` rows (module docstring)."""
    if absent_from >= top_n:
        return True
    if cut:
        return False
    shorter, longer = min(absent_from, other), max(absent_from, other)
    return longer < top_n and shorter >= ratio * longer
