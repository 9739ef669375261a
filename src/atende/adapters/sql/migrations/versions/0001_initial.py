"""Initial schema: conversations, agents, transcript, events, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 03:15:08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = AutoString
Instant = sa.DateTime(timezone=True)
Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = sa.text("stage <> 'closed'")


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("phone", String(), nullable=False),
        sa.Column("name", String(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("presence", String(), nullable=False),
        sa.Column("pause_reason", String(), nullable=True),
        sa.Column("idle_since", Instant, nullable=True),
        sa.Column("active", String(), nullable=True),
        sa.Column("reminded_at", Instant, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_agents")),
    )
    op.create_table(
        "inbox",
        sa.Column("message_id", String(), nullable=False),
        sa.Column("recorded_at", Instant, server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "conversations",
        sa.Column("code", String(), nullable=False),
        sa.Column("customer_wa_id", String(), nullable=False),
        sa.Column("customer_name", String(), nullable=False),
        sa.Column("opened_at", Instant, nullable=False),
        sa.Column("stage", String(), nullable=False),
        sa.Column("department", String(), nullable=True),
        sa.Column("queued_at", Instant, nullable=True),
        sa.Column("waiting_since", Instant, nullable=True),
        sa.Column("agent", String(), nullable=True),
        sa.Column("assigned_at", Instant, nullable=True),
        sa.Column("accepted_at", Instant, nullable=True),
        sa.Column("closed_at", Instant, nullable=True),
        sa.Column("close_reason", String(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("transferred_from", String(), nullable=True),
        sa.Column("transferred_by", String(), nullable=True),
        sa.Column("told_closed_hours", sa.Boolean(), nullable=False),
        sa.Column("position_told_at", Instant, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agent"], ["agents.phone"], name=op.f("fk_conversations_agent_agents")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_conversations")),
    )
    op.create_index("ix_conversations_line", "conversations", ["stage", "department", "queued_at"])
    op.create_index("ix_conversations_opened_at", "conversations", ["opened_at"])
    op.create_index(
        "ux_conversations_open_customer",
        "conversations",
        ["customer_wa_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_table(
        "events",
        sa.Column("seq", Serial, nullable=False),
        sa.Column("code", String(), nullable=False),
        sa.Column("kind", String(), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.Column("department", String(), nullable=True),
        sa.Column("agent", String(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["code"], ["conversations.code"], name=op.f("fk_events_code_conversations")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_events_conversation", "events", ["code", "seq"])
    op.create_index("ix_events_kind_department", "events", ["kind", "department", "seq"])
    op.create_table(
        "messages",
        sa.Column("seq", Serial, nullable=False),
        sa.Column("id", String(), nullable=False),
        sa.Column("conversation", String(), nullable=False),
        sa.Column("author", String(), nullable=False),
        sa.Column("author_name", String(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation"], ["conversations.code"], name=op.f("fk_messages_conversation_conversations")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_messages")),
    )
    op.create_index("ix_messages_conversation", "messages", ["conversation", "seq"])
    op.create_index(op.f("ix_messages_id"), "messages", ["id"])
    op.create_table(
        "outbox",
        sa.Column("seq", Serial, nullable=False),
        sa.Column("id", String(), nullable=False),
        sa.Column("recipient", String(), nullable=False),
        sa.Column("audience", String(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("conversation", String(), nullable=True),
        sa.Column("origin_id", String(), nullable=True),
        sa.Column("reply_to", String(), nullable=True),
        sa.Column("delivery", String(), nullable=False),
        sa.Column("provider_id", String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation"], ["conversations.code"], name=op.f("fk_outbox_conversation_conversations")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_id")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_outbox_provider_id")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivery", "seq"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("messages")
    op.drop_table("events")
    op.drop_table("conversations")
    op.drop_table("inbox")
    op.drop_table("agents")
