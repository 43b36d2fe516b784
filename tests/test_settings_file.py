"""The settings file (tracker.toml): below flags and the environment, above the defaults (RELIABILITY 38)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import run_tracker
from test_portfolio_store import ALPHA, seed

from tracker.config import load_settings
from tracker.models import ConfigError

FILE = """\
database_url = "sqlite:///from-file.sqlite"
site_dir = "file-site"
base_url = "https://file.example/tracker/"
arena_url = "https://arena.mirror.example/"

[lanes]
frontier_min_score = 1490
cheap_max_blended_per_m = 0.25
"""


def write(folder: Path, text: str = FILE, name: str = "tracker.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_layer_overrides_the_one_below(tmp_path):
    bare = load_settings({}, cwd=tmp_path)  # no file: the defaults
    assert bare.database_url == f"sqlite:///{tmp_path / 'tracker.sqlite'}"
    assert (bare.site_dir, bare.base_url, bare.lanes) == (Path("site"), None, ())
    write(tmp_path)
    from_file = load_settings({}, cwd=tmp_path)
    assert from_file.database_url == "sqlite:///from-file.sqlite"
    assert from_file.site_dir == Path("file-site")
    assert from_file.base_url == "https://file.example/tracker/"
    assert from_file.arena_url == "https://arena.mirror.example"  # trailing slash dropped, as from the environment
    assert from_file.hf_datasets_url == "https://datasets-server.huggingface.co"  # not in the file: the default
    assert dict(from_file.lanes) == {"frontier_min_score": "1490", "cheap_max_blended_per_m": "0.25"}
    env = {
        "TRACKER_DATABASE_URL": "sqlite:///from-env.sqlite",
        "TRACKER_SITE_DIR": "env-site",
        "TRACKER_LANES": "frontier_min_score=1500",
    }
    over = load_settings(env, cwd=tmp_path)
    assert over.database_url == "sqlite:///from-env.sqlite"
    assert over.site_dir == Path("env-site")
    assert over.base_url == "https://file.example/tracker/"  # the environment does not set it: the file's
    assert dict(over.lanes) == {"frontier_min_score": "1500", "cheap_max_blended_per_m": "0.25"}  # per threshold
    flags = load_settings(env, cwd=tmp_path, database_url="sqlite:///from-flag.sqlite", site_dir="flag-site")
    assert (flags.database_url, flags.site_dir) == ("sqlite:///from-flag.sqlite", Path("flag-site"))


def test_database_url_from_the_file_is_below_either_environment_variable(tmp_path):
    write(tmp_path, 'database_url = "postgres://u@h/from-file"\n')
    assert load_settings({}, cwd=tmp_path).database_url == "postgresql+psycopg://u@h/from-file"  # normalised too
    assert load_settings({"DATABASE_URL": "sqlite:///d.sqlite"}, cwd=tmp_path).database_url == "sqlite:///d.sqlite"


def test_tracker_config_names_the_file_and_it_must_exist(tmp_path):
    named = write(tmp_path, 'base_url = "https://named.example/"\n', name="prod.toml")
    write(tmp_path, 'base_url = "https://default.example/"\n')  # ignored when another file is named
    assert load_settings({"TRACKER_CONFIG": str(named)}, cwd=tmp_path).base_url == "https://named.example/"
    with pytest.raises(ConfigError, match=r"TRACKER_CONFIG: no settings file at .*missing\.toml"):
        load_settings({"TRACKER_CONFIG": str(tmp_path / "missing.toml")}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('databse_url = "sqlite:///x"\n', "unknown setting 'databse_url'; known: database_url"),
        ("site_dir = 3\n", "site_dir must be a string"),
        ('lanes = "frontier_min_score=1"\n', "'lanes' must be a table"),
        ("[lanes]\nfrontier_min_score = true\n", "lanes.frontier_min_score must be a number"),
        ('base_url = "https://x.example/\n', "not valid TOML: .*line 1"),
    ],
)
def test_a_bad_file_is_refused_naming_it(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings({}, cwd=tmp_path)
    assert str(caught.value).startswith(f"{path}: ")


def test_commands_use_the_file_and_a_bad_one_is_a_usage_error(tmp_path):
    """Through the real entry point: the file's database is the one `db upgrade` creates; a typo in the
    file stops any command with exit 2 and one line naming the file, no traceback."""
    write(tmp_path, f'database_url = "sqlite:///{tmp_path / "chosen.sqlite"}"\n')
    created = run_tracker("db", "upgrade", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "chosen.sqlite").is_file()
    assert not (tmp_path / "tracker.sqlite").exists()
    write(tmp_path, 'site_dri = "x"\n')
    refused = run_tracker("status", cwd=tmp_path)
    assert refused.returncode == 2
    assert f"{tmp_path / 'tracker.toml'}: unknown setting 'site_dri'" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_lane_thresholds_from_the_file_reach_the_portfolio(store, db_url, capsys, monkeypatch, tmp_path):
    """The file's [lanes] move the portfolio's lanes as TRACKER_LANES does, and a bad threshold there is
    refused the same way (exit 2, naming it)."""
    from tracker.cli import main

    seed(store)
    monkeypatch.delenv("TRACKER_LANES", raising=False)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)  # the tests' empty settings file (conftest)
    monkeypatch.chdir(tmp_path)
    assert main(["--database-url", db_url, "portfolio", "--json"]) == 0
    assert {r["model_id"]: r["lane"] for r in json.loads(capsys.readouterr().out)}[ALPHA] == "frontier reasoning"
    write(tmp_path, "[lanes]\nfrontier_min_score = 9999\nfrontier_min_completion_per_m = 1000\n")
    assert main(["--database-url", db_url, "portfolio", "--json"]) == 0
    assert {r["model_id"]: r["lane"] for r in json.loads(capsys.readouterr().out)}[ALPHA] != "frontier reasoning"
    write(tmp_path, "[lanes]\nfrontier_min_scor = 1\n")
    assert main(["--database-url", db_url, "portfolio", "--json"]) == 2
    assert "lanes: unknown threshold 'frontier_min_scor'" in capsys.readouterr().err


def test_secrets_in_the_file_are_never_printed(tmp_path):
    key = "sk-or-v1-fedcba9876543210"
    write(tmp_path, f'openrouter_api_key = "{key}"\ndatabase_url = "postgresql://u:filepw77@127.0.0.1:9/db"\n')
    settings = load_settings({}, cwd=tmp_path)
    assert settings.openrouter_api_key == key
    assert key not in repr(settings)
    assert "filepw77" not in repr(settings)
    failed = run_tracker("-v", "status", cwd=tmp_path)  # nothing listens on port 9: the connection fails
    assert failed.returncode != 0
    assert key not in failed.stdout + failed.stderr
    assert "filepw77" not in failed.stdout + failed.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[lanes]\nfrontier_min_score = "abc"\n', "lanes: frontier_min_score='abc' is not a number"),
        ("[lanes]\nnosuch = 3\n", "lanes: unknown threshold 'nosuch'; known: frontier_min_score, "),
        ("[lanes]\nblend_input_parts = 0\nblend_output_parts = 0\n", "lanes: the blend needs at least one part"),
    ],
    ids=["not-a-number", "unknown-threshold", "refused-by-the-rules"],
)
def test_bad_lane_thresholds_in_the_file_stop_every_command_naming_it(tmp_path, text, message):
    """Checked when the file is read, by the lane rules themselves (their names and kinds), not first by
    the commands that place models in lanes: `status` stops too, exit 2, one line naming the file."""
    from tracker.lanes import rules_from

    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, cwd=tmp_path, check_lanes=rules_from)
    assert str(caught.value).startswith(f"{path}: {message}")
    refused = run_tracker("status", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"tracker: {path}: {message}")
    assert len(refused.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == [path]  # stopped before any database was made


def test_bad_lane_thresholds_in_the_environment_stop_every_command_naming_it(tmp_path):
    refused = run_tracker("status", cwd=tmp_path, env={"TRACKER_LANES": "frontier_min_score=high"})
    assert refused.returncode == 2
    assert refused.stderr == "tracker: TRACKER_LANES: lanes: frontier_min_score='high' is not a number\n"


def test_an_unusable_database_url_in_the_file_is_refused_naming_the_file(tmp_path):
    path = write(tmp_path, 'database_url = "foo://u:filepw77@h/db"\n')
    refused = run_tracker("status", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"tracker: {path}: database_url: not a database URL this tracker can use (")
    assert "filepw77" not in refused.stdout + refused.stderr
