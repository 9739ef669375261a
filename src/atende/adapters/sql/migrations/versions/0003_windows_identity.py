"""Customers' windows and identity: what waited for a closed window, and one contact per person.

- `outbox.held_at` marks a message held for a closed 24 h window, and stays after its release,
  so that what an agent has not been shown yet is known (nothing she writes before is relayed).
  Existing rows get it empty: what is held now is marked when it is next held.
- `contacts.phone` and `contacts.user_id` say what WhatsApp calls a person now — a number, a
  business-scoped user id (BSUID), or both — each unique, so one of them never names two
  people. Existing contacts are filled in from their key: digits are a phone number, anything
  else a BSUID.
- `ix_outbox_origin` finds the copy of a message (an edit or a deletion names the original).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 10:12:40
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = AutoString
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Nullable additions: SQLite adds them in place (no rebuild), PostgreSQL without a rewrite.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("held_at", Instant, nullable=True))
    op.create_index("ix_outbox_origin", "outbox", ["origin_id"])
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("phone", String(), nullable=True))
        batch.add_column(sa.Column("user_id", String(), nullable=True))
    contacts = sa.table("contacts", sa.column("wa_id", String()), sa.column("phone"), sa.column("user_id"))
    connection = op.get_bind()
    for (wa_id,) in connection.execute(sa.select(contacts.c.wa_id)).all():
        named = {"phone": wa_id} if wa_id.isascii() and wa_id.isdigit() else {"user_id": wa_id}
        connection.execute(sa.update(contacts).where(contacts.c.wa_id == wa_id).values(**named))
    # A table rebuild on SQLite (constraints cannot be added in place), an ALTER on PostgreSQL.
    with op.batch_alter_table("contacts") as batch:
        batch.create_unique_constraint(op.f("uq_contacts_phone"), ["phone"])
        batch.create_unique_constraint(op.f("uq_contacts_user_id"), ["user_id"])


def downgrade() -> None:
    """Back to 0002: contacts are keyed by one id again, outbox rows lose the mark."""
    with op.batch_alter_table("contacts") as batch:
        batch.drop_constraint(op.f("uq_contacts_user_id"), type_="unique")
        batch.drop_constraint(op.f("uq_contacts_phone"), type_="unique")
        batch.drop_column("user_id")
        batch.drop_column("phone")
    op.drop_index("ix_outbox_origin", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("held_at")
