"""The README stays true: every command and option is documented there and has help text."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from tracker.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group = cli, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_command_is_in_the_readme_with_help(name, command):
    assert f"tracker {name}" in README
    assert command.help, f"tracker {name} has no help text"
    if not isinstance(command, click.Group):
        assert "Example:" in command.help, f"tracker {name}'s help has no example"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"tracker {name} {param.opts[0]} has no help text"
            assert any(opt in README for opt in param.opts), f"{param.opts[0]} of tracker {name} is not in the README"


def test_global_options_are_documented():
    for param in cli.params:
        if isinstance(param, click.Option) and param.name != "version":
            assert param.help
        assert any(opt in README for opt in param.opts)


def test_environment_variables_are_documented():
    from tracker import config

    names = [getattr(config, n) for n in dir(config) if n.startswith("ENV_")]
    assert names
    for name in names:
        assert name in README, name
