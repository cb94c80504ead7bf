"""Several instances on one store: sources are leased while polled, alerts claimed while sent.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("source_state", sa.Column("polled_by", sa.String(100)))
    op.add_column("source_state", sa.Column("leased_by", sa.String(100)))
    op.add_column("source_state", sa.Column("lease_expires", sa.Float))
    op.add_column("outbox", sa.Column("claimed_by", sa.String(100)))
    op.add_column("outbox", sa.Column("claim_expires", sa.Float))
    op.create_index("ix_outbox_state_next_try", "outbox", ["state", "next_try"])


def downgrade() -> None:
    raise NotImplementedError("the store is only ever migrated forward")
