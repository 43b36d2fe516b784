"""Decide whether a parsed capture may become a snapshot, and give it a stable content hash.

A capture that fails here is a *failed capture*: it is kept raw with its error, never stored as a snapshot,
and so can never turn into a published "rank drop".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from tracker.models import BOARDS, Entry, InvalidCaptureError, ParsedSnapshot, RankKind, Snapshot, ValueKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValidationRules:
    min_rows: int = 5  # fewer rows than this is no leaderboard
    min_ratio: float = 0.5  # a capture with fewer rows than this share of the last good one is refused


def validate(parsed: ParsedSnapshot, previous: Snapshot | None, rules: ValidationRules | None = None) -> ParsedSnapshot:
    """Return the capture ready to store, or raise InvalidCaptureError saying what is wrong.

    Duplicate rows for one model are merged when they agree and refused when they do not.
    """
    rules = rules or ValidationRules()
    board = BOARDS.get(parsed.board)
    if board is None:
        raise InvalidCaptureError(f"unknown board {parsed.board!r}")
    entries = _merge_duplicates(parsed)
    if len(entries) < rules.min_rows:
        raise InvalidCaptureError(
            f"{parsed.board}: only {len(entries)} rows in the capture (at least {rules.min_rows} expected)"
        )
    if previous is not None and previous.row_count and len(entries) < rules.min_ratio * previous.row_count:
        raise InvalidCaptureError(
            f"{parsed.board}: {len(entries)} rows against {previous.row_count} in the last good snapshot "
            f"(as of {previous.as_of}); refusing a capture under {rules.min_ratio:.0%} of it"
        )
    required = "tokens" if board.value is ValueKind.TOKENS else "score"
    for entry in entries:
        _check_entry(parsed.board, entry, required)
    _check_ranks_follow_values(parsed.board, entries, required)
    return replace(parsed, entries=entries)


_MEASURES = ("score", "ci_low", "ci_high", "change", "share")  # floats: inf or nan would be stored and published
_COUNTS = ("votes", "prompt_tokens", "completion_tokens")


def _check_entry(board: str, entry: Entry, required: str) -> None:
    """Refuse a row no ranking can hold: no key, no value, no rank, or figures that cannot be true."""
    key = entry.model_id
    if not key.strip():
        raise InvalidCaptureError(f"{board}: a row has an empty model key")
    if getattr(entry, required) is None:
        raise InvalidCaptureError(f"{board}: {key!r} has no {required}")
    if entry.rank is None:
        raise InvalidCaptureError(f"{board}: {key!r} has no rank")
    if entry.rank < 1:
        raise InvalidCaptureError(f"{board}: {key!r} has rank {entry.rank}; ranks start at 1")
    if entry.tokens is not None and (not isinstance(entry.tokens, int) or entry.tokens < 0):
        raise InvalidCaptureError(f"{board}: {key!r} has a bad token count {entry.tokens!r}")
    for name in _COUNTS:
        count = getattr(entry, name)
        if count is not None and count < 0:
            raise InvalidCaptureError(f"{board}: {key!r} has negative {name} ({count})")
    for name in _MEASURES:
        value = getattr(entry, name)
        if value is not None and not math.isfinite(value):
            raise InvalidCaptureError(f"{board}: {key!r} has a {name} that is not a finite number ({value!r})")
    if entry.ci_low is not None and entry.ci_high is not None and entry.ci_low > entry.ci_high:
        raise InvalidCaptureError(
            f"{board}: {key!r} has a confidence interval whose low end {entry.ci_low} is above its high end "
            f"{entry.ci_high}"
        )


def _check_ranks_follow_values(board: str, entries: Sequence[Entry], value: str) -> None:
    """Ranks by value must agree with the board's value: no better rank holds a smaller one (ties may share)."""
    by_rank, of = operator.attrgetter("rank"), operator.attrgetter(value)  # _check_entry saw both are there
    ranked = sorted((e for e in entries if e.rank_kind == RankKind.BY_VALUE), key=by_rank)
    tiers = [list(tied) for _, tied in itertools.groupby(ranked, key=by_rank)]
    # Tier by tier is enough: once each tier is no larger than the one above, it is no larger than any above.
    for above, below in itertools.pairwise(tiers):
        floor = min(above, key=of)
        for entry in below:
            if of(entry) > of(floor):
                raise InvalidCaptureError(
                    f"{board}: ranks contradict the {value}: {floor.model_id!r} is #{floor.rank} with "
                    f"{of(floor)} but {entry.model_id!r} is #{entry.rank} with {of(entry)}"
                )


