"""Cross-source identity and the portfolio: the `model_matches` table and the `portfolio` view.

`model_matches` holds, for every Arena model, the OpenRouter model it was matched to (by a rule or by the
reviewed overrides in `tracker/model_map.yaml`), or why it has none; `tracker publish` recomputes it.

`portfolio` joins the boards per canonical model: one row per OpenRouter base model that an Arena model on
the latest Arena Text or WebDev snapshot is matched to. Columns:

- `model_id`, `model`, `organization`: the OpenRouter model (canonical slug, current display name).
- `arena_text`, `arena_text_board`, `arena_text_score`, `arena_text_rank`, `arena_text_as_of`: the latest
  Arena Text snapshot. The board is `arena-text` (style control on, Arena's default view) whenever the
  history holds any snapshot of it, else `arena-text-raw` (the Hugging Face dataset's `text` config
  without style control); `arena_text_board` says which.
- `arena_webdev`, `arena_webdev_score`, `arena_webdev_rank`, `arena_webdev_as_of`: the latest WebDev
  snapshot. When several Arena modes match one model (`claude-opus-4-7` and `claude-opus-4-7-thinking`),
  each board's columns take the best-ranked of them (then the higher score, then the key), so the Text
  and WebDev columns may name different modes; `arena_text` and `arena_webdev` say which.
- `weekly_tokens`, `growth_pct`, `usage_rank`, `usage_as_of`: the base model's row in the latest
  OpenRouter weekly window (variants such as `:free` are rows of their own and are not added in).
  `growth_pct` compares with the window that ended seven days earlier when it is stored, else it is the
  upstream's own week-over-week change, in percent.
- `catalog_id`, `input_price_per_m`, `output_price_per_m`, `context_length`, `price_as_of`: the model's
  latest catalogue row (USD per million tokens; a negative upstream price reads as unknown).
- `estimated_weekly_spend_usd`, `spend_blend`: an ESTIMATE of what the week's tokens cost at list price:
  weekly tokens x a blended price per million. The blend is the row's own input:output split when the
  ranking reports prompt and completion tokens (`spend_blend` = 'observed'), else 3 input tokens to 1
  output token (`'3:1'`, the usual chat mix and the default blend of `tracker.lanes`). Provider
  discounts, caching, batch and free variants are not counted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW_NAMES = ("portfolio",)


def upgrade() -> None:
    op.create_table(
        "model_matches",
        sa.Column("arena_model_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("openrouter_model_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(32), nullable=True),
        sa.Column("mode", sa.String(128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("catalogue_as_of", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arena_model_id"],
            ["models.id"],
            name=op.f("fk_model_matches_arena_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["openrouter_model_id"],
            ["models.id"],
            name=op.f("fk_model_matches_openrouter_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("arena_model_id", name=op.f("pk_model_matches")),
    )
    op.create_index(op.f("ix_model_matches_openrouter_model_id"), "model_matches", ["openrouter_model_id"])
    op.execute(portfolio_view(op.get_bind().dialect.name))


def downgrade() -> None:
    for name in VIEW_NAMES:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_index(op.f("ix_model_matches_openrouter_model_id"), table_name="model_matches")
    op.drop_table("model_matches")


def portfolio_view(dialect: str) -> str:
    """The `portfolio` view (columns in the module docstring); date arithmetic is the only dialect difference."""
    week_before = "date(l.window_end, '-7 days')" if dialect == "sqlite" else "(l.window_end - 7)"
    return f"""
    CREATE VIEW portfolio AS
    WITH latest AS (
        -- each board's newest snapshot, as latest_rankings picks it
        SELECT s.id, s.board_id, s.as_of, s.window_end FROM snapshots s
        WHERE s.id = (
            SELECT s2.id FROM snapshots s2 WHERE s2.board_id = s.board_id
            ORDER BY s2.as_of DESC, s2.observed_at DESC, s2.id DESC LIMIT 1)
    ),
    text_board AS (
        SELECT CASE WHEN EXISTS (SELECT 1 FROM snapshots WHERE board_id = 'arena-text')
                    THEN 'arena-text' ELSE 'arena-text-raw' END AS board_id
    ),
    arena AS (
        -- every matched Arena mode on the latest Text and WebDev snapshots, numbered best-ranked first
        SELECT mm.openrouter_model_id, l.board_id, l.as_of, am.slug AS arena_key, e.rank, e.score,
               ROW_NUMBER() OVER (
                   PARTITION BY mm.openrouter_model_id, l.board_id
                   ORDER BY CASE WHEN e.rank IS NULL THEN 1 ELSE 0 END, e.rank,
                            CASE WHEN e.score IS NULL THEN 1 ELSE 0 END, e.score DESC, am.slug
               ) AS pick
        FROM model_matches mm
        JOIN models am ON am.id = mm.arena_model_id
        JOIN entries e ON e.model_id = mm.arena_model_id
        JOIN latest l ON l.id = e.snapshot_id
        WHERE mm.openrouter_model_id IS NOT NULL
          AND l.board_id IN ((SELECT board_id FROM text_board), 'arena-webdev')
    ),
    best AS (
        SELECT * FROM arena WHERE pick = 1
    ),
    traffic AS (
        -- the latest weekly window, with growth against the window that ended seven days earlier
        SELECT e.model_id, e.rank, e.tokens, e.prompt_tokens, e.completion_tokens, l.as_of,
               CASE WHEN p.tokens > 0 THEN (CAST(e.tokens AS DOUBLE PRECISION) / p.tokens - 1) * 100
                    ELSE e.change * 100 END AS growth_pct
        FROM latest l
        JOIN entries e ON e.snapshot_id = l.id
        LEFT JOIN entries p ON p.model_id = e.model_id AND p.snapshot_id = (
            SELECT s3.id FROM snapshots s3
            WHERE s3.board_id = l.board_id AND s3.window_end = {week_before}
            ORDER BY s3.observed_at DESC, s3.id DESC LIMIT 1)
        WHERE l.board_id = 'openrouter-weekly'
    ),
    price AS (
        -- each model's latest catalogue row
        SELECT cp.model_id, cp.observed_on, cp.catalog_id, cp.context_length,
               CASE WHEN cp.prompt_price_per_m >= 0 THEN cp.prompt_price_per_m END AS input_price,
               CASE WHEN cp.completion_price_per_m >= 0 THEN cp.completion_price_per_m END AS output_price
        FROM catalog_prices cp
        WHERE cp.observed_on = (SELECT MAX(c2.observed_on) FROM catalog_prices c2 WHERE c2.model_id = cp.model_id)
    )
    SELECT om.slug AS model_id, om.name AS model, om.organization,
           t.arena_key AS arena_text, t.board_id AS arena_text_board, t.score AS arena_text_score,
           t.rank AS arena_text_rank, t.as_of AS arena_text_as_of,
           w.arena_key AS arena_webdev, w.score AS arena_webdev_score, w.rank AS arena_webdev_rank,
           w.as_of AS arena_webdev_as_of,
           u.tokens AS weekly_tokens, u.growth_pct, u.rank AS usage_rank, u.as_of AS usage_as_of,
           p.catalog_id, p.input_price AS input_price_per_m, p.output_price AS output_price_per_m,
           p.context_length, p.observed_on AS price_as_of,
           CASE WHEN u.tokens IS NULL OR p.input_price IS NULL OR p.output_price IS NULL THEN NULL
                WHEN u.prompt_tokens IS NOT NULL AND u.completion_tokens IS NOT NULL
                THEN (u.prompt_tokens * p.input_price + u.completion_tokens * p.output_price) / 1000000
                ELSE u.tokens * (3 * p.input_price + p.output_price) / 4 / 1000000
           END AS estimated_weekly_spend_usd,
           CASE WHEN u.tokens IS NULL OR p.input_price IS NULL OR p.output_price IS NULL THEN NULL
                WHEN u.prompt_tokens IS NOT NULL AND u.completion_tokens IS NOT NULL THEN 'observed'
                ELSE '3:1'
           END AS spend_blend
    FROM models om
    JOIN (SELECT DISTINCT openrouter_model_id FROM best) matched ON matched.openrouter_model_id = om.id
    LEFT JOIN best t ON t.openrouter_model_id = om.id AND t.board_id <> 'arena-webdev'
    LEFT JOIN best w ON w.openrouter_model_id = om.id AND w.board_id = 'arena-webdev'
    LEFT JOIN traffic u ON u.model_id = om.id
    LEFT JOIN price p ON p.model_id = om.id
    """  # noqa: S608 - the only interpolation is one of two fixed date expressions
