"""Summary tables for the statistics, kept in the transaction of every write (issue 14).

Each voucher contributes rows to three summaries, keyed by what the statistics filter on (批次, the Nanjing
month it was issued, 区域, 企业规模, 服务商, 产品类别):
- `voucher_cube`: one row per key and 状态 with the count, how many were ever activated, face values, the
  enterprise's money beyond the face value, the settled amounts (money in fen), and how many have no service
  record yet;
- `voucher_events`: the month each voucher chose a product, was delivered and was settled (while its status
  still counts it), for 月度趋势;
- `cycle_times`: whole days 下单→确认 and 确认→交付, a histogram from which medians are exact; each 服务商's
  medians over every month are kept in `cycle_medians`, recomputed for the providers a write moved;
- `evaluation_cube`: for 评价统计, the evaluations' sums by key and month of evaluation (lib.derived_models).

`contributions` is the one definition of what a voucher adds. A flush that changes vouchers (or an
enterprise's 区域/规模, a product's 类别, an evaluation or a service record) reads the affected vouchers'
contributions before and after, and adds the difference in the same transaction (lib.derived's listeners call
`capture` and `apply_changes`); `rebuild` recomputes everything from the base tables (`python -m lib.cli
rebuild-summaries`, and after bulk seeding). `table_versions` counts the writes to each table, so that caches key
on the data they read (in the database, the same for every replica).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, Integer, Select, case, cast, delete, func, select
from sqlalchemy import inspect as inspect_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib import clock
from lib.derived_models import (
    EVALUATION_SUMS,
    CycleMedian,
    CycleTime,
    EvaluationCube,
    TableVersion,
    VoucherCube,
    VoucherEvent,
)
from lib.labels import CRITERIA, IMPROVEMENTS, NEXT_FOCUS
from lib.models import (
    Engineer,
    Enterprise,
    Evaluation,
    Product,
    ProductCategory,
    Provider,
    Region,
    ServiceRecord,
    Settlement,
    Voucher,
    Withdrawal,
)
from lib.workflow import CHOSEN, DELIVERED_OR_LATER, VoucherStatus, in_order

S = VoucherStatus
DIMENSIONS = ("batch_id", "month", "region_id", "size", "provider_id", "category_id")
KEY = ("grain", *DIMENSIONS)
# Each voucher is summed at several grains, smallest first: a statistic reads the smallest grain that holds the
# dimensions its filters and groups need (lib.stats.cube.grain_for). The dimensions a grain drops are stored as
# 0 or ''. At a province's million vouchers the coarse grains hold a few to tens of thousands of rows; DIMENSIONS,
# every dimension crossed, is read only through a selective filter (a provider, a region) and its index. The last,
# "day", keeps the Nanjing day of issue ('YYYY-MM-DD') in the month column and nothing else: a 发放日期 range that
# cuts months reads its edge days there (a thousand days of a programme, not the edge days' vouchers).
GRAINS = ((), ("region_id",), ("size",), ("provider_id",), ("category_id",), ("month",), ("region_id", "size"),
          ("batch_id",), ("batch_id", "region_id"), ("batch_id", "provider_id"), ("batch_id", "category_id"),
          ("batch_id", "month"), DIMENSIONS, ("day",))
PROVIDER_GRAIN = GRAINS.index(("provider_id",))  # the grain whose cycle-time medians `cycle_medians` keeps
MONTH_GRAIN, DAY_GRAIN = GRAINS.index(("month",)), GRAINS.index(("day",))
# `evaluation_cube` holds each grain twice: as it is, with the month of evaluation blank (the figures over all
# months: a province's 500 providers are 500 rows, not 500 × every month), and at grain + BY_EVAL_MONTH with it.
BY_EVAL_MONTH = 100
_BLANK = {"batch_id": 0, "month": "", "region_id": 0, "size": "", "provider_id": 0, "category_id": 0}
TABLES = {"cube": VoucherCube, "events": VoucherEvent, "cycles": CycleTime, "evaluations": EvaluationCube}
KEYS = {"cube": (*KEY, "status"), "events": (*KEY, "event", "event_month"), "cycles": (*KEY, "series", "days"),
        "evaluations": (*KEY, "eval_month")}
MEASURES = {"cube": ("n", "activated", "face", "extra", "settled", "unserved"), "events": ("n",), "cycles": ("n",),
            "evaluations": ("n", *EVALUATION_SUMS)}
# The tables whose writes invalidate a cached result (history, sessions and drafts do not).
VERSIONED = {m.__tablename__: m for m in (Voucher, Evaluation, ServiceRecord, Withdrawal, Settlement, Product,
                                          Provider, Enterprise, Region, ProductCategory, Engineer)}
SUMMARIES = "summaries"  # the version of the summary tables: moves only when a write changed a figure
_CHOSEN = frozenset(in_order(CHOSEN))
_DELIVERED = frozenset(in_order(DELIVERED_OR_LATER))

SOURCE = (select(Voucher.id, Voucher.batch_id, Voucher.status, Voucher.provider_id, Voucher.face_value, Voucher.price,
                 Voucher.settled_amount, Voucher.issued_at, Voucher.activated_at, Voucher.chosen_at,
                 Voucher.confirmed_at, Voucher.delivered_on, Voucher.settled_on, Enterprise.region_id,
                 Enterprise.size, Product.category_id, Evaluation.created_at.label("evaluated_at"), Evaluation.total,
                 Evaluation.solved, *[getattr(Evaluation, field) for field, _, _ in CRITERIA], Evaluation.improvements,
                 Evaluation.next_focus,
                 select(ServiceRecord.id).where(ServiceRecord.voucher_id == Voucher.id).exists().label("served"))
          .join(Enterprise, Enterprise.id == Voucher.enterprise_id)
          .outerjoin(Product, Product.id == Voucher.product_id)
          .outerjoin(Evaluation, Evaluation.voucher_id == Voucher.id))

Contribution = Counter  # (table, key tuple) -> measures tuple, summed


def month(moment: datetime | date) -> str:
    """'YYYY-MM' of a UTC timestamp in Nanjing time, or of a date."""
    day = clock.local_date(moment) if isinstance(moment, datetime) else moment
    return f"{day.year:04d}-{day.month:02d}"


def cents(amount) -> int:
    """Money in whole fen: sums stay exact on both databases (SQLite would add NUMERIC as floats)."""
    return int((Decimal(amount) * 100).to_integral_value())


def confirm_days(row) -> int | None:
    """Whole days elapsed from 下单 to 确认 (rounded down; None while either is missing)."""
    if row.confirmed_at is None or row.chosen_at is None:
        return None
    return math.floor((row.confirmed_at - row.chosen_at).total_seconds() / 86400)


def deliver_days(row) -> int | None:
    """Nanjing calendar days from 确认 to 交付 (a delivery dated the day of the confirmation is 0)."""
    if row.delivered_on is None or row.confirmed_at is None:
        return None
    return (row.delivered_on - clock.local_date(row.confirmed_at)).days


def evaluation_sums(row) -> tuple:
    """What a voucher's evaluation adds to `evaluation_cube` (n and EVALUATION_SUMS, in order)."""
    buckets = [0] * 10
    buckets[min(row.total // 10, 9)] = 1  # 100 joins [90, 100]
    improvements, focus = set(row.improvements or ()), set(row.next_focus or ())
    return (1, row.total, int(bool(row.solved)), *buckets, *[getattr(row, field) for field, _, _ in CRITERIA],
            *[int(o in improvements) for o in IMPROVEMENTS], *[int(o in focus) for o in NEXT_FOCUS])


def contributions(row, only: tuple[str, int] | None = None,
                  grains: Iterable[int] | None = None) -> Iterator[tuple[str, tuple, tuple]]:
    """What one voucher (a row of SOURCE) adds to each summary: (table, key, measures); `only` (table, grain)
    keeps what one summary at one grain gets (the edge days of a date range), `grains` what every summary gets
    at those grains."""
    if only is not None:
        grains = [only[1] % BY_EVAL_MONTH]
    tables = TABLES if only is None else {only[0]}
    issued = clock.local_date(row.issued_at)
    full = {"batch_id": row.batch_id, "month": month(issued), "region_id": row.region_id, "size": row.size or "",
            "provider_id": row.provider_id or 0, "category_id": row.category_id or 0}
    keys = [(g, *[issued.isoformat() if d == "month" and g == DAY_GRAIN else full[d] if d in GRAINS[g]
                  else _BLANK[d] for d in DIMENSIONS]) for g in (range(len(GRAINS)) if grains is None else grains)]
    face = cents(row.face_value)
    extra = max(cents(row.price) - face, 0) if row.price is not None else 0
    settled = cents(row.settled_amount) if row.settled_amount is not None else 0
    cube = (1, int(row.activated_at is not None), face, extra, settled, int(not row.served))
    for key in keys if "cube" in tables else ():
        yield "cube", (*key, row.status), cube
    for event_, moment, counts in (("chosen", row.chosen_at, row.status in _CHOSEN),
                                   ("delivered", row.delivered_on, row.status in _DELIVERED),
                                   ("settled", row.settled_on, row.status == S.SETTLED)):
        if counts and moment is not None and "events" in tables:
            for key in keys:
                yield "events", (*key, event_, month(moment)), (1,)
    for series, days in (("confirm", confirm_days(row)), ("deliver", deliver_days(row))):
        if days is not None and "cycles" in tables:
            for key in keys:
                yield "cycles", (*key, series, days), (1,)
    if row.total is not None and "evaluations" in tables:
        sums, evaluated = evaluation_sums(row), month(row.evaluated_at)
        for key in keys:
            if only is None or only[1] < BY_EVAL_MONTH:
                yield "evaluations", (*key, ""), sums
            if only is None or only[1] >= BY_EVAL_MONTH:
                yield "evaluations", (key[0] + BY_EVAL_MONTH, *key[1:], evaluated), sums


def total(rows: Iterable, only: tuple[str, int] | None = None,
          grains: Iterable[int] | None = None) -> dict[tuple[str, tuple], tuple]:
    """The summed contributions of `rows` (to one summary at one grain if `only`, to each at `grains`)."""
    out: dict[tuple[str, tuple], tuple] = {}
    grains = None if grains is None else list(grains)
    for row in rows:
        for table, key, measures in contributions(row, only, grains):
            had = out.get((table, key))
            out[(table, key)] = measures if had is None else tuple(a + b for a, b in zip(had, measures, strict=True))
    return out


def _read(conn: Connection, query: Select) -> dict[tuple[str, tuple], tuple]:
    return total(conn.execute(query))


def _apply(conn: Connection, delta: dict[tuple[str, tuple], tuple], *, empty: bool = False) -> None:
    """Add `delta` to the summaries (keys in a fixed order, so that concurrent writers lock rows alike); into
    `empty` tables (a rebuild) as plain multi-row inserts, several times faster than upserts."""
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for name, model in TABLES.items():
        rows = [dict(zip(KEYS[name], key, strict=True)) | dict(zip(MEASURES[name], measures, strict=True))
                for (table, key), measures in sorted(delta.items(), key=lambda item: (item[0][0], str(item[0][1])))
                if table == name and any(measures)]
        if not rows:
            continue
        if empty:
            for start in range(0, len(rows), 5000):
                conn.execute(model.__table__.insert(), rows[start:start + 5000])
            continue
        statement = upsert(model.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=list(KEYS[name]),
            set_={m: model.__table__.c[m] + statement.excluded[m] for m in MEASURES[name]})
        conn.execute(statement, rows)


def middle_days(histogram, by: list[str]) -> Select:
    """Per group of `by` in `histogram` (a subquery with the columns of `by`, days and n > 0): its lower and upper
    middle day, computed by the database. The lower middle value is the first day whose running count reaches half
    the count, the upper one the first day that passes it; their mean is the median."""
    groups = [histogram.c[b] for b in by]
    running = select(*groups, histogram.c.days,
                     func.sum(histogram.c.n).over(partition_by=groups, order_by=histogram.c.days).label("reached"),
                     func.sum(histogram.c.n).over(partition_by=groups).label("count")).subquery()
    groups = [running.c[b] for b in by]
    return select(*groups, func.min(case((2 * running.c.reached >= running.c["count"], running.c.days))),
                  func.min(case((2 * running.c.reached > running.c["count"], running.c.days))),
                  func.max(running.c["count"])).group_by(*groups)


def refresh_medians(conn: Connection, providers: set[int] | None = None) -> int:
    """Recompute `cycle_medians` for `providers` (None: all) from the histograms as this transaction sees them.
    Each provider's rows are locked first, in order, so that of two transactions moving one provider's histogram
    the second reads it after the first's commit (PostgreSQL's READ COMMITTED reads anew at each statement; SQLite
    has one writer at a time) and the medians kept are those of both. Returns how many it keeps of them."""
    t, m = CycleTime.__table__, CycleMedian.__table__
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    histogram = select(t.c.provider_id, t.c.series, t.c.days, cast(t.c.n, Integer).label("n")) \
        .where(t.c.grain == PROVIDER_GRAIN, t.c.n > 0)
    if providers is None:
        conn.execute(delete(m))
    elif not providers:
        return 0
    else:
        statement = upsert(m).on_conflict_do_update(index_elements=["provider_id", "series"], set_={"n": 0})
        conn.execute(statement, [{"provider_id": p, "series": s, "lower": 0, "upper": 0, "n": 0}
                                 for p in sorted(providers) for s in ("confirm", "deliver")])
        histogram = histogram.where(t.c.provider_id.in_(sorted(providers)))
    rows = [{"provider_id": p, "series": s, "lower": int(lower), "upper": int(upper), "n": int(n)}
            for p, s, lower, upper, n in conn.execute(middle_days(histogram.subquery(), ["provider_id", "series"]))]
    if rows:
        statement = upsert(m)
        conn.execute(statement.on_conflict_do_update(
            index_elements=["provider_id", "series"],
            set_={c: statement.excluded[c] for c in ("lower", "upper", "n")}), rows)
    if providers is not None:  # what no longer counts anything (the placeholders left at 0)
        conn.execute(delete(m).where(m.c.provider_id.in_(sorted(providers)), m.c.n == 0))
    return len(rows)


def bump(conn: Connection, tables: Iterable[str]) -> None:
    """One more write to each of `tables` (the cache keys of what reads them)."""
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for name in sorted(set(tables)):
        statement = upsert(TableVersion.__table__).values(name=name, version=1)
        conn.execute(statement.on_conflict_do_update(
            index_elements=["name"], set_={"version": TableVersion.__table__.c.version + 1}))
    if (seen := _SEEN.get()) is not None:
        seen.clear()  # this thread's own write (bumped just before its commit): the next reading asks again


# The versions read during `one_reading` (empty: not read yet, or a write of this thread moved them since).
_SEEN: ContextVar[dict[str, int] | None] = ContextVar("table_versions_seen", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Within (one page run): `versions` reads the table from the database once and answers from that reading,
    until a write of this thread moves a version; a statistics page asked once per statistic. Other sessions'
    writes show at the next reading (the next run), as they would have a moment later anyway."""
    token = _SEEN.set({})
    try:
        yield
    finally:
        _SEEN.reset(token)


def remembered(tables: Iterable[str]) -> tuple[int, ...] | None:
    """The versions of `tables` as this run's reading holds them; None when there is none to answer from."""
    seen = _SEEN.get()
    return tuple(seen.get(n, 0) for n in sorted(set(tables))) if seen else None


def versions(conn: Connection, tables: Iterable[str]) -> tuple[int, ...]:
    """The versions of `tables` from the database; within `one_reading`, every version is read and kept (callers
    ask `remembered` first, before opening a connection)."""
    names = sorted(set(tables))
    seen = _SEEN.get()
    if seen is None:
        query = select(TableVersion.name, TableVersion.version).where(TableVersion.name.in_(names))
        found = dict(conn.execute(query).all())
        return tuple(found.get(n, 0) for n in names)
    seen.update(conn.execute(select(TableVersion.name, TableVersion.version)).all())
    seen[""] = 0  # read (a database without writes has no rows)
    return tuple(seen.get(n, 0) for n in names)


def rebuild(conn: Connection) -> int:
    """Recompute every summary from the base tables; returns the number of summary rows."""
    for model in TABLES.values():
        conn.execute(delete(model))
    summed = _read(conn, SOURCE.execution_options(yield_per=20_000))
    _apply(conn, summed, empty=True)
    medians = refresh_medians(conn)
    bump(conn, [*VERSIONED, SUMMARIES])
    return len(summed) + medians


def fill_grain(conn: Connection, grain: int) -> int:
    """Recompute every summary at `grain` alone from the base tables (a migration that adds a grain: the others
    stay as kept); returns the number of rows."""
    for model in TABLES.values():
        conn.execute(delete(model).where(model.grain.in_([grain, grain + BY_EVAL_MONTH])))
    summed = total(conn.execute(SOURCE.execution_options(yield_per=20_000)), grains=[grain])
    _apply(conn, summed, empty=True)
    bump(conn, [SUMMARIES])
    return len(summed)


def read_all(conn: Connection) -> dict[tuple[str, tuple], tuple]:
    """The summaries as stored (rows whose measures are all zero left out), for comparing with `rebuild`."""
    out = {}
    for name, model in TABLES.items():
        columns = [model.__table__.c[c] for c in (*KEYS[name], *MEASURES[name])]
        for row in conn.execute(select(*columns)):
            key, measures = tuple(row[:len(KEYS[name])]), tuple(row[len(KEYS[name]):])
            if any(measures):
                out[(name, key)] = tuple(measures)
    m = CycleMedian.__table__
    out |= {("medians", (p, s)): (lower, upper, n) for p, s, lower, upper, n in conn.execute(select(m))}
    return out


# ---------------------------------------------------------------- kept in every write's transaction (lib.derived)

def _changed(obj, attributes: tuple[str, ...]) -> bool:
    state = inspect_(obj)
    return any(state.attrs[a].history.has_changes() for a in attributes)


def capture(session: Session, conn: Connection, seen: set) -> tuple[set, dict]:
    """The contributions, as the database holds them before this flush, of the vouchers it can change that the
    transaction has not met yet (`seen`: met already, or created by it)."""
    ids = {o.id for o in (*session.dirty, *session.deleted) if isinstance(o, Voucher) and o.id is not None}
    enterprises = [o.id for o in session.dirty if isinstance(o, Enterprise) and _changed(o, ("region_id", "size"))]
    products = [o.id for o in session.dirty if isinstance(o, Product) and _changed(o, ("category_id",))]
    ids |= {o.voucher_id for o in (*session.new, *session.dirty, *session.deleted)  # an evaluation's sums, and
            if isinstance(o, (Evaluation, ServiceRecord)) and o.voucher_id is not None}  # whether any record exists
    if enterprises:
        ids |= set(conn.scalars(select(Voucher.id).where(Voucher.enterprise_id.in_(enterprises))))
    if products:
        ids |= set(conn.scalars(select(Voucher.id).where(Voucher.product_id.in_(products))))
    ids -= seen
    return ids, _read_ids(conn, ids)


def _read_ids(conn: Connection, ids: set) -> dict[tuple[str, tuple], tuple]:
    out: dict[tuple[str, tuple], tuple] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 1000):
        for key, measures in _read(conn, SOURCE.where(Voucher.id.in_(ordered[start:start + 1000]))).items():
            had = out.get(key)
            out[key] = measures if had is None else tuple(a + b for a, b in zip(had, measures, strict=True))
    return out


def apply_changes(conn: Connection, ids: set, old: dict) -> bool:
    """Add what the transaction changed: the vouchers' contributions now minus `old` (theirs before it); True
    if a figure changed."""
    if not ids:
        return False
    delta = dict(_read_ids(conn, ids))
    for key, measures in old.items():
        had = delta.get(key)
        delta[key] = tuple(-m for m in measures) if had is None else tuple(a - b for a, b in zip(had, measures,
                                                                                               strict=True))
    _apply(conn, delta)
    refresh_medians(conn, {k[KEYS["cycles"].index("provider_id")] for (t, k), m in delta.items()
                            if t == "cycles" and k[0] == PROVIDER_GRAIN and any(m)})
    # `unserved` is read by 需要跟进 only, which is cached on the vouchers and service records themselves: a first
    # service record moves it without moving a figure the other statistics show, and leaves them cached.
    shown = {(t, k): m[:MEASURES["cube"].index("unserved")] if t == "cube" else m for (t, k), m in delta.items()}
    return any(any(m) for m in shown.values())
