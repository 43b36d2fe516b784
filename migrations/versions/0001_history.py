"""The SQL history: fetches, snapshots, entries, models, prices, events, posts, and the query views.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "boards",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("value_kind", sa.String(16), nullable=False),
        sa.Column("window_kind", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boards")),
    )
    op.create_table(
        "fetches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("board_id", sa.String(64), nullable=True),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("format", sa.String(64), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("body_size", sa.Integer(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetches")),
    )
    op.create_index("ix_fetches_source_started", "fetches", ["source", "started_at"])
    op.create_table(
        "models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(255), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_as_of", sa.Date(), nullable=True),
        sa.Column("organization", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
        sa.UniqueConstraint("slug", name=op.f("uq_models_slug")),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetch_id", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("rank_kind", sa.String(16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], name=op.f("fk_snapshots_board_id_boards")),
        sa.ForeignKeyConstraint(
            ["fetch_id"], ["fetches.id"], name=op.f("fk_snapshots_fetch_id_fetches"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
        sa.UniqueConstraint("board_id", "content_hash", name=op.f("uq_snapshots_board_id_content_hash")),
    )
    op.create_index("ix_snapshots_board_as_of", "snapshots", ["board_id", "as_of"])
    op.create_index(op.f("ix_snapshots_fetch_id"), "snapshots", ["fetch_id"])
    op.create_table(
        "model_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("alias", sa.String(512), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_model_aliases_model_id_models"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_aliases")),
        sa.UniqueConstraint("model_id", "kind", "alias", name=op.f("uq_model_aliases_model_id_kind_alias")),
    )
    op.create_index("ix_model_aliases_lookup", "model_aliases", ["source", "kind", "alias"])
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(512), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("rank_kind", sa.String(16), nullable=False),
        sa.Column("rank_upper", sa.Integer(), nullable=True),
        sa.Column("rank_lower", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=True),
        sa.Column("tokens", sa.BigInteger(), nullable=True),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=True),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=True),
        sa.Column("change", sa.Float(), nullable=True),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("organization", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], name=op.f("fk_entries_model_id_models")),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_entries_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
        sa.UniqueConstraint("snapshot_id", "model_id", name=op.f("uq_entries_snapshot_id_model_id")),
    )
    op.create_index("ix_entries_model_snapshot", "entries", ["model_id", "snapshot_id"])
    op.create_table(
        "catalog_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("catalog_id", sa.String(512), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prompt_price_per_m", sa.Float(), nullable=True),
        sa.Column("completion_price_per_m", sa.Float(), nullable=True),
        sa.Column("context_length", sa.Integer(), nullable=True),
        sa.Column("fetch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fetch_id"], ["fetches.id"], name=op.f("fk_catalog_prices_fetch_id_fetches"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_catalog_prices_model_id_models"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_prices")),
        sa.UniqueConstraint("model_id", "observed_on", name=op.f("uq_catalog_prices_model_id_observed_on")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("board_id", sa.String(64), nullable=False),
        sa.Column("from_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("to_snapshot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("from_rank", sa.Integer(), nullable=True),
        sa.Column("to_rank", sa.Integer(), nullable=True),
        sa.Column("value_before", sa.Float(), nullable=True),
        sa.Column("value_after", sa.Float(), nullable=True),
        sa.Column("growth_pct", sa.Float(), nullable=True),
        sa.Column("significant", sa.Boolean(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["boards.id"], name=op.f("fk_events_board_id_boards")),
        sa.ForeignKeyConstraint(
            ["from_snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_events_from_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], name=op.f("fk_events_model_id_models")),
        sa.ForeignKeyConstraint(
            ["to_snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_events_to_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_events_event_key")),
    )
    op.create_index("ix_events_board_to", "events", ["board_id", "to_snapshot_id"])
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("boards", sa.JSON(), nullable=False),
        sa.Column("snapshot_ids", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("guid", name=op.f("uq_posts_guid")),
        sa.UniqueConstraint("slug", name=op.f("uq_posts_slug")),
    )
    op.create_index(op.f("ix_posts_published_at"), "posts", ["published_at"])
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index("ix_job_runs_job_started", "job_runs", ["job", "started_at"])
    for statement in view_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for name in reversed(VIEW_NAMES):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for table in (
        "job_runs",
        "posts",
        "events",
        "catalog_prices",
        "entries",
        "model_aliases",
        "snapshots",
        "models",
        "fetches",
        "boards",
    ):
        op.drop_table(table)


VIEW_NAMES = ("current_snapshots", "latest_rankings", "rank_history", "weekly_tokens", "event_log")


def view_statements(dialect: str) -> list[str]:
    """The documented views (README "SQL recipes"); date arithmetic is the only dialect difference."""
    week_before = "date(s.window_end, '-7 days')" if dialect == "sqlite" else "(s.window_end - 7)"
    return [
        # One snapshot per board and upstream date: the most recently observed one (upstreams revise).
        """
        CREATE VIEW current_snapshots AS
        SELECT s.* FROM snapshots s
        WHERE s.id = (
            SELECT s2.id FROM snapshots s2
            WHERE s2.board_id = s.board_id AND s2.as_of = s.as_of
            ORDER BY s2.observed_at DESC, s2.id DESC LIMIT 1)
        """,
        # Each board's newest ranking, one row per model.
        """
        CREATE VIEW latest_rankings AS
        SELECT s.board_id, s.as_of, e.rank, e.rank_kind, m.slug AS model_id, m.name AS model,
               e.score, e.ci_low, e.ci_high, e.votes, e.tokens, e.prompt_tokens, e.completion_tokens,
               e.change * 100 AS change_pct, e.share, s.id AS snapshot_id
        FROM snapshots s
        JOIN entries e ON e.snapshot_id = s.id
        JOIN models m ON m.id = e.model_id
        WHERE s.id = (
            SELECT s2.id FROM snapshots s2 WHERE s2.board_id = s.board_id
            ORDER BY s2.as_of DESC, s2.observed_at DESC, s2.id DESC LIMIT 1)
        """,
        # Every model's rank and value on every board over time.
        """
        CREATE VIEW rank_history AS
        SELECT s.board_id, s.as_of, s.window_start, s.window_end, m.slug AS model_id, m.name AS model,
               e.rank, e.rank_kind, e.score, e.votes, e.tokens, s.id AS snapshot_id
        FROM current_snapshots s
        JOIN entries e ON e.snapshot_id = s.id
        JOIN models m ON m.id = e.model_id
        """,
        # OpenRouter weekly tokens with growth against the window that ended seven days earlier.
        f"""
        CREATE VIEW weekly_tokens AS
        SELECT s.window_start, s.window_end, e.rank, m.slug AS model_id, m.name AS model,
               e.tokens, e.prompt_tokens, e.completion_tokens, e.share,
               e.change * 100 AS upstream_change_pct,
               p.tokens AS tokens_week_before,
               CASE WHEN p.tokens > 0 THEN (e.tokens * 1.0 / p.tokens - 1) * 100 END AS growth_pct
        FROM current_snapshots s
        JOIN entries e ON e.snapshot_id = s.id
        JOIN models m ON m.id = e.model_id
        LEFT JOIN current_snapshots ps
               ON ps.board_id = s.board_id AND ps.window_end = {week_before}
        LEFT JOIN entries p ON p.snapshot_id = ps.id AND p.model_id = e.model_id
        WHERE s.board_id = 'openrouter-weekly'
        """,  # noqa: S608 - the only interpolation is one of two fixed date expressions
        # Every stored event with its model and the dates it compares.
        """
        CREATE VIEW event_log AS
        SELECT ev.id, ev.board_id, fs.as_of AS from_as_of, ts.as_of AS to_as_of, ev.kind,
               m.slug AS model_id, m.name AS model, ev.from_rank, ev.to_rank,
               ev.value_before, ev.value_after, ev.growth_pct, ev.significant
        FROM events ev
        JOIN snapshots ts ON ts.id = ev.to_snapshot_id
        LEFT JOIN snapshots fs ON fs.id = ev.from_snapshot_id
        LEFT JOIN models m ON m.id = ev.model_id
        """,
    ]
