"""What every command shares: settings, the database (opened only when a command needs it), the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import click
from sqlalchemy import URL, Engine
from sqlalchemy.exc import ArgumentError

from tracker.config import Settings, load_settings
from tracker.db import make_engine
from tracker.history import History
from tracker.lanes import rules_from
from tracker.models import ConfigError, UsageError
from tracker.store import Store

F = TypeVar("F", bound=Callable[..., object])


class App:
    def __init__(self, *, database_url: str | None = None) -> None:
        self._database_url = database_url

    @cached_property
    def settings(self) -> Settings:
        # Lane thresholds are checked here, where every command reads its settings, so that a bad one
        # stops every command (not only those that place models in lanes).
        return load_settings(database_url=self._database_url, check_lanes=rules_from)

    @cached_property
    def engine(self) -> Engine:
        settings = self.settings
        try:
            return make_engine(settings.database_url)
        except (ArgumentError, ValueError, ImportError) as exc:  # no URL, an unknown dialect or driver, a bad port
            raise ConfigError(
                f"{settings.database_url_setting}: not a database URL this tracker can use "
                f"({_without_password(exc, settings.database_url)}); "
                "e.g. sqlite:///tracker.sqlite or postgresql://user@host/db"
            ) from None

    def existing_engine(self) -> Engine:
        """The engine, for a command that only reads (or changes an existing schema): a SQLite file that is
        not there is refused (exit 2), never created. Opening SQLite creates a missing file and
        `schema.ensure` would migrate it, so a mistyped path would read as an empty, healthy history."""
        engine = self.engine
        path = missing_sqlite_file(engine.url)
        if path is not None:
            raise UsageError(
                f"{self.settings.database_url_setting}: no SQLite database at {path}: create it with "
                "`tracker db upgrade`, or store data first with `tracker collect` or `tracker import`"
            )
        return engine

    @cached_property
    def store(self) -> Store:
        return Store(self.engine)

    @cached_property
    def history(self) -> History:
        return History(self.engine)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    def now(self) -> datetime:
        """The one clock of a command: taken at the edge and passed down."""
        return datetime.now(UTC)


def missing_sqlite_file(url: URL) -> Path | None:
    """The absolute path of the SQLite file `url` names when no such file exists; None for any other
    database, an in-memory one (`sqlite://`, `:memory:`) or a file that is there."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if str(url.query.get("uri", "")).lower() in ("true", "1"):  # sqlite:///file:path?mode=ro&uri=true
        if url.query.get("mode") == "memory":
            return None
        parts = urlsplit(database)
        database = unquote(parts.path) if parts.scheme == "file" else database
    if database in ("", ":memory:"):
        return None
    path = Path(database).absolute()
    return None if path.exists() else path


def _without_password(exc: BaseException, url: str) -> str:
    """The first line of an error about `url`, with the URL's password, if any, masked."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else exc.__class__.__name__
    password = url.split("://", 1)[-1].rpartition("@")[0].partition(":")[2]  # user:password@host
    return text.replace(password, "***") if password else text


pass_app = click.make_pass_decorator(App)
