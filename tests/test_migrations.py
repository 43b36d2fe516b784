"""Migrations: empty -> head, head -> base -> head with rows present, and no drift, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracker import migrate
from tracker.db import make_engine
from tracker.models import Entry, ParsedSnapshot, RankKind
from tracker.store import Store

TABLES = {
    "boards",
    "fetches",
    "snapshots",
    "entries",
    "models",
    "model_aliases",
    "catalog_prices",
    "events",
    "posts",
    "job_runs",
    "model_matches",
}
VIEWS = {"current_snapshots", "latest_rankings", "rank_history", "weekly_tokens", "event_log", "portfolio"}


def _snapshot() -> ParsedSnapshot:
    entries = tuple(
        Entry(model_id=f"m{i}", model=f"Model {i}", rank=i, rank_kind=RankKind.BY_VALUE, tokens=1000 - i)
        for i in range(1, 8)
    )
    return ParsedSnapshot(
        "openrouter-weekly",
        date(2026, 8, 1),
        entries,
        "test",
        window_start=date(2026, 7, 26),
        window_end=date(2026, 8, 1),
    )


def test_empty_to_head_creates_every_table_and_view(empty_db_url):
    engine = make_engine(empty_db_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        tables, views = migrate.table_and_view_names(engine)
        assert tables - {"alembic_version"} == TABLES
        assert views == VIEWS
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_models_match_migrations(empty_db_url):
    engine = make_engine(empty_db_url)
    try:
        migrate.upgrade(engine)
        assert migrate.drift(engine) == []
    finally:
        engine.dispose()


def test_head_base_head_with_rows_present(empty_db_url):
    engine = make_engine(empty_db_url)
    try:
        migrate.upgrade(engine)
        store = Store(engine)
        result = store.save_snapshot(_snapshot(), observed_at=datetime(2026, 8, 2, tzinfo=UTC), fetch_id=None)
        assert result.status == "new"
        migrate.downgrade(engine, "base")
        tables, views = migrate.table_and_view_names(engine)
        assert tables <= {"alembic_version"}
        assert views == set()
        migrate.upgrade(engine)
        again = Store(engine).save_snapshot(_snapshot(), observed_at=datetime(2026, 8, 2, tzinfo=UTC), fetch_id=None)
        assert again.status == "new"
        assert migrate.drift(engine) == []
    finally:
        engine.dispose()


def test_migrations_ship_inside_the_package():
    from importlib.resources import files

    versions = files("tracker.migrations") / "versions"
    assert any(p.name.startswith("0001") for p in versions.iterdir())
    assert (files("tracker.migrations") / "env.py").is_file()


def test_portfolio_migration_downgrades_to_0001_with_matches_present(empty_db_url):
    from tracker.pipeline.portfolio import refresh_matches
    from tracker.store import MatchRecord

    engine = make_engine(empty_db_url)
    try:
        migrate.upgrade(engine)
        store = Store(engine)
        store.save_snapshot(_snapshot(), observed_at=datetime(2026, 8, 2, tzinfo=UTC), fetch_id=None)
        arena = ParsedSnapshot("arena-webdev", date(2026, 8, 1), (Entry("m-1", "m-1", rank=1, score=1500.0),), "t")
        store.save_snapshot(arena, observed_at=datetime(2026, 8, 2, tzinfo=UTC), fetch_id=None)
        assert store.save_matches([MatchRecord("m-1", "m1", "override")], catalogue_as_of=date(2026, 8, 1))
        migrate.downgrade(engine, "0001")
        tables, views = migrate.table_and_view_names(engine)
        assert tables - {"alembic_version"} == TABLES - {"model_matches"}
        assert views == VIEWS - {"portfolio"}
        migrate.upgrade(engine)
        assert migrate.drift(engine) == []
        from tracker.history import History

        assert History(engine).model_matches() == []  # the downgrade dropped them; a refresh recomputes
        kept = History(engine).latest_snapshot("openrouter-weekly")  # the 0001 rows lived through it
        assert kept is not None
        assert len(kept.entries) == 7
        assert refresh_matches(History(engine), store) is None  # no catalogue in this history
    finally:
        engine.dispose()


def test_the_head_the_commands_check_first_is_alembics():
    """`migrate.HEAD` (read without Alembic at every start) must name the newest migration: add a migration,
    move it too."""
    assert migrate.head_revision() == migrate.HEAD


def test_ensure_tells_an_up_to_date_database_without_alembic_and_refuses_an_outdated_one(empty_db_url):
    from tracker.models import UsageError
    from tracker.pipeline import schema

    engine = make_engine(empty_db_url)
    try:
        assert migrate.at_head(engine) is False  # no version table yet
        schema.ensure(engine)  # an empty database gets the schema
        assert migrate.at_head(engine) is True
        migrate.downgrade(engine, "0002")
        assert migrate.at_head(engine) is False
        with pytest.raises(UsageError, match=r"schema 0002, this version needs 0004: run `tracker db upgrade`"):
            schema.ensure(engine)
        migrate.upgrade(engine)
        schema.ensure(engine)
    finally:
        engine.dispose()


def test_a_revision_alembic_cannot_go_to_is_a_usage_error_in_one_line(empty_db_url, capsys):
    """`tracker db upgrade --revision nosuch` and a downgrade "to" a newer revision are the caller's
    mistakes: exit 2 with one line naming the revision, no traceback, the schema left as it was."""
    from tracker.cli import main

    def tracker(*args: str) -> int:
        return main(["--database-url", empty_db_url, "db", *args])

    assert tracker("upgrade", "--revision", "nosuch") == 2
    err = capsys.readouterr().err
    assert err == "tracker: cannot upgrade to revision 'nosuch': Can't locate revision identified by 'nosuch'\n"
    assert tracker("upgrade", "--revision", "0001") == 0
    capsys.readouterr()
    assert tracker("downgrade", "0003") == 2
    err = capsys.readouterr().err
    assert err.startswith("tracker: cannot downgrade to revision '0003': ")
    assert len(err.splitlines()) == 1
    engine = make_engine(empty_db_url)
    try:
        assert migrate.current_revision(engine) == "0001"
    finally:
        engine.dispose()
