"""HTTP for the whole project: the only module that imports httpx.

`Fetcher.get` returns the bytes of one resource with its provenance, or raises the error that says
what went wrong (see tracker.models): `TransientError` after bounded retries, `BlockedError` for a
bot challenge (never retried), `SourceGoneError` for 404/410, `FetchError` for anything else,
including a redirect to a host outside the allowed set. Every error carries the url, status, body
and headers it had, so the caller can record the attempt raw. The rules live in `fetch_policy`.

Why not httpx-retries: its retry loop runs inside the transport, under the client, so it cannot
wrap an injected `httpx.Client`; it decides on the status alone (a 503 challenge page would be
retried), closes the intermediate answers unread (their bodies cannot be recorded), sleeps with
`time.sleep` and reads Retry-After dates against the real clock (neither can be injected), and a
body cut short is only noticed after it has returned. The loop below is small and does all that.

Decision: an empty 200 body is returned as-is; what a capture must contain is checked later
(`tracker.channels` refuses an empty capture, parsers refuse a missing table).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

import httpx

from tracker.fetch_policy import (
    FetchPolicy,
    Verdict,
    classify,
    host_of,
    user_agent,
    wait_before_retry,
)
from tracker.models import BlockedError, FetchError, SourceGoneError, TransientError

log = logging.getLogger(__name__)

# Failures of the connection itself that another try may cure.
_RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.DecodingError,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Response:
    """One resource as fetched: the body bytes untouched (content-encoding removed) and provenance."""

    url: str  # as requested, with its query string
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes = field(repr=False)
    started_at: datetime  # aware UTC
    finished_at: datetime
    attempts: int  # tries made, redirects not counted
    not_modified: bool = False  # a 304 answer to a conditional GET: `body` is empty
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Attempt:
    """One HTTP exchange (a try or a redirect hop), reported to `on_attempt` as it happens."""

    url: str
    try_number: int
    status: int | None  # None when no answer arrived
    headers: dict[str, str]
    body: bytes | None = field(repr=False)
    started_at: datetime
    finished_at: datetime
    verdict: str  # a Verdict value, or "error" for a connection failure
    error: str | None = None


class _Truncated(Exception):
    """A body shorter (or longer) than its Content-Length: the connection was cut or garbled."""


_RETRY_ON: tuple[type[Exception], ...] = (*_RETRYABLE_ERRORS, _Truncated)


@dataclass(frozen=True)
class _Answer:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    verdict: Verdict


class Fetcher:
    """GET with explicit timeouts, bounded retries, honoured Retry-After, and known hosts only."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        policy: FetchPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utc_now,
        agent: str | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._owns_client = client is None
        self._client = client or httpx.Client(follow_redirects=False)
        self._sleep = sleep
        self._clock = clock
        self._agent = agent or user_agent()
        self._on_attempt = on_attempt
        p = self.policy
        self._timeout = httpx.Timeout(
            connect=p.connect_timeout, read=p.read_timeout, write=p.write_timeout, pool=p.pool_timeout
        )

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Response:
        """Fetch `url`; with `etag`/`last_modified` the GET is conditional and may come back not_modified."""
        self._check_host(url, url)
        sent: dict[str, str] = {"User-Agent": self._agent}
        if etag:
            sent["If-None-Match"] = etag
        if last_modified:
            sent["If-Modified-Since"] = last_modified
        sent.update(headers or {})
        try:
            request = self._client.build_request("GET", url, params=params, headers=sent, timeout=self._timeout)
        except (httpx.InvalidURL, httpx.HTTPError) as exc:  # a malformed (e.g. overridden) base URL
            raise FetchError(f"GET {url}: {_describe(exc)}", url=url) from exc
        requested = str(request.url)
        started = self._clock()
        waited = 0.0
        last: _Answer | None = None
        last_error = ""
        tries = 0
        for tries in range(1, self.policy.max_tries + 1):
            try:
                answer = self._exchange(request, tries)
            except _RETRY_ON as exc:
                last, last_error = None, _describe(exc)
                log.warning("GET %s: try %d failed: %s", requested, tries, last_error)
            else:
                if answer.verdict is not Verdict.RETRY:
                    return self._finish(requested, answer, started, tries, conditional=bool(etag or last_modified))
                last, last_error = answer, f"HTTP {answer.status}"
                log.warning("GET %s: try %d answered %d", requested, tries, answer.status)
            if tries == self.policy.max_tries:
                break
            wait = wait_before_retry(tries, last.headers if last else {}, self._clock(), self.policy)
            if waited + wait > self.policy.max_total_wait:
                last_error += f"; the next wait ({wait:.0f} s) would pass the wait budget"
                break
            log.info("GET %s: waiting %.1f s before try %d", requested, wait, tries + 1)
            self._sleep(wait)
            waited += wait
        raise TransientError(
            f"GET {requested}: gave up after {tries} tries ({last_error})",
            url=last.url if last else requested,
            status=last.status if last else None,
            body=last.body if last else None,
            headers=last.headers if last else None,
        )

    def _finish(self, requested: str, answer: _Answer, started: datetime, tries: int, *, conditional: bool) -> Response:
        """The Response for a final answer, or the error it stands for."""
        if answer.verdict is Verdict.BLOCKED:
            raise _error(BlockedError, f"blocked by a bot challenge (HTTP {answer.status})", answer)
        if answer.verdict is Verdict.GONE:
            raise _error(SourceGoneError, f"source gone (HTTP {answer.status})", answer)
        if answer.verdict is Verdict.REDIRECT:  # a redirect left over after max_redirects hops
            raise _error(FetchError, f"more than {self.policy.max_redirects} redirects", answer)
        if answer.verdict is Verdict.FAILED or (answer.verdict is Verdict.NOT_MODIFIED and not conditional):
            raise _error(FetchError, f"HTTP {answer.status}", answer)
        return Response(
            url=requested,
            final_url=answer.url,
            status=answer.status,
            headers=answer.headers,
            body=answer.body,
            started_at=started,
            finished_at=self._clock(),
            attempts=tries,
            not_modified=answer.verdict is Verdict.NOT_MODIFIED,
            etag=answer.headers.get("etag"),
            last_modified=answer.headers.get("last-modified"),
        )

    def _exchange(self, request: httpx.Request, try_number: int) -> _Answer:
        """One try: send, follow redirects within the known hosts, read the whole body."""
        current = request
        for _ in range(self.policy.max_redirects + 1):
            hop = self._send(current, try_number)
            if hop.answer.verdict is not Verdict.REDIRECT or hop.next_request is None:
                return hop.answer
            self._check_host(str(hop.next_request.url), hop.answer.url, hop)
            current = hop.next_request
        return hop.answer  # still a redirect: _finish reports "too many redirects"

    def _send(self, request: httpx.Request, try_number: int) -> _Hop:
        started = self._clock()
        url = str(request.url)
        try:
            response = self._client.send(request, follow_redirects=False)
        except _RETRYABLE_ERRORS as exc:
            self._report(Attempt(url, try_number, None, {}, None, started, self._clock(), "error", _describe(exc)))
            raise
        except httpx.HTTPError as exc:
            self._report(Attempt(url, try_number, None, {}, None, started, self._clock(), "error", _describe(exc)))
            raise FetchError(f"GET {url}: {_describe(exc)}", url=url) from exc
        headers = {name.lower(): value for name, value in response.headers.items()}
        body = response.content
        truncated = _truncation(response, headers, body)
        verdict = classify(response.status_code, headers, body)
        self._report(
            Attempt(
                url,
                try_number,
                response.status_code,
                headers,
                body,
                started,
                self._clock(),
                "error" if truncated else verdict.value,
                truncated,
            )
        )
        if truncated:
            raise _Truncated(f"{url}: {truncated}")
        return _Hop(_Answer(url, response.status_code, headers, body, verdict), response.next_request)

    def _check_host(self, url: str, referrer: str, hop: _Hop | None = None) -> None:
        allowed = self.policy.allowed_hosts
        host = host_of(url)
        scheme = url.split(":", 1)[0].lower()
        downgrade = scheme == "http" and referrer.lower().startswith("https:")
        if host in allowed and scheme in ("http", "https") and not downgrade:
            return
        what = "redirected to" if hop else "asked for"
        answer = hop.answer if hop else None
        raise FetchError(
            f"GET {referrer}: {what} {url}, which is not a known upstream "
            f"(known hosts: {', '.join(sorted(allowed))}{'; https downgraded to http' if downgrade else ''})",
            url=referrer,
            status=answer.status if answer else None,
            body=answer.body if answer else None,
            headers=answer.headers if answer else None,
        )

    def _report(self, attempt: Attempt) -> None:
        log.debug("GET %s: try %d -> %s", attempt.url, attempt.try_number, attempt.status or attempt.error)
        if self._on_attempt is not None:
            self._on_attempt(attempt)


@dataclass(frozen=True)
class _Hop:
    answer: _Answer
    next_request: httpx.Request | None  # where a redirect points, as httpx builds it


def _truncation(response: httpx.Response, headers: Mapping[str, str], body: bytes) -> str | None:
    """Why a 2xx body does not match its Content-Length, or None when it does (or cannot be told)."""
    declared = headers.get("content-length", "")
    if not (200 <= response.status_code < 300) or response.status_code == 204 or not declared.isdigit():
        return None
    encoded = headers.get("content-encoding", "identity").strip().lower() not in ("", "identity")
    # Content-Length counts the bytes on the wire: compressed ones when the body was encoded.
    received = response.num_bytes_downloaded if encoded else len(body)
    if encoded and received == 0:  # a transport that hands over a decoded body without counting it
        return None
    if received != int(declared):
        return f"body of {received} bytes, Content-Length says {declared}: truncated or garbled"
    return None


def _error(kind: type[FetchError], what: str, answer: _Answer) -> FetchError:
    return kind(
        f"GET {answer.url}: {what}",
        url=answer.url,
        status=answer.status,
        body=answer.body,
        headers=answer.headers,
    )


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
