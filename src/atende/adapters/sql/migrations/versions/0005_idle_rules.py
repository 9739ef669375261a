"""Idle rules: when anyone last wrote in a conversation (or it changed hands).

- `conversations.active_at` is what the idle rules measure from: a menu nobody answered, a
  rating question ignored, an assignment both sides left silent (docs/adr/0009-idle-rules.md).
  Existing rows get the latest of what is known — opened, queued, assigned, ended, and the
  newest message of their transcript — so that a conversation already silent for days is
  closed on the first timer pass after the upgrade, and a lively one is not.
- `ix_conversations_quiet` serves the timer pass (stage and `active_at`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = AutoString
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A nullable addition: SQLite adds it in place (no rebuild), PostgreSQL without a rewrite.
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("active_at", Instant, nullable=True))
    op.create_index("ix_conversations_quiet", "conversations", ["stage", "active_at"])
    _fill_active_at()


def _fill_active_at() -> None:
    conversations = sa.table(
        "conversations",
        sa.column("code", String()),
        sa.column("opened_at", Instant),
        sa.column("waiting_since", Instant),
        sa.column("assigned_at", Instant),
        sa.column("closed_at", Instant),
        sa.column("active_at", Instant),
    )
    messages = sa.table("messages", sa.column("conversation", String()), sa.column("at", Instant))
    connection = op.get_bind()
    latest = dict(
        connection.execute(
            sa.select(messages.c.conversation, sa.func.max(messages.c.at)).group_by(messages.c.conversation)
        ).all()
    )
    columns = conversations.c
    rows = connection.execute(
        sa.select(columns.code, columns.opened_at, columns.waiting_since, columns.assigned_at, columns.closed_at)
    ).all()
    for code, *moments in rows:
        known: list[datetime] = [m for m in (*moments, latest.get(code)) if m is not None]
        connection.execute(sa.update(conversations).where(columns.code == code).values(active_at=max(known)))


def downgrade() -> None:
    """Back to 0004: the idle rules' clock goes."""
    op.drop_index("ix_conversations_quiet", table_name="conversations")
    # In place (SQLite 3.35+ drops a column itself): a batch rebuild would drop the table that
    # the transcript and the events refer to, which SQLite's foreign keys refuse.
    op.drop_column("conversations", "active_at")
