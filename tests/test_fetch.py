"""The fetcher and its policy, replayed through httpx.MockTransport (RELIABILITY.md fetch cases 3-11).

Waits are asserted from the recorded sleeps; nothing here sleeps or opens a socket.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tracker import __version__
from tracker.fetch import Attempt, Fetcher
from tracker.fetch_policy import (
    DEFAULT_HOSTS,
    FetchPolicy,
    Verdict,
    backoff_seconds,
    classify,
    is_challenge,
    known_hosts,
    retry_after_seconds,
    wait_before_retry,
)
from tracker.models import BlockedError, FetchError, SourceGoneError, TransientError

NOW = datetime(2026, 8, 2, 12, 0, 0, tzinfo=UTC)
URL = "https://openrouter.ai/api/v1/models"
CHALLENGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b'<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>'
)

Handler = Callable[[httpx.Request], httpx.Response]


class Harness:
    """A Fetcher over a MockTransport that records requests, sleeps and attempts."""

    def __init__(self, handler: Handler, policy: FetchPolicy | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.attempts: list[Attempt] = []

        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return handler(request)

        self.client = httpx.Client(transport=httpx.MockTransport(record))
        self.fetcher = Fetcher(
            self.client,
            policy=policy or FetchPolicy(),
            sleep=self.sleeps.append,
            clock=lambda: NOW,
            on_attempt=self.attempts.append,
        )


def scripted(*answers: httpx.Response | Exception) -> Handler:
    """Answer each request with the next item; the last one repeats."""
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def ok(body: bytes = b'{"data": []}', **headers: str) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/json", **headers})


# ---- the policy, on plain values


def test_retry_after_seconds_reads_both_forms() -> None:
    assert retry_after_seconds("7", NOW) == 7.0
    assert retry_after_seconds(" 120 ", NOW) == 120.0
    assert retry_after_seconds(format_datetime(NOW + timedelta(seconds=30), usegmt=True), NOW) == 30.0
    assert retry_after_seconds(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0
    assert retry_after_seconds("Sun, 02 Aug 2026 12:00:45 -0000", NOW) == 45.0  # naive date read as GMT
    for bad in (None, "", "soon", "-5", "1.5", "Sun, 99 Foo 2026"):
        assert retry_after_seconds(bad, NOW) is None


def test_waits_honour_retry_after_with_a_cap_and_never_zero() -> None:
    policy = FetchPolicy(backoff_base=2.0, backoff_cap=60.0, retry_after_cap=120.0)
    assert [backoff_seconds(n, policy) for n in (1, 2, 3, 7)] == [2.0, 4.0, 8.0, 60.0]
    assert wait_before_retry(1, {"retry-after": "7"}, NOW, policy) == 7.0
    assert wait_before_retry(3, {"retry-after": "100000"}, NOW, policy) == 120.0
    assert wait_before_retry(1, {"retry-after": "0"}, NOW, policy) == 2.0  # no busy loop
    assert wait_before_retry(2, {"retry-after": "whenever"}, NOW, policy) == 4.0


def test_classify_status_table() -> None:
    expected = {
        200: Verdict.OK,
        204: Verdict.OK,
        304: Verdict.NOT_MODIFIED,
        400: Verdict.FAILED,
        401: Verdict.FAILED,
        403: Verdict.FAILED,
        404: Verdict.GONE,
        408: Verdict.RETRY,
        410: Verdict.GONE,
        422: Verdict.FAILED,
        429: Verdict.RETRY,
        500: Verdict.RETRY,
        502: Verdict.RETRY,
        503: Verdict.RETRY,
        504: Verdict.RETRY,
        599: Verdict.RETRY,
    }
    assert {status: classify(status, {}, b"") for status in expected} == expected
    assert classify(302, {"location": "/x"}, b"") is Verdict.REDIRECT
    assert classify(302, {}, b"") is Verdict.FAILED  # a redirect to nowhere


def test_challenge_detection() -> None:
    assert is_challenge(403, {"cf-mitigated": "challenge"}, b"")
    assert is_challenge(200, {"cf-mitigated": "Challenge"}, b"{}")
    for status in (403, 429, 503):
        assert is_challenge(status, {}, CHALLENGE_PAGE)
    assert is_challenge(200, {"content-type": "text/html"}, CHALLENGE_PAGE)
    # Data that merely quotes the words is still data, and a plain error page is not a challenge.
    assert not is_challenge(200, {"content-type": "application/json"}, b'{"d": "Just a moment..."}')
    assert not is_challenge(503, {}, b"<html><title>503 Service Unavailable</title></html>")
    assert not is_challenge(500, {}, CHALLENGE_PAGE)


def test_known_hosts_add_overridden_bases() -> None:
    hosts = known_hosts("https://datasets-server.huggingface.co", "http://127.0.0.1:8123/mirror")
    assert hosts == DEFAULT_HOSTS | {"127.0.0.1"}
    assert "openrouter.ai" in DEFAULT_HOSTS
    assert "evil.example" not in hosts


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_tries"):
        FetchPolicy(max_tries=0)
    with pytest.raises(ValueError, match="timeouts"):
        FetchPolicy(read_timeout=0)


# ---- success, provenance, headers


def test_success_returns_bytes_and_provenance() -> None:
    h = Harness(scripted(ok(b'{"data": [1]}', etag='"v1"', **{"Last-Modified": "Sat, 01 Aug 2026 00:00:00 GMT"})))
    response = h.fetcher.get(URL, params={"limit": 5})
    assert response.body == b'{"data": [1]}'
    assert response.status == 200
    assert response.attempts == 1
    assert not response.not_modified
    assert response.url == URL + "?limit=5" == response.final_url
    assert response.headers["content-type"] == "application/json"
    assert response.etag == '"v1"'
    assert response.last_modified == "Sat, 01 Aug 2026 00:00:00 GMT"
    assert response.started_at == NOW
    assert response.finished_at.tzinfo is not None
    sent = h.requests[0]
    assert sent.headers["user-agent"] == f"llm-rank-tracker/{__version__} (+https://pypi.org/project/llm-rank-tracker/)"
    assert sent.extensions["timeout"] == {"connect": 10.0, "read": 60.0, "write": 30.0, "pool": 10.0}
    assert h.sleeps == []
    assert "body=" not in repr(response)  # a large body never floods a log line


def test_odd_encodings_come_through_untouched() -> None:
    raw = "\ufeffmodel,tokens\nqwen\u2011max 模型 🚀,1\n".encode() + b"caf\xe9\n"  # BOM, U+2011, CJK, Latin-1
    h = Harness(scripted(httpx.Response(200, content=raw, headers={"content-type": "text/csv; charset=latin-1"})))
    assert h.fetcher.get(URL).body == raw


def test_gzip_body_is_decoded_and_checked_against_its_wire_length() -> None:
    plain = b'{"data": ["x"]}' * 50
    packed = gzip.compress(plain)

    def answer(declared: int) -> httpx.Response:
        headers = {"content-encoding": "gzip", "content-length": str(declared)}
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(packed))

    assert Harness(scripted(answer(len(packed)))).fetcher.get(URL).body == plain
    with pytest.raises(TransientError, match="truncated"):
        Harness(scripted(answer(len(packed) + 100))).fetcher.get(URL)


def test_empty_200_is_returned_as_is() -> None:
    # Decision: the fetcher is generic; channels and parsers refuse an empty capture.
    assert Harness(scripted(ok(b""))).fetcher.get(URL).body == b""


# ---- retries and waits (case 5, 6)


def test_5xx_then_200_succeeds_after_backoff() -> None:
    h = Harness(scripted(httpx.Response(502), httpx.Response(503), ok()))
    response = h.fetcher.get(URL)
    assert response.attempts == 3
    assert response.status == 200
    assert h.sleeps == [2.0, 4.0]
    assert [a.status for a in h.attempts] == [502, 503, 200]


def test_all_5xx_is_transient_after_exactly_max_tries() -> None:
    h = Harness(scripted(httpx.Response(503, content=b"upstream down", headers={"x-req": "7"})))
    with pytest.raises(TransientError) as caught:
        h.fetcher.get(URL)
    assert len(h.requests) == 4
    assert h.sleeps == [2.0, 4.0, 8.0]
    err = caught.value
    assert err.status == 503
    assert err.body == b"upstream down"
    assert err.headers["x-req"] == "7"
    assert err.url == URL
    assert "4 tries" in str(err)
    assert err.exit_code == 75


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_honoured(status: int) -> None:
    h = Harness(scripted(httpx.Response(status, headers={"Retry-After": "7"}), ok()))
    assert h.fetcher.get(URL).attempts == 2
    assert h.sleeps == [7.0]


def test_retry_after_http_date_is_honoured() -> None:
    when = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    h = Harness(scripted(httpx.Response(503, headers={"Retry-After": when}), ok()))
    h.fetcher.get(URL)
    assert h.sleeps == [30.0]


def test_huge_retry_after_is_capped() -> None:
    h = Harness(scripted(httpx.Response(429, headers={"Retry-After": "100000"}), ok()))
    h.fetcher.get(URL)
    assert h.sleeps == [120.0]


def test_waits_stop_at_the_budget() -> None:
    policy = FetchPolicy(max_total_wait=200.0)
    h = Harness(scripted(httpx.Response(429, headers={"Retry-After": "100000"})), policy)
    with pytest.raises(TransientError, match="wait budget"):
        h.fetcher.get(URL)
    assert h.sleeps == [120.0]
    assert len(h.requests) == 2


# ---- blocked, gone, other failures (case 4, 9)


@pytest.mark.parametrize("status", [403, 429, 503])
def test_cf_mitigated_challenge_is_blocked_not_retried(status: int) -> None:
    headers = {"cf-mitigated": "challenge", "Retry-After": "5", "content-type": "text/html"}
    h = Harness(scripted(httpx.Response(status, headers=headers, content=CHALLENGE_PAGE)))
    with pytest.raises(BlockedError) as caught:
        h.fetcher.get(URL)
    assert len(h.requests) == 1
    assert h.sleeps == []
    assert caught.value.status == status
    assert caught.value.body == CHALLENGE_PAGE
    assert caught.value.exit_code == 69


@pytest.mark.parametrize("status", [200, 403, 503])
def test_challenge_page_without_header_is_blocked(status: int) -> None:
    h = Harness(scripted(httpx.Response(status, content=CHALLENGE_PAGE, headers={"content-type": "text/html"})))
    with pytest.raises(BlockedError):
        h.fetcher.get(URL)
    assert len(h.requests) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_gone_after_one_try(status: int) -> None:
    h = Harness(scripted(httpx.Response(status, content=b"no such dataset")))
    with pytest.raises(SourceGoneError) as caught:
        h.fetcher.get(URL)
    assert len(h.requests) == 1
    assert h.sleeps == []
    assert caught.value.status == status
    assert caught.value.body == b"no such dataset"


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_other_4xx_fail_once_and_clearly(status: int) -> None:
    h = Harness(scripted(httpx.Response(status, content=b"{}")))
    with pytest.raises(FetchError) as caught:
        h.fetcher.get(URL)
    assert type(caught.value) is FetchError
    assert caught.value.status == status
    assert len(h.requests) == 1


# ---- connection failures and truncation (case 7, 11)


@pytest.mark.parametrize("exc", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.ReadTimeout("t")])
def test_connection_failures_are_retried_then_transient(exc: Exception) -> None:
    h = Harness(scripted(exc))
    with pytest.raises(TransientError) as caught:
        h.fetcher.get(URL)
    assert len(h.requests) == 4
    assert h.sleeps == [2.0, 4.0, 8.0]
    assert caught.value.status is None
    assert type(exc).__name__ in str(caught.value)
    assert [a.verdict for a in h.attempts] == ["error"] * 4


def test_connection_failure_then_success() -> None:
    h = Harness(scripted(httpx.RemoteProtocolError("peer closed"), ok()))
    assert h.fetcher.get(URL).attempts == 2
    assert h.sleeps == [2.0]


def test_truncated_body_is_never_returned() -> None:
    short = httpx.Response(200, headers={"content-length": "1000"}, content=b'{"data": [')
    h = Harness(scripted(short))
    with pytest.raises(TransientError, match="truncated"):
        h.fetcher.get(URL)
    assert len(h.requests) == 4
    assert h.attempts[0].body == b'{"data": ['
    assert h.attempts[0].verdict == "error"


def test_truncated_once_then_whole() -> None:
    whole = b'{"data": []}'
    short = httpx.Response(200, headers={"content-length": str(len(whole) + 5)}, content=whole)
    h = Harness(scripted(short, ok(whole)))
    assert h.fetcher.get(URL).body == whole


# ---- redirects (case 8)


def test_redirect_within_known_hosts_is_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/api/v1/models"})
        return ok()

    h = Harness(handler)
    response = h.fetcher.get("https://openrouter.ai/old")
    assert response.final_url == URL
    assert response.url == "https://openrouter.ai/old"
    assert response.attempts == 1
    assert [a.verdict for a in h.attempts] == ["redirect", "ok"]


def test_redirect_to_unknown_host_is_refused() -> None:
    h = Harness(scripted(httpx.Response(302, headers={"Location": "https://evil.example/steal"})))
    with pytest.raises(FetchError, match=r"evil\.example") as caught:
        h.fetcher.get(URL)
    assert [r.url.host for r in h.requests] == ["openrouter.ai"]
    assert caught.value.status == 302


def test_redirect_across_known_hosts_drops_authorization() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "huggingface.co":
            return httpx.Response(307, headers={"Location": "https://datasets-server.huggingface.co/rows"})
        return ok()

    h = Harness(handler)
    h.fetcher.get("https://huggingface.co/x", headers={"Authorization": "Bearer s3cret"})
    assert h.requests[0].headers["authorization"] == "Bearer s3cret"
    assert "authorization" not in h.requests[1].headers


def test_https_to_http_downgrade_is_refused() -> None:
    h = Harness(scripted(httpx.Response(302, headers={"Location": "http://openrouter.ai/api/v1/models"})))
    with pytest.raises(FetchError, match="downgraded"):
        h.fetcher.get(URL)


def test_redirect_loop_ends() -> None:
    h = Harness(scripted(httpx.Response(302, headers={"Location": "/again"})), FetchPolicy(max_redirects=3))
    with pytest.raises(FetchError, match="more than 3 redirects"):
        h.fetcher.get(URL)
    assert len(h.requests) == 4


def test_unknown_host_is_never_asked() -> None:
    h = Harness(scripted(ok()))
    with pytest.raises(FetchError, match="not a known upstream"):
        h.fetcher.get("https://evil.example/data.json")
    assert h.requests == []


# ---- conditional GET


def test_conditional_get_sends_validators_and_reads_304() -> None:
    h = Harness(scripted(httpx.Response(304, headers={"ETag": '"v2"'})))
    response = h.fetcher.get(URL, etag='"v1"', last_modified="Sat, 01 Aug 2026 00:00:00 GMT")
    assert h.requests[0].headers["if-none-match"] == '"v1"'
    assert h.requests[0].headers["if-modified-since"] == "Sat, 01 Aug 2026 00:00:00 GMT"
    assert response.not_modified
    assert response.body == b""
    assert response.status == 304
    assert response.etag == '"v2"'


def test_unconditional_get_sends_no_validators_and_refuses_a_304() -> None:
    h = Harness(scripted(httpx.Response(304)))
    with pytest.raises(FetchError):
        h.fetcher.get(URL)
    assert "if-none-match" not in h.requests[0].headers
    assert "if-modified-since" not in h.requests[0].headers


# ---- lifecycle


def test_an_injected_client_stays_open() -> None:
    h = Harness(scripted(ok()))
    with h.fetcher:
        h.fetcher.get(URL)
    assert not h.client.is_closed
    with Fetcher() as own:
        assert own.policy == FetchPolicy()


def test_malformed_url_is_a_fetch_error_not_an_httpx_one() -> None:
    h = Harness(scripted(ok()))
    with pytest.raises(FetchError, match="InvalidURL"):
        h.fetcher.get("https://openrouter.ai/a\x00b")
    assert h.requests == []
