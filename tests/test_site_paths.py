"""Page names from hostile model ids: safe, unique (also case-insensitively), stable, inside the site."""

from __future__ import annotations

import pytest
from test_site_context import HOSTILE

from tracker.site import paths
from tracker.site.paths import (
    assign_names,
    check_relative_path,
    plain_name,
    relative_link,
    root_prefix,
    slugify,
)

NASTY = [
    *HOSTILE,
    "GPT-4o",
    "gpt 4o",
    "gpt-4o",
    "gpt_4o",
    "..",
    ".",
    "",
    "/",
    "CON",
    "index",
    "a\\b",
    "nul.txt",
    "x" * 300,
    "模型-𝔾",
    "emoji 🚀",
    "anthropic/claude-opus-4.7",
    "anthropic--claude-opus-4.7",
    "deepseek/deepseek-v4-flash:free",
]


def test_plain_ids_keep_their_readable_name() -> None:
    assert plain_name("claude-opus-4-6-thinking") == "claude-opus-4-6-thinking"
    assert plain_name("anthropic/claude-opus-4.7") == "anthropic--claude-opus-4.7"
    for not_plain in ("GPT-4o", "gpt 4o", "a--b", "../x", "x/y/z", "index", "con", "a..b", "-a", "a:free"):
        assert plain_name(not_plain) is None, not_plain


def test_every_name_is_safe_and_unique_even_case_folded() -> None:
    names = assign_names((n, n) for n in NASTY)
    assert set(names) == set(NASTY)
    stems = list(names.values())
    assert len({s.casefold() for s in stems}) == len(stems)
    for stem in stems:
        path = check_relative_path(f"models/{stem}.html")
        assert path.count("/") == 1
        assert stem == stem.lower()
        assert not stem.startswith(".")
        assert len(stem) <= 90


def test_colliding_slugs_get_distinct_names() -> None:
    names = assign_names((n, n) for n in ("GPT-4o", "gpt 4o", "gpt-4o"))
    assert names["gpt-4o"] == "gpt-4o"  # already plain
    assert names["GPT-4o"].startswith("gpt-4o_")
    assert names["gpt 4o"].startswith("gpt-4o_")
    assert names["GPT-4o"] != names["gpt 4o"]


def test_names_do_not_depend_on_the_other_models() -> None:
    alone = assign_names([("GPT-4o", "GPT-4o")])
    crowd = assign_names((n, n) for n in sorted(NASTY))
    assert alone["GPT-4o"] == crowd["GPT-4o"]
    assert assign_names([("a/b", "a/b")]) == {"a/b": "a--b"}


def test_hash_prefix_collisions_are_resolved_by_a_longer_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    real = paths.hashed_name

    def clashing(label: str, key: str, digits: int = 8) -> str:
        # Pretend every key has the same first eight hex digits.
        return f"{paths.slugify(label)}_{'0' * 8}" if digits == 8 else real(label, key, digits)

    monkeypatch.setattr(paths, "hashed_name", clashing)
    names = assign_names([("k1", "Same Label"), ("k2", "Same Label")])
    assert names["k1"] == "same-label_00000000"
    assert names["k2"] == real("Same Label", "k2", 12)


def test_the_first_claim_keeps_a_plain_name() -> None:
    names = assign_names([("guid-1", "2026-08-01-weekly"), ("guid-2", "2026-08-01-weekly")])
    assert names["guid-1"] == "2026-08-01-weekly"
    assert names["guid-2"].startswith("2026-08-01-weekly_")


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "../x.html",
        "a/../b.html",
        "a//b.html",
        "a\\b.html",
        "./a.html",
        ".hidden",
        "A.html",
        "a\x00",
    ],
)
def test_unsafe_output_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="unsafe"):
        check_relative_path(path)


def test_slugify_and_links() -> None:
    assert slugify("<img src=x onerror=alert(1)>") == "img-src-x-onerror-alert-1"
    assert slugify("模型") == "x"
    assert relative_link("models/a.html", "boards/b.html") == "../boards/b.html"
    assert relative_link("index.html", "models/a.html") == "models/a.html"
    assert root_prefix("index.html") == ""
    assert root_prefix("models/a.html") == "../"
