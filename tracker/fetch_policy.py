"""How a fetch behaves, as pure rules: timeouts, tries, waits, known hosts, and what each answer means.

No I/O and no HTTP library here (`tracker.fetch` applies these rules with httpx), so every rule is
tested on plain values: "Retry-After: 7" is a 7 s wait, a challenge page is *blocked*, 404 is *gone*.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from tracker import __version__

# Where the project lives, for the User-Agent: upstream operators can see who is calling and why.
PROJECT_URL = "https://pypi.org/project/llm-rank-tracker/"

# The upstreams the collectors talk to by default; an overridden base URL adds its own host.
DEFAULT_HOSTS: frozenset[str] = frozenset(
    {"datasets-server.huggingface.co", "huggingface.co", "arena.ai", "lmarena.ai", "openrouter.ai"}
)

# Cloudflare serves its bot check with these markers; any of them means "a browser check, not data".
_CHALLENGE_MARKERS: tuple[bytes, ...] = (
    b"just a moment...",
    b"/cdn-cgi/challenge-platform/",
    b"challenge-platform",
    b"_cf_chl_opt",
    b"cf-chl-",
    b"attention required! | cloudflare",
)
_CHALLENGE_SNIFF_BYTES = 64 * 1024  # challenge pages are small; never scan a whole large capture
_CHALLENGE_STATUSES = frozenset({403, 429, 503})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx


def user_agent() -> str:
    return f"llm-rank-tracker/{__version__} (+{PROJECT_URL})"


def host_of(url: str) -> str:
    """The lower-cased host name of an absolute URL ("" when it has none)."""
    return (urlsplit(url).hostname or "").lower()


def known_hosts(*base_urls: str) -> frozenset[str]:
    """The default upstream hosts plus the host of every (possibly overridden) base URL."""
    extra = {host_of(url) for url in base_urls}
    return DEFAULT_HOSTS | frozenset(h for h in extra if h)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch. Defaults suit a scheduled collector that runs a few times a day."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    write_timeout: float = 30.0
    pool_timeout: float = 10.0
    max_tries: int = 4  # the first try plus three retries
    backoff_base: float = 2.0  # waits 2, 4, 8 ... seconds between tries when the upstream names none
    backoff_cap: float = 60.0
    retry_after_cap: float = 120.0  # an upstream asking for longer gets this much
    max_total_wait: float = 300.0  # all waits of one fetch together; past this, give up (transient)
    max_redirects: int = 5
    allowed_hosts: frozenset[str] = DEFAULT_HOSTS

    def __post_init__(self) -> None:
        if self.max_tries < 1:
            raise ValueError("max_tries must be at least 1")
        if min(self.connect_timeout, self.read_timeout, self.write_timeout, self.pool_timeout) <= 0:
            raise ValueError("timeouts must be positive")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.retry_after_cap < 0:
            raise ValueError("waits must not be negative")


class Verdict(enum.StrEnum):
    """What one HTTP answer means for the fetch."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    REDIRECT = "redirect"
    RETRY = "retry"  # worth another try: 5xx, 429, 408
    BLOCKED = "blocked"  # a bot challenge: retrying in a loop would not help
    GONE = "gone"  # 404/410: the source moved or was removed
    FAILED = "failed"  # any other answer: a clear error, no retry


def _looks_like_html(headers: Mapping[str, str], head: bytes) -> bool:
    content_type = headers.get("content-type", "").lower()
    return "html" in content_type or head.lstrip().startswith(b"<")


def is_challenge(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """True for a Cloudflare bot check: the `cf-mitigated: challenge` header, or a challenge page.

    `headers` has lower-cased names. A page body counts on 403/429/503, and on a 2xx only when the
    body is HTML: a JSON catalogue that happens to quote "Just a moment..." is still data.
    """
    if headers.get("cf-mitigated", "").strip().lower() == "challenge":
        return True
    head = body[:_CHALLENGE_SNIFF_BYTES]
    if status in _CHALLENGE_STATUSES or (200 <= status < 300 and _looks_like_html(headers, head)):
        lowered = head.lower()
        return any(marker in lowered for marker in _CHALLENGE_MARKERS)
    return False


def classify(status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
    """The meaning of one answer (headers with lower-cased names)."""
    if is_challenge(status, headers, body):
        return Verdict.BLOCKED
    if status == 304:
        return Verdict.NOT_MODIFIED
    if 200 <= status < 300:
        return Verdict.OK
    if status in _REDIRECT_STATUSES and headers.get("location"):
        return Verdict.REDIRECT
    if status in (404, 410):
        return Verdict.GONE
    if status in _RETRY_STATUSES or 500 <= status < 600:
        return Verdict.RETRY
    return Verdict.FAILED


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds asked for by a Retry-After header: delay-seconds or an HTTP-date; None if absent or bad.

    A date in the past asks for no wait (0.0). `now` must be aware.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(retry_number: int, policy: FetchPolicy) -> float:
    """The wait before retry `retry_number` (1 = the first retry) when the upstream names none.

    Deterministic (no jitter): one scheduled client, not a crowd, and tests assert exact waits.
    """
    return min(policy.backoff_cap, policy.backoff_base * 2.0 ** (retry_number - 1))


def wait_before_retry(retry_number: int, headers: Mapping[str, str], now: datetime, policy: FetchPolicy) -> float:
    """How long to wait before the next try: Retry-After when given (capped), else the backoff.

    Never zero when the policy has a backoff, so a "Retry-After: 0" or a past date cannot make
    a busy loop.
    """
    asked = retry_after_seconds(headers.get("retry-after"), now)
    if asked is None:
        return backoff_seconds(retry_number, policy)
    return min(policy.retry_after_cap, max(asked, backoff_seconds(1, policy)))
