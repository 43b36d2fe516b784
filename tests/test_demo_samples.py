"""The sample data bundled for `tracker demo`: every file parses as its real format, the weeks tell the stories
the demo promises (checked by brute force on the raw files), and the files are exactly what the generator writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from conftest import stored

from tracker.diff import diff_snapshots
from tracker.matching import load_model_map, match_models
from tracker.models import BOARDS, CATALOGUE, ParsedSnapshot
from tracker.sources import detect_catalog_format, detect_ranking_format
from tracker.validate import validate

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "tracker" / "samples"
GENERATOR = REPO / "benchmarks" / "make_demo_samples.py"
HAND_WRITTEN = {"README.md"}  # everything else in tracker/samples/ comes from the generator
EXPECTED_FORMAT = {
    "arena-text": "hf-rows",
    "arena-webdev": "hf-rows",
    "openrouter-weekly": "openrouter-frontend-week",
    CATALOGUE: "openrouter-models-api",
}
TOP = 20


def manifest() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
    return doc


def imports() -> Iterator[tuple[date, dict[str, str]]]:
    for week in manifest()["weeks"]:
        for item in week["imports"]:
            yield date.fromisoformat(week["as_of"]), item


def files_of(board: str) -> list[tuple[date, bytes]]:
    """(week as-of, body) of every import of a board, in manifest order."""
    return [(as_of, (SAMPLES / item["file"]).read_bytes()) for as_of, item in imports() if item["board"] == board]


def parse_ranking(board: str, as_of: date, body: bytes, name: str = "sample") -> ParsedSnapshot:
    fmt = detect_ranking_format(body, name, board)
    (snapshot,) = fmt.parse(body, board=board, as_of=as_of)
    return snapshot


# ---- brute force on the raw weekly files: tokens per variant slug, ranked by hand


def weekly_tokens(body: bytes) -> dict[str, int]:
    rows = json.loads(body)["data"]
    return {r["variant_permaslug"]: r["total_prompt_tokens"] + r["total_completion_tokens"] for r in rows}


def ranks(tokens: dict[str, int]) -> dict[str, int]:
    ordered = sorted(tokens, key=lambda slug: -tokens[slug])
    assert len(set(tokens.values())) == len(tokens), "ties would make the brute force ambiguous"
    return {slug: i + 1 for i, slug in enumerate(ordered)}


def week_pairs() -> list[tuple[date, dict[str, int], dict[str, int], dict[str, int], dict[str, int]]]:
    """(as-of, old tokens, new tokens, old ranks, new ranks) for every consecutive pair of weeks."""
    weeks = [(as_of, weekly_tokens(body)) for as_of, body in files_of("openrouter-weekly")]
    return [(b[0], a[1], b[1], ranks(a[1]), ranks(b[1])) for a, b in pairwise(weeks)]


def in_zone(slug: str, old: dict[str, int], new: dict[str, int]) -> bool:
    return min(old.get(slug, TOP + 1), new.get(slug, TOP + 1)) <= TOP


# ---- the manifest and the files


def test_manifest_lists_six_consecutive_weeks_of_every_board() -> None:
    weeks = manifest()["weeks"]
    days = [date.fromisoformat(w["as_of"]) for w in weeks]
    assert len(days) == 6
    assert all(b - a == timedelta(days=7) for a, b in pairwise(days))
    for week in weeks:
        boards = [item["board"] for item in week["imports"]]
        assert {"arena-text", "arena-webdev", "openrouter-weekly"} <= set(boards)
        assert set(boards) <= {*BOARDS, CATALOGUE}
        if CATALOGUE in boards:  # the catalogue comes first, so the week's rankings get their names
            assert boards[0] == CATALOGUE
    assert sum(item["board"] == CATALOGUE for _, item in imports()) >= 2


def test_every_listed_file_exists_and_nothing_else_is_bundled() -> None:
    listed = {item["file"] for _, item in imports()}
    present = {p.name for p in SAMPLES.iterdir()}
    assert listed <= present
    assert present == listed | {"manifest.json"} | HAND_WRITTEN
    assert not (SAMPLES / "__init__.py").exists()
    total = sum(p.stat().st_size for p in SAMPLES.iterdir())
    assert total < 400 * 1024


def test_samples_are_reachable_as_package_resources() -> None:
    resources = files("tracker") / "samples"
    bundled = {entry.name for entry in resources.iterdir()}
    assert "manifest.json" in bundled
    assert {item["file"] for _, item in imports()} <= bundled


@pytest.mark.parametrize(("as_of", "item"), list(imports()), ids=lambda v: v["file"] if isinstance(v, dict) else "")
def test_each_file_is_detected_as_its_format_and_parses(as_of: date, item: dict[str, str]) -> None:
    body = (SAMPLES / item["file"]).read_bytes()
    board = item["board"]
    assert item["format"] == EXPECTED_FORMAT[board]
    if board == CATALOGUE:
        catalog_format = detect_catalog_format(body, item["file"])
        assert catalog_format.name == item["format"]
        catalogue = catalog_format.parse(body, as_of=as_of)
        assert len(catalogue.models) >= 25
        return
    fmt = detect_ranking_format(body, item["file"], board)
    assert fmt.name == item["format"]
    (parsed,) = fmt.parse(body, board=board, as_of=as_of)
    checked = validate(parsed, None)  # the demo ingests through the same validation
    assert checked.board == board
    assert parsed.as_of <= as_of
    if board == "openrouter-weekly":
        assert parsed.window_end == as_of  # the 7 days that end on the week's Sunday
        assert 25 <= len(parsed.entries) <= 32
    else:
        assert as_of - parsed.as_of <= timedelta(days=14)
        assert 15 <= len(parsed.entries) <= 30


# ---- OpenRouter: the stories the diff must find


def test_weekly_tokens_are_plausible_and_change_matches_the_previous_file() -> None:
    weeks = files_of("openrouter-weekly")
    for as_of, body in weeks:
        tokens = sorted(weekly_tokens(body).values(), reverse=True)
        assert 3 * 10**12 <= tokens[0] <= 4 * 10**12, as_of  # a leader at a few trillion
        assert tokens[24] >= 10**11  # the top 25 are in the hundreds of billions or more
    for (_, before), (as_of, after) in pairwise(weeks):
        old = weekly_tokens(before)
        for row in json.loads(after)["data"]:
            slug, change = row["variant_permaslug"], row["change"]
            if slug in old:  # OpenRouter's change = this 7 days / previous 7 days - 1
                new = row["total_prompt_tokens"] + row["total_completion_tokens"]
                assert change == pytest.approx(new / old[slug] - 1, abs=1e-9), (as_of, slug)
            else:
                assert change is None, (as_of, slug)


def test_some_week_has_two_models_that_grew_but_lost_rank() -> None:
    counts = [
        sum(1 for s in new if s in old and in_zone(s, ro, rn) and rn[s] > ro[s] and new[s] > old[s])
        for _, old, new, ro, rn in week_pairs()
    ]
    assert max(counts) >= 2, counts


def test_some_model_shrank_but_gained_rank() -> None:
    found = [
        (as_of, s)
        for as_of, old, new, ro, rn in week_pairs()
        for s in new
        if s in old and in_zone(s, ro, rn) and rn[s] < ro[s] and new[s] < old[s]
    ]
    assert found


def test_some_week_has_a_unique_biggest_mover_of_three_places_in_the_top_20() -> None:
    def biggest(ro: dict[str, int], rn: dict[str, int]) -> list[tuple[int, str]]:
        moves = sorted(((abs(ro[s] - rn[s]), s) for s in rn if s in ro and rn[s] <= TOP), reverse=True)
        return [m for m in moves if m[0] == moves[0][0]]

    leaders = [biggest(ro, rn) for _, _, _, ro, rn in week_pairs()]
    assert any(len(top) == 1 and top[0][0] == 3 for top in leaders), leaders


def test_some_week_has_an_entry_into_and_an_exit_from_the_top_20() -> None:
    both = [
        as_of
        for as_of, _, _, ro, rn in week_pairs()
        if {s for s, r in rn.items() if r <= TOP} - {s for s, r in ro.items() if r <= TOP}
        and {s for s, r in ro.items() if r <= TOP} - {s for s, r in rn.items() if r <= TOP}
    ]
    assert both


def test_some_week_keeps_the_top_five_unchanged() -> None:
    def top5(r: dict[str, int]) -> list[str]:
        return sorted(r, key=r.__getitem__)[:5]

    assert any(top5(ro) == top5(rn) for _, _, _, ro, rn in week_pairs())


def test_the_diff_engine_finds_the_same_usage_stories() -> None:
    weeks = files_of("openrouter-weekly")
    snapshots = [stored(parse_ranking("openrouter-weekly", as_of, body), i) for i, (as_of, body) in enumerate(weeks)]
    kinds: set[str] = set()
    grew_lost_in_one_week = 0
    for older, newer in pairwise(snapshots):
        events = diff_snapshots(BOARDS["openrouter-weekly"], older, newer)
        kinds |= {e.kind for e in events}
        grew_lost_in_one_week = max(grew_lost_in_one_week, sum(e.kind == "grew_lost_rank" for e in events))
        movers = [e for e in events if e.kind == "biggest_mover"]
        assert len(movers) <= 1 or len({e.extra["places"] for e in movers}) == 1
    assert {"moved", "entered", "exited", "grew_lost_rank", "shrank_gained_rank", "top_unchanged"} <= kinds
    assert "biggest_mover" in kinds
    assert grew_lost_in_one_week >= 2


# ---- Arena


def test_arena_text_has_a_new_leader_and_a_week_that_did_not_change() -> None:
    weeks = [(as_of, body, parse_ranking("arena-text", as_of, body)) for as_of, body in files_of("arena-text")]
    leaders = [snap.entries[0] for _, _, snap in weeks]
    changes = [(a, b) for a, b in pairwise(leaders) if a.model_id != b.model_id]
    assert changes, "no new leader"
    for old, new in changes:  # a close race: the new leader's CI overlaps the old leader's
        assert new.ci_low is not None
        assert old.ci_high is not None
        assert new.ci_low < old.ci_high
    repeats = [(a, b) for a, b in pairwise(weeks) if a[2].as_of == b[2].as_of]
    assert repeats, "no week where Arena did not publish"
    for (_, body_a, snap_a), (_, body_b, snap_b) in repeats:
        assert body_a == body_b
        assert snap_a.entries == snap_b.entries
    assert len({snap.as_of for _, _, snap in weeks}) == len(weeks) - len(repeats)


def test_arena_webdev_is_on_a_higher_scale_than_text() -> None:
    for (as_of, text), (_, webdev) in zip(files_of("arena-text"), files_of("arena-webdev"), strict=True):
        text_top = parse_ranking("arena-text", as_of, text).entries[0].score
        webdev_top = parse_ranking("arena-webdev", as_of, webdev).entries[0].score
        assert text_top is not None
        assert webdev_top is not None
        assert webdev_top > text_top + 40


# ---- the catalogue and cross-source identity


def catalogues() -> list[tuple[date, dict[str, Any]]]:
    return [(as_of, json.loads(body)) for as_of, body in files_of(CATALOGUE)]


def test_every_ranking_slug_has_an_entry_in_the_catalogue_of_its_week() -> None:
    captured = catalogues()
    for as_of, body in files_of("openrouter-weekly"):
        doc = max((c for c in captured if c[0] <= as_of), key=lambda c: c[0])[1]
        canonical = {m["canonical_slug"] for m in doc["data"]}
        parsed = detect_catalog_format(json.dumps(doc).encode(), "c").parse(json.dumps(doc).encode(), as_of=as_of)
        keys = {m.slug for m in parsed.models}
        for row in json.loads(body)["data"]:
            assert row["model_permaslug"] in canonical, (as_of, row["model_permaslug"])
            assert row["variant_permaslug"] in keys, (as_of, row["variant_permaslug"])  # `:free` joins its own price
    free = {row["variant_permaslug"] for _, body in files_of("openrouter-weekly") for row in json.loads(body)["data"]}
    assert any(slug.endswith(":free") for slug in free)


def test_catalogues_differ_by_a_couple_of_price_changes_and_keep_prices_as_strings() -> None:
    (_, first), (_, second) = catalogues()[0], catalogues()[-1]
    for doc in (first, second):
        assert all(isinstance(v, str) for m in doc["data"] for v in m["pricing"].values())
        assert all(isinstance(m["context_length"], int) for m in doc["data"])
    before = {m["id"]: m["pricing"] for m in first["data"]}
    changed = [m["id"] for m in second["data"] if m["id"] in before and m["pricing"] != before[m["id"]]]
    assert 2 <= len(changed) <= 5


def test_display_names_include_non_ascii_stored_as_utf8() -> None:
    raw = b"".join(body for _, body in files_of(CATALOGUE))
    names = {m["name"] for _, doc in catalogues() for m in doc["data"]}
    assert any("É" in name for name in names)  # "Élan 4"
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)  # CJK: "Xinghe 星河 2"
    assert "É".encode() in raw  # raw UTF-8, as the real catalogue writes it, not \u escapes
    assert b"\\u" not in raw


def test_about_eight_models_match_across_arena_and_openrouter() -> None:
    as_of, doc = catalogues()[-1]
    body = json.dumps(doc).encode()
    models = detect_catalog_format(body, "c").parse(body, as_of=as_of).models
    keys = sorted(
        {
            (e.model_id, e.organization)
            for board in ("arena-text", "arena-webdev")
            for day, body in files_of(board)
            for e in parse_ranking(board, day, body).entries
        }
    )
    result = match_models(keys, models, load_model_map())
    matched = {m.slug for m in result.matches}
    ranked = {row["model_permaslug"] for _, body in files_of("openrouter-weekly") for row in json.loads(body)["data"]}
    assert 8 <= len(matched) <= 12
    assert matched <= ranked  # the shared models are all on the usage board
    assert len(ranked - matched) >= 5  # and some are on OpenRouter only
    assert len(result.unmatched) >= 4  # and some on Arena only
    assert any(m.mode == "thinking" for m in result.matches)  # Arena modes match the base model


# ---- no drift between the committed files and the generator


def test_samples_are_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), str(tmp_path)], check=True, capture_output=True)
    generated = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in SAMPLES.iterdir() if p.name not in HAND_WRITTEN}
    assert sorted(generated) == sorted(committed)
    for name, body in generated.items():
        assert body == committed[name], f"{name} differs: rerun benchmarks/make_demo_samples.py"
