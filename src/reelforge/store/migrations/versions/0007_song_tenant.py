"""songs a tenant uploads belong to it: only its own song search finds them (issue 17)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("songs") as batch:
        batch.add_column(sa.Column("tenant_id", sa.Integer(), nullable=True))
        batch.create_index("ix_songs_tenant_id", ["tenant_id"])


def downgrade() -> None:
    with op.batch_alter_table("songs") as batch:
        batch.drop_index("ix_songs_tenant_id")
        batch.drop_column("tenant_id")
