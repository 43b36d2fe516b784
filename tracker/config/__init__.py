"""Settings: the only reader of the environment (and, in `config.cron`, of cron.yaml).

Precedence everywhere: command-line flag > environment > config file > default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tracker.models import ConfigError

DEFAULT_SQLITE_FILE = "tracker.sqlite"
DEFAULT_CRON_FILE = Path("cron.yaml")  # what `run` and `schedule` read by default (here: no YAML at start)

ENV_DATABASE_URL = "TRACKER_DATABASE_URL"
ENV_SITE_DIR = "TRACKER_SITE_DIR"
ENV_BASE_URL = "TRACKER_BASE_URL"
ENV_OPENROUTER_API_KEY = "OPENROUTER_API_KEY"
ENV_HF_DATASETS_URL = "TRACKER_HF_DATASETS_URL"
ENV_ARENA_URL = "TRACKER_ARENA_URL"
ENV_OPENROUTER_URL = "TRACKER_OPENROUTER_URL"
ENV_LANES = "TRACKER_LANES"


def normalise_database_url(url: str) -> str:
    """Accept Heroku-style `postgres://` and plain `postgresql://` URLs; drive them with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[1]}"))


@dataclass(frozen=True)
class Settings:
    database_url: str
    site_dir: Path
    base_url: str | None
    openrouter_api_key: str | None = field(default=None, repr=False)
    hf_datasets_url: str = "https://datasets-server.huggingface.co"
    arena_url: str = "https://arena.ai"
    openrouter_url: str = "https://openrouter.ai"
    lanes: tuple[tuple[str, str], ...] = ()  # lane threshold overrides, name=value (see tracker.lanes)

    def __repr__(self) -> str:  # never show secrets, even in a traceback
        key = "set" if self.openrouter_api_key else "unset"
        return (
            f"Settings(database_url={redact_url(self.database_url)!r}, site_dir={str(self.site_dir)!r}, "
            f"base_url={self.base_url!r}, openrouter_api_key={key})"
        )


def database_url_from(env: Mapping[str, str], cwd: Path | None = None) -> str:
    url = env.get(ENV_DATABASE_URL) or env.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{(cwd or Path.cwd()) / DEFAULT_SQLITE_FILE}"


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    database_url: str | None = None,
    site_dir: str | Path | None = None,
    base_url: str | None = None,
) -> Settings:
    """Settings from flags (the keyword arguments) over the environment over defaults."""
    env = os.environ if env is None else env
    return Settings(
        database_url=normalise_database_url(database_url) if database_url else database_url_from(env),
        site_dir=Path(site_dir or env.get(ENV_SITE_DIR) or "site"),
        base_url=(base_url or env.get(ENV_BASE_URL) or None),
        openrouter_api_key=env.get(ENV_OPENROUTER_API_KEY) or None,
        hf_datasets_url=(env.get(ENV_HF_DATASETS_URL) or Settings.hf_datasets_url).rstrip("/"),
        arena_url=(env.get(ENV_ARENA_URL) or Settings.arena_url).rstrip("/"),
        openrouter_url=(env.get(ENV_OPENROUTER_URL) or Settings.openrouter_url).rstrip("/"),
        lanes=parse_pairs(env.get(ENV_LANES, ""), ENV_LANES),
    )


def parse_pairs(text: str, name: str) -> tuple[tuple[str, str], ...]:
    """`a=1,b=2` -> (("a", "1"), ("b", "2")); a piece without `=` is a configuration error."""
    pairs = []
    for piece in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = piece.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"{name}: expected name=value pairs separated by commas, got {piece!r}")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)
