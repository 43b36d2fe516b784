"""Reading a Next.js React-Server-Components payload: the text behind `self.__next_f.push` chunks.

Three shapes arrive: a whole HTML page (chunks as JS string literals inside <script> tags), an excerpt of
the chunk text still escaped (`\\"id\\":\\"webdev\\"`), or the decoded flight text itself. This module
turns each into one payload string and finds objects and arrays in it without parsing the whole page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tracker.models import LayoutError

_PUSH_RE = re.compile(r'self\.__next_f\.push\(\[\s*1\s*,\s*(?=")')
_ESCAPE_RE = re.compile(r'\\(u[0-9a-fA-F]{4}|["\\/bfnrt])')
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
# A JSON string (unrolled loop: fast on long strings) or one bracket.
_TOKEN_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]]')
_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_WS = " \t\r\n"


@dataclass(frozen=True)
class Payload:
    text: str
    from_page: bool  # True: joined from a whole page's chunks; False: an excerpt or bare flight text


def payload_of(text: str, fmt: str) -> Payload:
    """The payload text of a page or an excerpt."""
    if "self.__next_f.push(" in text:
        return Payload(_joined_chunks(text, fmt), from_page=True)
    # Escaped excerpt: its keys read \"modelKey\". (Decoded flight text may hold \" inside its strings.)
    if '\\"modelKey\\"' in text:
        return Payload(_unescape(text), from_page=False)
    return Payload(text, from_page=False)


def _joined_chunks(page: str, fmt: str) -> str:
    decoder = json.JSONDecoder()
    parts: list[str] = []
    for match in _PUSH_RE.finditer(page):
        try:
            chunk, _ = decoder.raw_decode(page, match.end())
        except json.JSONDecodeError as exc:
            raise LayoutError(
                f"{fmt}: truncated capture: a self.__next_f.push chunk does not close ({exc.msg})"
            ) from exc
        parts.append(chunk)
    if not parts:
        raise LayoutError(f"{fmt}: the page has no self.__next_f.push([1, ...]) data chunks")
    return "".join(parts)


def _unescape(text: str) -> str:
    """Undo JS/JSON string escapes in an excerpt that may start or end in the middle of one."""

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code[1:], 16)) if code[0] == "u" else _SIMPLE_ESCAPES[code]

    joined = _ESCAPE_RE.sub(replace, text)
    # \ud83d\ude00 arrives as two halves of a surrogate pair: join them into one character.
    return joined.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


@dataclass(frozen=True)
class ObjectHead:
    """What precedes a given key in one JSON object: its top-level string fields, and where that key's
    value starts (None when the object closes or the text ends before the key, or the value is not an array).
    """

    fields: dict[str, str]
    array_at: int | None


def object_head(text: str, start: int, key: str) -> ObjectHead:
    """Walk the object opening at `start` up to its top-level `key`, which should hold an array."""
    depth = 0
    fields: dict[str, str] = {}
    for match in _TOKEN_RE.finditer(text, start):
        token = match.group()
        if token in ("{", "["):
            depth += 1
            continue
        if token in ("}", "]"):
            depth -= 1
            if depth <= 0:
                return ObjectHead(fields, None)
            continue
        if depth != 1:
            continue
        colon = skip_blanks(text, match.end())
        if colon >= len(text) or text[colon] != ":":
            continue  # a string value, not a key
        name = json.loads(token)
        value_at = skip_blanks(text, colon + 1)
        if name == key:
            return ObjectHead(fields, value_at if text.startswith("[", value_at) else None)
        value = _STRING_RE.match(text, value_at)
        if value:
            fields[name] = json.loads(value.group())
    return ObjectHead(fields, None)


@dataclass(frozen=True)
class ArrayItems:
    items: tuple[Any, ...]  # the complete items, in order
    closed: bool  # False: the text ends (or breaks off) before the closing bracket


def array_items(text: str, start: int, fmt: str) -> ArrayItems:
    """The JSON values of the array opening at `start`, stopping cleanly where a cut text breaks off."""
    decoder = json.JSONDecoder()
    items: list[Any] = []
    pos = skip_blanks(text, start + 1)
    if text.startswith("]", pos):
        return ArrayItems((), True)
    while pos < len(text):
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return ArrayItems(tuple(items), False)
        items.append(item)
        pos = skip_blanks(text, pos)
        if text.startswith("]", pos):
            return ArrayItems(tuple(items), True)
        if not text.startswith(",", pos):
            if pos >= len(text):
                break
            raise LayoutError(f"{fmt}: unexpected {text[pos]!r} after item {len(items)} of an array")
        pos = skip_blanks(text, pos + 1)
    return ArrayItems(tuple(items), False)
