"""Write tracker/samples/: the invented sample captures `tracker demo` imports, and their manifest.

Every model, organisation and figure is made up; the files are in the real upstream formats, so the demo runs
them through the same parsers as real captures. Seeded, with integer token maths and no float maths beyond
+ - * / and sqrt (correctly rounded everywhere), the output is byte-identical on every run and platform:
tests/test_demo_samples.py regenerates it and compares. The weeks' stories: tracker/samples/README.md.

Usage: python benchmarks/make_demo_samples.py [OUT_DIR]   (default: tracker/samples)
"""

from __future__ import annotations

import calendar
import json
import math
import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

SEED = 20261004
WEEKS = [date(2026, 10, 4) + timedelta(days=7 * i) for i in range(6)]  # Sundays: the demo's as-of days
OUT = Path(__file__).resolve().parent.parent / "tracker" / "samples"

# ---- Arena: key | organisation | licence | Text rating | Text votes | WebDev rating | WebDev votes,
# as first listed (WebDev is on a higher scale, with fewer votes; blank: not on WebDev).
ARENA = """
cobalt-opus-2-thinking|northwind|Proprietary|1503.4|16800|1571.2|2900
aurora-3-pro|auroralabs|Proprietary|1499.1|21400|1552.7|4100
cobalt-opus-2|northwind|Proprietary|1496.2|18900|1566.0|3400
meridian-5-high|meridian|Proprietary|1490.3|12600|1544.1|2600
aurora-3-flash|auroralabs|Proprietary|1483.0|25800|1508.9|5200
tessera-k3-thinking|tessera|Modified MIT|1479.6|8700|1530.4|1900
lattice-ultra-preview|lattice|Proprietary|1477.2|5400|1515.3|1200
meridian-5|meridian|Proprietary|1475.8|14200|1477.7|3000
cobalt-sonnet-2|northwind|Proprietary|1473.9|20300|1504.6|4700
xinghe-2|hoshi|Apache 2.0|1468.4|9900|1489.2|2100
elan-4|ondine|Apache 2.0|1466.0|11800|1495.0|2300
tessera-k3|tessera|Modified MIT|1463.1|10400||
kestrel-2|kestrel|Proprietary|1460.5|13300|1521.8|2800
orbit-7-experimental|orbit|Proprietary|1457.7|4100|1460.3|900
quasar-2.5-pro|quasar|Proprietary|1455.2|17600|1480.4|3900
aurora-2.5-pro|auroralabs|Proprietary|1451.9|64500||
cobalt-opus-1-5|northwind|Proprietary|1449.3|48200||
solstice-2|solstice|Proprietary|1446.6|15100|1466.1|2500
nimbus-large-2|nimbus|Proprietary|1443.0|11200|1452.5|2200
sable-3|sable|Proprietary|1440.2|8300|1447.9|1600
atlas-omni-1|atlas|Proprietary|1436.8|14700|1440.6|2700
borealis-70b-instruct|borealis|Borealis Open|1434.1|39800||
vega-3|vega|Proprietary|1430.5|12500||
solstice-2-mini|solstice|Proprietary|1426.9|9200||
nimbus-medium-2|nimbus|Proprietary|1421.3|7600||
borealis-8b-instruct|borealis|Borealis Open|1408.8|13900||
pico-3|pico|Apache 2.0|1396.4|6100||
pico-3-mini|pico|Apache 2.0|1389.7|5300||
aurora-3-5-flash|auroralabs|Proprietary|1487.6|3100|1535.2|700
"""
# Scripted rating steps per demo week (on top of a little refit noise): the Arena stories.
TEXT_TREND = {
    "aurora-3-pro": [0, 0.6, 5.8, 0, 0.4, 0.9],  # week 3: overtakes the leader (inside the CIs)
    "cobalt-opus-2-thinking": [0, 0.2, -1.6, 0, -0.5, 0],
    "lattice-ultra-preview": [0, 0, 0, 0, 6.2, 2.1],  # week 5: climbs into the top five
}
TEXT_TREND |= {"kestrel-2": [0, 2.9, 0.8, 0, 0, 0], "solstice-2": [0, -2.8, 0, 0, 0, 0]}  # mid-table swaps
WEBDEV_TREND = {"kestrel-2": [0, 3.0, 3.5, 2.5, 0, 0], "aurora-3-pro": [0, -2.0, -3.5, -1.5, 0, 0]}
DEBUTS = {"aurora-3-5-flash": 5}  # first demo week (index) a model is listed
TEXT_GONE = {"pico-3": 4}  # first demo week a deprecated model is no longer listed
# Arena's publish dates per demo week: Text skipped a week (the fourth capture repeats the third).
TEXT_PUBLISHED = ["2026-10-02", "2026-10-09", "2026-10-14", "2026-10-14", "2026-10-30", "2026-11-06"]
WEBDEV_PUBLISHED = ["2026-10-01", "2026-10-08", "2026-10-15", "2026-10-22", "2026-10-29", "2026-11-05"]

