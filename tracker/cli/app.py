"""What every command shares: settings, the database (opened only when a command needs it), the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import TypeVar

import click
from sqlalchemy import Engine

from tracker.config import Settings, load_settings
from tracker.db import make_engine
from tracker.history import History
from tracker.store import Store

F = TypeVar("F", bound=Callable[..., object])


class App:
    def __init__(self, *, database_url: str | None = None) -> None:
        self._database_url = database_url

    @cached_property
    def settings(self) -> Settings:
        return load_settings(database_url=self._database_url)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

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


pass_app = click.make_pass_decorator(App)
