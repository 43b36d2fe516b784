"""Normalisation rules that turn Arena model keys and OpenRouter catalogue names into comparable keys.

Arena writes `claude-opus-4-7-thinking`; OpenRouter's catalogue id is `anthropic/claude-opus-4.7`, its
canonical slug `anthropic/claude-4.7-opus-20260416` and its name `Anthropic: Claude Opus 4.7`. A
`NameKey` is what survives normalisation: lower-case word and number tokens (so `-`, `.`, `_` and a
letter/digit boundary all separate the same way: `4-7` == `4.7`, `qwen2.5` == `qwen-2.5`), the family
word put before the version (`claude-4.7-opus` == `claude-opus-4.7`), a trailing `.0` dropped (`v1.0` ==
`v1`), and a trailing date stamp held apart (`-20250929`, `-0514`, `-2025-04-16`, `-08-2024`, `-2507`).

Arena modes are suffixes that name a way of running one model, not another model: `-thinking`,
`-thinking-32k` (a thinking budget), `-reasoning`, `-no-thinking`/`-non-reasoning`, reasoning effort
(`-minimal`, `-low`, `-medium`, `-high`, `-xhigh`), `-instant`, serving precision (`-bf16`, `-fp8`) and
any parenthesised qualifier (`(codex-harness)`, `(thinking-minimal)`). Not modes, because OpenRouter
sells them as products of their own: `-fast`, `-turbo`, `-mini`, `-pro`, `-chat`, `-codex`, `-preview`,
`-exp`, `-search`/`-grounding` (search-augmented systems), `-latest` (a moving alias) and dates.

Everything here is pure and deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tracker.models import CatalogModel

Tokens = tuple[str, ...]

_TRAILING_ZERO_MINOR = re.compile(r"(?<=\d)\.0(?![\d.])")  # "v1.0" -> "v1", "seed-2.0-pro" -> "seed-2-pro"
_TOKEN = re.compile(r"[a-z]+|[0-9]+")
_FAMILY_WORD = re.compile(r"^[a-z]{3,}$")  # "opus", "sonnet", "flash"; not "o", "b", "it"

# One mode suffix at the end of an Arena key; stripped one at a time, longest alternatives first.
_MODE_SUFFIX = re.compile(
    r"(?:\s*\([^()]*\)"
    r"|[-_]thinking[-_]\d+k"
    r"|[-_](?:no|non)[-_](?:thinking|reasoning)"
    r"|[-_](?P<effort>minimal|low|medium|high|xhigh)"
    r"|[-_](?:thinking|reasoning|instant|bf16|fp8))$"
)


@dataclass(frozen=True)
class NameKey:
    """A normalised model name: its tokens without the date stamp, and the stamp (digits) if any."""

    base: Tokens
    date: str | None = None


@dataclass(frozen=True)
class ArenaForm:
    """One reading of an Arena key: the text left after stripping `mode` suffixes (None: the whole key)."""

    text: str
    mode: str | None
    key: NameKey


def tokens(text: str) -> Tokens:
    """Lower-case word and number tokens of a name, with the separators and `.0` minor versions dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("+", " plus ")  # "Command R+"
    return tuple(_TOKEN.findall(_TRAILING_ZERO_MINOR.sub("", folded)))


def _month(token: str) -> bool:
    return len(token) == 2 and token.isdigit() and 1 <= int(token) <= 12


def _day(token: str) -> bool:
    return len(token) == 2 and token.isdigit() and 1 <= int(token) <= 31


def _year(token: str) -> bool:
    return len(token) == 4 and token.isdigit() and token.startswith(("19", "20"))


def split_date(parts: Tokens) -> tuple[Tokens, str | None]:
    """Hold a trailing date stamp apart: (tokens before it, its digits) or (tokens, None).

    Recognised: YYYYMMDD, YYYYMM, YYYY-MM-DD, YY-MM-DD, MM-YYYY (-> YYYYMM), MM-DD and a 4-digit
    MMDD or YYMM (the two are not told apart: both read as the same four digits).
    """
    n = len(parts)
    if n >= 4 and _year(parts[-3]) and _month(parts[-2]) and _day(parts[-1]):
        return parts[:-3], "".join(parts[-3:])
    if n >= 4 and len(parts[-3]) == 2 and parts[-3].isdigit() and _month(parts[-2]) and _day(parts[-1]):
        return parts[:-3], "20" + "".join(parts[-3:])
    if n >= 3 and _month(parts[-2]) and _year(parts[-1]):
        return parts[:-2], parts[-1] + parts[-2]
    if n >= 3 and _month(parts[-2]) and _day(parts[-1]):
        return parts[:-2], "".join(parts[-2:])
    last = parts[-1] if parts else ""
    if n >= 2 and last.isdigit() and (len(last) == 4 or (len(last) in (6, 8) and _year(last[:4]))):
        return parts[:-1], last
    return parts, None


