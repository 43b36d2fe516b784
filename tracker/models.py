"""Plain data shared by every layer: boards, entries, snapshots, events, posts, errors.

Nothing here does I/O or imports anything but the standard library.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any


class RankKind(enum.StrEnum):
    """What a stored rank means."""

    ORDINAL = "ordinal"  # 1, 2, 3 ... as the upstream numbers them today (Arena `rank`)
    UPPER_BOUND = "upper_bound"  # Arena's older "Rank (UB)": ties share a rank
    BY_VALUE = "by_value"  # we ranked the rows ourselves by their value (OpenRouter tokens)


class ValueKind(enum.StrEnum):
    SCORE = "score"  # Arena rating: higher is better, no volume
    TOKENS = "tokens"  # OpenRouter usage: a volume that can grow


class Window(enum.StrEnum):
    """The kind of period a snapshot describes; snapshots of different windows are never compared."""

    BOARD = "board"  # a leaderboard as published on a date (Arena)
    WEEK = "week"  # a trailing 7-day window of usage (OpenRouter)


@dataclass(frozen=True)
class Board:
    id: str
    title: str
    source: str  # "arena" or "openrouter": whose model keys the board uses
    value: ValueKind
    window: Window
    stale_after: timedelta  # the upstream date may lag this much before the board counts as stale
    attribution: str  # with "{as_of}" to fill in
    licence: str = "CC BY 4.0"


ARENA_ATTRIBUTION = "Source: Arena (lmarena-ai/leaderboard-dataset on Hugging Face), as of {as_of}"
OPENROUTER_ATTRIBUTION = "Source: OpenRouter (openrouter.ai/rankings), as of {as_of}"

BOARDS: dict[str, Board] = {
    b.id: b
    for b in (
        Board(
            "arena-text",
            "Arena Text",
            "arena",
            ValueKind.SCORE,
            Window.BOARD,
            timedelta(days=10),
            ARENA_ATTRIBUTION,
        ),
        Board(
            "arena-text-raw",
            "Arena Text (no style control)",
            "arena",
            ValueKind.SCORE,
            Window.BOARD,
            timedelta(days=10),
            ARENA_ATTRIBUTION,
        ),
        Board(
            "arena-webdev",
            "Arena WebDev",
            "arena",
            ValueKind.SCORE,
            Window.BOARD,
            timedelta(days=10),
            ARENA_ATTRIBUTION,
        ),
        Board(
            "openrouter-weekly",
            "OpenRouter weekly tokens",
            "openrouter",
            ValueKind.TOKENS,
            Window.WEEK,
            timedelta(days=3),
            OPENROUTER_ATTRIBUTION,
        ),
    )
}

# The catalogue is a source but not a ranking board.
CATALOGUE = "openrouter-models"

# Names accepted by `tracker collect`.
SOURCES: tuple[str, ...] = ("arena-text", "arena-text-raw", "arena-webdev", "openrouter-weekly", CATALOGUE)
# The sources `tracker backfill` fetches history of, from the official datasets.
BACKFILL_SOURCES: tuple[str, ...] = ("arena-text", "arena-text-raw", "arena-webdev", "openrouter-weekly")


def board(board_id: str) -> Board:
    try:
        return BOARDS[board_id]
    except KeyError:
        raise UsageError(f"unknown board {board_id!r}; known boards: {', '.join(BOARDS)}") from None


@dataclass(frozen=True)
class Entry:
    """One model's row on one board in one snapshot.

    From a parser, `model_id` is the upstream key (Arena model key, OpenRouter variant permaslug);
    read back from the store it is the canonical model id the key resolved to.
    """

    model_id: str
    model: str  # display name as the upstream shows it
    rank: int | None = None
    rank_kind: RankKind = RankKind.ORDINAL
    rank_upper: int | None = None  # best plausible rank (Arena rankUpper)
    rank_lower: int | None = None  # worst plausible rank (Arena rankLower)
    score: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    votes: int | None = None
    tokens: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    change: float | None = None  # upstream week-over-week change as a fraction (0.23 = +23%)
    share: float | None = None  # share of the period's total tokens, 0..1
    organization: str | None = None
    source_key: str | None = None  # the upstream key when model_id is canonical; None = same as model_id
    aliases: tuple[str, ...] = ()  # other upstream names seen for this model in the capture
    # `tokens` is a lower bound: summed from daily top-50 lists the model was missing from on some day
    tokens_lower_bound: bool = False

    @property
    def key(self) -> str:
        return self.source_key or self.model_id


@dataclass(frozen=True)
class ParsedSnapshot:
    """What a parser makes of one capture for one board: not yet validated or stored."""

    board: str
    as_of: date  # the upstream's own date for the data (publish date, last day of the window)
    entries: tuple[Entry, ...]
    method: str  # the format/parser that produced it, e.g. "hf-rows"
    window_start: date | None = None  # first day of a usage window
    window_end: date | None = None  # last day of a usage window (== as_of)
    notes: str = ""


@dataclass(frozen=True)
class Snapshot:
    """A validated, stored snapshot read back from the history."""

    id: int
    board: str
    as_of: date
    observed_at: datetime  # aware UTC
    entries: tuple[Entry, ...]
    content_hash: str
    method: str
    window_start: date | None = None
    window_end: date | None = None
    fetch_id: int | None = None

    @property
    def row_count(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class CatalogModel:
    """One model in OpenRouter's catalogue (`/api/v1/models`)."""

    slug: str  # canonical_slug: the key the rankings use (model_permaslug)
    catalog_id: str  # the API id, e.g. "anthropic/claude-opus-4.7"
    name: str
    prompt_price_per_m: Decimal | None  # USD per million input tokens
    completion_price_per_m: Decimal | None  # USD per million output tokens
    context_length: int | None
    created: datetime | None = None  # aware UTC
    organization: str | None = None


