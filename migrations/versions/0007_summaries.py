"""summaries: the statistics' summary tables kept with every write, table versions for caches, and the
indexes that keep lists and counts off full scans, including a trigram index on 企业名称 (issue 14)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEY = ("grain", "batch_id", "month", "region_id", "size", "provider_id", "category_id")


def _key_columns() -> list[sa.Column]:
    return [sa.Column("grain", sa.SmallInteger(), nullable=False), sa.Column("batch_id", sa.Integer(), nullable=False),
            sa.Column("month", sa.String(7), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False), sa.Column("size", sa.String(4), nullable=False),
            sa.Column("provider_id", sa.Integer(), nullable=False),
            sa.Column("category_id", sa.Integer(), nullable=False), sa.Column("n", sa.BigInteger(), nullable=False)]


def upgrade() -> None:
    op.create_table("voucher_cube", *_key_columns(), sa.Column("status", sa.String(20), nullable=False),
                    *[sa.Column(c, sa.BigInteger(), nullable=False) for c in ("activated", "face", "extra", "settled")],
                    sa.PrimaryKeyConstraint(*KEY, "status"))
    op.create_table("voucher_events", *_key_columns(), sa.Column("event", sa.String(10), nullable=False),
                    sa.Column("event_month", sa.String(7), nullable=False),
                    sa.PrimaryKeyConstraint(*KEY, "event", "event_month"))
    op.create_table("cycle_times", *_key_columns(), sa.Column("series", sa.String(10), nullable=False),
                    sa.Column("days", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint(*KEY, "series", "days"))
    for table in ("voucher_cube", "voucher_events", "cycle_times"):  # a selective filter on the finest grain
        op.create_index(f"ix_{table}_provider", table, ["grain", "provider_id"])
        op.create_index(f"ix_{table}_region", table, ["grain", "region_id"])
    op.create_table("table_versions", sa.Column("name", sa.String(30), primary_key=True),
                    sa.Column("version", sa.BigInteger(), nullable=False))
    # 服务商管理 counts each provider's vouchers by status; a product's vouchers are re-summarized when its
    # category changes; 撤回待审核 is a handful of rows among a million.
    op.create_index("ix_vouchers_provider_status", "vouchers", ["provider_id", "status"])
    op.create_index("ix_vouchers_product", "vouchers", ["product_id"])
    op.create_index("ix_vouchers_withdrawal_pending", "vouchers", ["number"],
                    sqlite_where=sa.text("withdrawal_pending = 1"), postgresql_where=sa.text("withdrawal_pending"))
    op.create_table("risk_flags", sa.Column("signal", sa.String(30), nullable=False),
                    sa.Column("voucher_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                              sa.ForeignKey("vouchers.id"), nullable=False),
                    sa.Column("detail", sa.String(200), nullable=False), sa.Column("provider_id", sa.Integer()),
                    sa.PrimaryKeyConstraint("signal", "voucher_id", "detail"))
    op.create_index("ix_risk_flags_voucher", "risk_flags", ["voucher_id"])
    # 风险预警's identical texts are looked up by a prefix of the description (a whole text may exceed a B-tree
    # entry on PostgreSQL); lib.risk.DESCRIPTION_PREFIX is the same expression.
    op.execute("CREATE INDEX ix_service_records_description ON service_records (substr(description, 1, 200))")
    _trigram_index()
    context.config.attributes["rebuild_derived"] = True  # migrations/env.py refills every derived table at the end


FTS = "enterprises_name_fts"


def _trigram_index() -> None:
    """企业名称 contains: PostgreSQL's pg_trgm GIN index serves ILIKE '%…%' (pg_trgm is a trusted extension: the
    database's owner may create it); SQLite gets an FTS5 trigram table kept by triggers (lib.db.name_contains)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops)")
        return
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(name, content='enterprises', content_rowid='id', "
               "tokenize='trigram')")
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    op.execute(f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON enterprises BEGIN "
               f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END")
    op.execute(f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON enterprises BEGIN "
               f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); END")
    op.execute(f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF name ON enterprises BEGIN "
               f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); "
               f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_enterprises_name_trgm")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER {FTS}_{trigger}")
        op.execute(f"DROP TABLE {FTS}")
    for name in ("ix_vouchers_withdrawal_pending", "ix_vouchers_product", "ix_vouchers_provider_status"):
        op.drop_index(name, "vouchers")
    op.drop_index("ix_service_records_description", "service_records")
    for table in ("risk_flags", "table_versions", "cycle_times", "voucher_events", "voucher_cube"):
        op.drop_table(table)
