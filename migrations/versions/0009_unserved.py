"""unserved: voucher_cube counts the vouchers without a service record, for 需要跟进's waiting counts (issue 14)

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voucher_cube") as batch:
        batch.add_column(sa.Column("unserved", sa.BigInteger(), nullable=False, server_default="0"))
    context.config.attributes["rebuild_derived"] = True  # migrations/env.py refills every derived table at the end


def downgrade() -> None:
    with op.batch_alter_table("voucher_cube") as batch:
        batch.drop_column("unserved")
