"""Intake attempts: failed attempts, the next try and the last error per arrival; runs per sender.

- `attempts`, `retry_at`, `last_error`: an arrival whose handling fails is tried again later, a
  few times, before it is set aside (storage's own trouble never counts as an attempt).
- `ix_intake_sender`: one sender's unhandled arrivals in order, so that `ready` hands out each
  sender's run from its earliest unhandled arrival, and claims senders, cheaply.

Only additions (nullable columns, or one with a default, and a partial index): nothing existing
is rewritten on either engine.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 22:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Instant = sa.DateTime(timezone=True)
WAITING = sa.text("done_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("intake") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("retry_at", Instant, nullable=True))
        batch.add_column(sa.Column("last_error", AutoString(), nullable=True))
    op.create_index(
        "ix_intake_sender", "intake", ["sender", "at", "seq"], sqlite_where=WAITING, postgresql_where=WAITING
    )


def downgrade() -> None:
    op.drop_index("ix_intake_sender", table_name="intake")
    with op.batch_alter_table("intake") as batch:
        batch.drop_column("last_error")
        batch.drop_column("retry_at")
        batch.drop_column("attempts")