def same_date(a: str, b: str) -> bool:
    """Two stamps name the same day: equal digits, or an MMDD stamp that is the tail of a YYYYMMDD one."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) == 4 and len(long) == 8 and long.endswith(short)


def family_first(parts: Tokens) -> Tokens:
    """`claude 4 7 opus` -> `claude opus 4 7`: a version right after the first word moves behind the family.

    Applied to every name on both sides, so it only ever merges the two word orders of one name.
    """
    if len(parts) < 3 or not parts[0].isalpha():
        return parts
    end = 1
    while end < len(parts) and parts[end].isdigit():
        end += 1
    if end == 1 or end >= len(parts) or not _FAMILY_WORD.match(parts[end]):
        return parts
    return (parts[0], parts[end], *parts[1:end], *parts[end + 1 :])


def name_key(text: str) -> NameKey:
    base, date = split_date(tokens(text))
    return NameKey(family_first(base), date)


def arena_forms(arena_key: str) -> tuple[ArenaForm, ...]:
    """The Arena key itself, then the key with one more mode suffix stripped each time.

    The whole key comes first so that a product the catalogue sells under the suffixed name
    (`o3-mini-high`, `qwen3-max-thinking`) wins over the base model.
    """
    whole = arena_key.strip()
    text = whole
    forms = [ArenaForm(text, None, name_key(text))]
    while (suffix := _MODE_SUFFIX.search(text)) is not None:
        rest = text[: suffix.start()].rstrip(" -_")
        # an effort word after a bare family name is a product tier: `mistral-medium` is not `mistral`
        if not rest or (suffix.group("effort") and not any(c.isdigit() for c in rest)):
            break
        text = rest
        mode = whole[len(text) :].strip(" -_")
        if mode.startswith("(") and mode.endswith(")") and mode.count("(") == 1:
            mode = mode[1:-1]
        forms.append(ArenaForm(text, mode, name_key(text)))
    return tuple(forms)


def split_variant(key: str) -> tuple[str, str | None]:
    """`org/model-2026:free` -> ("org/model-2026", "free"); a key without a variant -> (key, None)."""
    base, sep, variant = key.partition(":")
    return (base, variant) if sep and variant else (key, None)


def catalog_org(catalog_id: str) -> str:
    """The author part of a catalogue id, as OpenRouter spells it: `z-ai`, `moonshotai`, `meta-llama`."""
    return catalog_id.split("/", 1)[0].lstrip("~").casefold()


def is_router(catalog_id: str) -> bool:
    """Routers and moving aliases (`openrouter/auto`, `~anthropic/claude-opus-latest`) are not models."""
    return catalog_id.startswith("~") or catalog_org(catalog_id) == "openrouter"


def _model_part(key: str) -> str:
    return split_variant(key)[0].split("/", 1)[-1]


def _display_name(model: CatalogModel) -> str:
    """The catalogue name without its `Author: ` prefix or a `(free)`-style variant label."""
    name = model.name.split(": ", 1)[1] if ": " in model.name else model.name
    variant = split_variant(model.catalog_id)[1]
    if variant:
        name = re.sub(rf"\s*\({re.escape(variant)}\)\s*$", "", name, flags=re.IGNORECASE)
    return name


def catalog_keys(model: CatalogModel) -> dict[str, tuple[NameKey, ...]]:
    """The keys each rule compares, per rule name: the id, the canonical slug and the display name.

    The id and slug also come with the author in front (`amazon/nova-pro-v1` -> `amazon nova pro v1`),
    because some Arena keys carry it (`amazon-nova-pro-v1.0`, `nvidia-nemotron-3-super-120b-a12b`).
    A slug's date is the day OpenRouter listed the model when the id carries no date
    (`anthropic/claude-opus-4.7` -> `claude-4.7-opus-20260416`): the slug is then also offered
    undated. When the id carries one (`cohere/command-r-08-2024`, `deepseek/deepseek-v4-flash-0731`)
    the date names the product and stays.
    """
    org = catalog_org(model.catalog_id)

    def with_author(key: str) -> list[NameKey]:
        part = _model_part(key)
        return [name_key(part), name_key(f"{org}-{part}")]

    ids = with_author(model.catalog_id)
    slugs = with_author(model.slug)
    if all(key.date is None for key in ids):
        slugs += [NameKey(key.base) for key in slugs if key.date is not None]
    return {
        "id": tuple(dict.fromkeys(ids)),
        "slug": tuple(dict.fromkeys(slugs)),
        "name": (name_key(_display_name(model)),),
    }
