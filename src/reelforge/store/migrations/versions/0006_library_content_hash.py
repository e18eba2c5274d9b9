"""library items keep their content hash: one item per content per tenant (issue 17)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("library_items") as batch:
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch.create_index("ux_library_items_tenant_content", ["tenant_id", "content_hash"],
                           unique=True)


def downgrade() -> None:
    with op.batch_alter_table("library_items") as batch:
        batch.drop_index("ux_library_items_tenant_content")
        batch.drop_column("content_hash")
