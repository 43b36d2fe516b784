"""Text decoding shared by the parsers: UTF-8 with or without a BOM, names in NFC."""

from __future__ import annotations

import unicodedata

from tracker.models import LayoutError


def decode_text(body: bytes) -> str:
    """UTF-8 (a BOM is dropped); anything else is a garbled capture, not a guess."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"not UTF-8 text (byte {exc.start}): the capture is garbled or truncated") from None


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
