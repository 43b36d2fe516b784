"""The board page's list of changes: one line per change, within the watched top N, in plain words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tracker.diff import diff_snapshots
from tracker.models import BOARDS, Entry, Event, RankKind, Snapshot
from tracker.site.figures import describe_changes, describe_event

USAGE = BOARDS["openrouter-weekly"]
END = date(2026, 11, 8)


def usage(sid: int, end: date, rows: list[tuple[str, int]]) -> Snapshot:
    entries = tuple(
        Entry(name.lower(), name, rank=i, rank_kind=RankKind.BY_VALUE, tokens=tokens)
        for i, (name, tokens) in enumerate(rows, start=1)
    )
    seen = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return Snapshot(sid, USAGE.id, end, seen, entries, f"h{sid}", "test", end - timedelta(days=6), end)


def board_week() -> list[Event]:
    """Thirty models: #20 and #21 swap (an entry and an exit of the top 20), #3 falls two places to #5
    although it grew (the top five grew more), #28 and #29 swap below the top 20."""
    names = [f"M{i:02d}" for i in range(1, 31)]
    figures = [1_000_000_000_000 - i * 10_000_000_000 for i in range(30)]  # by place, then and now
    now_figures = [f + 100_000_000_000 if i < 5 else f for i, f in enumerate(figures)]
    order = names[:2] + names[3:5] + names[2:3] + names[5:19] + [names[20], names[19]]
    order += [*names[21:27], names[28], names[27], names[29]]
    then = usage(1, END - timedelta(days=7), list(zip(names, figures, strict=True)))
    return diff_snapshots(USAGE, then, usage(2, END, list(zip(order, now_figures, strict=True))))


def test_each_change_is_told_once_and_the_moves_below_the_top_n_are_counted() -> None:
    events = board_week()
    assert {(e.kind, e.model) for e in events if e.model in ("M20", "M21")} == {
        ("entered", "M21"),
        ("exited", "M20"),
        ("moved", "M21"),
        ("moved", "M20"),
    }
    assert describe_changes(events) == (
        "M03 made the biggest move in the top 20: #3 to #5",
        "M21 entered the top 20, rising from #21 to #20 (810B)",
        "M20 dropped out of the top 20, falling from #20 to #21 (800B)",
        "M04 rose from #4 to #3 (1.08T)",
        "M05 rose from #5 to #4 (1.07T)",
        "M03 grew 8% yet fell from #3 to #5 (1.06T)",
        "Also 2 models below the top 20 changed rank (see the table)",
    )


def test_a_model_leaving_or_joining_the_list_itself_says_so() -> None:
    exited = Event("exited", USAGE.id, "a", "A", from_rank=19, extra={"within_top": 20})
    entered = Event("entered", USAGE.id, "b", "B", to_rank=7, value_after=609_000_000_000, extra={"within_top": 20})
    assert describe_event(exited) == "A left the board (was #19)"
    assert describe_event(entered) == "B entered the board at #7 (609B)"


def test_an_unchanged_top_five_names_its_models_and_figures() -> None:
    models = [
        {"model": "Tessera K3", "model_id": "t/k3", "value": 3_716_300_172_614},
        {"model": "Aurora 3 Flash", "model_id": "a/3f", "value": 3_166_840_536_972},
    ]
    unchanged = Event("top_unchanged", USAGE.id, extra={"n": 2, "models": models})
    assert describe_changes([unchanged]) == ("The top 2 is unchanged: Tessera K3 (3.72T), Aurora 3 Flash (3.17T)",)
    arena = Event("top_unchanged", "arena-text", extra={"n": 1, "models": [{"model": "m", "value": 1502.4}]})
    assert describe_event(arena) == "The top 1 is unchanged: m (1502)"
