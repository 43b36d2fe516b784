"""Settings: the only reader of the environment and of the settings file (and, in `config.cron`, of
cron.yaml).

Precedence everywhere: command-line flag > environment > settings file > default. The settings file is
TOML: `tracker.toml` in the working directory when it is there, or the file `TRACKER_CONFIG` names (which
must then exist). Its keys are the settings' names (`database_url`, `site_dir`, `base_url`,
`openrouter_api_key`, `hf_datasets_url`, `arena_url`, `openrouter_url`) and a `[lanes]` table of lane
thresholds; an unknown key, a value of the wrong kind or a TOML error stops the command, naming the file.
The lane thresholds' names and kinds belong to `tracker.lanes`, which this layer does not import: the
caller passes its check (`check_lanes`), and its refusal is told naming the file (or TRACKER_LANES).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
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
ENV_CONFIG = "TRACKER_CONFIG"
DEFAULT_SETTINGS_FILE = Path("tracker.toml")  # read from the working directory when it is there

# The settings file's keys (besides the [lanes] table), each a string.
FILE_KEYS = (
    "database_url",
    "site_dir",
    "base_url",
    "openrouter_api_key",
    "hf_datasets_url",
    "arena_url",
    "openrouter_url",
)


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
    database_url_setting: str = "the default database URL"  # where `database_url` came from, for messages

    def __repr__(self) -> str:  # never show secrets, even in a traceback
        key = "set" if self.openrouter_api_key else "unset"
        return (
            f"Settings(database_url={redact_url(self.database_url)!r}, site_dir={str(self.site_dir)!r}, "
            f"base_url={self.base_url!r}, openrouter_api_key={key})"
        )


def database_url_from(env: Mapping[str, str], cwd: Path | None = None, file: Mapping[str, str] | None = None) -> str:
    url = env.get(ENV_DATABASE_URL) or env.get("DATABASE_URL") or (file or {}).get("database_url")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{(cwd or Path.cwd()) / DEFAULT_SQLITE_FILE}"


# A check of lane thresholds (name -> text), raising ConfigError: `tracker.lanes.rules_from`.
LanesCheck = Callable[[Mapping[str, str]], object]


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    database_url: str | None = None,
    site_dir: str | Path | None = None,
    base_url: str | None = None,
    cwd: Path | None = None,
    check_lanes: LanesCheck | None = None,
) -> Settings:
    """Settings from flags (the keyword arguments) over the environment over the settings file over
    defaults (`cwd`: where `tracker.toml` is looked for; the working directory by default). With
    `check_lanes`, lane thresholds it refuses are a configuration error naming the file or TRACKER_LANES."""
    env = os.environ if env is None else env
    path = settings_file(env, cwd)
    file, file_lanes = _read_file(path, check_lanes)
    lanes = dict(file_lanes)
    env_lanes = parse_pairs(env.get(ENV_LANES, ""), ENV_LANES)
    lanes.update(env_lanes)  # each threshold: the environment's first
    if env_lanes and check_lanes is not None:
        _checked(check_lanes, lanes, ENV_LANES)

    def pick(name: str, variable: str) -> str | None:
        return env.get(variable) or file.get(name) or None

    if database_url:
        url_setting = "--database-url"
    else:
        named = [name for name in (ENV_DATABASE_URL, "DATABASE_URL") if env.get(name)]
        url_setting = named[0] if named else f"{path}: database_url" if file.get("database_url") else ""
    return Settings(
        database_url=normalise_database_url(database_url) if database_url else database_url_from(env, cwd, file),
        database_url_setting=url_setting or Settings.database_url_setting,
        site_dir=Path(site_dir or pick("site_dir", ENV_SITE_DIR) or "site"),
        base_url=(base_url or pick("base_url", ENV_BASE_URL)),
        openrouter_api_key=pick("openrouter_api_key", ENV_OPENROUTER_API_KEY),
        hf_datasets_url=(pick("hf_datasets_url", ENV_HF_DATASETS_URL) or Settings.hf_datasets_url).rstrip("/"),
        arena_url=(pick("arena_url", ENV_ARENA_URL) or Settings.arena_url).rstrip("/"),
        openrouter_url=(pick("openrouter_url", ENV_OPENROUTER_URL) or Settings.openrouter_url).rstrip("/"),
        lanes=tuple(lanes.items()),
    )


def settings_file(env: Mapping[str, str], cwd: Path | None = None) -> Path | None:
    """The settings file to read: the one `TRACKER_CONFIG` names (it must exist), else `tracker.toml` in
    the working directory if there is one, else None."""
    named = env.get(ENV_CONFIG)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"{ENV_CONFIG}: no settings file at {path}")
        return path
    default = (cwd or Path.cwd()) / DEFAULT_SETTINGS_FILE
    return default if default.is_file() else None


def _read_file(path: Path | None, check_lanes: LanesCheck | None) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """The settings file's values (key -> string) and its lane thresholds; empty without a file. An
    unknown key, a value of the wrong kind (a lane threshold `check_lanes` refuses, too) or a TOML error
    is a configuration error naming the file."""
    if path is None:
        return {}, ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    values: dict[str, str] = {}
    lanes: list[tuple[str, str]] = []
    for key, value in data.items():
        if key == "lanes":
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: 'lanes' must be a table ([lanes]) of thresholds")
            for name, threshold in value.items():
                if isinstance(threshold, bool) or not isinstance(threshold, (int, float, str)):
                    raise ConfigError(f"{path}: lanes.{name} must be a number")
                lanes.append((name, str(threshold)))
        elif key in FILE_KEYS:
            if not isinstance(value, str):
                raise ConfigError(f"{path}: {key} must be a string (in quotes)")
            values[key] = value
        else:
            raise ConfigError(f"{path}: unknown setting {key!r}; known: {', '.join((*FILE_KEYS, 'lanes'))}")
    if lanes and check_lanes is not None:
        _checked(check_lanes, dict(lanes), str(path))
    return values, tuple(lanes)


def _checked(check_lanes: LanesCheck, lanes: Mapping[str, str], where: str) -> None:
    try:
        check_lanes(lanes)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def parse_pairs(text: str, name: str) -> tuple[tuple[str, str], ...]:
    """`a=1,b=2` -> (("a", "1"), ("b", "2")); a piece without `=` is a configuration error."""
    pairs = []
    for piece in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = piece.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"{name}: expected name=value pairs separated by commas, got {piece!r}")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)
