"""The store's fast paths keep what it stores: the content hash is the digest stored hashes were made
with, byte for byte; identity (slugs, clashes, names, organisations, aliases) and prices come out the
same whether each call is its own transaction or they share `bulk()` blocks; and what the store
remembers between transactions is dropped when anything else writes or a write fails (SQLite and
PostgreSQL)."""

from __future__ import annotations

import contextlib
import json
import random
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import IntEnum
from hashlib import sha256
from typing import Any

import pytest
from conftest import real_fixture
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from tracker import db
from tracker.db import make_engine
from tracker.history import History
from tracker.models import CatalogModel, Entry, FetchRecord, ParsedCatalog, ParsedSnapshot, RankKind
from tracker.sources import detect_ranking_format
from tracker.store import Store
from tracker.validate import content_hash

T0 = datetime(2026, 8, 1, 6, tzinfo=UTC)
DAY = date(2026, 8, 1)

# ---- the content hash


def reference_hash(parsed: ParsedSnapshot) -> str:
    """The content hash as stored hashes were computed before the column-wise writer (kept verbatim)."""

    def record(entry: Entry) -> dict[str, Any]:
        out = {f.name: getattr(entry, f.name) for f in fields(Entry) if f.name != "tokens_lower_bound"}  # added later
        out["rank_kind"] = str(entry.rank_kind)
        out["aliases"] = sorted(entry.aliases)
        return out

    document = {
        "board": parsed.board,
        "as_of": parsed.as_of.isoformat(),
        "window_start": parsed.window_start.isoformat() if parsed.window_start else None,
        "window_end": parsed.window_end.isoformat() if parsed.window_end else None,
        "entries": sorted((record(e) for e in parsed.entries), key=lambda r: (r["rank"] or 0, r["model_id"])),
    }
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256(body.encode("utf-8")).hexdigest()


REAL_CAPTURES = [
    ("arena/arena-catalog-text-style-control-2025-03-07.json", "arena-text"),
    ("arena/arena-overview-rsc-webdev-excerpt-2026-09-26.txt", "arena-webdev"),
    ("arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json", "arena-text-raw"),
    ("arena/hf-leaderboard-dataset-rows-latest-text-webdev-2026-04-23.json", "arena-webdev"),
    ("arena/hfspace-text-gradio-table-2024-06-19.csv", "arena-text-raw"),
    ("arena/hfspace-text-gradio-table-2025-07-18.csv", "arena-text-raw"),
    ("arena/lmarena-text-gradio-pagesource-2025-03-28.html", "arena-text-raw"),
    ("arena/lmarena-text-htmltable-history-excerpt-2025-11-09.csv", "arena-text"),
    ("openrouter/models-find-analytics-2025-12-11.json", "openrouter-weekly"),
    ("openrouter/rankings-daily-dataapi-rows-2026-07-18_2026-08-02.csv", "openrouter-weekly"),
    ("openrouter/rankings-models-week-2026-08-02.json", "openrouter-weekly"),
    ("openrouter/rankings-weekly-charts-2026-09-05.json", "openrouter-weekly"),
]


@pytest.mark.fixtures
@pytest.mark.parametrize(("relative", "board"), REAL_CAPTURES)
def test_content_hash_of_real_captures_is_the_stored_digest(relative: str, board: str) -> None:
    path = real_fixture(relative)
    body = path.read_bytes()
    snapshots = detect_ranking_format(body, path.name, board).parse(body, board=board, as_of=date(2026, 8, 2))
    assert snapshots
    for parsed in snapshots:
        assert parsed.entries
        assert content_hash(parsed) == reference_hash(parsed)
        # Any one figure moved is another digest, on the fast path too.
        first = parsed.entries[0]
        moved = replace(first, votes=(first.votes or 0) + 1, tokens=(first.tokens or 0) + 1)
        assert content_hash(replace(parsed, entries=(moved, *parsed.entries[1:]))) != content_hash(parsed)


class Level(IntEnum):
    HIGH = 3


class Name(str):
    pass


