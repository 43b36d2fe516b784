"""The invented upstreams behind the benchmark history: Arena models whose ratings drift, enter and leave,
OpenRouter models whose daily tokens wander, whose prices change now and then, and who get renamed.

Seeded: the same `Plan` always gives the same world, day after day. Every name and figure is made up.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tracker.models import CATALOGUE, CatalogModel, Entry, ParsedCatalog, ParsedSnapshot, RankKind
from tracker.sources.openrouter.common import Usage, ranked_entries

END = date(2026, 11, 1)  # the last day of every generated history, so runs are comparable
SEED = 8
YEAR = 365
ARENA_BOARDS = ("arena-text", "arena-webdev")
WEEKLY = "openrouter-weekly"
SOURCES = (*ARENA_BOARDS, WEEKLY, CATALOGUE)
DATA_HOUR = {"arena-text": 6, "arena-webdev": 7, WEEKLY: 2, CATALOGUE: 3}  # when new data is usually there
FAILURE_RATE = 0.003  # share of attempts that fail (a 503): the data then arrives an hour later

SYLLABLES = ("co", "bal", "nor", "thi", "ve", "ra", "lu", "mi", "sa", "to", "ka", "ne", "zu", "pe", "dro", "an")
SIZES = ("mini", "pro", "flash", "max", "lite", "turbo", "ultra", "base", "chat", "coder")
PRICES = tuple(
    Decimal(p) for p in ("0.05", "0.1", "0.15", "0.2", "0.3", "0.5", "0.6", "1", "1.25", "2", "3", "5", "15")
)
CONTEXTS = (8192, 32768, 65536, 131072, 200000, 262144, 1048576)
SUFFIXES = ("Preview", "Exp", "Latest", "Instruct", "Thinking")


@dataclass(frozen=True)
class Plan:
    """How much history to make. `scale` shrinks the model pools (tests use small worlds)."""

    days: int = 3 * YEAR
    seed: int = SEED
    end: date = END
    scale: float = 1.0

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    def count(self, n: float) -> int:
        return max(8, round(n * self.scale))


@dataclass
class ArenaModel:
    key: str
    name: str
    organization: str
    text: float  # rating on Arena Text
    webdev: float | None  # rating on WebDev, None when not listed there
    votes: int
    popularity: float
    rename_on: int | None  # day index of a display-name change
    new_name: str


@dataclass
class RouterModel:
    slug: str  # the ranking key (canonical slug, plus ":free" for the free variant)
    catalog_id: str
    name: str
    organization: str
    level: float  # log of daily tokens
    trend: float  # daily drift of the level
    prompt_share: float
    prompt_price: Decimal
    completion_price: Decimal
    context: int
    created: datetime
    rename_on: int | None
    new_name: str
    daily: deque[int] = field(default_factory=lambda: deque(maxlen=7))


class World:
    """The invented upstreams, advanced one day at a time."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.names: set[str] = set()
        self.orgs = [self._word(2).capitalize() + self.rng.choice(("", " AI", " Labs")) for _ in range(28)]
        self.arena: dict[str, ArenaModel] = {}
        self.router: dict[str, RouterModel] = {}
        for _ in range(plan.count(335)):
            self._arena_model(0, frontier=False)
        for _ in range(plan.count(400)):
            self._router_model(0, hype=False)
        self.weekly_before: deque[dict[str, int]] = deque(maxlen=8)  # window sums of the last 8 days

    # ---- names

    def _word(self, syllables: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(syllables))

    def _unique(self, make: Callable[[], str]) -> str:
        while (name := make()) in self.names:
            pass
        self.names.add(name)
        return name

    # ---- Arena

    def _arena_model(self, day: int, *, frontier: bool) -> None:
        rng = self.rng
        key = self._unique(lambda: f"{self._word(rng.randint(2, 3))}-{rng.randint(1, 9)}-{rng.choice(SIZES)}")
        name = key if rng.random() < 0.6 else key.replace("-", " ").title()
        top = max((m.text for m in self.arena.values()), default=1400.0)
        text = top + rng.gauss(4, 8) if frontier else rng.gauss(1250, 90)
        webdev = None if rng.random() < 0.12 else text + rng.gauss(70, 40)
        renames = rng.random() < 0.12
        self.arena[key] = ArenaModel(
            key=key,
            name=name,
            organization=rng.choice(self.orgs),
            text=text,
            webdev=webdev,
            votes=rng.randint(800, 5000) if day else rng.randint(3000, 60000),
            popularity=math.exp(rng.gauss(3.5, 0.8)),
            rename_on=day + rng.randint(20, 700) if renames else None,
            new_name=f"{name} {rng.choice(SUFFIXES)}",
        )

    def _arena_day(self, day: int) -> None:
        rng = self.rng
        for model in self.arena.values():
            model.text += rng.gauss(-0.05, 0.9)
            if model.webdev is not None:
                model.webdev += rng.gauss(-0.05, 1.1)
            model.votes += int(model.popularity * rng.random() * 2)
            if model.rename_on == day:
                model.name = model.new_name
        if rng.random() < 0.085 * self.plan.scale**0.5:
            self._arena_model(day, frontier=rng.random() < 0.35)
        if rng.random() < 0.07 * self.plan.scale**0.5 and len(self.arena) > 20:
            weakest = sorted(self.arena.values(), key=lambda m: m.text)[: max(4, len(self.arena) // 4)]
            del self.arena[rng.choice(weakest).key]

    def arena_snapshot(self, board: str, as_of: date) -> ParsedSnapshot:
        webdev = board == "arena-webdev"
        listed = [(m.webdev if webdev else m.text, m) for m in self.arena.values()]
        rows = sorted(((round(s, 3), m) for s, m in listed if s is not None), key=lambda p: (-p[0], p[1].key))
        half = {m.key: 1.96 * 160 / math.sqrt(m.votes * (0.3 if webdev else 1.0)) for _, m in rows}
        lows = sorted(s - half[m.key] for s, m in rows)
        highs = sorted(s + half[m.key] for s, m in rows)
        entries = []
        for rank, (score, m) in enumerate(rows, start=1):
            low, high = round(score - half[m.key], 3), round(score + half[m.key], 3)
            entries.append(
                Entry(
                    model_id=m.key,
                    model=m.name,
                    rank=rank,
                    rank_kind=RankKind.ORDINAL,
                    rank_upper=1 + len(lows) - bisect.bisect_right(lows, high),  # 1 + those surely above
                    rank_lower=len(highs) - bisect.bisect_left(highs, low),  # all not surely below
                    score=score,
                    ci_low=low,
                    ci_high=high,
                    votes=m.votes if not webdev else m.votes // 4,
                    organization=m.organization,
                )
            )
        return ParsedSnapshot(board, as_of, tuple(entries), "hf-rows")

    # ---- OpenRouter

    def _router_model(self, day: int, *, hype: bool) -> None:
        rng = self.rng
        org = rng.choice(self.orgs)
        family = self._unique(lambda: f"{self._word(2)}-{rng.randint(1, 5)}.{rng.randint(0, 9)}-{rng.choice(SIZES)}")
        created = datetime.combine(self.plan.start + timedelta(days=day), datetime.min.time(), tzinfo=UTC)
        base = f"{org.split()[0].lower()}/{family}"
        slug = f"{base}-{created:%Y%m%d}"
        name = family.replace("-", " ").title()
        level = rng.gauss(24.5, 1.6) if hype else rng.gauss(20.5, 2.2)
        prompt = rng.choice(PRICES)
        self.router[slug] = RouterModel(
            slug=slug,
            catalog_id=base,
            name=name,
            organization=org,
            level=level,
            trend=rng.gauss(-0.004 if hype else 0.0, 0.004),
            prompt_share=rng.uniform(0.7, 0.96),
            prompt_price=prompt,
            completion_price=prompt * rng.choice((2, 3, 4, 5, 8)),
            context=rng.choice(CONTEXTS),
            created=created,
            rename_on=day + rng.randint(30, 900) if rng.random() < 0.1 else None,
            new_name=f"{name} {rng.choice(SUFFIXES)}",
        )
        if rng.random() < 0.1:  # a free variant: its own ranking row and catalogue entry
            self.router[slug + ":free"] = RouterModel(
                slug=slug + ":free",
                catalog_id=base + ":free",
                name=name + " (free)",
                organization=org,
                level=level - rng.uniform(0.5, 2.0),
                trend=rng.gauss(0.0, 0.004),
                prompt_share=rng.uniform(0.7, 0.96),
                prompt_price=Decimal(0),
                completion_price=Decimal(0),
                context=rng.choice(CONTEXTS),
                created=created,
                rename_on=None,
                new_name=name,
            )

    def _router_day(self, day: int) -> int:
        """Advance usage and the catalogue by a day; returns how many catalogue changes were made."""
        rng = self.rng
        changes = 0
        for model in self.router.values():
            model.level += model.trend + rng.gauss(0, 0.05)
            model.daily.append(int(math.exp(model.level)))
            if model.rename_on == day:
                model.name = model.new_name
                changes += 1
            if model.prompt_price and rng.random() < 0.0015:
                factor = Decimal(rng.choice(("0.5", "0.8", "1.25", "2")))
                model.prompt_price = (model.prompt_price * factor).quantize(Decimal("0.001"))
                model.completion_price = (model.completion_price * factor).quantize(Decimal("0.001"))
                changes += 1
        if rng.random() < 0.16 * self.plan.scale**0.5:
            self._router_model(day, hype=rng.random() < 0.3)
            changes += 1
        if rng.random() < 0.12 * self.plan.scale**0.5 and len(self.router) > 20:
            faded = sorted(self.router.values(), key=lambda m: m.level)[: max(4, len(self.router) // 4)]
            del self.router[rng.choice(faded).slug]
            changes += 1
        return changes

    def weekly_window(self, as_of: date) -> ParsedSnapshot | None:
        """The top 50 of the 7 days ending `as_of`, with change against the window 7 days before."""
        sums = {slug: sum(m.daily) for slug, m in self.router.items() if len(m.daily) == 7}
        self.weekly_before.append(sums)
        if not sums:
            return None
        total = sum(sums.values())
        before = self.weekly_before[0] if len(self.weekly_before) == 8 else {}
        top = sorted(sums, key=lambda s: (-sums[s], s))[:50]
        usages = []
        for slug in top:
            model, tokens = self.router[slug], sums[slug]
            prompt = int(tokens * model.prompt_share)
            previous = before.get(slug)
            usages.append(
                Usage(
                    model_id=slug,
                    tokens=tokens,
                    model=model.name,
                    prompt_tokens=prompt,
                    completion_tokens=tokens - prompt,
                    change=tokens / previous - 1 if previous else None,
                    share=tokens / total,
                )
            )
        start = as_of - timedelta(days=6)
        return ParsedSnapshot(WEEKLY, as_of, ranked_entries(usages), "data-api", start, as_of)

    def catalogue(self, as_of: date) -> ParsedCatalog:
        models = tuple(
            CatalogModel(
                slug=m.slug,
                catalog_id=m.catalog_id,
                name=m.name,
                prompt_price_per_m=m.prompt_price,
                completion_price_per_m=m.completion_price,
                context_length=m.context,
                created=m.created,
                organization=m.organization,
            )
            for m in sorted(self.router.values(), key=lambda m: m.slug)
        )
        return ParsedCatalog(as_of, models, "openrouter-models-api")

    def advance(self, day: int) -> int:
        self._arena_day(day)
        return self._router_day(day)
