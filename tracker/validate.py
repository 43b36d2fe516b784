"""Decide whether a parsed capture may become a snapshot, and give it a stable content hash.

A capture that fails here is a *failed capture*: it is kept raw with its error, never stored as a snapshot,
and so can never turn into a published "rank drop".
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, fields, replace
from typing import Any

from tracker.models import BOARDS, Entry, InvalidCaptureError, ParsedSnapshot, Snapshot, ValueKind

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
        if not entry.model_id.strip():
            raise InvalidCaptureError(f"{parsed.board}: a row has an empty model key")
        if getattr(entry, required) is None:
            raise InvalidCaptureError(f"{parsed.board}: {entry.model_id!r} has no {required}")
        if entry.rank is None:
            raise InvalidCaptureError(f"{parsed.board}: {entry.model_id!r} has no rank")
        if entry.tokens is not None and (not isinstance(entry.tokens, int) or entry.tokens < 0):
            raise InvalidCaptureError(f"{parsed.board}: {entry.model_id!r} has a bad token count {entry.tokens!r}")
    return replace(parsed, entries=entries)


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


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


def _entry_record(entry: Entry) -> dict[str, Any]:
    # A flat read of the fields: dataclasses.asdict's deep copies made hashing the slowest step of a save.
    record = {name: getattr(entry, name) for name in _ENTRY_FIELDS}
    record["rank_kind"] = str(entry.rank_kind)
    record["aliases"] = sorted(entry.aliases)
    return record


def content_hash(parsed: ParsedSnapshot) -> str:
    """sha256 over compact, key-sorted JSON of what the snapshot says (not when or how we got it)."""
    document = {
        "board": parsed.board,
        "as_of": parsed.as_of.isoformat(),
        "window_start": parsed.window_start.isoformat() if parsed.window_start else None,
        "window_end": parsed.window_end.isoformat() if parsed.window_end else None,
        "entries": sorted((_entry_record(e) for e in parsed.entries), key=lambda r: (r["rank"] or 0, r["model_id"])),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
