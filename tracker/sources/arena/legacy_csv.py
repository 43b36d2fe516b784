"""Legacy Arena leaderboard tables saved as CSV (the 2024-2025 Hugging Face Space, one file per date).

Headers: `rank,model,arena_elo,95_pct_ci,votes,organization,license,knowledge_cutoff,url` (mid 2024) and
`rank,rank_stylectrl,model,arena_score,95_pct_ci,votes,...` (later). `rank` is "Rank (UB)": ties share
a rank. The score is the raw one (no style control), so these feed `arena-text-raw`; `rank_stylectrl`
has no scores beside it. The file carries no date: the caller gives it.
"""

from __future__ import annotations

from datetime import date

from tracker.models import Entry, LayoutError, ParsedSnapshot, RankKind
from tracker.sources.arena.common import (
    body_head,
    check_board,
    ci_bounds,
    csv_header,
    csv_records,
    in_rank_order,
    name,
    number,
    optional_name,
    optional_whole,
    require_as_of,
    whole,
)
from tracker.sources.text import decode_text

FORMAT = "legacy-csv"
BOARDS = ("arena-text-raw",)
SCORE_COLUMNS = ("arena_score", "arena_elo")
CI_COLUMN = "95_pct_ci"


def sniff(body: bytes, filename: str) -> bool:
    header = csv_header(body_head(body, 4096))
    return (
        bool(header)
        and header[0] == "rank"
        and "model" in header
        and CI_COLUMN in header
        and any(column in header for column in SCORE_COLUMNS)
    )


def parse(body: bytes, *, board: str, as_of: date | None) -> list[ParsedSnapshot]:
    check_board(board, BOARDS, FORMAT, "the tables' scores are without style control")
    records = csv_records(decode_text(body, FORMAT), FORMAT, ("rank", "model"))
    score_column = next((c for c in SCORE_COLUMNS if c in records[0]), None)
    if score_column is None:
        raise LayoutError(f"{FORMAT}: no {' or '.join(SCORE_COLUMNS)} column")
    entries = []
    for position, record in enumerate(records, start=1):
        where = f"data row {position}"
        model = name(record["model"], FORMAT, f"model of {where}")
        score = number(record[score_column], FORMAT, f"{score_column} of {where}")
        ci_low, ci_high = ci_bounds(record.get(CI_COLUMN), score, FORMAT, f"{CI_COLUMN} of {where}")
        entries.append(
            Entry(
                model_id=model,  # these tables show display names only
                model=model,
                rank=whole(record["rank"], FORMAT, f"rank of {where}"),
                rank_kind=RankKind.UPPER_BOUND,
                score=score,
                ci_low=ci_low,
                ci_high=ci_high,
                votes=optional_whole(record.get("votes"), FORMAT, f"votes of {where}"),
                organization=optional_name(record.get("organization")),
            )
        )
    return [
        ParsedSnapshot(
            board=board,
            as_of=require_as_of(as_of, FORMAT),
            entries=in_rank_order(entries),
            method=FORMAT,
            notes=f"Rank (UB) and {score_column} (no style control)",
        )
    ]
