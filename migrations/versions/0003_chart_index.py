"""A covering index for the model pages' charts: entries by model, with their rank and figures.

A model page draws its rank and its score (Arena) or weekly tokens (OpenRouter) over its whole history.
`ix_entries_model_snapshot` (model_id, snapshot_id) found those rows, but each row was then read from the
table, where one model's rows lie scattered across years of snapshots: one random page read per point.
`ix_entries_model_chart` (model_id, snapshot_id, rank, score, tokens) holds the points themselves, so the
charts are read from the index alone; it serves every lookup the old index served, which it replaces.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHART_COLUMNS = ["model_id", "snapshot_id", "rank", "score", "tokens"]


def upgrade() -> None:
    op.create_index("ix_entries_model_chart", "entries", CHART_COLUMNS)
    op.drop_index("ix_entries_model_snapshot", table_name="entries")


def downgrade() -> None:
    op.create_index("ix_entries_model_snapshot", "entries", ["model_id", "snapshot_id"])
    op.drop_index("ix_entries_model_chart", table_name="entries")
