"""The reviewed overrides file: strict parsing with line numbers, and the packaged `model_map.yaml`."""

from __future__ import annotations

import pytest

from tracker.matching import ModelMap, load_model_map, parse_model_map
from tracker.models import ConfigError

SAMPLE_MAP = """\
# comment
match:
  gemini-3-flash: google/gemini-3-flash-preview   # why
never:
  - [muse-spark, meta/muse-spark-1.1]
organizations:
  zai: z-ai
  meta: [meta-llama, Meta]
"""


def test_parse_model_map_reads_the_three_sections():
    mapping = parse_model_map(SAMPLE_MAP)
    assert mapping.match == {"gemini-3-flash": "google/gemini-3-flash-preview"}
    assert mapping.never == frozenset({("muse-spark", "meta/muse-spark-1.1")})
    assert mapping.organizations == {"zai": ("z-ai",), "meta": ("meta-llama", "meta")}
    assert parse_model_map("") == ModelMap()
    assert parse_model_map("match:\nnever:\n") == ModelMap()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("match: {}\nmatches:\n  a: b/c\n", "line 2: unknown key 'matches'"),
        ("match:\n  a: x/y\n  a: x/z\n", "line 3: 'a' appears twice in `match`"),
        ("match:\n  a: gemini\n", "line 2: 'gemini' is not an OpenRouter id"),
        ("match:\n  a:\n", "line 2: expected an OpenRouter catalogue id"),
        ("match: [a, b]\n", "line 1: `match` must be a mapping"),
        ("never:\n  - [a]\n", "line 2: each `never` entry must be [arena_key, openrouter_id]"),
        ("never:\n  - [a, x/y]\n  - [a, x/y]\n", "line 3: the pair ['a', 'x/y'] appears twice"),
        (
            "match:\n  a: x/y\nnever:\n  - [a, x/y]\n",
            "line 4: 'a' -> 'x/y' is both in `match` and in `never`",
        ),
        ("organizations:\n  zai: []\n", "line 2: expected at least one catalogue author"),
        ("- a\n- b\n", "line 1: `the top level` must be a mapping"),
        ("match:\n  a: [x\n", "not valid YAML"),
    ],
)
def test_parse_model_map_is_strict_and_names_the_line(text, message):
    with pytest.raises(ConfigError) as excinfo:
        parse_model_map(text, source="map.yaml")
    assert str(excinfo.value).startswith("map.yaml")
    assert message in str(excinfo.value)
    assert excinfo.value.exit_code == 2


def test_the_packaged_map_loads():
    mapping = load_model_map()
    assert mapping.match["gemini-3-flash"] == "google/gemini-3-flash-preview"
    assert ("muse-spark", "meta/muse-spark-1.1") in mapping.never
    assert mapping.organizations["zai"] == ("z-ai",)
