"""Token counts and other figures: read them exactly from text, write them the house way.

Token counts are integers everywhere: "1.77T" is read with Decimal arithmetic, never floats.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_compact_decimal

_SUFFIX = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12}
# Digits plain or grouped by commas in threes ("1,234"), an optional fraction, then the suffix with no space
# before it: "1,2,3,4" and "5 B" are not figures anyone writes, so they are refused rather than guessed at.
_TOKEN_RE = re.compile(
    r"^\s*([+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[+-]?\.[0-9]+)([KMBGT]?)\s*$", re.IGNORECASE
)


def parse_tokens(text: str | int) -> int:
    """Read a token count: 3290000000000, "3.29T", "609B", "12.3M", "950K", "1,234" -> int.

    A suffixed figure must come out whole ("1.2345K" is 1234.5 tokens: refused). Commas must group
    thousands ("1,2,3,4" is refused) and a suffix follows its digits directly ("5 B" is refused).
    """
    if isinstance(text, bool):
        raise ValueError(f"not a token count: {text!r}")
    if isinstance(text, int):
        return text
    match = _TOKEN_RE.match(text)
    if not match:
        raise ValueError(f"not a token count: {text!r}")
    digits, suffix = match.group(1).replace(",", ""), match.group(2).upper()
    try:
        value = Decimal(digits) * _SUFFIX[suffix]
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise ValueError(f"not a token count: {text!r}") from exc
    if value != value.to_integral_value():
        raise ValueError(f"token count is not a whole number: {text!r}")
    return int(value)


def round_significant(n: int, digits: int = 3) -> int:
    """Round a whole number to `digits` significant figures, halves away from zero."""
    if n == 0:
        return 0
    exponent = len(str(abs(n))) - digits
    if exponent <= 0:
        return n
    quantum = Decimal(10) ** exponent
    return int((Decimal(n) / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum)


def format_tokens(n: int) -> str:
    """Three significant figures with a suffix: 3.29T, 609B, 12.3M, 950K."""
    return str(format_compact_decimal(round_significant(n), format_type="short", locale="en_US", fraction_digits=2))


def format_rank(rank: int | None) -> str:
    return "#?" if rank is None else f"#{rank}"


def format_percent(fraction_pct: float) -> str:
    """A percentage already in percent units, rounded for prose: 23.4 -> "23%"."""
    rounded = Decimal(repr(fraction_pct)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{int(rounded)}%"


def format_score(score: float) -> str:
    """Arena scores read as integers in prose: 1500.26 -> "1500"."""
    return str(int(Decimal(repr(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def count_in_words(n: int) -> str:
    """Small counts in words, as prose writes them: 3 -> "three", 12 -> "12"."""
    return _SMALL[n] if 0 <= n < len(_SMALL) else str(n)
