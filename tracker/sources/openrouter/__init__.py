"""OpenRouter's formats: the weekly token ranking (daily rows, saved leaderboards, charts) and the catalogue.

Every parser is pure (bytes in, `ParsedSnapshot`s or a `ParsedCatalog` out) and raises `LayoutError`
when the capture is not what it expects. The live channels are the daily rows (Data API, keyless
export); the frontend leaderboard, the weekly chart and the legacy analytics file are import only.
"""

from __future__ import annotations

from tracker.sources import CatalogFormat, RankingFormat
from tracker.sources.openrouter import analytics, catalogue, charts, daily, frontend
from tracker.sources.openrouter.common import BOARD

FORMATS: tuple[RankingFormat, ...] = (
    RankingFormat(
        daily.DATAAPI_JSON,
        (BOARD,),
        "OpenRouter Data API rankings-daily JSON response (tokens as strings), summed into 7-day windows",
        daily.sniff_dataapi_json,
        daily.parse_dataapi_json,
    ),
    RankingFormat(
        daily.DATAAPI_CSV,
        (BOARD,),
        "OpenRouter Data API daily rows as CSV date,model_permaslug,total_tokens, summed into 7-day windows",
        daily.sniff_dataapi_csv,
        daily.parse_dataapi_csv,
    ),
    RankingFormat(
        daily.EXPORT_CSV,
        (BOARD,),
        "OpenRouter keyless daily export CSV (rank, share_of_daily_tokens), summed into 7-day windows",
        daily.sniff_export_csv,
        daily.parse_export_csv,
    ),
    RankingFormat(
        daily.EXPORT_JSON,
        (BOARD,),
        "OpenRouter keyless daily export JSON (rows with rank and share), summed into 7-day windows",
        daily.sniff_export_json,
        daily.parse_export_json,
    ),
    RankingFormat(
        frontend.FORMAT,
        (BOARD,),
        "saved OpenRouter weekly leaderboard JSON {'data': [...]}: 7-day totals, prompt/completion, change",
        frontend.sniff,
        frontend.parse,
    ),
    RankingFormat(
        charts.FORMAT,
        (BOARD,),
        "OpenRouter weekly chart series (Monday weeks, top 9 + Others): one snapshot per complete week",
        charts.sniff,
        charts.parse,
    ),
    RankingFormat(
        analytics.FORMAT,
        (BOARD,),
        "legacy OpenRouter find-analytics JSON keyed by variant permaslug (7-day totals, no change)",
        analytics.sniff,
        analytics.parse,
    ),
)

CATALOG_FORMATS: tuple[CatalogFormat, ...] = (
    CatalogFormat(
        catalogue.FORMAT,
        "OpenRouter model catalogue GET /api/v1/models (prices per token, context length)",
        catalogue.sniff,
        catalogue.parse,
    ),
)

__all__ = ["CATALOG_FORMATS", "FORMATS"]
