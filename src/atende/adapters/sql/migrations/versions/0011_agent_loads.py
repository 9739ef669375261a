"""Agents' loads are counted on an index (issue 9).

Dispatch asks for every agent's load on each move, and an agent's own conversations are read
for `/ativos` and each release: both used to read every assigned conversation (2,000 rows on a
busy desk, each then compared at every flush of the unit of work). `(stage, agent)` lets the
count come from the index and one agent's conversations be found directly.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_conversations_agent", "conversations", ["stage", "agent"])


def downgrade() -> None:
    op.drop_index("ix_conversations_agent", table_name="conversations")
