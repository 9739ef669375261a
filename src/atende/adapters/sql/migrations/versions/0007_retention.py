"""Retention: indexes that let the pruning pass find old rows without reading the rest.

- `ix_intake_done_at`: handled arrivals (not those set aside) by when they were handled;
  partial, so the backlog's query keeps its own index.
- `ix_inbox_recorded_at`: handled-message keys by when they were recorded.
- `ix_outbox_taken_at`: messages by state and when they were written, so the old ones WhatsApp
  took (sent, delivered, read) are found without reading the whole history.

Only indexes: nothing existing is rewritten on either engine.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HANDLED = sa.text("done_at IS NOT NULL AND error IS NULL")


def upgrade() -> None:
    op.create_index("ix_intake_done_at", "intake", ["done_at"], sqlite_where=HANDLED, postgresql_where=HANDLED)
    op.create_index("ix_inbox_recorded_at", "inbox", ["recorded_at"])
    op.create_index("ix_outbox_taken_at", "outbox", ["delivery", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_taken_at", table_name="outbox")
    op.drop_index("ix_inbox_recorded_at", table_name="inbox")
    op.drop_index("ix_intake_done_at", table_name="intake")
