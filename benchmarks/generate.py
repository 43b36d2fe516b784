"""A seeded synthetic history for the benchmarks, written through the normal store.

Three years (one with --quick) of what a tracker running every hour would have stored: Arena Text and
WebDev snapshots every two days (~350 models each, scores drifting, models entering and leaving, display
names changing under a stable key), an OpenRouter weekly window every day (top 50 by tokens, integer token
counts, week-over-week change), the OpenRouter catalogue every day (~450 models; prices change now and
then and the store keeps a price row only on change), and one fetch attempt per hour per source, most of
them "not modified". Everything goes through `tracker.store.Store` (record_fetch, save_snapshot,
save_catalog, set_fetch_outcome), the way `tracker collect` stores it, as a bulk load does: one
transaction a day (`Store.bulk`), the quiet attempts recorded together (`Store.record_fetches`). The
invented upstreams are in `world.py`; the same seed and length always give the same history.

Usage: python benchmarks/generate.py DATABASE_URL [--quick] [--days N] [--seed N] [--no-events]
                                     [--one-transaction]
(--no-events skips deriving the events and weekly posts a running tracker would also have stored;
--one-transaction loads it all in one transaction, as the benchmark's `executemany` baseline inserts its
rows: the difference is what the daily commits cost.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from world import ARENA_BOARDS, DATA_HOUR, FAILURE_RATE, SEED, SOURCES, WEEKLY, YEAR, Plan, World

from tracker.history import History
from tracker.models import CATALOGUE, FetchRecord, ParsedCatalog, ParsedSnapshot
from tracker.pipeline.report import refresh_events
from tracker.sources.openrouter.common import Usage, ranked_entries
from tracker.store import SaveResult, Store

T = TypeVar("T")


@dataclass
class Stats:
    fetches: int = 0
    snapshots: int = 0
    entries: int = 0
    catalogues: int = 0
    price_changes: int = 0
    arena_models: set[str] = field(default_factory=set)
    router_models: set[str] = field(default_factory=set)
    ranked_router_models: set[str] = field(default_factory=set)
    store_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # time in each Store method

    def as_dict(self) -> dict[str, int]:
        return {
            "fetch_attempts": self.fetches,
            "snapshots": self.snapshots,
            "entries": self.entries,
            "catalogue_reads": self.catalogues,
            "price_changes": self.price_changes,
            "arena_models": len(self.arena_models),
            "catalogue_models": len(self.router_models),
            "ranked_openrouter_models": len(self.ranked_router_models),
            "models_with_pages": len(self.arena_models) + len(self.ranked_router_models),
        }

    @property
    def store_total(self) -> float:
        return sum(self.store_seconds.values())


# ---- bodies of the "new" captures: the tracker keeps the raw bytes of every capture it stores


def board_body(parsed: ParsedSnapshot) -> bytes:
    if parsed.board == WEEKLY:
        lines = ["rank,model,model_id,tokens,prompt_tokens,completion_tokens,change_pct"]
        for e in parsed.entries:
            change = "" if e.change is None else repr(e.change * 100)
            lines.append(
                f'{e.rank},"{e.model}",{e.model_id},{e.tokens},{e.prompt_tokens},{e.completion_tokens},{change}'
            )
    else:
        lines = ["rank,model,model_id,organization,score,ci_low,ci_high,votes"]
        for e in parsed.entries:
            lines.append(
                f'{e.rank},"{e.model}",{e.model_id},{e.organization},{e.score},{e.ci_low},{e.ci_high},{e.votes}'
            )
    return ("\n".join(lines) + "\n").encode("utf-8")


def catalogue_body(catalog: ParsedCatalog) -> bytes:
    def per_token(price: Decimal | None) -> str:
        return "0" if not price else str((price / 1_000_000).normalize())

    data = [
        {
            "id": m.catalog_id,
            "canonical_slug": m.slug.split(":")[0],
            "name": f"{m.organization}: {m.name}",
            "created": int(m.created.timestamp()) if m.created else None,
            "context_length": m.context_length,
            "pricing": {"prompt": per_token(m.prompt_price_per_m), "completion": per_token(m.completion_price_per_m)},
        }
        for m in catalog.models
    ]
    return json.dumps({"data": data}, separators=(",", ":")).encode("utf-8")


# ---- the hourly collection loop


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Collector:
    """Stores what one hourly attempt per source found, as `tracker collect` would."""

    def __init__(self, store: Store, world: World, stats: Stats) -> None:
        self.store, self.world, self.stats = store, world, stats
        self.rng = random.Random(world.plan.seed + 1)
        self.buffered: list[FetchRecord] = []

    def _timed(self, method: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            self.stats.store_seconds[method] += time.perf_counter() - started

    def flush(self) -> None:
        """Store the buffered quiet attempts (a day's worth at most) in one transaction."""
        self._timed("record_fetches", self.store.record_fetches, self.buffered)
        self.buffered.clear()

    def _attempt(self, source: str, when: datetime, outcome: str, *, keep: bool = False, **values: object) -> int:
        """Record one attempt; quiet ones are buffered (their ids are never needed) and return 0."""
        self.stats.fetches += 1
        record = FetchRecord(
            source=source,
            method="collect",
            started_at=when,
            finished_at=when + timedelta(seconds=2),
            outcome=outcome,
            board=None if source == CATALOGUE else source,
            url=f"https://upstream.invalid/{source}",
            **{"attempts": 1, **values},  # type: ignore[arg-type]
        )
        if not keep:
            self.buffered.append(record)
            return 0
        self.flush()  # keep ids in time order
        return self._timed("record_fetch", self.store.record_fetch, record)

    def failed(self, source: str, when: datetime) -> bool:
        """Now and then an attempt fails (a 503 after retries): recorded, and nothing else happens."""
        if self.rng.random() >= FAILURE_RATE:
            return False
        self._attempt(source, when, "transient", http_status=503, error="HTTP 503 Service Unavailable", attempts=3)
        return True

    def quiet(self, source: str, when: datetime) -> None:
        """An attempt that finds nothing new (or fails)."""
        if self.failed(source, when):
            return
        if self.rng.random() < 0.85:
            self._attempt(source, when, "not_modified", http_status=304, etag=f'"{when:%Y%m%d}"')
        else:
            self._attempt(source, when, "unchanged", http_status=200, body=b'{"unchanged":true}')

    def snapshot(self, parsed: ParsedSnapshot, when: datetime) -> None:
        fetch_id = self._attempt(
            parsed.board,
            when,
            "pending",
            keep=True,
            http_status=200,
            body=board_body(parsed),
            format="csv",
            as_of=parsed.as_of,
        )
        result = self._timed("save_snapshot", self.store.save_snapshot, parsed, observed_at=when, fetch_id=fetch_id)
        self._timed("set_fetch_outcome", self.store.set_fetch_outcome, fetch_id, result.status)
        self.stats.snapshots += result.status == "new"
        self.stats.entries += len(parsed.entries) if result.status == "new" else 0
        models = self.stats.ranked_router_models if parsed.board == WEEKLY else self.stats.arena_models
        models.update(e.model_id for e in parsed.entries)

    def catalogue(self, catalog: ParsedCatalog, when: datetime) -> None:
        fetch_id = self._attempt(
            CATALOGUE, when, "pending", keep=True, http_status=200, body=catalogue_body(catalog), format=catalog.method
        )
        result = self._timed("save_catalog", self.store.save_catalog, catalog, fetch_id=fetch_id)
        self._timed("set_fetch_outcome", self.store.set_fetch_outcome, fetch_id, result.status)
        self.stats.catalogues += 1
        self.stats.price_changes += result.price_changes
        self.stats.router_models.update(m.slug for m in catalog.models)


def generate(
    store: Store, plan: Plan, *, progress: Callable[[int, int], None] | None = None, one_transaction: bool = False
) -> Stats:
    """Write the whole synthetic history through `store`, day by day, hour by hour: a transaction a day, or
    with `one_transaction` all of it in one (as the plain `executemany` baseline inserts its rows)."""
    world, stats = World(plan), Stats()
    collector = Collector(store, world, stats)
    with store.bulk() if one_transaction else contextlib.nullcontext():
        for index in range(plan.days):
            _day(store, world, collector, plan, index, one_transaction)
            if progress:
                progress(index + 1, plan.days)
        committing = time.perf_counter()
    if one_transaction:
        stats.store_seconds["commit"] += time.perf_counter() - committing
    return stats


def _day(store: Store, world: World, collector: Collector, plan: Plan, index: int, inside: bool) -> None:
    """One day of collection, in a transaction of its own unless `inside` one already."""
    stats = collector.stats
    day = plan.start + timedelta(days=index)
    world.advance(index)
    window = world.weekly_window(day - timedelta(days=1))  # yesterday is the last complete day
    due: dict[str, bool] = {
        "arena-text": index % 2 == 0,
        "arena-webdev": index % 2 == 0,
        WEEKLY: window is not None,
        CATALOGUE: True,
    }
    with contextlib.nullcontext() if inside else store.bulk():  # a commit per attempt would cost more
        for hour in range(24):
            for position, source in enumerate(SOURCES):
                when = _moment(day, hour, position * 5)
                if not (due[source] and hour >= DATA_HOUR[source]):
                    collector.quiet(source, when)
                    continue
                if collector.failed(source, when):
                    continue  # the data arrives at the next attempt
                due[source] = False
                if source in ARENA_BOARDS:
                    collector.snapshot(world.arena_snapshot(source, day), when)
                elif source == WEEKLY and window is not None:
                    collector.snapshot(window, when)
                else:
                    collector.catalogue(world.catalogue(day), when)
        collector.flush()
        committing = time.perf_counter()
    if not inside:
        stats.store_seconds["commit"] += time.perf_counter() - committing


def add_snapshot(store: Store, history: History, board: str, *, seed: int = SEED, rename: bool = False) -> SaveResult:
    """One more snapshot of a board, as the next collection stores it: the newest one moved on (two days
    for Arena, one for OpenRouter's window), figures nudged (and with `rename` one model renamed, which
    also changes every download row of that model); recorded with its fetch attempt and an attempt that
    found the catalogue unchanged, then the events of the new comparison stored, as `tracker run` does."""
    latest = history.latest_snapshot(board)
    if latest is None:
        raise ValueError(f"no snapshot of {board} to follow")
    rng = random.Random(f"{seed}:{board}:{latest.id}")
    step = timedelta(days=1 if board == WEEKLY else 2)
    renamed = rng.randrange(len(latest.entries)) if rename else -1
    entries = []
    for i, e in enumerate(latest.entries):
        name = f"{e.model} {rng.choice(('Preview', 'Latest'))}" if i == renamed else e.model
        moved = replace(e, model_id=e.key, model=name, source_key=None)
        if e.tokens is not None:
            tokens = max(1, int(e.tokens * rng.uniform(0.9, 1.1)))
            prompt = int(tokens * 0.8)
            moved = replace(moved, tokens=tokens, prompt_tokens=prompt, completion_tokens=tokens - prompt)
        elif e.score is not None:
            moved = replace(moved, score=round(e.score + rng.gauss(0, 1.5), 3))
        entries.append(moved)
    if board == WEEKLY:
        usages = [
            Usage(e.model_id, e.tokens or 0, e.model, e.prompt_tokens, e.completion_tokens, e.change, e.share)
            for e in entries
        ]
        ranked = ranked_entries(usages)
    else:
        ordered = sorted(entries, key=lambda e: (-(e.score or 0.0), e.model_id))
        ranked = tuple(replace(e, rank=i) for i, e in enumerate(ordered, start=1))
    start = latest.window_start + step if latest.window_start else None
    parsed = ParsedSnapshot(
        board, latest.as_of + step, ranked, latest.method, start, latest.as_of + step if start else None
    )
    when = latest.observed_at + step
    fetch = FetchRecord(
        board, "collect", when, "pending", board=board, http_status=200, body=board_body(parsed), format="csv"
    )
    fetch_id = store.record_fetch(fetch)
    result = store.save_snapshot(parsed, observed_at=when, fetch_id=fetch_id)
    store.set_fetch_outcome(fetch_id, result.status)
    # The same run read the catalogue too and found it unchanged (it is read daily): without that, a
    # run of added snapshots would leave it behind and, days later, mark its models' pages stale.
    store.record_fetch(
        FetchRecord(
            CATALOGUE,
            "collect",
            when,
            "not_modified",
            finished_at=when + timedelta(seconds=2),
            http_status=304,
            url=f"https://upstream.invalid/{CATALOGUE}",
        )
    )
    refresh_events(history, store)
    return result


def main(argv: list[str] | None = None) -> int:
    from derive import derive_events_and_posts

    from tracker.db import make_engine
    from tracker.pipeline import schema

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("url", help="database URL, e.g. sqlite:///bench.sqlite (the schema is created if missing)")
    parser.add_argument("--quick", action="store_true", help="one year instead of three")
    parser.add_argument("--days", type=int, help="any number of days instead")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-events", action="store_true", help="store only what collection stores")
    parser.add_argument("--one-transaction", action="store_true", help="all of it in one transaction, not one a day")
    args = parser.parse_args(argv)
    plan = Plan(days=args.days or (YEAR if args.quick else 3 * YEAR), seed=args.seed)
    engine = make_engine(args.url)
    try:
        schema.ensure(engine)
        started = time.perf_counter()
        stats = generate(Store(engine), plan, one_transaction=args.one_transaction)
        print(f"history of {plan.days} days loaded in {time.perf_counter() - started:.1f} s: {stats.as_dict()}")
        print(
            "seconds inside the store:",
            {k: round(v, 2) for k, v in sorted(stats.store_seconds.items(), key=lambda kv: -kv[1])},
        )
        if not args.no_events:
            started = time.perf_counter()
            derived = derive_events_and_posts(engine)
            print(f"events and posts derived in {time.perf_counter() - started:.1f} s: {derived}")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
