"""Parsers for every Arena (LMArena) capture format; `FORMATS` is what the parser registry lists.

Each format module has `sniff(body, filename) -> bool` and
`parse(body, *, board, as_of) -> list[ParsedSnapshot]` (pure, raising `LayoutError` on a failed capture).
"""

from __future__ import annotations

from tracker.sources import RankingFormat
from tracker.sources.arena import catalog_json, gradio, hf_rows, html_table_csv, legacy_csv, page_payload

FORMATS: tuple[RankingFormat, ...] = (
    RankingFormat(
        name=hf_rows.FORMAT,
        boards=hf_rows.BOARDS,
        description="Hugging Face datasets-server JSON (/rows, /filter) of lmarena-ai/leaderboard-dataset",
        sniff=hf_rows.sniff,
        parse=hf_rows.parse,
    ),
    RankingFormat(
        name=page_payload.FORMAT,
        boards=page_payload.BOARDS,
        description="arena.ai leaderboard page, or an excerpt of its self.__next_f payload",
        sniff=page_payload.sniff,
        parse=page_payload.parse,
    ),
    RankingFormat(
        name=gradio.FORMAT,
        boards=gradio.BOARDS,
        description="legacy lmarena.ai Gradio page (window.gradio_config), Text table",
        sniff=gradio.sniff,
        parse=gradio.parse,
    ),
    RankingFormat(
        name=legacy_csv.FORMAT,
        boards=legacy_csv.BOARDS,
        description="legacy leaderboard table as CSV (rank,model,arena_score,95_pct_ci,...); needs --as-of",
        sniff=legacy_csv.sniff,
        parse=legacy_csv.parse,
    ),
    RankingFormat(
        name=catalog_json.FORMAT,
        boards=catalog_json.BOARDS,
        description="lmarena/arena-catalog export {category: {model: {rating, rating_q975, rating_q025}}}; "
        "needs --as-of",
        sniff=catalog_json.sniff,
        parse=catalog_json.parse,
    ),
    RankingFormat(
        name=html_table_csv.FORMAT,
        boards=html_table_csv.BOARDS,
        description="2025 lmarena.ai Text table as dated CSV (date,rank,model,score,ci95,votes,...)",
        sniff=html_table_csv.sniff,
        parse=html_table_csv.parse,
    ),
)
