"""Backup and restore round trip on both databases: every table comes back exactly, and a backup taken
while the app holds its write-ahead log contains every committed row."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from lib import backup, cli, db, seed, vouchers
from lib.errors import DomainError
from lib.models import Base
from lib.workflow import VoucherStatus as S
from tests.builders import NOW, make_voucher


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with db.read_session() as s:
        tables = {t.name: [tuple(r) for r in s.execute(select(t).order_by(*t.primary_key.columns))]
                  for t in Base.metadata.sorted_tables}
        tables["alembic_version"] = [tuple(r) for r in s.execute(text("SELECT version_num FROM alembic_version"))]
        return tables


def test_backup_and_restore_give_back_every_table(database, tmp_path, capsys):
    seed.seed_demo()
    v = make_voucher(S.PENDING_CONFIRM)
    before = snapshot()
    assert sum(len(rows) for rows in before.values()) > 100
    assert cli.main(["backup", str(tmp_path / "backup.bin")]) == 0
    vouchers.confirm_purchase(actor=v["provider"], number=v["number"], now=NOW)  # changes after the backup
    make_voucher(S.ISSUED)
    assert snapshot() != before
    assert cli.main(["restore", str(tmp_path / "backup.bin")]) == 0
    assert snapshot() == before
    assert "已从" in capsys.readouterr().out


def test_a_backup_taken_while_the_app_writes_holds_every_committed_row(sqlite_db, tmp_path):
    with db.read_engine().connect() as reader:  # an open read keeps the WAL from being checkpointed
        reader.execute(text("SELECT 1"))
        numbers = [make_voucher(S.ISSUED)["number"] for _ in range(20)]
        backup.backup(tmp_path / "hot.db")
    import sqlite3
    with sqlite3.connect(tmp_path / "hot.db") as copy:
        stored = {r[0] for r in copy.execute("SELECT number FROM vouchers")}
    assert set(numbers) <= stored


def test_a_missing_or_broken_backup_is_refused_in_chinese(sqlite_db, tmp_path):
    with pytest.raises(DomainError, match="备份文件不存在"):
        backup.restore(tmp_path / "nope.db")
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DomainError, match="备份文件已损坏或不是数据库"):
        backup.restore(broken)
