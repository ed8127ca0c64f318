"""Benchmark: time the statistics queries on a large synthetic database (built by seed_scale.py).

Usage: python benchmarks/stats_scale.py DATABASE_URL
Prints the median and worst of 3 runs per query for the commission (all data) and one provider.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib import db, risk, stats  # noqa: E402
from lib.actors import Actor  # noqa: E402
from lib.labels import Role  # noqa: E402
from lib.stats import evaluations as es  # noqa: E402


def main() -> None:
    db.use_database(sys.argv[1])
    commission = Actor(user_id=None, username="bench", role=Role.COMMISSION)
    provider = Actor(user_id=None, username="bench", role=Role.PROVIDER, provider_id=7)
    calls = [("kpis", stats.kpis), ("funnel", stats.funnel), ("region_status", stats.region_status),
             ("provider_league", stats.provider_league), ("monthly", stats.monthly), ("cycle_times", stats.cycle_times),
             ("ageing", stats.ageing), ("evaluation kpis", es.kpis), ("evaluation league", es.provider_league),
             ("frequencies", es.frequencies)]
    for who, actor in (("commission", commission), ("provider", provider)):
        for name, fn in calls:
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                fn(actor)
                runs.append(time.perf_counter() - started)
            print(f"{who:<10} {name:<18} median {statistics.median(runs) * 1000:8.0f} ms  "
                  f"max {max(runs) * 1000:8.0f} ms")
    started = time.perf_counter()
    risk.signals(commission)
    print(f"commission risk signals      {time.perf_counter() - started:8.2f} s")


if __name__ == "__main__":
    main()
