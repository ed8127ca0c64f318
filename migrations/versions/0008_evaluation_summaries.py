"""evaluation summaries: 评价统计 read from a summary kept with every write, like 服务券统计; 需要跟进's
counts through an index on how long a voucher has waited in its status (issue 14)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEY = ("grain", "batch_id", "month", "region_id", "size", "provider_id", "category_id")
CRITERIA = ("s_attitude", "s_expertise", "s_conduct", "s_contract", "s_quality", "s_value", "s_usability",
            "s_aftersales")
SUMS = ("score", "solved", *[f"bucket_{i}" for i in range(10)], *CRITERIA, *[f"improvement_{i}" for i in range(9)],
        *[f"focus_{i}" for i in range(7)])


def upgrade() -> None:
    keys = [sa.Column("grain", sa.SmallInteger(), nullable=False), sa.Column("batch_id", sa.Integer(), nullable=False),
            sa.Column("month", sa.String(7), nullable=False), sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("size", sa.String(4), nullable=False), sa.Column("provider_id", sa.Integer(), nullable=False),
            sa.Column("category_id", sa.Integer(), nullable=False), sa.Column("n", sa.BigInteger(), nullable=False)]
    op.create_table("evaluation_cube", *keys,
                    sa.Column("eval_month", sa.String(7), nullable=False),
                    *[sa.Column(c, sa.BigInteger(), nullable=False) for c in SUMS],
                    sa.PrimaryKeyConstraint(*KEY, "eval_month"))
    op.create_index("ix_evaluation_cube_provider", "evaluation_cube", ["grain", "provider_id"])
    op.create_index("ix_evaluation_cube_region", "evaluation_cube", ["grain", "region_id"])
    op.create_index("ix_vouchers_status_chosen", "vouchers", ["status", "chosen_at"])
    op.create_index("ix_vouchers_status_confirmed", "vouchers", ["status", "confirmed_at"])
    context.config.attributes["rebuild_derived"] = True  # migrations/env.py refills every derived table at the end


def downgrade() -> None:
    op.drop_index("ix_vouchers_status_confirmed", "vouchers")
    op.drop_index("ix_vouchers_status_chosen", "vouchers")
    op.drop_table("evaluation_cube")
