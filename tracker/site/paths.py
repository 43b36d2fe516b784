"""Safe, unique, stable file names for pages derived from upstream names, and relative links between pages.

A page's name is a pure function of its key (a canonical model id, a post's guid): ids that are already
plain lowercase slugs keep their readable form, anything else becomes a readable slug plus a short hash of
the exact key. Plain forms never contain "_" and hashed forms always do, so the two never collide; a hash
prefix collision inside one build is resolved by a longer prefix. Every name is lowercase so that case-
insensitive file systems (macOS, Windows) cannot merge `GPT-4o` and `gpt-4o`.
"""

from __future__ import annotations

import hashlib
import itertools
import posixpath
import re
import unicodedata
from collections.abc import Iterable

# "org/name" ids keep their shape: "/" becomes "--", which a plain part never contains.
_PLAIN_PART = r"[a-z0-9]+(?:[.-][a-z0-9]+)*"
_PLAIN_ID = re.compile(rf"^{_PLAIN_PART}(?:/{_PLAIN_PART})?$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_PLAIN = 80
_MAX_SLUG = 48
# Names a folder index or a device on Windows would shadow.
_RESERVED = frozenset(
    {"index", "con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
_SAFE_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def plain_name(key: str) -> str | None:
    """The readable name of an id that is already a plain slug ("org/model-1.5"), else None."""
    if len(key) > _MAX_PLAIN or not _PLAIN_ID.match(key):
        return None
    name = key.replace("/", "--")
    stem = name.split(".", 1)[0]
    return None if stem in _RESERVED else name


def slugify(text: str) -> str:
    """A lowercase ASCII slug of any text, at most 48 characters; "x" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:_MAX_SLUG].strip("-")
    return slug or "x"


def hashed_name(label: str, key: str, digits: int = 8) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:digits]
    return f"{slugify(label)}_{digest}"


def assign_names(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map each key to a unique safe file stem, from (key, label) pairs.

    The label is what the name should read as (a model id, a post slug). Items must come in a stable
    order: when two labels want the same plain name, the first keeps it and the next gets a hashed one.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key, label in items:
        if key in names:
            continue
        plain = plain_name(label)
        # Hashed names only when the plain one is missing or taken (hashing every key cost a site of
        # hundreds of models more than the rest of naming).
        candidates = itertools.chain([plain] if plain else [], (hashed_name(label, key, d) for d in range(8, 65, 4)))
        name = next(c for c in candidates if c not in taken)
        names[key] = name
        taken.add(name)
    return names


def check_relative_path(path: str) -> str:
    """Refuse any output path that could leave the output folder or clash on a case-insensitive disk."""
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        raise ValueError(f"unsafe output path: {path!r}")
    for part in parts:
        if part in ("", ".", "..") or not _SAFE_SEGMENT.match(part):
            raise ValueError(f"unsafe output path: {path!r}")
    return path


def relative_link(from_page: str, to_path: str) -> str:
    """The href from one output file to another, both relative to the site root."""
    return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")


def root_prefix(page: str) -> str:
    """ "../" once per folder level of a page, so links work from any folder and from file://."""
    return "../" * page.count("/")
