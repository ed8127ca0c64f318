"""Benchmark (issue 14): every list and statistic at a city pilot's size and at a province's, on SQLite and
PostgreSQL, against the bare SQL each one runs and against a naive pandas peer; writes docs/benchmarks.md.

Usage: python benchmarks/scale.py [N ...] [--dbs sqlite,postgresql] [--reuse [DIALECTS]] [--out docs/benchmarks.md]
Default sizes 10,000 and 1,000,000. Each size gets its own scratch database (a file under /tmp, or a database
`bench_<N>` on the PostgreSQL server of BENCH_PG_URL), seeded by `seed --vouchers N` unless --reuse names its
dialect (alone: every one); a reused database is migrated and its summaries rebuilt by the code being measured.
Prints and writes numbers; asserts nothing (a benchmark, never a timed unit test).
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402
from sqlalchemy import create_engine, event, func, select, text  # noqa: E402

from benchmarks.report import DOC, write_section  # noqa: E402
from lib import clock, db, derived, providers, queries, risk, seed, settlement, stats, summaries, todo  # noqa: E402
from lib.actors import Actor  # noqa: E402
from lib.labels import Role  # noqa: E402
from lib.models import Enterprise, Product, Provider, Region, Voucher  # noqa: E402
from lib.stats import evaluations as es  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
COMMISSION = Actor(user_id=None, username="bench", role=Role.COMMISSION)
RUNS = 5
RATIO_TARGET, BARE_TARGET, NAIVE_SPEED, NAIVE_MEMORY = 1.5, 1.3, 100, 10


def url_for(dialect: str, size: int) -> str:
    if dialect == "sqlite":
        return f"sqlite:////tmp/bench_scale_{size}.db"
    return PG_ADMIN.rsplit("/", 1)[0] + f"/bench_{size}"


def fresh(dialect: str, size: int) -> None:
    if dialect == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"/tmp/bench_scale_{size}.db{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS bench_{size} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE bench_{size}"))
    admin.dispose()


class SqlClock:
    """Every statement the application runs, with its time (SQLAlchemy cursor events)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object, float]] = []
        self.on = False

    def attach(self, engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _start(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _stop(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            if self.on and not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                self.statements.append((statement, parameters, time.perf_counter() - conn.info["bench_started"]))


def timed(fn: Callable, runs: int = RUNS) -> float:
    """Median milliseconds of `runs` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bare(engine, statements: list[tuple[str, object, float]]) -> float:
    """Milliseconds the captured statements take run directly on a DBAPI cursor, nothing around them."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for statement, parameters, _ in statements:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        raw.rollback()
        return elapsed
    finally:
        raw.close()


def paths(size: int) -> dict[str, Callable]:
    with db.read_session() as s:
        last = max(1, -(-s.scalar(select(func.count()).select_from(Voucher)) // 20))
        number = s.scalar(select(Voucher.number).order_by(Voucher.id).limit(1).offset(size // 2))
        provider_id = s.scalar(select(Voucher.provider_id).where(Voucher.provider_id.is_not(None)).limit(1))
        name = s.scalar(select(Enterprise.name).limit(1).offset(size // 3))
    provider = Actor(user_id=None, username="bench", role=Role.PROVIDER, provider_id=provider_id)
    f = queries.VoucherFilters
    return {
        "commission list page 1": lambda: queries.voucher_page(COMMISSION),
        "commission list 末页": lambda: queries.voucher_page(COMMISSION, page=last),
        "commission list, status filter": lambda: queries.voucher_page(COMMISSION, f(status="settled")),
        "企业名称 contains (4 characters)": lambda: queries.voucher_page(COMMISSION, f(enterprise_name=name[2:6])),
        "企业名称 contains (2 characters)": lambda: queries.voucher_page(COMMISSION, f(enterprise_name=name[2:4])),
        # two characters no enterprise's name holds (the seed's names share theirs with a fourteenth of the others;
        # a person's search for a particular firm is rarer): the index answers, where a scan read every name
        "企业名称 contains (2 characters, in no name)": lambda: queries.voucher_page(
            COMMISSION, f(enterprise_name="华为")),
        "number search": lambda: queries.voucher_page(COMMISSION, f(number=number)),
        "voucher detail": lambda: queries.voucher_detail(COMMISSION, number),
        "provider list page 1": lambda: queries.voucher_page(provider),
        "服务商管理": lambda: providers.all_providers(COMMISSION),
        "兑付管理 page 1": lambda: settlement.awaiting_page(COMMISSION),
        "兑付管理's form (complete files, up to 2,000)": lambda: settlement.ready_numbers(COMMISSION),
        "待办 (commission)": lambda: todo.items(COMMISSION),
        **{f"stats.{fn.__name__}": (lambda fn=fn: fn(COMMISSION)) for fn in (
            stats.kpis, stats.funnel, stats.region_status, stats.region_rates, stats.provider_league,
            stats.category_share, stats.monthly, stats.cycle_times, stats.ageing)},
        "stats.kpis, 发放日期 cutting two months": lambda: stats.kpis(COMMISSION, stats.StatsFilters(
            start=date(clock.local_date().year, 3, 15), end=date(clock.local_date().year, 5, 20))),
        "stats.kpis (provider)": lambda: stats.kpis(provider),
        **{f"eval.{fn.__name__}": (lambda fn=fn: fn(COMMISSION)) for fn in (
            es.kpis, es.histogram, es.criteria, es.provider_league, es.monthly, es.frequencies, es.low_scores)},
        "risk.signals (all six)": lambda: risk.signals(COMMISSION),
    }


STATS_PAGE = ["stats.kpis", "stats.funnel", "stats.region_status", "stats.region_rates", "stats.provider_league",
              "stats.category_share", "stats.monthly", "stats.cycle_times"]


def naive_peer() -> dict:
    """What a first version would do: read every voucher into pandas and group there (the 服务券统计 figures)."""
    columns = select(Voucher.status, Voucher.provider_id, Voucher.face_value, Voucher.price, Voucher.settled_amount,
                     Voucher.issued_at, Voucher.activated_at, Voucher.chosen_at, Voucher.confirmed_at,
                     Voucher.delivered_on, Voucher.settled_on, Region.name.label("region"), Enterprise.size,
                     Product.category_id, Provider.name.label("provider")) \
        .join(Enterprise, Enterprise.id == Voucher.enterprise_id).join(Region, Region.id == Enterprise.region_id) \
        .outerjoin(Product, Product.id == Voucher.product_id).outerjoin(Provider, Provider.id == Voucher.provider_id)
    with db.read_session() as s:
        frame = pd.read_sql(columns, s.connection())
    chosen = frame["status"].isin(["pending_confirm", "confirmed", "delivered", "evaluated", "settled"])
    out = {"kpis": (len(frame), int(frame["activated_at"].notna().sum()), int(chosen.sum()),
                    float(frame.loc[chosen, "face_value"].astype(float).sum()))}
    out["region_status"] = frame.groupby(["region", "status"]).size()
    out["category"] = frame[chosen].groupby("category_id").size()
    issued = pd.to_datetime(frame["issued_at"], utc=True).dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m")
    out["monthly"] = issued.value_counts()
    days = (pd.to_datetime(frame["confirmed_at"], utc=True) - pd.to_datetime(frame["chosen_at"], utc=True))
    frame["to_confirm"] = days.dt.total_seconds() // 86400
    out["league"] = frame[chosen].groupby("provider").agg(bound=("status", "size"), to_confirm=("to_confirm", "median"))
    return out


def measure_memory(fn: Callable) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def run_one(dialect: str, size: int, reuse: bool, rebuild: bool = True) -> dict:
    url = url_for(dialect, size)
    result: dict = {"dialect": dialect, "size": size}
    if not reuse:
        fresh(dialect, size)
    db.use_database(url)
    db.migrate(url)
    engine = db.get_engine()
    if not reuse:
        started = time.perf_counter()
        result["vouchers"] = seed.seed_synthetic(size, seed=1, progress=False)
        result["seed_s"] = time.perf_counter() - started
    elif rebuild:  # the data stays; the derived tables are rebuilt by the code being measured
        started = time.perf_counter()
        with engine.begin() as conn:
            derived.rebuild(conn)
        result["rebuild_s"] = time.perf_counter() - started
    with engine.connect() as conn:
        result["vouchers"] = conn.scalar(select(func.count()).select_from(Voucher))
        counts = {m.__tablename__: conn.scalar(select(func.count()).select_from(m))
                  for m in summaries.TABLES.values()}
        result["summary_rows"], result["largest_summary"] = sum(counts.values()), max(counts.values())
        result["flags"] = conn.scalar(text("SELECT count(*) FROM risk_flags"))
    clock_ = SqlClock()
    clock_.attach(engine)
    result["paths"] = {}
    for name, fn in paths(size).items():
        fn()  # the first call opens connections and warms the database's buffers
        ms = timed(fn)
        clock_.statements, clock_.on = [], True
        fn()
        clock_.on = False
        captured = list(clock_.statements)
        sql_ms = statistics.median(bare(engine, captured) for _ in range(3))
        result["paths"][name] = {"ms": ms, "bare_ms": sql_ms, "statements": captured}
        print(f"{dialect:<10} {size:>9,} {name:<40} {ms:9.1f} ms  bare SQL {sql_ms:9.1f} ms", flush=True)
    page_ms = sum(result["paths"][p]["ms"] for p in STATS_PAGE)
    result["stats_page_ms"] = page_ms
    result["stats_page_mb"] = measure_memory(lambda: [paths(size)[p]() for p in STATS_PAGE])
    started = time.perf_counter()
    naive_peer()
    result["naive_ms"] = (time.perf_counter() - started) * 1000
    result["naive_mb"] = measure_memory(naive_peer)
    print(f"{dialect:<10} {size:>9,} 服务券统计 figures: app {page_ms:,.0f} ms / {result['stats_page_mb']:.1f} MB, "
          f"naive pandas {result['naive_ms']:,.0f} ms / {result['naive_mb']:.1f} MB", flush=True)
    engine.dispose()
    return result


def explain(dialect: str, size: int, statements) -> str:
    db.use_database(url_for(dialect, size))
    lines = []
    with db.get_engine().connect() as conn:
        raw = conn.connection.driver_connection
        for statement, parameters, _ in statements[:3]:
            prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            plan = ["    " + " | ".join(str(c) for c in row) for row in cursor.fetchall()]
            lines += ["    " + " ".join(statement.split())[:300], *plan[:25], ""]
    return "\n".join(lines)


def report(results: list[dict], sizes: list[int]) -> dict[str, str]:
    """One section per database (a run on one of them leaves the other's section as it was)."""
    small, large = min(sizes), max(sizes)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    sections = {}
    for dialect in dict.fromkeys(r["dialect"] for r in results):
        by_size = {r["size"]: r for r in results if r["dialect"] == dialect}
        if small not in by_size or large not in by_size:
            continue
        a, b = by_size[small], by_size[large]
        lines = [
            f"## Lists and statistics at two sizes, {dialect} (`make bench`)", "",
            f"Written by `make bench` (benchmarks/scale.py) on {clock.local_date():%Y-%m-%d}. Machine: "
            f"{platform.node()}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}, Python "
            f"{platform.python_version()}. Sizes: {small:,} and {large:,} vouchers from `seed --vouchers N` (with "
            "history rows and varied service texts). Times are medians of 5 calls of the lib function a page makes "
            "(the database's buffers warm, no application cache: every call recomputes). *Bare SQL* re-runs the "
            "statements the call made on a raw DBAPI cursor. Memory is tracemalloc's peak.", "",
            f"{a['vouchers']:,} and {b['vouchers']:,} vouchers; summary rows {a['summary_rows']:,} and "
            f"{b['summary_rows']:,} (largest table {b['largest_summary']:,}); risk flags {a['flags']:,} and "
            f"{b['flags']:,}." + (f" Seeding {large:,} took {b['seed_s']:,.0f} s." if "seed_s" in b else "")
            + (f" Rebuilding the summaries and flags at {large:,} took {b['rebuild_s']:,.0f} s."
               if "rebuild_s" in b else ""), "",
            f"| path | {small:,} ms | {large:,} ms | ratio | bare SQL at {large:,} | app ÷ bare |",
            "|---|---|---|---|---|---|"]
        misses, bare_misses = [], []
        for name, pa in a["paths"].items():
            pb = b["paths"][name]
            ratio = pb["ms"] / pa["ms"] if pa["ms"] else float("inf")
            over = pb["ms"] / pb["bare_ms"] if pb["bare_ms"] else float("inf")
            lines.append(f"| {name} | {pa['ms']:.1f} | {pb['ms']:.1f} | {ratio:.2f} | {pb['bare_ms']:.1f} | "
                         f"{over:.2f} |")
            if ratio > RATIO_TARGET and pb["ms"] > 5:  # a few milliseconds either way is noise, not a trend
                misses.append((name, ratio, pb["statements"], pb["ms"] - pa["ms"]))
            if over > BARE_TARGET and pb["ms"] - pb["bare_ms"] > 5:
                bare_misses.append(f"{name} ({over:.1f}×)")
        speed = b["naive_ms"] / b["stats_page_ms"]
        memory = b["naive_mb"] / b["stats_page_mb"] if b["stats_page_mb"] else float("inf")
        lines += ["", f"服务券统计's figures at {large:,}: the app {b['stats_page_ms']:,.0f} ms and "
                  f"{b['stats_page_mb']:.1f} MB; the naive pandas peer {b['naive_ms']:,.0f} ms and "
                  f"{b['naive_mb']:.0f} MB ({speed:,.0f}× slower, {memory:,.0f}× the memory).", "",
                  f"#### {dialect}: targets", "",
                  f"- every path at {large:,} within {RATIO_TARGET}× of {small:,}: "
                  + ("**met**" if not misses
                     else "**missed** by " + ", ".join(f"{n} ({r:.1f}×, {d:+,.1f} ms)" for n, r, _, d in misses)),
                  f"- each path within {BARE_TARGET}× of its bare SQL (differences under 5 ms aside): "
                  + ("**met**" if not bare_misses else "**missed** by " + ", ".join(bare_misses)),
                  f"- 服务券统计 at least {NAIVE_SPEED}× faster than the naive peer: "
                  + ("**met**" if speed >= NAIVE_SPEED else "**missed**") + f" ({speed:,.0f}×); at most "
                  f"1/{NAIVE_MEMORY} of its memory: " + ("**met**" if memory >= NAIVE_MEMORY else "**missed**")
                  + f" (1/{memory:,.0f})", ""]
        if misses:
            lines += [f"#### {dialect}: plans of the paths that grew", ""]
            for name, _, statements, _ in misses:
                lines += [f"{name}:", "", "```", explain(dialect, large, statements), "```", ""]
        sections[dialect] = "\n".join(lines)
    return sections


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 1_000_000])
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--reuse", nargs="?", const="sqlite,postgresql", default="",
                        help="keep the databases of these dialects (all if none named) and rebuild their summaries")
    parser.add_argument("--as-is", action="store_true",
                        help="with --reuse: keep the summaries too (the code changed nothing they hold)")
    parser.add_argument("--out", default=str(DOC))
    args = parser.parse_args()
    reused = set(args.reuse.split(","))
    results = [run_one(d, n, d in reused, not args.as_is) for d in args.dbs.split(",") for n in sorted(args.sizes)]
    for dialect, section in report(results, args.sizes).items():
        write_section(f"bench-{dialect}", section, Path(args.out))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
