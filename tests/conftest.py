"""Shared test fixtures: the real captures, and a database on each backend."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.models import ParsedSnapshot, Snapshot

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    """The tests (and the commands they start) keep compiled templates in a folder of their own, not in
    the user's cache folder; and read an empty settings file, not a `tracker.toml` that may lie in the
    folder the tests are run from (tests of the settings file unset TRACKER_CONFIG)."""
    folder = tempfile.mkdtemp(prefix="tracker-test-cache-")
    os.environ["XDG_CACHE_HOME"] = folder
    empty = Path(folder) / "empty-settings.toml"
    empty.write_text("")
    os.environ["TRACKER_CONFIG"] = str(empty)
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture(autouse=True)
def _removals_settled():
    """A publish leaves its replaced version to a background `rm`: none outlives the test that started it."""
    yield
    from tracker.site.writer import settle

    settle()


def real_fixtures_dir() -> Path:
    return Path(os.environ.get("TRACKER_REAL_FIXTURES", REPO.parent / "shared" / "fixtures"))


def real_fixture(relative: str) -> Path:
    """Path of one real capture; in CI a missing capture fails the test, elsewhere it skips."""
    path = real_fixtures_dir() / relative
    if not path.exists():
        message = f"real capture missing: {path} (set TRACKER_REAL_FIXTURES)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def fixture_bytes():
    """fixture_bytes("arena/x.json") -> the bytes of that real capture."""

    def load(relative: str) -> bytes:
        return real_fixture(relative).read_bytes()

    return load


# ---- databases: every storage test runs on SQLite and on PostgreSQL

PG_ADMIN_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_admin():
    from sqlalchemy import text

    from tracker.db import make_engine

    engine = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the server is missing or refuses us
        engine.dispose()
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return engine


class _Databases:
    """Creates throwaway databases: SQLite files, or PostgreSQL databases cloned from a migrated template."""

    def __init__(self, tmp_root: Path) -> None:
        self.tmp_root = tmp_root
        self.counter = 0
        self.pg_admin = None
        self.pg_template: str | None = None
        self.sqlite_template: Path | None = None
        self.created: list[str] = []
        self.prefix = f"tracker_t{os.getpid()}"

    def _pg_url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def new(self, backend: str, migrated: bool) -> str:
        from sqlalchemy import text

        from tracker import migrate
        from tracker.db import make_engine

        self.counter += 1
        if backend == "sqlite":
            path = self.tmp_root / f"history{self.counter}.sqlite"
            if migrated:
                if self.sqlite_template is None:
                    self.sqlite_template = self.tmp_root / "template.sqlite"
                    engine = make_engine(f"sqlite:///{self.sqlite_template}")
                    migrate.upgrade(engine)
                    engine.dispose()
                path.write_bytes(self.sqlite_template.read_bytes())
            return f"sqlite:///{path}"
        if self.pg_admin is None:
            self.pg_admin = _pg_admin()
        name = f"{self.prefix}_{self.counter}"
        with self.pg_admin.connect() as conn:
            if migrated and self.pg_template is None:
                self.pg_template = f"{self.prefix}_template"
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_template}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{self.pg_template}"'))
                self.created.append(self.pg_template)
                engine = make_engine(self._pg_url(self.pg_template))
                migrate.upgrade(engine)
                engine.dispose()
            template = f' TEMPLATE "{self.pg_template}"' if migrated else ""
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
        self.created.append(name)
        return self._pg_url(name)

    def drop(self, url: str) -> None:
        from sqlalchemy import text

        if url.startswith("sqlite") or self.pg_admin is None:
            return
        name = url.rsplit("/", 1)[1]
        with self.pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.remove(name)

    def close(self) -> None:
        from sqlalchemy import text

        if self.pg_admin is None:
            return
        with self.pg_admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.pg_admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = _Databases(tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.close()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def empty_db_url(databases, backend):
    """A URL of an empty database (no schema) on each backend."""
    url = databases.new(backend, migrated=False)
    yield url
    databases.drop(url)


@pytest.fixture
def db_url(databases, backend):
    """A URL of a database migrated to head, on each backend."""
    url = databases.new(backend, migrated=True)
    yield url
    databases.drop(url)


@pytest.fixture
def engine(db_url):
    from tracker.db import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def store(engine):
    from tracker.store import Store

    return Store(engine)


@pytest.fixture
def history(engine):
    from tracker.history import History

    return History(engine)


def stored(parsed: ParsedSnapshot, sid: int) -> Snapshot:
    """A parsed capture as the store gives it back to the diff: id `sid`, observed at noon UTC of its date."""
    observed = datetime(parsed.as_of.year, parsed.as_of.month, parsed.as_of.day, 12, tzinfo=UTC)
    return Snapshot(
        sid, parsed.board, parsed.as_of, observed, parsed.entries, f"h{sid}", parsed.method, parsed.window_start,
        parsed.window_end,
    )  # fmt: skip
