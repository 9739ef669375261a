"""Offers wait for a working agent, and re-prompts are spaced (issue 7).

When each agent last wrote and when an offer was last reminded (offers of a working agent wait
for her), and when a customer was last re-prompted at the menu (a flood costs one re-prompt).
Only nullable additions, so existing rows keep their meaning: an agent who has not written since
the upgrade counts as silent (as every agent did before), no offer has been reminded yet, and
nobody has been re-prompted.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:12:40
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Nullable additions only: SQLite adds them in place (no rebuild), PostgreSQL without a rewrite.
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("last_wrote_at", Instant, nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("offer_reminded_at", Instant, nullable=True))
        batch.add_column(sa.Column("reprompted_at", Instant, nullable=True))


def downgrade() -> None:
    """Back to 0003, whose code lapses every offer past its time and re-prompts every time: the new
    facts are simply dropped.

    A plain DROP COLUMN (SQLite 3.35+), not a batch: rebuilding `agents` would break the foreign
    keys conversations hold on it."""
    op.drop_column("conversations", "reprompted_at")
    op.drop_column("conversations", "offer_reminded_at")
    op.drop_column("agents", "last_wrote_at")
