"""The 2025 lmarena.ai Text table flattened to CSV, one block of rows per scrape date.

Header `date,rank,model,score,ci95,votes,organization,license`; CI as "±4", votes as "62,764".
`rank` is the table's Rank (UB), with ties. The site's default Text view was style-controlled, so the
rows feed `arena-text`. One snapshot per distinct date, oldest first; the dates are the capture's own.
"""

from __future__ import annotations

from datetime import date

from tracker.models import Entry, ParsedSnapshot, RankKind
from tracker.sources.arena.common import (
    body_head,
    check_board,
    ci_bounds,
    csv_header,
    csv_records,
    in_rank_order,
    iso_date,
    name,
    number,
    optional_name,
    optional_whole,
    whole,
)
from tracker.sources.text import decode_text

FORMAT = "html-table-csv"
BOARDS = ("arena-text",)
REQUIRED = ("date", "rank", "model", "score", "ci95")


def sniff(body: bytes, filename: str) -> bool:
    header = csv_header(body_head(body, 4096))
    return all(column in header for column in REQUIRED)


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    """Snapshots of `board`, oldest first; `as_of` is not needed (every row is dated)."""
    check_board(board, BOARDS, FORMAT, "the 2025 site's default Text view was style-controlled")
    by_date: dict[date, list[Entry]] = {}
    for position, record in enumerate(csv_records(decode_text(body, FORMAT), FORMAT, REQUIRED), start=1):
        where = f"data row {position}"
        model = name(record["model"], FORMAT, f"model of {where}")
        score = number(record["score"], FORMAT, f"score of {where}")
        ci_low, ci_high = ci_bounds(record["ci95"], score, FORMAT, f"ci95 of {where}")
        entry = Entry(
            model_id=model,  # the table shows one name per model
            model=model,
            rank=whole(record["rank"], FORMAT, f"rank of {where}"),
            rank_kind=RankKind.UPPER_BOUND,
            score=score,
            ci_low=ci_low,
            ci_high=ci_high,
            votes=optional_whole(record.get("votes"), FORMAT, f"votes of {where}"),
            organization=optional_name(record.get("organization")),
        )
        by_date.setdefault(iso_date(record["date"], FORMAT, f"date of {where}"), []).append(entry)
    return [
        ParsedSnapshot(
            board=board,
            as_of=day,
            entries=in_rank_order(entries),
            method=FORMAT,
            notes="Rank (UB) of the site's Text table",
        )
        for day, entries in sorted(by_date.items())
    ]
