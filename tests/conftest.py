"""Shared test fixtures: the real captures, and a database on each backend."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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
