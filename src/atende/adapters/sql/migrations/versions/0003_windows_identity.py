"""Customers' windows and identity: what waited for a closed window, and one contact per person.

`outbox.held_at` marks a message held for a closed 24 h window, and stays after its release, so
that what an agent has not been shown yet is known (nothing she writes before is relayed).
Existing rows get it empty: what is held now is marked when it is next held, and a release in
progress during the upgrade is simply not waited for.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 10:12:40
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A nullable addition: SQLite adds it in place (no rebuild), PostgreSQL without a rewrite.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("held_at", Instant, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("held_at")