def _merge_duplicates(parsed: ParsedSnapshot) -> tuple[Entry, ...]:
    counts = Counter(e.model_id for e in parsed.entries)
    duplicated = {key for key, n in counts.items() if n > 1}
    if not duplicated:
        return parsed.entries
    kept: list[Entry] = []
    seen: dict[str, Entry] = {}
    for entry in parsed.entries:
        first = seen.get(entry.model_id)
        if first is None:
            seen[entry.model_id] = entry
            kept.append(entry)
        elif first != entry:
            raise InvalidCaptureError(
                f"{parsed.board}: model {entry.model_id!r} appears {counts[entry.model_id]} times "
                "with different figures; refusing the capture"
            )
    log.warning("%s: merged identical duplicate rows for %s", parsed.board, ", ".join(sorted(duplicated)))
    return tuple(kept)


# Every field but the lower-bound mark, which the same rows imply and which hashes stored before it existed
# do not hold: in key order, as sort_keys writes them.
_ENTRY_FIELDS = tuple(sorted(f.name for f in fields(Entry) if f.name != "tokens_lower_bound"))
_ENTRY_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in _ENTRY_FIELDS) + "}"
_COLUMNS = tuple(operator.attrgetter(name) for name in _ENTRY_FIELDS)
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True)
_NONE = {type(None)}
_NUMBERS = frozenset({int, float, bool, type(None)})  # their JSON never holds a comma
_encode_string = json.encoder.encode_basestring  # what the encoder writes a str with (ensure_ascii off)


def content_hash(parsed: ParsedSnapshot) -> str:
    """sha256 over compact, key-sorted JSON of what the snapshot says (not when or how we got it).

    The document is {"as_of", "board", "entries", "window_end", "window_start"}, each entry every field
    of `Entry` but `tokens_lower_bound` (rank_kind as its string, aliases sorted), entries ordered by
    (rank or 0, model key). The text is written column by column (a JSON call per field, not per value);
    it is the very text `json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
    gives.
    """
    entries = sorted(parsed.entries, key=_entry_order)
    columns = [
        _column_json(name, list(map(column, entries))) for name, column in zip(_ENTRY_FIELDS, _COLUMNS, strict=True)
    ]
    rows = zip(*columns, strict=True)
    text = "".join(
        (
            '{"as_of":',
            _ENCODER.encode(parsed.as_of.isoformat()),
            ',"board":',
            _ENCODER.encode(parsed.board),
            ',"entries":[',
            ",".join([_ENTRY_TEMPLATE % row for row in rows]),
            '],"window_end":',
            _ENCODER.encode(parsed.window_end.isoformat() if parsed.window_end else None),
            ',"window_start":',
            _ENCODER.encode(parsed.window_start.isoformat() if parsed.window_start else None),
            "}",
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry_order(entry: Entry) -> tuple[int, str]:
    return (entry.rank or 0, entry.model_id)


def _column_json(name: str, values: list[Any]) -> list[str]:
    """The JSON of one field's value in every entry, in order."""
    if name == "rank_kind":
        values = [str(v) for v in values]
    elif name == "aliases":
        return [_ENCODER.encode(sorted(v)) if v else "[]" for v in values]
    kinds = set(map(type, values))
    if kinds == _NONE:
        return ["null"] * len(values)
    if values and kinds <= _NUMBERS:
        return _ENCODER.encode(values)[1:-1].split(",")
    if kinds <= {str, type(None)}:
        return ["null" if v is None else _encode_string(v) for v in values]
    return [_ENCODER.encode(v) for v in values]
