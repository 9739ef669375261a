"""A department's waiting line is counted from its moves, not from the line (issue 9).

- `line_moves`: +1 when a customer joins a department's line, −1 when she leaves it, written in
  the transaction that moves her; the sum per department is its length, whatever the length.
  Filled here with one row per department from the line as it stands.
- `ix_conversations_waiting_since`: a department's earliest wait is one step down an index.

With both, a customer's place (the line's length less those at or behind her, who are few at
an enqueue) and the reminders' per-department figures no longer walk the line (ADR 0001).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "line_moves",
        sa.Column("seq", Serial, nullable=False),
        sa.Column("department", AutoString(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_line_moves")),
    )
    op.create_index("ix_line_moves_department", "line_moves", ["department", "delta"])
    op.create_index("ix_conversations_waiting_since", "conversations", ["stage", "department", "waiting_since"])
    op.execute(
        "INSERT INTO line_moves (department, delta) "
        "SELECT department, count(*) FROM conversations "
        "WHERE stage = 'queued' AND department IS NOT NULL GROUP BY department"
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_waiting_since", table_name="conversations")
    op.drop_index("ix_line_moves_department", table_name="line_moves")
    op.drop_table("line_moves")
