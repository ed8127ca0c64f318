"""cycle_medians: each 服务商's median days 下单→确认 and 确认→交付 over every month, kept at write time so that
服务商排行 does not sum a province's whole cycle-time histogram at each reading (issue 14)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("cycle_medians", sa.Column("provider_id", sa.Integer(), nullable=False),
                    sa.Column("series", sa.String(10), nullable=False),
                    sa.Column("lower", sa.Integer(), nullable=False), sa.Column("upper", sa.Integer(), nullable=False),
                    sa.Column("n", sa.BigInteger(), nullable=False), sa.PrimaryKeyConstraint("provider_id", "series"))
    # migrations/env.py fills it from cycle_times at the end (a province's upgrade needs no rebuild of the rest)
    context.config.attributes["refresh_medians"] = True


def downgrade() -> None:
    op.drop_table("cycle_medians")
