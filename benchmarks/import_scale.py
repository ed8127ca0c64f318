"""Benchmark: check a 5,000-row 批量发放 file laid out the way a clerk makes it (a title row, 序号 and 备注
columns, 江宁 / 南京市玄武区 / 小型企业 to map), then issue it, on a scratch database.

Usage: python benchmarks/import_scale.py [ROWS] [DATABASE_URL]
Default 5,000 rows (the limit of one file) on a scratch SQLite file under /tmp. Prints numbers; asserts nothing.
"""
from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from lib import db, importing, issuing  # noqa: E402
from lib.seed import credit_code_for  # noqa: E402
from lib.seed.reference import seed_reference  # noqa: E402
from tests.builders import COMMISSION  # noqa: E402


def clerk_file(rows: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年度服务券发放名单"])
    sheet.append(["序号", *issuing.COLUMNS, "备注"])
    for n in range(rows):
        region = "江宁" if n % 2 else "南京市玄武区"
        sheet.append([n + 1, credit_code_for(900000 + n), f"南京基准企业{n}有限公司", region, "小型企业", "张三",
                      "南京市某路1号", "李四", "13912345678", f"e{n}@example.com", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tempfile.mkdtemp()}/import.db"
    db.use_database(url)
    db.migrate()
    with db.get_engine().begin() as conn:
        seed_reference(conn)
    issuing.save_batch(actor=COMMISSION, year="2026", face_value="10000", days_after_issue="15",
                       days_after_activation="30")
    content = clerk_file(rows)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        preview = importing.read_import(content, batch_year=2026)
        runs.append(time.perf_counter() - started)
    print(f"{url.split(':')[0]}: {rows} rows, file {len(content) // 1024} KB")
    print(f"check (read_import): median {statistics.median(runs):.2f} s, max {max(runs):.2f} s; "
          f"{len(preview.rows)} rows ok, {len(preview.errors)} errors, {len(preview.notes)} notes")
    started = time.perf_counter()
    issued = issuing.issue_batch(actor=COMMISSION, preview=preview, batch_year=2026)
    print(f"issue (issue_batch, one transaction): {time.perf_counter() - started:.2f} s for {len(issued)} vouchers")


if __name__ == "__main__":
    main()
