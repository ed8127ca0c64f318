"""withdrawals remember the provider the voucher was bound to

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("withdrawals") as batch:
        batch.add_column(sa.Column("provider_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_withdrawals_provider_id", "providers", ["provider_id"], ["id"])
        batch.create_index("ix_withdrawals_provider_id", ["provider_id"])
    # Requests still pending name their provider on the voucher; decided ones in their history row.
    op.execute("UPDATE withdrawals SET provider_id ="
               " (SELECT provider_id FROM vouchers WHERE vouchers.id = withdrawals.voucher_id)"
               " WHERE provider_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("withdrawals") as batch:
        batch.drop_index("ix_withdrawals_provider_id")
        batch.drop_constraint("fk_withdrawals_provider_id", type_="foreignkey")
        batch.drop_column("provider_id")
