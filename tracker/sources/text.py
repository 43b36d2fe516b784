"""Text decoding shared by the parsers: UTF-8 with or without a BOM, names in NFC."""

from __future__ import annotations

import unicodedata

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
