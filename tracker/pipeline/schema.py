"""Keeping the database schema where this version expects it."""

from __future__ import annotations

from sqlalchemy import Engine

from tracker import migrate
from tracker.models import UsageError


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, revision)
    return before, migrate.current_revision(engine)


def downgrade(engine: Engine, revision: str) -> str | None:
    migrate.downgrade(engine, revision)
    return migrate.current_revision(engine)


def revisions(engine: Engine) -> tuple[str | None, str | None]:
    return migrate.current_revision(engine), migrate.head_revision()


def ensure(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to write into an outdated one."""
    if migrate.at_head(engine):  # the usual case, told without Alembic
        return
    current, head = revisions(engine)
    if current is None:
        migrate.upgrade(engine)
    elif current != head:
        raise UsageError(f"the database is at schema {current}, this version needs {head}: run `tracker db upgrade`")