@dataclass(frozen=True)
class ParsedCatalog:
    as_of: date
    models: tuple[CatalogModel, ...]
    method: str


@dataclass(frozen=True)
class FetchRecord:
    """One attempt to get a capture (live fetch, import or backfill), stored whatever its outcome."""

    source: str
    method: str  # collect / import / backfill
    started_at: datetime  # aware UTC
    outcome: str  # new / unchanged / not_modified, or an error outcome (TrackerError.outcome)
    board: str | None = None
    url: str | None = None
    format: str | None = None
    as_of: date | None = None  # the day given with the capture (--as-of, file name, fetch day)
    finished_at: datetime | None = None
    http_status: int | None = None
    error: str | None = None
    attempts: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    body: bytes | None = None  # raw, uncompressed; the store compresses it


@dataclass(frozen=True)
class SnapshotRef:
    """A stored snapshot without its entries: enough to choose which ones to compare."""

    id: int
    board: str
    as_of: date
    observed_at: datetime
    window_start: date | None = None
    window_end: date | None = None
    row_count: int = 0
    method: str = ""


@dataclass(frozen=True)
class PriceRecord:
    """A model's catalogue price and context length as first observed on a day (stored only on change)."""

    model_id: str  # canonical OpenRouter slug
    observed_on: date
    catalog_id: str
    name: str
    prompt_price_per_m: Decimal | None
    completion_price_per_m: Decimal | None
    context_length: int | None


@dataclass(frozen=True)
class ModelInfo:
    """A canonical model with every name and key it has been seen under."""

    model_id: str
    name: str  # current display name
    source: str  # "arena" or "openrouter"
    organization: str | None = None
    aliases: tuple[tuple[str, str], ...] = ()  # (kind, alias): kind is "key", "name", "catalog_id", ...


@dataclass(frozen=True)
class SourceStatus:
    """Health of one source, from its recorded fetch attempts and snapshots."""

    source: str
    last_attempt_at: datetime | None
    last_outcome: str | None  # new / unchanged / not_modified / transient / blocked / layout / invalid / gone / error
    last_success_at: datetime | None
    last_as_of: date | None  # upstream date of the newest snapshot
    consecutive_failures: int
    last_error: str | None
    stale: bool
    stale_since: date | None  # the upstream date that stopped advancing, when stale


DEFAULT_TOP_N = 20  # the diff's watched zone: the line for entries, exits and the biggest mover
# Formats (`Snapshot.method`) whose lists are cut at a fixed length, the rest lumped together: a model
# missing from one may be anywhere below it. OpenRouter's weekly chart lists its top 9 and "Others".
CUT_LIST_METHODS = frozenset({"openrouter-weekly-chart"})


@dataclass(frozen=True)
class Event:
    """One thing that changed between two snapshots of a board (contract in DESIGN.md)."""

    kind: str
    board: str
    model_id: str | None = None
    model: str | None = None
    from_rank: int | None = None
    to_rank: int | None = None
    value_before: float | int | None = None
    value_after: float | int | None = None
    growth_pct: float | None = None
    significant: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # n, models, within_top, since, ...

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for name in (
            "model",
            "model_id",
            "from_rank",
            "to_rank",
            "value_before",
            "value_after",
            "growth_pct",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.significant is not None:
            out["significant"] = self.significant
        out.update(self.extra)
        return out

    def within(self, n: int) -> bool:
        """Whether the model ranked within the top `n` on either side of the change."""
        return any(r is not None and r <= n for r in (self.from_rank, self.to_rank))


def watched_top(events: Iterable[Event]) -> int:
    """The top N the diff watched, as its events record it (`within_top`), else the default."""
    for event in events:
        if "within_top" in event.extra:
            return int(event.extra["within_top"])
    return DEFAULT_TOP_N


@dataclass(frozen=True)
class PostSection:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Post:
    """One published article. `guid` never changes once stored."""

    guid: str
    slug: str
    title: str
    published_at: datetime  # aware UTC, taken from the data, never "now"
    lead: str
    sections: tuple[PostSection, ...]
    boards: tuple[str, ...] = ()
    snapshot_ids: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        parts = [self.title, "", self.lead]
        for section in self.sections:
            parts += ["", section.heading, *section.paragraphs]
        return "\n".join(parts) + "\n"


# ---- errors: each kind of failure has its own exit code so cron wrappers can tell them apart


class TrackerError(Exception):
    """An expected failure: one line for the user and its own exit code; carries what the upstream
    answered, if anything, so the attempt can be recorded raw."""

    exit_code = 1
    outcome = "error"

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class UsageError(TrackerError):
    exit_code = 2
    outcome = "usage"


class ConfigError(UsageError):
    outcome = "config"


class FetchError(TrackerError):
    """A fetch that did not give a usable body."""


class TransientError(FetchError):
    exit_code = 75  # EX_TEMPFAIL: try again later
    outcome = "transient"


class BlockedError(FetchError):
    exit_code = 69  # EX_UNAVAILABLE: a bot challenge; retrying in a loop would not help
    outcome = "blocked"


class SourceGoneError(FetchError):
    exit_code = 66  # EX_NOINPUT: 404/410
    outcome = "gone"


class LayoutError(TrackerError):
    """The capture arrived but its table or payload is not where the parser expects it."""

    exit_code = 65  # EX_DATAERR
    outcome = "layout"


class InvalidCaptureError(LayoutError):
    """The capture parsed but fails validation (too few rows, duplicates, missing fields)."""

    outcome = "invalid"


class LockHeldError(TrackerError):
    exit_code = 75
    outcome = "locked"