TRICKY_TEXT = [
    "plain",
    "Modèle ü",
    "中文模型",
    "😀 emoji",
    "rtl \u05e9\u05dc\u05d5\u05dd",
    "e\u0301 combining",
    'with "quotes"',
    "back\\slash\\",
    'a","b',
    "comma, inside",
    "[brackets]",
    "{braces}",
    "null",
    "\x00\x1f\x7f controls",
    "\u2028\u2029 separators",
    "",
    "   ",
]
TRICKY_NUMBERS: list[object] = [
    None,
    0,
    -0.0,
    1500,
    1234.5,
    1e-9,
    1e16,
    1e300,
    0.1 + 0.2,
    -3.25,
    2**63,
    float("nan"),
    float("inf"),
    float("-inf"),
    True,
    Level.HIGH,
    "12,3",
]


def tricky_snapshot(rng: random.Random) -> ParsedSnapshot:
    entries = []
    for i in range(rng.randrange(0, 14)):
        entries.append(
            Entry(
                model_id=rng.choice([f"org/model-{i}", f"key,{i}", f"ключ-{i}", Name(f"sub-{i}")]),
                model=rng.choice(TRICKY_TEXT),
                rank=rng.choice([None, 0, i + 1, 1, -2]),
                rank_kind=rng.choice([*RankKind, "ordinal", "by_value"]),  # type: ignore[list-item]
                rank_upper=rng.choice([None, 1, 3]),
                rank_lower=rng.choice([None, 7, 2**40]),
                score=rng.choice(TRICKY_NUMBERS),  # type: ignore[arg-type]
                ci_low=rng.choice([None, 1200.25, -0.0, 5]),
                ci_high=rng.choice(TRICKY_NUMBERS),  # type: ignore[arg-type]
                votes=rng.choice([None, 0, 123456, "many"]),  # type: ignore[arg-type]
                tokens=rng.choice([None, 3_290_000_000_000, 0, 2**70]),
                prompt_tokens=rng.choice([None, 1]),
                completion_tokens=rng.choice([None, 2, -1]),
                change=rng.choice([None, 0.23, -0.1864, float("nan")]),
                share=rng.choice([None, 0.5, 1]),
                organization=rng.choice([None, "", "Org", "Ôrg, Inc.", 7]),  # type: ignore[arg-type]
                source_key=rng.choice([None, "upstream-key", "ü"]),
                aliases=tuple(rng.sample(["b", "a", "c", "É", "😀", 'q"'], rng.randrange(4))),
            )
        )
    window = rng.choice([None, date(2026, 7, 26)])
    return ParsedSnapshot(
        rng.choice(["openrouter-weekly", "arena-text"]),
        date(2026, 8, 1),
        tuple(entries),
        "data-api",
        window,
        date(2026, 8, 1) if window else None,
    )


@pytest.mark.parametrize("seed", range(200))
def test_content_hash_of_tricky_values_is_the_reference_digest(seed: int) -> None:
    parsed = tricky_snapshot(random.Random(seed))
    assert content_hash(parsed) == reference_hash(parsed)


def test_content_hash_of_columns_that_are_all_one_kind() -> None:
    rows = tuple(Entry(f"m{i}", f"M {i}", rank=i, score=1500.0 - i / 3, votes=10 * i) for i in range(1, 400))
    for entries in (
        rows,
        rows[:1],
        (),
        tuple(replace(e, score=None, votes=None, organization=None) for e in rows),
        tuple(replace(e, organization=f"Org {i % 3}", aliases=(f"x{i}",)) for i, e in enumerate(rows)),
    ):
        parsed = ParsedSnapshot("arena-text", DAY, entries, "hf-rows")
        assert content_hash(parsed) == reference_hash(parsed)


