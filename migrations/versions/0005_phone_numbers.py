"""phone numbers stored canonically (E.164 plus ;ext=): wider columns, existing numbers converted where
libphonenumber reads them (anything it cannot read is kept as typed and shown as it is)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = [("enterprises", "phone"), ("providers", "phone"), ("providers", "fax"), ("engineers", "mobile")]


def upgrade() -> None:
    from lib.errors import ValidationError
    from lib.validation import phone

    for table, column in COLUMNS[:3]:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(40), existing_type=sa.String(20))
    conn = op.get_bind()
    for table, column in COLUMNS:
        rows = conn.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")).all()
        for row_id, value in rows:
            try:
                canonical = phone(value, column)
            except ValidationError:
                continue
            if canonical != value:
                conn.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),
                             {"v": canonical, "id": row_id})


def downgrade() -> None:
    for table, column in COLUMNS[:3]:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(20), existing_type=sa.String(40))
