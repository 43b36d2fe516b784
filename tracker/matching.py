"""Cross-source model identity: which OpenRouter model an Arena model key is, if any.

`match_models` answers, for every Arena key it is given, either a `Match` (the OpenRouter canonical
slug, which keys the rankings, and the catalogue id, which keys prices) or an `Unmatched` with a
reason. Nothing is dropped. A wrong match is worse than none, so:

1. The reviewed overrides (`model_map.yaml`) decide first, for the key and for its modes.
2. Otherwise the key is read as itself, then with one more mode suffix stripped each time
   (`claude-opus-4-7-thinking` -> `claude-opus-4-7`; see `matching_rules`). For each reading the
   rules run in order of strength: `rule:id` (the catalogue id), `rule:slug` (the canonical slug,
   whose trailing date is OpenRouter's listing date), `rule:name` (the display name). The first rule
   that finds anything decides: one model is a match, two or more stay unmatched as "ambiguous".
3. A dated Arena key (`claude-sonnet-4-5-20250929`) matches only a catalogue model carrying that
   same date in its id, slug or name; an undated key matches only undated names. A date in a
   catalogue id or name names a snapshot (`deepseek/deepseek-v4-flash-0731`, "Kimi K2 0711"); a
   date only in the canonical slug is the day OpenRouter listed the model and is ignored.
4. Candidates whose author is not the Arena organisation (or one of its aliases in the map), and
   pairs the map lists under `never`, are set aside before counting.

Catalogue rows that are variants of one model (`:free`, `:thinking`) count as that one model;
routers and moving aliases (`openrouter/auto`, `~anthropic/claude-opus-latest`) are never candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.matching_map import ModelMap, load_model_map, parse_model_map
from tracker.matching_rules import (
    ArenaForm,
    NameKey,
    Tokens,
    arena_forms,
    catalog_keys,
    catalog_org,
    is_router,
    same_date,
    split_variant,
)
from tracker.models import CatalogModel

__all__ = [
    "RULES",
    "Match",
    "MatchResult",
    "ModelMap",
    "Unmatched",
    "load_model_map",
    "match_models",
    "parse_model_map",
]

RULES = ("id", "slug", "name")  # strongest first


@dataclass(frozen=True)
class Match:
    arena_key: str
    slug: str  # OpenRouter canonical slug (the rankings' model_permaslug), without a variant
    catalog_id: str  # OpenRouter catalogue id of the base model (no `:variant`)
    method: str  # "rule:id", "rule:slug", "rule:name" or "override"
    mode: str | None = None  # the Arena mode looked past, e.g. "thinking", "high (codex-harness)"


@dataclass(frozen=True)
class Unmatched:
    arena_key: str
    reason: str  # "no candidate ...", "ambiguous: a, b", "override target ... is not in the catalogue"


@dataclass(frozen=True)
class MatchResult:
    """Every Arena key given, in input order: matched or unmatched, never both, never missing."""

    matches: tuple[Match, ...]
    unmatched: tuple[Unmatched, ...]

    def match_for(self, arena_key: str) -> Match | None:
        return next((m for m in self.matches if m.arena_key == arena_key), None)

    def reason_for(self, arena_key: str) -> str | None:
        return next((u.reason for u in self.unmatched if u.arena_key == arena_key), None)

    def arena_keys_for(self, openrouter_key: str) -> tuple[str, ...]:
        """The Arena keys (modes included) matched to a canonical slug, ranking variant slug or id."""
        base = split_variant(openrouter_key)[0]
        return tuple(m.arena_key for m in self.matches if base in (m.slug, m.catalog_id))


@dataclass(frozen=True)
class _Model:
    """One catalogue model with its variants folded in."""

    slug: str
    catalog_id: str
    names: frozenset[str]  # every id and slug it answers to, variants included
    author: str


def _fold_variants(catalogue: Sequence[CatalogModel]) -> list[tuple[_Model, CatalogModel]]:
    groups: dict[str, list[CatalogModel]] = defaultdict(list)
    for model in catalogue:
        if not is_router(model.catalog_id):
            groups[split_variant(model.slug)[0]].append(model)
    folded = []
    for slug, rows in sorted(groups.items()):
        # the paid base row names the model; a free-only model keeps its one row
        rows.sort(key=lambda m: (split_variant(m.catalog_id)[1] is not None, m.catalog_id))
        head = rows[0]
        names = {n for m in rows for n in (m.catalog_id, m.slug)} | {slug}
        names |= {split_variant(n)[0] for n in names}
        catalog_id = split_variant(head.catalog_id)[0]
        folded.append((_Model(slug, catalog_id, frozenset(names), catalog_org(catalog_id)), head))
    return folded


class _Index:
    def __init__(self, catalogue: Sequence[CatalogModel]) -> None:
        self.by_base: dict[str, dict[Tokens, list[tuple[_Model, str | None]]]] = {r: {} for r in RULES}
        self.by_name: dict[str, _Model] = {}
        for model, head in _fold_variants(catalogue):
            for rule, keys in catalog_keys(head).items():
                for key in keys:
                    self.by_base[rule].setdefault(key.base, []).append((model, key.date))
            for name in model.names:
                self.by_name.setdefault(name, model)

    def hits(self, rule: str, key: NameKey) -> list[_Model]:
        found: dict[str, _Model] = {}
        for model, date in self.by_base[rule].get(key.base, []):
            if date == key.date or (date is not None and key.date is not None and same_date(date, key.date)):
                found[model.slug] = model
        return list(found.values())

    def other_dates(self, base: Tokens, date: str) -> list[str]:
        """Catalogue models with the name of a dated Arena key, under other dates."""
        entries = [(m, d) for r in RULES for m, d in self.by_base[r].get(base, []) if d is not None]
        return sorted({m.catalog_id for m, d in entries if not same_date(d, date)})


def _author_ok(organization: str | None, author: str, overrides: ModelMap) -> bool:
    if not organization or not organization.strip():
        return True  # Arena leaves some organisations blank: nothing to check against
    org = organization.strip().casefold()
    return author == org or author in overrides.organizations.get(org, ())


def _match_one(arena_key: str, organization: str | None, index: _Index, overrides: ModelMap) -> Match | Unmatched:
    forms = arena_forms(arena_key)
    for form in forms:
        target = overrides.match.get(form.text)
        if target is not None:
            model = index.by_name.get(target) or index.by_name.get(split_variant(target)[0])
            if model is None:
                return Unmatched(arena_key, f"override target {target!r} is not in the catalogue")
            return Match(arena_key, model.slug, model.catalog_id, "override", form.mode)
    texts = {form.text for form in forms}
    forbidden = {target for key, target in overrides.never if key in texts}
    set_aside: dict[str, str] = {}
    for form in forms:
        for rule in RULES:
            kept = []
            for model in index.hits(rule, form.key):
                if model.names & forbidden:
                    set_aside[model.catalog_id] = "never"
                elif not _author_ok(organization, model.author, overrides):
                    set_aside[model.catalog_id] = f"author {model.author!r} is not organisation {organization!r}"
                else:
                    kept.append(model)
            if len(kept) == 1:
                return Match(arena_key, kept[0].slug, kept[0].catalog_id, f"rule:{rule}", form.mode)
            if kept:
                return Unmatched(arena_key, "ambiguous: " + ", ".join(sorted(m.catalog_id for m in kept)))
    return Unmatched(arena_key, _no_candidate(forms, index, set_aside))


def _no_candidate(forms: Sequence[ArenaForm], index: _Index, set_aside: dict[str, str]) -> str:
    notes = [f"{catalog_id}: {why}" for catalog_id, why in sorted(set_aside.items())]
    for form in forms:
        if form.key.date is not None and (others := index.other_dates(form.key.base, form.key.date)):
            notes.append(f"dated {form.key.date}; the catalogue has {', '.join(others)} with other dates")
            break
    return "no candidate" + (f" ({'; '.join(notes)})" if notes else "")


def match_models(
    arena_keys: Iterable[tuple[str, str | None]],
    catalogue: Sequence[CatalogModel],
    overrides: ModelMap,
) -> MatchResult:
    """Match (Arena key, organisation) pairs to catalogue models; each key once, in input order."""
    index = _Index(catalogue)
    matches: list[Match] = []
    unmatched: list[Unmatched] = []
    seen: set[str] = set()
    for arena_key, organization in arena_keys:
        if arena_key in seen:
            continue
        seen.add(arena_key)
        outcome = _match_one(arena_key, organization, index, overrides)
        if isinstance(outcome, Match):
            matches.append(outcome)
        else:
            unmatched.append(outcome)
    return MatchResult(tuple(matches), tuple(unmatched))
