"""Benchmark: time `seed --vouchers N` on a scratch database, then time the provider list query on it.

Usage: python benchmarks/seed_scale.py [N] [DATABASE_URL]
Default N = 1,000,000 on a scratch SQLite file under /tmp. Prints numbers; asserts nothing.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib import db, queries, seed  # noqa: E402
from lib.actors import Actor  # noqa: E402
from lib.labels import Role  # noqa: E402


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), max(runs)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else 1_000_000
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tempfile.gettempdir()}/bench_seed_{count}.db"
    reuse = os.environ.get("REUSE") == "1"  # REUSE=1: time the queries on the database already there
    if url.startswith("sqlite:///") and not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    db.use_database(url)
    db.migrate(url)
    if not reuse:
        started = time.perf_counter()
        made = seed.seed_synthetic(count, seed=1)
        elapsed = time.perf_counter() - started
        print(f"seed --vouchers {made:,}: {elapsed:.1f} s ({made / elapsed:,.0f} vouchers/s) "
              f"on {db.get_engine().dialect.name}")
    commission = Actor(user_id=None, username="bench", role=Role.COMMISSION)
    provider = Actor(user_id=None, username="bench", role=Role.PROVIDER, provider_id=7)
    cases = {
        "commission page 1": lambda: queries.voucher_page(commission),
        "commission page 1000": lambda: queries.voucher_page(commission, page=1000),
        "provider page 1": lambda: queries.voucher_page(provider),
        "name contains + status": lambda: queries.voucher_page(
            commission, queries.VoucherFilters(enterprise_name="金陵", status="settled")),
        "number prefix": lambda: queries.voucher_page(commission, queries.VoucherFilters(number="2512")),
    }
    for name, fn in cases.items():
        median, worst = timed(fn)
        print(f"  {name:<24} median {median:7.1f} ms  max {worst:7.1f} ms")
    if url.startswith("sqlite:///"):
        print(f"  (database kept at {url.removeprefix('sqlite:///')}; delete it when done)")


if __name__ == "__main__":
    main()
