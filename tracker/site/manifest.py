"""What a publish leaves for the next one: the manifest stored beside the site's marker (`writer.MANIFEST`).

It records the build (a digest of the code, the templates and the settings), the database fingerprint,
every file's digest and size, each model page's fingerprint with the signature and spans it was made
from (and where in the entries table those signatures were read), a digest of what each board and post
page was made from, the newest snapshot id, the model names
the downloads were written with, and where each block of a big download lies in its file. The next
publish skips whatever did not change; a manifest of another build, or one it cannot read, counts as
none (everything is made again).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

FORMAT = 1


@dataclass(frozen=True)
class ModelRecord:
    fingerprint: str
    signature: tuple[int, ...]
    spans: dict[str, tuple[date, date]]  # board id -> first and last appearance


@dataclass(frozen=True)
class Block:
    """One block of a download: what it is (a snapshot id, an event group) and its bytes in the file."""

    key: str
    start: int
    end: int


@dataclass
class Manifest:
    build: str
    database: str
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (sha256, size)
    models: dict[str, ModelRecord] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # model id -> the name the downloads show
    blocks: dict[str, list[Block]] = field(default_factory=dict)  # download path -> its blocks in order
    pages: dict[str, str] = field(default_factory=dict)  # head page path -> digest of what it was made from
    newest_snapshot: int | None = None  # the highest snapshot id the history had
    # Where the models' signatures were read: the entries table's (row count, highest id), and the snapshots
    # left out as replaced. The next publish reads only the entries added since (`SiteReads.grown_signatures`).
    entry_mark: tuple[int, int] | None = None
    left_out: tuple[int, ...] = ()

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "build": self.build,
            "database": self.database,
            "files": {p: list(v) for p, v in sorted(self.files.items())},
            "models": {
                m: {
                    "fingerprint": r.fingerprint,
                    "signature": list(r.signature),
                    "spans": {b: [s[0].isoformat(), s[1].isoformat()] for b, s in sorted(r.spans.items())},
                }
                for m, r in sorted(self.models.items())
            },
            "names": dict(sorted(self.names.items())),
            "blocks": {p: [[b.key, b.start, b.end] for b in blocks] for p, blocks in sorted(self.blocks.items())},
            "pages": dict(sorted(self.pages.items())),
            "newest_snapshot": self.newest_snapshot,
            "entry_mark": None if self.entry_mark is None else list(self.entry_mark),
            "left_out": sorted(self.left_out),
        }
        return (json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes | None) -> Manifest | None:
        """The manifest, or None when there is none or it cannot be read (then everything is rebuilt)."""
        if not data:
            return None
        try:
            doc: dict[str, Any] = json.loads(data)
            if doc.get("format") != FORMAT:
                return None
            return cls(
                build=str(doc["build"]),
                database=str(doc["database"]),
                files={p: (str(v[0]), int(v[1])) for p, v in doc["files"].items()},
                models={
                    m: ModelRecord(
                        str(r["fingerprint"]),
                        tuple(int(i) for i in r["signature"]),
                        {b: (date.fromisoformat(s[0]), date.fromisoformat(s[1])) for b, s in r["spans"].items()},
                    )
                    for m, r in doc["models"].items()
                },
                names={str(m): str(n) for m, n in doc["names"].items()},
                blocks={p: [Block(str(k), int(a), int(b)) for k, a, b in v] for p, v in doc["blocks"].items()},
                pages={str(p): str(k) for p, k in doc.get("pages", {}).items()},
                newest_snapshot=None if doc.get("newest_snapshot") is None else int(doc["newest_snapshot"]),
                entry_mark=_pair(doc.get("entry_mark")),
                left_out=tuple(int(i) for i in doc.get("left_out", ())),
            )
        except (ValueError, KeyError, TypeError, IndexError):
            return None

    def intact(self, out_dir: Path) -> bool:
        """Every recorded file is still there with its recorded size (a cheap check: no file is read)."""
        for path, (_, size) in self.files.items():
            target = out_dir.joinpath(*path.split("/"))
            try:
                if target.stat().st_size != size:
                    return False
            except OSError:
                return False
        return True


def _pair(value: Any) -> tuple[int, int] | None:
    return None if value is None else (int(value[0]), int(value[1]))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_key(**settings: object) -> str:
    """A digest of what turns the same data into other bytes: the package's code and data (the reviewed
    model map the matches come from), its templates, and the publish settings. Another version of the
    tracker never reuses a page of an older one, nor takes the steps before a build as done by it."""
    h = hashlib.sha256(json.dumps({"format": FORMAT, **settings}, sort_keys=True, default=str).encode())
    package = Path(__file__).resolve().parent.parent
    for source in sorted([*package.rglob("*.py"), *package.rglob("*.yaml")]):
        h.update(source.relative_to(package).as_posix().encode())
        h.update(source.read_bytes())
    templates = files("tracker.templates")
    for item in sorted(templates.iterdir(), key=lambda t: t.name):
        if item.is_file():
            h.update(item.name.encode())
            h.update(item.read_bytes())
    return h.hexdigest()
