"""Reference data (区域, 产品类别, batches) and the bulk-insert helpers the demo and the generator share."""
from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import Connection, func, insert, select, text

from lib.labels import CATEGORIES, DEV_ZONES, DISTRICTS
from lib.models import Batch, ProductCategory, Region
from lib.validation import credit_check_char, org_code_check_char

FACE_VALUE = Decimal("10000.00")
CHUNK = 5000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "秀英", "建华",
         "晓东"]


def credit_code_for(serial: int, admin: str = "320100") -> str:
    """A valid, unique 统一社会信用代码 for generated enterprise number `serial` (< 10⁸), its organization
    code (positions 9–17) valid under GB 11714 too, as codes issued since 2015 are."""
    body = f"{serial:08d}"
    first17 = f"91{admin}{body}{org_code_check_char(body)}"
    return first17 + credit_check_char(first17)


def seed_reference(conn: Connection) -> None:
    """区域 and 产品类别 (DESIGN.md §7); idempotent."""
    if not conn.scalar(select(func.count()).select_from(Region)):
        conn.execute(insert(Region), [{"name": n, "kind": "district", "sort_order": i, "active": True}
                                      for i, n in enumerate(DISTRICTS)]
                     + [{"name": n, "kind": "devzone", "sort_order": 100 + i, "active": True}
                        for i, n in enumerate(DEV_ZONES)])
    if not conn.scalar(select(func.count()).select_from(ProductCategory)):
        conn.execute(insert(ProductCategory), [{"name": n, "sort_order": i, "active": True}
                                               for i, n in enumerate(CATEGORIES)])


def ensure_batch(conn: Connection, year: int) -> int:
    batch_id = conn.scalar(select(Batch.id).where(Batch.year == year))
    if batch_id is None:
        batch_id = conn.execute(insert(Batch).values(year=year, face_value=FACE_VALUE, expiry_days_after_issue=15,
                                                     expiry_days_after_activation=30, next_serial=1)
                                .returning(Batch.id)).scalar_one()
    return batch_id


def reserve(conn: Connection, batch_id: int, count: int) -> int:
    """Take `count` serials of the batch; returns the first."""
    first = conn.scalar(select(Batch.next_serial).where(Batch.id == batch_id))
    if first + count - 1 > 99_999:
        raise ValueError("batch full")
    conn.execute(Batch.__table__.update().where(Batch.id == batch_id).values(next_serial=first + count))
    return first


def next_id(conn: Connection, table) -> int:
    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def fix_sequences(conn: Connection, tables: list) -> None:
    """After inserts with explicit ids, PostgreSQL's sequences must continue after them."""
    if conn.dialect.name == "postgresql":
        for table in tables:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                              f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table.name}), 1))"))


def bulk(conn: Connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start:start + CHUNK])


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
