"""Insight: who was on duty when, and a cheap count of set-aside arrivals.

- `presence`: every change of an agent's presence (checked in, paused, resumed, checked out),
  which staffing advice sets beside the agents needed. Nothing before this migration is
  known: existing agents get no rows, and count from their next change.
- `ix_intake_set_aside`: a partial index on the arrivals given up on, so `/metrics` counts them
  without reading every handled arrival.

Only additions (a new table, a new index): nothing existing is rewritten on either engine.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = AutoString
Instant = sa.DateTime(timezone=True)
Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SET_ASIDE = sa.text("error IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("seq", Serial, nullable=False),
        sa.Column("agent", String(), nullable=False),
        sa.Column("presence", String(), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.ForeignKeyConstraint(["agent"], ["agents.phone"], name=op.f("fk_presence_agent_agents")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_presence")),
    )
    op.create_index("ix_presence_agent", "presence", ["agent", "seq"])
    op.create_index("ix_presence_at", "presence", ["at"])
    op.create_index("ix_intake_set_aside", "intake", ["seq"], sqlite_where=SET_ASIDE, postgresql_where=SET_ASIDE)


def downgrade() -> None:
    op.drop_index("ix_intake_set_aside", table_name="intake")
    op.drop_index("ix_presence_at", table_name="presence")
    op.drop_index("ix_presence_agent", table_name="presence")
    op.drop_table("presence")
