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


def test_every_package_is_listed_for_the_build():
    """pyproject.toml lists the packages by hand (two of them live outside tracker/): none may be missing."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "tracker").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert found <= listed, sorted(found - listed)
    assert {"tracker.migrations", "tracker.migrations.versions", "tracker.templates"} <= listed


def test_wheel_holds_the_runtime_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("cli", "pipeline", "config", "site", "sources/arena", "sources/openrouter"):
        assert f"tracker/{package}/__init__.py" in names, package
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
    # The development checkout's editable-install hook must not lend the installed copy missing modules.
    script = (
        "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]; "
        "from tracker.cli import main; "
        "code = main(['--database-url', 'sqlite:///h.sqlite', 'db', 'upgrade']) or main(['demo', '--out', 'demo']); "
        "stray = [m.__file__ for n, m in sys.modules.items() if n.startswith('tracker') "
        "and getattr(m, '__file__', None) and not m.__file__.startswith(sys.argv[1])]; "
        "assert not stray, stray; sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(target)], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert (work / "h.sqlite").exists()
    assert (work / "demo" / "index.html").exists()
    assert (work / "demo" / "feed.xml").exists()
