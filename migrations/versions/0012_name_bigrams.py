"""企业名称 contains two characters, through an index on PostgreSQL: a GIN index on the name's two-character
pieces (pg_trgm's trigrams cannot narrow a two-character text, so such a search read every enterprise; issue 14).
SQLite's counterpart is revision 0013 (lib.db.name_contains chooses).

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Each piece lower-cased on its own (as ILIKE compares), so that the pieces line up with the name's characters.
    op.execute("CREATE OR REPLACE FUNCTION name_bigrams(name text) RETURNS text[] "
               "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
               "$$ SELECT coalesce(array_agg(DISTINCT lower(substr(name, i, 2))), '{}') "
               "FROM generate_series(1, char_length(name) - 1) AS i $$")
    op.execute("CREATE INDEX ix_enterprises_name_bigrams ON enterprises USING gin (name_bigrams(name))")
    op.execute("ANALYZE enterprises")  # the planner's statistics of the new expression: how common each piece is


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_enterprises_name_bigrams")
    op.execute("DROP FUNCTION IF EXISTS name_bigrams(text)")
