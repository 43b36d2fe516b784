"""Text decoding shared by the parsers: UTF-8 with or without a BOM, names in NFC; a body whose
Content-Type declares another charset is re-encoded as UTF-8 first (`as_utf8`)."""

from __future__ import annotations

import codecs
import json
import unicodedata
from email.message import Message
from typing import Any

from tracker.models import LayoutError

BOM = b"\xef\xbb\xbf"


def decode_text(body: bytes, fmt: str) -> str:
    """UTF-8 text of a capture without its BOM; an empty or undecodable body is a failed capture, not a guess."""
    if body.startswith(BOM):
        body = body[len(BOM) :]
    if not body.strip():
        raise LayoutError(f"{fmt}: the body is empty")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"{fmt}: the body is not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def as_utf8(body: bytes, content_type: str | None, name: str) -> bytes:
    """The body as UTF-8: unchanged unless its Content-Type declares another charset (latin-1,
    windows-1252, Shift_JIS...), which is then decoded as declared. A charset Python does not know, or
    bytes that are not valid in it, is a failed capture naming it. Nothing is guessed: without a
    declaration the parsers read UTF-8 only."""
    if not content_type:
        return body
    header = Message()
    header["content-type"] = content_type
    charset = header.get_param("charset")
    if not isinstance(charset, str) or not charset.strip():
        return body
    try:
        codec = codecs.lookup(charset.strip())
    except LookupError:
        raise LayoutError(f"{name}: unknown charset {charset!r} in its Content-Type") from None
    if codec.name in ("utf-8", "ascii"):
        return body  # the parsers read these already (and strip a BOM)
    try:
        return body.decode(codec.name).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"{name}: the body is not valid {charset} ({exc.reason} at byte {exc.start})") from exc


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def load_json(body: bytes, fmt: str) -> Any:
    """The JSON document of a capture; a truncated or malformed one is a failed capture naming the format."""
    try:
        return json.loads(decode_text(body, fmt))
    except json.JSONDecodeError as exc:
        raise LayoutError(
            f"{fmt}: the JSON is truncated or malformed ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
