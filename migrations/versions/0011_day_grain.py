"""The summaries' day grain: each voucher counted by its Nanjing day of issue alone, so that a 发放日期 range that
cuts months reads its edge days from the summaries instead of from every voucher issued on them (issue 14). The
month column holds 'YYYY-MM-DD' at that grain.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("voucher_cube", "voucher_events", "cycle_times", "evaluation_cube")
DAY_GRAIN = 13  # lib.summaries.DAY_GRAIN when this revision was written


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps any length; PostgreSQL widens in place
        for name in TABLES:
            op.alter_column(name, "month", type_=sa.String(10), existing_type=sa.String(7), existing_nullable=False)
    # migrations/env.py fills the grain from the base tables at the end (the other grains stay as kept)
    context.config.attributes["fill_day_grain"] = True


def downgrade() -> None:
    for name in TABLES:
        op.execute(sa.text(f"DELETE FROM {name} WHERE grain IN ({DAY_GRAIN}, {DAY_GRAIN + 100})"))
        if op.get_bind().dialect.name == "postgresql":
            op.alter_column(name, "month", type_=sa.String(7), existing_type=sa.String(10), existing_nullable=False)
