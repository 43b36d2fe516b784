"""A plain (non-editable) install ships what the tracker needs at run time: migrations, templates, samples."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_holds_the_runtime_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tracker/migrations/env.py" in names
    assert any(n.startswith("tracker/migrations/versions/0001") for n in names)
    assert "tracker/templates/base.html" in names
    assert "tracker/templates/style.css" in names
    assert "tracker/model_map.yaml" in names
    assert "tracker/samples/manifest.json" in names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


def test_installed_copy_runs_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    script = (
        "import sys, tracker; assert tracker.__file__.startswith(sys.argv[1]), tracker.__file__; "
        "from tracker.cli import main; "
        "sys.exit(main(['--database-url', 'sqlite:///h.sqlite', 'db', 'upgrade']) "
        "or main(['demo', '--out', 'demo']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(target)], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert (work / "h.sqlite").exists()
    assert (work / "demo" / "index.html").exists()
    assert (work / "demo" / "feed.xml").exists()
