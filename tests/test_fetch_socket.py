"""The fetcher over a real socket: a tiny scripted HTTP server on 127.0.0.1 (RELIABILITY.md cases 5, 7, 11).

These are the failures a MockTransport cannot fake: a read that times out, a refused connection,
a connection dropped mid-body, a Content-Length longer than what arrives.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from tracker.fetch import Fetcher
from tracker.fetch_policy import FetchPolicy, known_hosts
from tracker.models import BlockedError, TransientError

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

NOW = datetime(2026, 8, 2, 12, 0, 0, tzinfo=UTC)
Action = Callable[[socket.socket], None]


def send(raw: bytes) -> Action:
    return lambda conn: conn.sendall(raw)


def response(status: str, body: bytes, *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class ScriptedServer(socketserver.ThreadingTCPServer):
    """Answers each path with the next scripted action (the last one repeats); records request heads."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, list[Action]] = {}
        self.hits: dict[str, int] = defaultdict(int)
        self.heads: list[bytes] = []
        self.release = threading.Event()  # lets a hanging handler finish at teardown
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def action_for(self, path: str) -> Action:
        with self.lock:
            script = self.routes[path]
            action = script[min(self.hits[path], len(script) - 1)]
            self.hits[path] += 1
        return action


class _Handler(socketserver.BaseRequestHandler):
    server: ScriptedServer

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        self.server.heads.append(head)
        path = head.split(b" ", 2)[1].decode()
        self.server.action_for(path)(self.request)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def make_fetcher(
    base: str, *, max_tries: int = 4, read_timeout: float = 5.0, connect_timeout: float = 5.0
) -> tuple[Fetcher, list[float]]:
    """A fetcher with its own real client, short timeouts and recorded (not slept) waits."""
    sleeps: list[float] = []
    limits = FetchPolicy(
        allowed_hosts=known_hosts(base),
        max_tries=max_tries,
        read_timeout=read_timeout,
        connect_timeout=connect_timeout,
    )
    return Fetcher(policy=limits, sleep=sleeps.append, clock=lambda: NOW), sleeps


def test_whole_body_over_a_socket(server: ScriptedServer) -> None:
    server.routes["/data"] = [send(response("200 OK", b'{"ok": true}', 'ETag: "x1"'))]
    fetcher, _sleeps = make_fetcher(server.base)
    with fetcher:
        got = fetcher.get(server.base + "/data")
    assert got.body == b'{"ok": true}'
    assert got.etag == '"x1"'
    assert got.attempts == 1
    assert b"user-agent: llm-rank-tracker/" in server.heads[0].lower()


def test_read_timeout_is_retried_then_transient(server: ScriptedServer) -> None:
    def hang(conn: socket.socket) -> None:
        server.release.wait(5)  # answer nothing until teardown

    server.routes["/slow"] = [hang]
    fetcher, sleeps = make_fetcher(server.base, read_timeout=0.2, max_tries=2)
    with fetcher, pytest.raises(TransientError, match="ReadTimeout"):
        fetcher.get(server.base + "/slow")
    assert server.hits["/slow"] == 2
    assert sleeps == [2.0]


def test_connection_refused_is_transient() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    base = f"http://127.0.0.1:{port}"
    fetcher, sleeps = make_fetcher(base, connect_timeout=1.0, max_tries=3)
    with fetcher, pytest.raises(TransientError, match="ConnectError") as caught:
        fetcher.get(base + "/x")
    assert caught.value.status is None
    assert sleeps == [2.0, 4.0]


def test_content_length_longer_than_body_is_transient(server: ScriptedServer) -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n" + b'{"rows": [' + b"1," * 40
    server.routes["/cut"] = [send(cut)]
    fetcher, sleeps = make_fetcher(server.base, max_tries=3)
    with fetcher, pytest.raises(TransientError) as caught:
        fetcher.get(server.base + "/cut")
    assert server.hits["/cut"] == 3
    assert sleeps == [2.0, 4.0]
    assert caught.value.body is None  # a cut body is never handed on


def test_connection_dropped_mid_chunked_body(server: ScriptedServer) -> None:
    dropped = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b'a\r\n{"rows": [\r\n'
    server.routes["/chunked"] = [send(dropped)]
    fetcher, _ = make_fetcher(server.base, max_tries=2)
    with fetcher, pytest.raises(TransientError, match="RemoteProtocolError"):
        fetcher.get(server.base + "/chunked")


def test_dropped_once_then_whole(server: ScriptedServer) -> None:
    whole = b'{"rows": [1, 2, 3]}'
    server.routes["/flaky"] = [
        send(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + whole[:5]),
        send(response("200 OK", whole)),
    ]
    fetcher, sleeps = make_fetcher(server.base)
    with fetcher:
        got = fetcher.get(server.base + "/flaky")
    assert got.body == whole
    assert got.attempts == 2
    assert sleeps == [2.0]


def test_retry_after_over_a_socket(server: ScriptedServer) -> None:
    server.routes["/busy"] = [
        send(response("503 Service Unavailable", b"busy", "Retry-After: 7")),
        send(response("200 OK", b"[1]")),
    ]
    fetcher, sleeps = make_fetcher(server.base)
    with fetcher:
        assert fetcher.get(server.base + "/busy").body == b"[1]"
    assert sleeps == [7.0]
    assert server.hits["/busy"] == 2


def test_challenge_over_a_socket_is_blocked_once(server: ScriptedServer) -> None:
    page = b"<html><head><title>Just a moment...</title></head></html>"
    server.routes["/cf"] = [send(response("403 Forbidden", page, "cf-mitigated: challenge", "Retry-After: 1"))]
    fetcher, sleeps = make_fetcher(server.base)
    with fetcher, pytest.raises(BlockedError):
        fetcher.get(server.base + "/cf")
    assert server.hits["/cf"] == 1
    assert sleeps == []
