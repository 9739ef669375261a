"""Outbox lanes: the outbox is claimed per recipient, and pacing is stored with the claim.

- `outbox_lanes`: one row per recipient the courier has sent to: who holds the claim and until
  when, and the pair limit's state, so that several couriers (processes, hosts) share the work
  while each recipient's messages still leave in order and paced (ADR 0015).

Only an addition (a new table): rows appear with the first claim on each recipient, so nothing
existing is rewritten on either engine; pending messages are claimed as they are.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = AutoString
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_lanes",
        sa.Column("recipient", String(), nullable=False),
        sa.Column("paced_until", Instant, nullable=True),
        sa.Column("ready_at", Instant, nullable=True),
        sa.Column("claimed_by", String(), nullable=True),
        sa.Column("claimed_until", Instant, nullable=True),
        sa.PrimaryKeyConstraint("recipient", name=op.f("pk_outbox_lanes")),
    )


def downgrade() -> None:
    op.drop_table("outbox_lanes")
