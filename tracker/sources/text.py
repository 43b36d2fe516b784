"""Text decoding shared by the parsers: UTF-8 with or without a BOM, names in NFC."""

from __future__ import annotations

import json
import unicodedata
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