# ---- OpenRouter: catalogue id | slug date | name | billions of tokens the week before the first |
# own weekly trend and completion share (per mille) | tokens per request | $/M in | $/M out | context
OPENROUTER = """
tessera/tessera-k3|20260818|Tessera: Tessera K3|3150|6|30|45000|0.30|1.20|131072
auroralabs/aurora-3-flash|20260630|Aurora Labs: Aurora 3 Flash|2500|12|50|9000|0.30|2.50|1048576
northwind/cobalt-sonnet-2|20260714|Northwind: Cobalt Sonnet 2|2050|10|20|52000|3|15|1000000
quill/quill-code-2|20260805|Quill: Quill Code 2|1750|25|15|70000|0.20|0.80|262144
tessera/tessera-k3:free|20260818|Tessera: Tessera K3 (free)|1480|-5|20|60000|0|0|131072
hoshi/xinghe-2|20260902|Hoshi: Xinghe 星河 2|1300|30|20|50000|0.28|1.10|262144
northwind/cobalt-opus-2|20260812|Northwind: Cobalt Opus 2|1120|8|15|80000|5|25|1000000
meridian/meridian-5|20260826|Meridian: Meridian 5|980|15|30|30000|1.25|10|400000
kestrel/kestrel-2-mini|20260721|Kestrel: Kestrel 2 Mini|900|4|60|6000|0.10|0.40|128000
ondine/elan-4|20260909|Ondine: Élan 4|830|40|40|12000|0.40|1.60|131072
wayfarer/wayfarer-v3|20260610|Wayfarer: Wayfarer V3|760|2|40|8000|0.27|1.10|163840
auroralabs/aurora-3-flash-lite|20260722|Aurora Labs: Aurora 3 Flash Lite|700|5|80|2500|0.10|0.40|1048576
auroralabs/aurora-3-pro|20260630|Aurora Labs: Aurora 3 Pro|660|18|40|20000|2.50|15|1048576
sable/sable-3-flash|20260715|Sable: Sable 3 Flash|620|-10|35|15000|0.15|0.60|256000
kestrel/kestrel-2|20260721|Kestrel: Kestrel 2|590|10|25|40000|1|4|256000
brightline/bl-coder-32b|20260520|Brightline: BL Coder 32B|560|0|30|35000|0.08|0.24|131072
tessera/tessera-k2.5|20260310|Tessera: Tessera K2.5|520|-30|30|40000|0.25|1|131072
northwind/cobalt-haiku-2|20260714|Northwind: Cobalt Haiku 2|490|5|30|25000|1|5|200000
fjord/fjord-2-large|20260603|Fjord: Fjord 2 Large|455|12|45|10000|0.50|1.50|131072
halcyon/halcyon-3-70b|20260415|Halcyon: Halcyon 3 70B|430|-8|60|5000|0.12|0.30|131072
meridian/meridian-5-mini|20260826|Meridian: Meridian 5 Mini|410|20|40|8000|0.25|2|400000
quill/quill-chat-2|20260805|Quill: Quill Chat 2|385|14|50|7000|0.15|0.60|131072
sparrow/sparrow-9b|20260501|Sparrow: Sparrow 9B|360|3|90|1500|0.02|0.04|32768
meridian/meridian-4.1|20260211|Meridian: Meridian 4.1|340|-20|30|15000|2|8|1047576
wayfarer/wayfarer-r2|20260610|Wayfarer: Wayfarer R2|320|6|70|9000|0.50|2.15|163840
auroralabs/aurora-3.5-flash|20261028|Aurora Labs: Aurora 3.5 Flash|690|90|45|9000|0.35|3|1048576
"""
MARKET = [30, 15, 40, 10, 35, 25]  # per-mille growth every model shares, into each demo week
OR_STORY = {  # scripted extra growth (per mille) of one model in one demo week (index): the usage stories
    ("kestrel/kestrel-2", 3): 320,  # week 4: a coding-agent launch; climbs three places, #14 -> #11
    ("tessera/tessera-k3:free", 4): -480,  # week 5: the free tier is rate-limited; falls out of the top ten
    ("northwind/cobalt-opus-2", 4): -55,  # week 5: shrinks a little, yet gains a place over the free tier
}
OR_LAUNCH = {"auroralabs/aurora-3.5-flash": 4}  # first demo week with usage; the table's tokens are then
OR_RETIRED = {"meridian/meridian-4.1": (4, 3)}  # (week, days before its end usage stopped); gone after
CATALOGUE_WEEKS = (0, 4)  # the demo weeks (index) a catalogue is captured
PRICE_CUTS = {"auroralabs/aurora-3-flash": ("0.25", "2.50"), "northwind/cobalt-sonnet-2": ("2.50", "12.50")}
CONTEXT_CHANGES = {"tessera/tessera-k3": 262144, "tessera/tessera-k3:free": 262144}
ZERO_COUNTERS = (  # counters the real weekly rows carry, all 0 in the real captures
    "num_media_prompt num_media_completion image_output_requests num_video_prompt video_output_seconds"
    " rerank_documents stt_transcript_characters num_audio_prompt total_native_tokens_cached"
    " total_tool_calls requests_with_tool_call_errors"
)
ARCHITECTURE: dict[str, Any] = {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"]}
ARCHITECTURE |= {"tokenizer": "Other", "instruct_type": None}

Board = list[tuple[str, float, int]]  # (key, rating, votes), best first
Usage = dict[str, tuple[int, int, date]]  # catalogue id -> (prompt, completion, last day with usage)


def noise(rng: random.Random, spread: float) -> float:
    """A small bell-ish perturbation in [-spread, spread], built from uniforms only (stable everywhere)."""
    return (rng.random() + rng.random() - 1.0) * spread


def arena_weeks(rng: random.Random, start: dict[str, tuple[float, int]], trend: dict[str, list[float]],
                gone: dict[str, int], published: list[str]) -> list[Board]:  # fmt: skip
    """The board of every demo week; a week whose publish date repeats repeats its board."""
    board = {key: value for key, value in start.items() if DEBUTS.get(key, 0) == 0}
    weeks: list[Board] = []
    for w in range(len(WEEKS)):
        if w and published[w] == published[w - 1]:
            weeks.append(weeks[-1])
            continue
        for key in sorted(board) if w else ():
            rating, votes = board[key]
            step = trend.get(key, [0.0] * len(WEEKS))[w] + noise(rng, 1.8)
            board[key] = (rating + step, votes + votes * (30 + int(rng.random() * 40)) // 1000 + 150)
        board |= {key: start[key] for key, week in DEBUTS.items() if week == w and key in start}
        board = {key: value for key, value in board.items() if gone.get(key, len(WEEKS)) > w}
        weeks.append(sorted(((k, r, v) for k, (r, v) in board.items()), key=lambda e: -e[1]))
    return weeks


def hf_rows(config: str, published: str, board: Board, orgs: dict[str, tuple[str, str]]) -> bytes:
    """A datasets-server `/rows` page in the real capture's wrapper: `overall`, plus a small second category."""
    whole = "float64" if config.startswith("text") else "int64"  # as typed in the real text / webdev configs
    extra, k = ("coding", 690.0) if whole == "float64" else ("webdev-html", 670.0)
    columns = [("model_name", "string"), ("organization", "string"), ("license", "string")]
    columns += [(name, "float64") for name in ("rating", "rating_lower", "rating_upper", "variance")]
    columns += [("vote_count", whole), ("rank", whole), ("category", "string"), ("leaderboard_publish_date", "string")]
    features = [
        {"feature_idx": i, "name": n, "type": {"dtype": t, "_type": "Value"}} for i, (n, t) in enumerate(columns)
    ]
    subset = [(key, rating - 4.5 + 2.5 * (i % 4), votes // 4) for i, (key, rating, votes) in enumerate(board[:8])]
    rows: list[dict[str, Any]] = []
    for category, entries in (("overall", board), (extra, sorted(subset, key=lambda e: -e[1]))):
        for rank, (key, rating, votes) in enumerate(entries, start=1):
            half = k / math.sqrt(votes)  # a 95% CI narrowing with votes, as Arena's does
            row: dict[str, Any] = {"model_name": key, "organization": orgs[key][0], "license": orgs[key][1]}
            row |= {"rating": rating, "rating_lower": rating - half, "rating_upper": rating + half}
            row |= {"variance": half * half / (1.96 * 1.96), "vote_count": votes, "rank": rank}
            row |= {"category": category, "leaderboard_publish_date": published}
            if whole == "float64":
                row["vote_count"], row["rank"] = float(votes), float(rank)
            rows.append({"row_idx": len(rows), "row": row, "truncated_cells": []})
    page = {"features": features, "rows": rows, "num_rows_total": len(rows), "num_rows_per_page": 100, "partial": False}
    doc = {"dataset": "lmarena-ai/leaderboard-dataset", "split": "latest", "configs": {config: [page]}}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def usage_weeks(rng: random.Random, models: list[list[str]]) -> list[Usage]:
    """Usage of every demo week, after a hidden week before the first that gives the first its `change`."""
    tokens: dict[str, int] = {}
    weeks: list[Usage] = []
    for w in range(-1, len(WEEKS)):
        end = WEEKS[0] + timedelta(days=7 * w)
        week: Usage = {}
        for model_id, _, _, billions, trend, completion, *_ in models:
            launch, (retired, days_short) = OR_LAUNCH.get(model_id, -1), OR_RETIRED.get(model_id, (99, 0))
            if w < launch or w > retired:
                continue
            if w in (launch, -1):
                tokens[model_id] = int(billions) * 10**9 + int(rng.random() * 10**9)
            else:
                growth = 1000 + MARKET[w] + int(trend) + OR_STORY.get((model_id, w), 0)  # per mille
                tokens[model_id] = tokens[model_id] * (growth * 100 + int(noise(rng, 1200))) // 100_000
            total = tokens[model_id] * (7 - days_short) // 7 if w == retired else tokens[model_id]
            done = total * (int(completion) + int(noise(rng, 6))) // 1000
            week[model_id] = (total - done, done, end - timedelta(days=days_short if w == retired else 0))
        weeks.append(week)
    return weeks


def ranking_key(model_id: str, slug_date: str) -> tuple[str, str]:
    """(model_permaslug, variant): `tessera/tessera-k3:free` -> ("tessera/tessera-k3-20260818", "free")."""
    base, _, variant = model_id.partition(":")
    return f"{base}-{slug_date}", variant or "standard"


def frontend_week(models: list[list[str]], week: Usage, before: Usage) -> bytes:
    """OpenRouter's saved weekly leaderboard `{"data": [...]}`: one row per model and variant, unranked."""
    rows = []
    for model_id, slug_date, _, _, _, _, per_request, *_ in models:
        if model_id not in week:
            continue
        (prompt, completion, last_day), old = week[model_id], sum(before.get(model_id, (0, 0))[:2])
        permaslug, variant = ranking_key(model_id, slug_date)
        row: dict[str, Any] = {"date": f"{last_day} 00:00:00", "model_permaslug": permaslug, "variant": variant}
        row |= {"total_completion_tokens": completion, "total_prompt_tokens": prompt}
        row |= {"total_native_tokens_reasoning": 0, "count": (prompt + completion) // int(per_request)}
        row |= dict.fromkeys(ZERO_COUNTERS.split(), 0)
        row["variant_permaslug"] = permaslug if variant == "standard" else f"{permaslug}:{variant}"
        row["change"] = (prompt + completion) / old - 1 if old else None  # a fraction; null for a newcomer
        rows.append(row)
    rows.sort(key=lambda r: r["variant_permaslug"])  # upstream lists rows unranked; the parser ranks them
    return json.dumps({"data": rows}, ensure_ascii=False, separators=(",", ":")).encode()


def per_token(per_million: str) -> str:
    """USD per million tokens -> the catalogue's USD per token as plain decimal text: "0.30" -> "0.0000003"."""
    return format(Decimal(per_million).scaleb(-6).normalize(), "f")


def catalogue(models: list[list[str]], as_of: date, later: bool) -> bytes:
    """`/api/v1/models` (2026 schema): every model listed by `as_of`, newest first, then a router."""
    rows: list[dict[str, Any]] = []
    for model_id, slug_date, name, _, _, _, _, price_in, price_out, context in models:
        listed = date(int(slug_date[:4]), int(slug_date[4:6]), int(slug_date[6:]))
        if listed > as_of:
            continue
        if later:  # the second capture: a couple of price cuts and a longer context
            price_in, price_out = PRICE_CUTS.get(model_id, (price_in, price_out))
            context = str(CONTEXT_CHANGES.get(model_id, context))
        permaslug, retired = ranking_key(model_id, slug_date)[0], OR_RETIRED.get(model_id)
        expires = str(WEEKS[retired[0]] - timedelta(days=retired[1])) if retired and later else None
        description = f"{name.split(': ')[-1]}: an invented model of the tracker's demo data."
        row: dict[str, Any] = {"id": model_id, "canonical_slug": permaslug, "hugging_face_id": None, "name": name}
        row |= {"created": calendar.timegm(listed.timetuple()) + 43200 + 60 * len(rows), "description": description}
        row |= {"context_length": int(context), "architecture": ARCHITECTURE}
        row |= {"pricing": {"prompt": per_token(price_in), "completion": per_token(price_out)}}
        row |= {"top_provider": {"context_length": int(context), "max_completion_tokens": 65536, "is_moderated": False}}
        row |= {"per_request_limits": None, "supported_parameters": ["max_tokens", "temperature", "tools", "top_p"]}
        row |= {"default_parameters": {}, "supported_voices": None, "knowledge_cutoff": None}
        row |= {"expiration_date": expires, "links": {"details": f"/api/v1/models/{permaslug}/endpoints"}}
        rows.append(row)
    rows.sort(key=lambda r: (-r["created"], r["id"]))
    router: dict[str, Any] = {"id": "openrouter/auto", "canonical_slug": "openrouter/auto", "hugging_face_id": None}
    router |= {"name": "Auto Router", "created": 1699401600, "description": "Routes each prompt to a model."}
    rows.append(router | {"context_length": 2000000, "pricing": {"prompt": "-1", "completion": "-1"}})  # no price
    doc = {"data": rows, "total_count": len(rows), "links": {"next": None}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def sample_files() -> dict[str, bytes]:
    """Every file of tracker/samples/ the generator owns, by name (README.md is written by hand)."""
    rng = random.Random(SEED)
    arena, models = ([line.split("|") for line in text.strip().splitlines()] for text in (ARENA, OPENROUTER))
    orgs = {key: (org, licence) for key, org, licence, *_ in arena}
    text_start = {key: (float(rating), int(votes)) for key, _, _, rating, votes, *_ in arena}
    webdev_start = {key: (float(rating), int(votes)) for key, *_, rating, votes in arena if rating}
    text = arena_weeks(rng, text_start, TEXT_TREND, TEXT_GONE, TEXT_PUBLISHED)
    webdev = arena_weeks(rng, webdev_start, WEBDEV_TREND, {}, WEBDEV_PUBLISHED)
    usage = usage_weeks(rng, models)
    files: dict[str, bytes] = {}
    weeks = []
    for w, as_of in enumerate(WEEKS):
        imports = []
        if w in CATALOGUE_WEEKS:
            imports.append(("openrouter-models", "openrouter-models-api", catalogue(models, as_of, later=w > 0)))
        imports.append(("arena-text", "hf-rows", hf_rows("text_style_control", TEXT_PUBLISHED[w], text[w], orgs)))
        imports.append(("arena-webdev", "hf-rows", hf_rows("webdev", WEBDEV_PUBLISHED[w], webdev[w], orgs)))
        imports.append(("openrouter-weekly", "openrouter-frontend-week", frontend_week(models, usage[w + 1], usage[w])))
        files |= {f"{board}-{as_of}.json": body for board, _, body in imports}
        listed = [{"board": board, "file": f"{board}-{as_of}.json", "format": fmt} for board, fmt, _ in imports]
        weeks.append({"as_of": str(as_of), "imports": listed})
    manifest = {"about": "Invented sample data for `tracker demo` (see README.md): not real rankings.", "weeks": weeks}
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    files = sample_files()
    for name, body in sorted(files.items()):
        (out / name).write_bytes(body)
    print(f"wrote {len(files)} files, {sum(map(len, files.values())):,} bytes, to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
