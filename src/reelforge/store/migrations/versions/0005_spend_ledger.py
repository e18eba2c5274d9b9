"""spend ledger (issue 15: every paid call written before it is sent, then settled)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "spend_calls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("estimated_cost_usd", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("may_have_billed", sa.Boolean(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_spend_calls_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spend_calls")),
    )
    op.create_index("ix_spend_calls_tenant_sent", "spend_calls", ["tenant_id", "sent_at"])
    op.create_index(op.f("ix_spend_calls_job_id"), "spend_calls", ["job_id"])
    op.create_index(op.f("ix_spend_calls_fingerprint"), "spend_calls", ["fingerprint"])


def downgrade() -> None:
    op.drop_index(op.f("ix_spend_calls_fingerprint"), table_name="spend_calls")
    op.drop_index(op.f("ix_spend_calls_job_id"), table_name="spend_calls")
    op.drop_index("ix_spend_calls_tenant_sent", table_name="spend_calls")
    op.drop_table("spend_calls")
