"""Schema changes through Alembic, with the migrations that ship inside the package."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError

from tracker.db import Base
from tracker.models import UsageError

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration this version ships, so that a command can see the database is up to date without
# importing Alembic (about 0.05 s of every command's start here); a test holds it to Alembic's own head.
# Alembic itself is imported by what migrates or inspects (below), when it does.
HEAD = "0004"


def at_head(engine: Engine) -> bool:
    """The database is at `HEAD`, read from Alembic's version table with plain SQL; False when it is not,
    has no such table, or cannot be read (the caller asks Alembic then, which says why)."""
    try:
        with engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except DBAPIError:
        return False
    return found == [HEAD]


def migrations_dir() -> str:
    return str(files("tracker.migrations"))


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", migrations_dir())
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def _run(engine: Engine, fn: Any, revision: str) -> None:
    """Run an Alembic command to `revision` in one transaction; a revision Alembic cannot go to (unknown,
    or not below the current one for a downgrade) is the caller's mistake: a UsageError, one line."""
    from alembic.util import CommandError

    config = alembic_config(engine)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            fn(config, revision)
    except CommandError as exc:
        lines = str(exc).strip().splitlines()
        raise UsageError(f"cannot {fn.__name__} to revision {revision!r}: {lines[0] if lines else exc}") from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    _run(engine, command.downgrade, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", migrations_dir())
    return ScriptDirectory.from_config(config).get_current_head()


def drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated schema (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def table_and_view_names(engine: Engine) -> tuple[set[str], set[str]]:
    inspector = inspect(engine)
    return set(inspector.get_table_names()), set(inspector.get_view_names())
