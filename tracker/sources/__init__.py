"""Parsers for every upstream format, and the registry that picks one for a file.

Every parser is pure: bytes in, rows out. No client, no session, no clock.
A parser that cannot find its table or payload raises `LayoutError`; it never returns an empty result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from tracker.models import LayoutError, ParsedCatalog, ParsedSnapshot, UsageError


class RankingParser(Protocol):
    """Type of a ranking parser: (body, board, as_of) -> one snapshot per board window in the body."""

    def __call__(self, body: bytes, *, board: str, as_of: date | None) -> Sequence[ParsedSnapshot]: ...


@dataclass(frozen=True)
class RankingFormat:
    name: str  # what `tracker import --format` accepts
    boards: tuple[str, ...]  # boards this format can feed
    description: str
    sniff: Callable[[bytes, str], bool]  # (body, file name) -> "this looks like my format"
    parse: Callable[..., Sequence[ParsedSnapshot]]  # parse(body, *, board, as_of)


@dataclass(frozen=True)
class CatalogFormat:
    name: str
    description: str
    sniff: Callable[[bytes, str], bool]
    parse: Callable[..., ParsedCatalog]  # parse(body, *, as_of)


def ranking_formats() -> tuple[RankingFormat, ...]:
    from tracker.sources import arena, csvtable, openrouter

    return (*arena.FORMATS, *openrouter.FORMATS, *csvtable.FORMATS)


def catalog_formats() -> tuple[CatalogFormat, ...]:
    from tracker.sources import openrouter

    return tuple(openrouter.CATALOG_FORMATS)


def ranking_format(name: str) -> RankingFormat:
    for fmt in ranking_formats():
        if fmt.name == name:
            return fmt
    known = ", ".join(f.name for f in ranking_formats())
    raise UsageError(f"unknown format {name!r}; known formats: {known}")


def detect_ranking_format(body: bytes, filename: str, board: str) -> RankingFormat:
    """The first format that claims the file and can feed `board`."""
    candidates = [f for f in ranking_formats() if board in f.boards and f.sniff(body, filename)]
    if not candidates:
        # Most likely the wrong --board: say what the file is and which boards it can feed.
        others = [f for f in ranking_formats() if board not in f.boards and f.sniff(body, filename)]
        if others:
            feeds = sorted({b for f in others for b in f.boards})
            raise LayoutError(
                f"{filename}: recognised as {' or '.join(f.name for f in others)}, which cannot feed board "
                f"{board!r}; it feeds {', '.join(feeds)}"
            )
        raise LayoutError(
            f"{filename}: no known format for board {board!r} recognises this file; "
            "name one with --format (see `tracker import --help`)"
        )
    return candidates[0]


def detect_catalog_format(body: bytes, filename: str) -> CatalogFormat:
    for fmt in catalog_formats():
        if fmt.sniff(body, filename):
            return fmt
    raise LayoutError(f"{filename}: not an OpenRouter model catalogue")
