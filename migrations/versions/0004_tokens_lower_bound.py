"""Mark the weekly token figures that are lower bounds.

OpenRouter's daily rows list each day's top 50 only, so a model missing from that list on some day of a
window has a weekly sum that is a lower bound (the snapshot's `notes` counted them; nothing said which).
`entries.tokens_lower_bound` says which, so growth is never computed from a partial sum: the diff's, and
the `weekly_tokens` view's `growth_pct`, which also shows the mark. Entries stored before this revision
read false: not known to be lower bounds (the mark is left out of a snapshot's content hash, so
`tracker reparse` keeps those snapshots as they are).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both backends (SQLite 3.35+ drops a column in place): a batch copy of `entries`
# would take minutes on years of history and break the views that read it.


def upgrade() -> None:
    op.add_column("entries", sa.Column("tokens_lower_bound", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("DROP VIEW weekly_tokens")
    op.execute(weekly_tokens_view(op.get_bind().dialect.name, marked=True))


def downgrade() -> None:
    op.execute("DROP VIEW weekly_tokens")
    op.execute(weekly_tokens_view(op.get_bind().dialect.name, marked=False))
    op.drop_column("entries", "tokens_lower_bound")


def weekly_tokens_view(dialect: str, *, marked: bool) -> str:
    """OpenRouter weekly tokens with growth against the window that ended seven days earlier: with
    `marked`, the lower-bound mark shown and no growth from a lower bound (0001 made it without)."""
    week_before = "date(s.window_end, '-7 days')" if dialect == "sqlite" else "(s.window_end - 7)"
    shown = "e.tokens_lower_bound, " if marked else ""
    exact = " AND NOT e.tokens_lower_bound AND NOT p.tokens_lower_bound" if marked else ""
    return f"""
        CREATE VIEW weekly_tokens AS
        SELECT s.window_start, s.window_end, e.rank, m.slug AS model_id, m.name AS model,
               e.tokens, {shown}e.prompt_tokens, e.completion_tokens, e.share,
               e.change * 100 AS upstream_change_pct,
               p.tokens AS tokens_week_before,
               CASE WHEN p.tokens > 0{exact} THEN (e.tokens * 1.0 / p.tokens - 1) * 100 END AS growth_pct
        FROM current_snapshots s
        JOIN entries e ON e.snapshot_id = s.id
        JOIN models m ON m.id = e.model_id
        LEFT JOIN current_snapshots ps
               ON ps.board_id = s.board_id AND ps.window_end = {week_before}
        LEFT JOIN entries p ON p.snapshot_id = ps.id AND p.model_id = e.model_id
        WHERE s.board_id = 'openrouter-weekly'
        """  # noqa: S608 - only fixed SQL fragments are interpolated