def test_a_value_json_cannot_write_is_refused_as_before() -> None:
    parsed = ParsedSnapshot("arena-text", DAY, (Entry("m", "M", rank=1, score=object()),), "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        reference_hash(parsed)
    with pytest.raises(TypeError):
        content_hash(parsed)


# ---- identity and prices, one transaction per call or in bulk blocks


def arena(as_of: date, rows: list[tuple[str, str, str | None]], aliases: dict[str, tuple[str, ...]] | None = None):
    """Rows (key, display name, organisation) in rank order."""
    aliases = aliases or {}
    entries = tuple(
        Entry(key, name, rank=i, score=1500.0 - i, votes=100 * i, organization=org, aliases=aliases.get(key, ()))
        for i, (key, name, org) in enumerate(rows, 1)
    )
    return ParsedSnapshot("arena-text", as_of, entries, "test")


def weekly(as_of: date, rows: list[tuple[str, str, int]]) -> ParsedSnapshot:
    entries = tuple(
        Entry(key, name, rank=i, rank_kind=RankKind.BY_VALUE, tokens=tokens)
        for i, (key, name, tokens) in enumerate(rows, 1)
    )
    return ParsedSnapshot("openrouter-weekly", as_of, entries, "test", as_of - timedelta(days=6), as_of)


def catalogue(as_of: date, rows: list[tuple[str, str, str, str | None, int, str | None]]) -> ParsedCatalog:
    """Rows (slug, catalogue id, name, input price per million, context, organisation)."""
    return ParsedCatalog(
        as_of,
        tuple(
            CatalogModel(
                slug,
                cid,
                name,
                None if price is None else Decimal(price),
                None if price is None else Decimal(price) * 4,
                context,
                organization=org,
            )
            for slug, cid, name, price, context, org in rows
        ),
        "test",
    )


def day(n: int) -> date:
    return DAY + timedelta(days=n)


def scenario() -> list[tuple[str, Any]]:
    """Calls in order: renames, an older capture, a key two sources share, organisations filled in,
    prices changing within one catalogue and between catalogues, an older catalogue, repeats."""
    return [
        ("snapshot", arena(day(0), [("alpha", "Alpha", None), ("beta", "beta", "Beta Org"), ("gamma", "G", "Ga")])),
        ("snapshot", weekly(day(0), [("alpha", "Alpha (OpenRouter)", 900), ("org/x", "X", 800)])),
        (
            "catalog",
            catalogue(
                day(0),
                [
                    ("org/x", "org/x", "X", "1", 1000, None),
                    ("alpha", "or/alpha", "Alpha", "2", 2000, "Alpha Org"),
                    ("org/y:free", "org/y:free", "Y (free)", "0", 4000, "Y Org"),
                ],
            ),
        ),
        ("catalog", catalogue(day(0), [("org/x", "org/x", "X", "1", 1000, None)])),  # same day: no new row
        (
            "catalog",  # org/x: organisation filled in, renamed, same price: no row; Y: context changed: a row
            catalogue(
                day(1),
                [
                    ("org/x", "org/x", "X Pro", "1", 1000, "X Org"),
                    ("alpha", "or/alpha", "Alpha", "2", 2000, "Other Org"),
                    ("org/y:free", "org/y:free", "Y (free)", "0", 8000, "Y Org"),
                ],
            ),
        ),
        (
            "snapshot",  # alpha renamed and given an organisation; delta new; an alias seen
            arena(
                day(2),
                [("alpha", "Alpha 2", "A Org"), ("delta", "Delta", "D"), ("beta", "beta", None)],
                {"delta": ("delta-old", "Delta Old")},
            ),
        ),
        ("snapshot", arena(day(-5), [("alpha", "Alpha Zero", "Z Org"), ("gamma", "G", "Ga")])),  # older: no rename
        (
            "snapshot",  # the same capture again
            arena(
                day(2),
                [("alpha", "Alpha 2", "A Org"), ("delta", "Delta", "D"), ("beta", "beta", None)],
                {"delta": ("delta-old", "Delta Old")},
            ),
        ),
        (
            "catalog",  # x's price changes, a new model, alpha unchanged, y left out
            catalogue(
                day(3),
                [
                    ("org/x", "org/x", "X Pro", "0.5", 1000, "X Org"),
                    ("alpha", "or/alpha", "Alpha", "2", 2000, None),
                    ("org/z", "org/z-new", "Z", None, 0, None),
                ],
            ),
        ),
        ("catalog", catalogue(day(4), [("org/x", "org/x", "X Pro", "1", 1000, None)])),  # back to the old price
        (
            "catalog",  # an older catalogue (a backfill): compared with what was stored up to that day
            catalogue(
                day(2),
                [
                    ("org/x", "org/x", "X Pro", "1", 1000, None),
                    ("org/y:free", "org/y:free", "Y (free)", "0", 4000, None),
                    ("org/z", "org/z-new", "Z old", None, 0, None),
                ],
            ),
        ),
        ("catalog", catalogue(day(-1), [("alpha", "or/alpha", "Alpha Early", "3", 2000, None)])),  # before all
        ("snapshot", weekly(day(4), [("org/x", "X Pro", 1000), ("org/z", "Z", 10), ("alpha", "Alpha", 5)])),
    ]


def run(store: Store, calls: list[tuple[str, Any]], first: int = 0) -> list[object]:
    results: list[object] = []
    for i, (kind, payload) in enumerate(calls, first):
        if kind == "snapshot":
            results.append(store.save_snapshot(payload, observed_at=T0 + timedelta(hours=i), fetch_id=None))
        else:
            results.append(store.save_catalog(payload, fetch_id=None))
    return results


def dump(engine) -> dict[str, list[tuple[object, ...]]]:
    tables = ("boards", "models", "model_aliases", "snapshots", "entries", "catalog_prices")
    out = {}
    with engine.connect() as conn:
        for name in tables:
            table = db.Base.metadata.tables[name]
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def test_identity_and_prices_are_the_same_in_bulk_blocks(databases, backend) -> None:
    calls = scenario()
    urls = [databases.new(backend, migrated=True) for _ in range(3)]
    engines = [make_engine(url) for url in urls]
    try:
        one_by_one, in_one_block, in_blocks = (Store(e) for e in engines)
        expected = run(one_by_one, calls)
        with in_one_block.bulk():
            assert run(in_one_block, calls) == expected
        results: list[object] = []
        for start in range(0, len(calls), 3):
            with in_blocks.bulk():
                results += run(in_blocks, calls[start : start + 3], start)
        assert results == expected
        stored = dump(engines[0])
        assert dump(engines[1]) == stored
        assert dump(engines[2]) == stored
        check_scenario(engines[0], expected)
    finally:
        for engine in engines:
            engine.dispose()
        for url in urls:
            databases.drop(url)


def check_scenario(engine, results: list[Any]) -> None:
    """What the scenario stores, worked out by hand."""
    assert [getattr(r, "status", None) for r in results] == [
        "new",
        "new",
        "new",
        "unchanged",
        "new",
        "new",
        "new",
        "unchanged",
        "new",
        "new",
        "new",
        "new",
        "new",
    ]
    assert [getattr(r, "price_changes", None) for r in results if hasattr(r, "price_changes")] == [3, 0, 1, 2, 1, 2, 1]
    assert [getattr(r, "new_models", None) for r in results if hasattr(r, "new_models")] == [1, 0, 0, 1, 0, 0, 0]
    with engine.connect() as conn:
        models = {
            (r.slug): (r.id, r.source, r.name, r.name_as_of, r.organization)
            for r in conn.execute(select(db.ModelRow.__table__))
        }
        aliases = {
            (r.model_id, r.kind, r.alias): r.first_seen for r in conn.execute(select(db.ModelAliasRow.__table__))
        }
        prices = [
            (r.model_id, r.observed_on, r.catalog_id, r.name, r.prompt_price_per_m, r.context_length)
            for r in conn.execute(select(db.CatalogPriceRow.__table__).order_by(db.CatalogPriceRow.id))
        ]
    ids = {slug: row[0] for slug, row in models.items()}
    assert models == {
        "alpha": (1, "arena", "Alpha 2", day(2), "A Org"),  # the older capture did not rename it back
        "beta": (2, "arena", "beta", None, "Beta Org"),  # never renamed: its name is its key
        "gamma": (3, "arena", "G", day(0), "Ga"),
        "openrouter:alpha": (4, "openrouter", "Alpha", day(0), "Alpha Org"),  # the key was taken by Arena
        "org/x": (5, "openrouter", "X Pro", day(1), "X Org"),  # filled in once, then kept
        "org/y:free": (6, "openrouter", "Y (free)", day(0), "Y Org"),
        "delta": (7, "arena", "Delta", day(2), "D"),
        "org/z": (8, "openrouter", "Z", day(3), None),  # the older catalogue's name did not replace it
    }
    alpha, router_alpha, x, z = ids["alpha"], ids["openrouter:alpha"], ids["org/x"], ids["org/z"]
    assert aliases[(alpha, "name", "Alpha")] == day(0)
    assert aliases[(alpha, "name", "Alpha 2")] == day(2)
    assert aliases[(alpha, "name", "Alpha Zero")] == day(-5)  # every name stays an alias, with when it was seen
    assert (ids["beta"], "name", "beta") not in aliases
    assert aliases[(ids["delta"], "name", "Delta Old")] == day(2)
    assert aliases[(router_alpha, "name", "Alpha Early")] == day(-1)
    assert aliases[(router_alpha, "catalog_id", "or/alpha")] == day(0)
    assert aliases[(x, "name", "X Pro")] == day(1)
    assert aliases[(z, "name", "Z old")] == day(2)
    assert aliases[(router_alpha, "name", "Alpha (OpenRouter)")] == day(0)
    assert aliases[(router_alpha, "key", "alpha")] == day(0)
    assert aliases[(alpha, "key", "alpha")] == day(0)
    assert len(aliases) == 27  # Arena: 4 + 1 + 2 + 4; OpenRouter: 5 + 4 + 3 + 4
    assert prices == [
        (router_alpha, day(0), "or/alpha", "Alpha", 2.0, 2000),  # a catalogue is stored in key order
        (x, day(0), "org/x", "X", 1.0, 1000),
        (ids["org/y:free"], day(0), "org/y:free", "Y (free)", 0.0, 4000),
        (ids["org/y:free"], day(1), "org/y:free", "Y (free)", 0.0, 8000),  # context changed
        (x, day(3), "org/x", "X Pro", 0.5, 1000),  # price changed; alpha, in the same catalogue, did not
        (z, day(3), "org/z-new", "Z", None, 0),
        (x, day(4), "org/x", "X Pro", 1.0, 1000),  # and back
        (ids["org/y:free"], day(2), "org/y:free", "Y (free)", 0.0, 4000),  # differs from day 1's, its latest then
        (z, day(2), "org/z-new", "Z old", None, 0),  # nothing stored for z up to day 2
        (router_alpha, day(-1), "or/alpha", "Alpha Early", 3.0, 2000),
    ]


# ---- nothing stale is trusted


def test_a_model_written_by_another_store_is_seen(engine, db_url) -> None:
    """Another writer renames and reprices between our transactions: the next call reads what it wrote.

    Remembering the alias, name and price from before would store a duplicate alias (refused by the
    database), a stale rename, and a price change that is none."""
    store, history = Store(engine), History(engine)
    x = [("org/x", "org/x", "X", "1", 1000, None)]
    assert store.save_catalog(catalogue(day(0), x), fetch_id=None).price_changes == 1
    # On the same engine (on SQLite, the same pooled connection) ...
    Store(engine).save_catalog(catalogue(day(1), [("org/x", "org/x", "X Two", "2", 1000, None)]), fetch_id=None)
    after = store.save_catalog(catalogue(day(2), [("org/x", "org/x", "X Two", "2", 1000, None)]), fetch_id=None)
    assert (after.status, after.price_changes) == ("unchanged", 0)
    # ... and from another engine (another connection).
    other = make_engine(db_url)
    try:
        three = [("org/x", "org/x", "X Three", "3", 1000, "X Org")]
        Store(other).save_catalog(catalogue(day(3), three), fetch_id=None)
    finally:
        other.dispose()
    with store.bulk():
        again = store.save_catalog(catalogue(day(4), [("org/x", "org/x", "X Three", "3", 1000, None)]), fetch_id=None)
    assert (again.status, again.price_changes) == ("unchanged", 0)
    info = {m.model_id: m for m in history.model_infos()}["org/x"]
    assert (info.name, info.organization) == ("X Three", "X Org")
    assert sorted(a for k, a in info.aliases if k == "name") == ["X", "X Three", "X Two"]
    assert [(p.observed_on, p.prompt_price_per_m) for p in history.price_history()] == [
        (day(0), Decimal("1")),
        (day(1), Decimal("2")),
        (day(3), Decimal("3")),
    ]


def test_rows_changed_by_plain_sql_are_seen(engine) -> None:
    store = Store(engine)
    store.save_snapshot(
        arena(day(0), [("alpha", "Alpha", None), ("beta", "Beta", None)]), observed_at=T0, fetch_id=None
    )
    with engine.begin() as conn:  # e.g. a manual correction: a newer name, an organisation
        conn.execute(text("UPDATE models SET name = 'Alpha (fixed)', name_as_of = '2026-09-01' WHERE slug = 'alpha'"))
        conn.execute(text("DELETE FROM model_aliases WHERE alias = 'Beta'"))
    store.save_snapshot(arena(day(1), [("alpha", "Alpha", "A"), ("beta", "Beta", None)]), observed_at=T0, fetch_id=None)
    with engine.connect() as conn:
        names = dict(conn.execute(text("SELECT slug, name FROM models")).all())
        beta_names = conn.execute(
            text("SELECT first_seen FROM model_aliases WHERE alias = 'Beta' AND kind = 'name'")
        ).all()
    assert names == {"alpha": "Alpha (fixed)", "beta": "Beta"}  # the later manual name stays
    assert [str(r[0]) for r in beta_names] == ["2026-08-02"]  # the deleted alias is stored again


def test_a_failed_call_in_a_bulk_block_forgets_what_it_wrote(engine) -> None:
    store = Store(engine)
    too_big = weekly(day(0), [("org/new", "New", 2**70), ("org/old", "Old", 5)])
    with store.bulk():
        store.save_snapshot(weekly(day(-1), [("org/old", "Old", 5)]), observed_at=T0, fetch_id=None)
        with pytest.raises((OverflowError, StatementError), match=r"(?i)int|range|large"):
            store.save_snapshot(too_big, observed_at=T0, fetch_id=None)  # org/new is written, then rolled back
        fine = replace(too_big, entries=tuple(replace(e, tokens=7) for e in too_big.entries))
        saved = store.save_snapshot(fine, observed_at=T0, fetch_id=None)
        store.save_catalog(catalogue(day(0), [("org/new", "org/new", "New", "1", 10, "N")]), fetch_id=None)
    snap = History(engine).load_snapshot(saved.snapshot_id)
    assert [(e.model_id, e.tokens) for e in snap.entries] == [("org/new", 7), ("org/old", 7)]
    with engine.connect() as conn:
        models = conn.execute(text("SELECT slug, organization FROM models ORDER BY id")).all()
        prices = conn.execute(text("SELECT m.slug FROM catalog_prices AS p JOIN models AS m ON m.id = p.model_id"))
        assert [slug for (slug,) in prices] == ["org/new"]
    assert [tuple(m) for m in models] == [("org/old", None), ("org/new", "N")]


def test_a_failed_bulk_block_forgets_what_it_wrote(engine) -> None:
    store = Store(engine)
    store.save_catalog(catalogue(day(0), [("org/other", "org/other", "O", "1", 10, None)]), fetch_id=None)

    def half_way() -> None:
        with store.bulk():
            store.save_catalog(catalogue(day(0), [("org/a", "org/a", "A", "1", 10, None)]), fetch_id=None)
            raise RuntimeError("half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        half_way()
    result = store.save_catalog(catalogue(day(0), [("org/a", "org/a", "A", "1", 10, None)]), fetch_id=None)
    assert (result.status, result.new_models, result.price_changes) == ("new", 1, 1)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM model_aliases")).scalar() == 6  # key, name, catalogue id each


@pytest.mark.parametrize("in_bulk", [False, True])
def test_a_call_failing_before_it_writes_forgets_what_it_changed(engine, in_bulk: bool) -> None:
    """A catalogue refused half-way (a price that is no number) after renaming a model in memory: the
    rename was never written, so the next catalogue must still write it."""
    store, history = Store(engine), History(engine)
    store.save_catalog(catalogue(day(0), [("org/a", "org/a", "A", "1", 10, None)]), fetch_id=None)
    renamed = CatalogModel("org/a", "org/a", "A Two", Decimal("1"), Decimal("4"), 10)
    broken = CatalogModel("org/b", "org/b", "B", "not a price", None, 10)  # type: ignore[arg-type]
    with store.bulk() if in_bulk else contextlib.nullcontext():
        with pytest.raises(ValueError, match="not a price"):
            store.save_catalog(ParsedCatalog(day(1), (renamed, broken), "test"), fetch_id=None)
        again = store.save_catalog(ParsedCatalog(day(1), (renamed,), "test"), fetch_id=None)
    assert (again.status, again.price_changes, again.new_models) == ("unchanged", 0, 0)
    info = {m.model_id: m for m in history.model_infos()}["org/a"]
    assert info.name == "A Two"
    assert ("name", "A Two") in info.aliases


def test_a_driver_error_in_a_plain_statement_is_sqlalchemys(engine) -> None:
    """Savepoints go to the driver directly; an error there is still the SQLAlchemy error callers handle."""
    from sqlalchemy.exc import DBAPIError

    from tracker.store_rows import run_plain

    with engine.connect() as conn, conn.begin():
        with pytest.raises(DBAPIError, match=r"(?i)savepoint") as raised:
            run_plain(conn, "RELEASE SAVEPOINT no_such_savepoint")
        assert isinstance(raised.value.orig, conn.dialect.loaded_dbapi.Error)
        assert raised.value.statement == "RELEASE SAVEPOINT no_such_savepoint"


def test_a_value_its_column_refuses_is_a_statement_error_and_nothing_lands(store, engine) -> None:
    naive = datetime(2026, 8, 1, 6)
    record = FetchRecord(source="openrouter-weekly", method="collect", started_at=naive, outcome="new")
    with pytest.raises(StatementError, match="naive datetime"):
        store.record_fetch(record)
    with pytest.raises(StatementError, match="naive datetime"):
        store.record_fetches([replace(record, started_at=T0), record])
    with pytest.raises(StatementError, match="naive datetime"):
        store.save_snapshot(weekly(day(0), [("org/a", "A", 5)]), observed_at=naive, fetch_id=None)
    with engine.connect() as conn:
        for table in ("fetches", "snapshots", "models", "model_aliases"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_sqlite_reads_identity_once_while_nothing_else_writes(engine) -> None:
    """What makes a bulk load fast on SQLite: the second day's catalogue and snapshot read no model,
    alias or price again. On PostgreSQL every call reads them afresh."""
    from sqlalchemy import event

    store = Store(engine)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    rows = [("org/a", "org/a", "A", "1", 10, None), ("org/b", "org/b", "B", "2", 20, "B Org")]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for n in range(3):
            with store.bulk():
                store.save_catalog(catalogue(day(n), rows), fetch_id=None)
                store.save_snapshot(weekly(day(n), [("org/a", "A", 5 + n)]), observed_at=T0, fetch_id=None)
            if n == 0:
                statements.clear()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    reads = [s for s in statements if "FROM model_aliases" in s or "FROM catalog_prices" in s or "FROM boards" in s]
    if engine.dialect.name == "sqlite":
        assert reads == []
    else:
        assert len(reads) == 2 * 6  # a day: catalogue models, aliases, prices; the snapshot's board, models, aliases
