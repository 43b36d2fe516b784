"""Two weekly CSV tables, a week apart: `tracker diff --json` gives exactly the events read off the tables
by hand, and the published post states them with the right numbers."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from tracker.cli import main
from tracker.units import format_tokens, parse_tokens

# The week of the house-style article (figures in the article; the rest filled in consistently).
LAST_WEEK = [
    ("DeepSeek V4 Flash", "1.65T"),
    ("Hy3 preview", "1.6T"),
    ("Claude Sonnet 4.6", "1.52T"),
    ("Claude Opus 4.7", "1.48T"),
    ("Owl Alpha", "685B"),
    ("Gemini 3 Flash Preview", "640B"),
    ("Qwen 3.7 Max", "610B"),
    ("GPT-5.6 Luna", "600B"),
    ("Grok 4.7", "560B"),
    ("Kimi K3", "540B"),
    ("MiniMax M2.7", "482B"),
    ("Llama 5", "470B"),
    ("Mistral Medium 4", "460B"),
    ("Gemini 2.5 Flash Lite", "455B"),
    ("Claude Opus 4.6", "403B"),
    ("DeepSeek R2", "400B"),
    ("Gemini 3.1 Pro Preview", "386B"),
    ("Nemotron Ultra", "350B"),
    ("GLM 5.1", "290B"),
    ("Devstral 3", "280B"),
    ("Phi 6", "270B"),
    ("Command S", "260B"),
]
THIS_WEEK = [
    ("DeepSeek V4 Flash", "3.29T"),
    ("Hy3 preview", "3.01T"),
    ("Claude Sonnet 4.6", "1.77T"),
    ("Claude Opus 4.7", "1.7T"),
    ("Gemini 3 Flash Preview", "1.14T"),
    ("Owl Alpha", "1.11T"),
    ("Qwen 3.7 Max", "700B"),
    ("GPT-5.6 Luna", "680B"),
    ("Grok 4.7", "650B"),
    ("Kimi K3", "620B"),
    ("Gemini 2.5 Flash Lite", "609B"),
    ("Mistral Medium 4", "600B"),
    ("MiniMax M2.7", "593B"),
    ("Llama 5", "560B"),
    ("DeepSeek R2", "520B"),
    ("Gemini 3.1 Pro Preview", "490B"),
    ("Claude Opus 4.6", "480B"),
    ("Nemotron Ultra", "400B"),
    ("Devstral 3", "360B"),
    ("GLM 5.1", "340B"),
    ("Command S", "300B"),
    ("Phi 6", "250B"),
]


def write_table(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["Rank,Model,Tokens"] + [f"{i},{model},{tokens}" for i, (model, tokens) in enumerate(rows, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def by_hand() -> dict[str, object]:
    """The events a reader computes from the two tables, without the tracker's code."""
    old = {m: (i, parse_tokens(t)) for i, (m, t) in enumerate(LAST_WEEK, 1)}
    new = {m: (i, parse_tokens(t)) for i, (m, t) in enumerate(THIS_WEEK, 1)}
    moved = {m: (old[m][0], new[m][0]) for m in new if old[m][0] != new[m][0]}
    grew_lost = {m for m in new if new[m][1] > old[m][1] and new[m][0] > old[m][0]}
    shrank_gained = {m for m in new if new[m][1] < old[m][1] and new[m][0] < old[m][0]}
    places = {m: abs(old[m][0] - new[m][0]) for m in new if new[m][0] <= 20}
    best = max(places.values())
    return {
        "moved": moved,
        "grew_lost": grew_lost,
        "shrank_gained": shrank_gained,
        "biggest": {m for m, p in places.items() if p == best},
        "growth": {m: (new[m][1] / old[m][1] - 1) * 100 for m in new},
        "entered": {m for m in new if new[m][0] <= 20 < old[m][0]},
        "exited": {m for m in old if old[m][0] <= 20 < new[m][0]},
    }


@pytest.fixture
def imported(db_url, tmp_path):
    week1 = write_table(tmp_path / "week1.csv", LAST_WEEK)
    week2 = write_table(tmp_path / "week2.csv", THIS_WEEK)
    base = ["--database-url", db_url, "import", "--board", "openrouter-weekly", "--format", "csv"]
    assert main([*base, "--as-of", "2026-04-26", str(week1)]) == 0
    assert main([*base, "--as-of", "2026-05-03", str(week2)]) == 0
    return db_url


def test_diff_json_gives_the_events_computed_by_hand(imported, capsys):
    capsys.readouterr()
    assert main(["--database-url", imported, "diff", "--board", "openrouter-weekly", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    expected = by_hand()
    assert result["board"] == "openrouter-weekly"
    assert (result["from"], result["to"]) == ({"as_of": "2026-04-26"}, {"as_of": "2026-05-03"})
    assert result["publish"] is True
    events = result["events"]

    def of(kind: str) -> list[dict]:
        return [e for e in events if e["kind"] == kind]

    assert {e["model"]: (e["from_rank"], e["to_rank"]) for e in of("moved")} == expected["moved"]
    assert {e["model"] for e in of("grew_lost_rank")} == expected["grew_lost"]
    assert {e["model"] for e in of("shrank_gained_rank")} == expected["shrank_gained"]
    assert {e["model"] for e in of("biggest_mover")} == expected["biggest"] == {"Gemini 2.5 Flash Lite"}
    (mover,) = of("biggest_mover")
    assert (mover["from_rank"], mover["to_rank"], mover["within_top"]) == (14, 11, 20)
    assert {e["model"] for e in of("entered")} == expected["entered"]
    assert {e["model"] for e in of("exited")} == expected["exited"]
    for e in of("moved") + of("grew_lost_rank"):
        assert e["growth_pct"] == pytest.approx(expected["growth"][e["model"]], rel=1e-12)
        assert isinstance(e["value_after"], int)
    assert not of("new_leader")
    # Re-running the same diff stores nothing new and prints the same events.
    assert main(["--database-url", imported, "diff", "--board", "openrouter-weekly", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == result


def test_published_post_states_the_numbers(imported, tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["--database-url", imported, "publish", "--out", str(out)]) == 0
    post_pages = sorted((out / "posts").glob("2026-05-03*.html"))
    assert post_pages, sorted(p.name for p in (out / "posts").iterdir())
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.bozo == 0
    assert len(feed.entries) == 1
    text = feed.entries[0].summary if "summary" in feed.entries[0] else feed.entries[0].description
    assert "Gemini 2.5 Flash Lite made the biggest top-20 rank move, climbing three places from #14 to #11" in text
    assert "with 609B tokens" in text
    assert "MiniMax M2.7 fell from #11 to #13 despite 593B tokens and 23% week-over-week growth" in text
    assert "GLM 5.1 fell from #19 to #20 despite 340B tokens and 17% week-over-week growth" in text
    assert f"DeepSeek V4 Flash leads with {format_tokens(parse_tokens('3.29T'))} weekly tokens" in text
    # Publishing again with no new data: the same bytes, the same single item.
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["--database-url", imported, "publish", "--out", str(out)]) == 0
    second = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
