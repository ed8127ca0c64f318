"""index service records by engineer and day (风险预警: one engineer, several enterprises, one day)

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_service_records_engineer_date", "service_records", ["engineer_id", "service_date"])


def downgrade() -> None:
    op.drop_index("ix_service_records_engineer_date", table_name="service_records")
