"""What a collection channel hands to the parsers: one capture of one source, bytes plus provenance.

Also the checks every channel shares: a capture is never empty, a JSON answer is an object, and a
capture that arrived but is not shaped as expected is a `CaptureLayoutError` that keeps the raw body.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker.fetch import Response
from tracker.models import LayoutError, TransientError


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: the ETag / Last-Modified of the last capture."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Capture:
    """One collected capture: `body` is exactly what the parser named by `format` receives."""

    source: str  # a name from tracker.models.SOURCES
    url: str  # the main resource (the first page of a paged capture)
    body: bytes = field(repr=False)  # empty when not_modified
    format: str  # the parser to use, e.g. "hf-rows"
    status: int
    headers: dict[str, str]  # response headers of the main resource, names lower-cased
    fetched_at: datetime  # aware UTC: when the last request finished
    etag: str | None = None  # validators to send next time (of the request that was conditional)
    last_modified: str | None = None
    not_modified: bool = False  # the upstream said 304: nothing new since `previous`
    attempts: int = 1  # tries over all requests of the capture
    complete_through: date | None = None  # last complete UTC day of daily data
    urls: tuple[str, ...] = ()  # every resource fetched for this capture, in order

    @property
    def validators(self) -> Validators:
        return Validators(self.etag, self.last_modified)


class CaptureLayoutError(LayoutError):
    """A capture arrived but is not shaped as expected; keeps what arrived so it can be recorded raw."""


def layout_error(source: str, what: str, response: Response) -> CaptureLayoutError:
    return CaptureLayoutError(
        f"{source}: {what} ({response.url})",
        url=response.url,
        status=response.status,
        body=response.body,
        headers=response.headers,
    )


def transient_error(source: str, what: str, response: Response) -> TransientError:
    return TransientError(
        f"{source}: {what} ({response.url})",
        url=response.url,
        status=response.status,
        body=response.body,
        headers=response.headers,
    )


def require_body(source: str, response: Response) -> bytes:
    """The body of a 2xx answer; an empty one is an error, never a capture."""
    if not response.body.strip():
        raise transient_error(source, "empty body", response)
    return response.body


def json_object(source: str, response: Response) -> dict[str, Any]:
    """The body parsed as a JSON object; anything else is a layout error naming the source."""
    try:
        value = json.loads(require_body(source, response))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise layout_error(source, f"answer is not JSON: {exc}", response) from exc
    if not isinstance(value, dict):
        raise layout_error(source, f"answer is a JSON {type(value).__name__}, not an object", response)
    return value


def make_capture(
    source: str,
    fmt: str,
    responses: Sequence[Response],
    body: bytes,
    *,
    main: Response | None = None,
    conditional: Response | None = None,
    complete_through: date | None = None,
) -> Capture:
    """A capture assembled from its responses, in the order they were fetched.

    `main` is the resource the body is (default: the first response); `conditional` is the request
    whose validators to keep and whose 304 means "not modified" (default: `main`).
    """
    main = main or responses[0]
    conditional = conditional or main
    return Capture(
        source=source,
        url=main.url,
        body=body,
        format=fmt,
        status=main.status,
        headers=main.headers,
        fetched_at=max(r.finished_at for r in responses),
        etag=conditional.etag,
        last_modified=conditional.last_modified,
        not_modified=conditional.not_modified,
        attempts=sum(r.attempts for r in responses),
        complete_through=complete_through,
        urls=tuple(r.url for r in responses),
    )
