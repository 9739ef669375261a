"""Cloud API: contacts (24 h windows), the webhook intake, leases, and the outbox's retry state.

Only additions: existing rows keep their meaning. Outbox rows get the three new columns empty
(no error code, no backoff, nothing to coalesce); the new delivery values (held, delivered,
read) are plain strings in the existing `delivery` column and need no DDL. No contact rows are
made up from the transcript: an agent's window is unknown until they next write.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 03:48:24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = AutoString
Instant = sa.DateTime(timezone=True)
Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WAITING = sa.text("done_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("wa_id", String(), nullable=False),
        sa.Column("last_inbound_at", Instant, nullable=True),
        sa.Column("reopen_requested_at", Instant, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("wa_id", name=op.f("pk_contacts")),
    )
    op.create_table(
        "intake",
        sa.Column("seq", Serial, nullable=False),
        sa.Column("key", String(), nullable=False),
        sa.Column("kind", String(), nullable=False),
        sa.Column("sender", String(), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("done_at", Instant, nullable=True),
        sa.Column("error", String(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_intake")),
        sa.UniqueConstraint("key", name=op.f("uq_intake_key")),
    )
    op.create_index(
        "ix_intake_ready",
        "intake",
        ["at", "seq", "received_at"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    op.create_table(
        "leases",
        sa.Column("name", String(), nullable=False),
        sa.Column("holder", String(), nullable=False),
        sa.Column("until", Instant, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    # Nullable additions only: SQLite adds them in place (no rebuild), PostgreSQL without a rewrite.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("error_code", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("not_before", Instant, nullable=True))
        batch.add_column(sa.Column("coalesce_key", String(), nullable=True))
    op.create_index("ix_outbox_held", "outbox", ["delivery", "recipient", "seq"])


def downgrade() -> None:
    """Back to 0001, whose code knows only pending, sent and failed: newer states are folded in."""
    op.execute("UPDATE outbox SET delivery = 'sent' WHERE delivery IN ('delivered', 'read')")
    op.execute("UPDATE outbox SET delivery = 'pending' WHERE delivery = 'held'")
    op.drop_index("ix_outbox_held", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("coalesce_key")
        batch.drop_column("not_before")
        batch.drop_column("error_code")
    op.drop_table("leases")
    op.drop_index("ix_intake_ready", table_name="intake")
    op.drop_table("intake")
    op.drop_table("contacts")
