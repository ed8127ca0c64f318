"""The statistics' reading of the summary tables (lib.summaries) for one actor and the filters of DESIGN.md §6.

Whole months come from the summaries: O(groups) rows whatever the number of vouchers. When a date range starts
or ends inside a month, its edge days come from the summaries' day grain if the date is the only dimension the
figure needs (the commission's figures filtered by 发放日期 alone); otherwise, with a filter that narrows them (a
区域, a 服务商…), the vouchers of those days are read from the base tables through `ix_vouchers_issued_at` and
summed with the same `summaries.contributions`, so that every part agrees.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import Integer, cast, false, func, or_, select

from lib import clock, db, summaries, todo, validation
from lib.actors import Actor
from lib.derived_models import CycleMedian
from lib.labels import Role
from lib.models import Batch, Enterprise, Product, Voucher
from lib.stats.scope import StatsFilters

BASE_COLUMNS = {"batch_id": Voucher.batch_id, "region_id": Enterprise.region_id, "size": Enterprise.size,
                "provider_id": Voucher.provider_id, "category_id": Product.category_id}


def conditions(columns, actor: Actor, f: StatsFilters) -> list:
    """What the actor may count, filtered, on summary columns (`table.c`) or on the base tables."""
    out = []
    if actor.role == Role.PROVIDER:
        out.append(db.belongs_to(columns["provider_id"], actor.provider_id))
    elif actor.role != Role.COMMISSION:
        out.append(false())
    elif f.provider_id is not None:
        out.append(columns["provider_id"] == f.provider_id)
    if f.batch_year is not None:
        out.append(columns["batch_id"].in_(select(Batch.id).where(Batch.year == f.batch_year)))
    for name, value in (("region_id", f.region_id), ("category_id", f.category_id), ("size", f.size or None)):
        if value is not None:
            out.append(columns[name] == value)
    return out


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def split(f: StatsFilters) -> tuple[tuple[str, str] | None, list[tuple[date, date]]]:
    """The issue months read whole from the summaries ((first, last), or None for none) and the day ranges
    at the edges read from the vouchers."""
    start, end = f.start, f.end
    if start is not None and end is not None and start > end:
        return None, []
    first = start if start is None or start.day == 1 else _first_of_next_month(start)
    last = end if end is None or (end + timedelta(days=1)).day == 1 else end.replace(day=1) - timedelta(days=1)
    if first is not None and last is not None and first > last:
        return None, [(start, end)]
    edges = []
    if start is not None and first != start:
        edges.append((start, first - timedelta(days=1)))
    if end is not None and last != end:
        edges.append((last + timedelta(days=1), end))
    return (summaries.month(first) if first else "", summaries.month(last) if last else "9999-12"), edges


def grain_for(actor: Actor, f: StatsFilters, by: list[str]) -> int:
    """The smallest grain of the summaries that holds every dimension the filters and the grouping need."""
    needed = {d for d in by if d in summaries.DIMENSIONS}
    needed |= {d for d, value in (("batch_id", f.batch_year), ("region_id", f.region_id), ("size", f.size or None),
                                  ("category_id", f.category_id), ("month", f.start or f.end)) if value is not None}
    if actor.role == Role.PROVIDER or f.provider_id is not None:
        needed.add("provider_id")
    return next(g for g, dims in enumerate(summaries.GRAINS) if needed <= set(dims))


def summed(name: str, actor: Actor, f: StatsFilters, by: list[str]) -> pd.DataFrame:
    """Summary `name` (a key of lib.summaries.TABLES) summed by its key columns `by` (none: one row of totals),
    for the actor and filters."""
    model, measures = summaries.TABLES[name], summaries.MEASURES[name]
    t = model.__table__
    months, edges = split(f)
    grain = grain_for(actor, f, by) + (summaries.BY_EVAL_MONTH if "eval_month" in by else 0)
    rows: list[tuple] = []
    if months is not None:
        query = (select(*[t.c[b] for b in by], *[func.sum(t.c[m]) for m in measures])
                 .where(t.c.grain == grain, *conditions(t.c, actor, f)).group_by(*by))
        if f.start or f.end:  # the whole months inside the range (the grain holds months then)
            query = query.where(t.c.month >= months[0], t.c.month <= months[1])
        with db.read_session() as session:
            rows = [tuple(r) for r in session.execute(query)]
    frame = pd.DataFrame(rows, columns=[*by, *measures])
    if edges:
        frame = pd.concat([frame, _edges(name, grain, actor, f, by, edges)], ignore_index=True)
        frame = (frame.groupby(by, as_index=False, sort=False)[list(measures)].sum() if by
                 else frame[list(measures)].fillna(0).sum().to_frame().T)
    for m in measures:
        frame[m] = [int(x or 0) for x in frame[m]]
    return frame


def median_days(actor: Actor, f: StatsFilters, by: list[str]) -> pd.DataFrame:
    """The exact median of `cycle_times`' days per `by` (over the whole months of the filters; a group with nothing
    counted has no row), computed by the database from the day histograms (`summaries.middle_days`): one row per
    group reaches Python instead of one per day of every group. 服务商排行 over every month is read as kept at each
    write (`cycle_medians`)."""
    months, _ = split(f)
    if months is None:
        return pd.DataFrame(columns=[*by, "median"])
    grain = grain_for(actor, f, [*by, "days"])
    if by == ["provider_id", "series"] and grain == summaries.PROVIDER_GRAIN and not (f.start or f.end):
        m = CycleMedian.__table__
        query = select(m.c.provider_id, m.c.series, m.c.lower, m.c.upper, m.c.n).where(
            *conditions({"provider_id": m.c.provider_id}, actor, f))
    else:
        t = summaries.TABLES["cycles"].__table__
        # the day counts as integers: PostgreSQL sums BIGINT into NUMERIC, and running sums of NUMERIC cost a third
        histogram = (select(*[t.c[b] for b in by], t.c.days, cast(func.sum(t.c.n), Integer).label("n"))
                     .where(t.c.grain == grain, *conditions(t.c, actor, f))
                     .group_by(*[t.c[b] for b in by], t.c.days).having(func.sum(t.c.n) > 0))
        if f.start or f.end:
            histogram = histogram.where(t.c.month >= months[0], t.c.month <= months[1])
        query = summaries.middle_days(histogram.subquery(), by)
    with db.read_session() as session:
        rows = [(*key, round((int(lower) + int(upper)) / 2, 1)) for *key, lower, upper, _ in session.execute(query)]
    return pd.DataFrame(rows, columns=[*by, "median"])


def _edges(name: str, grain: int, actor: Actor, f: StatsFilters, by: list[str],
           edges: list[tuple[date, date]]) -> pd.DataFrame:
    measures = summaries.MEASURES[name]
    if grain % summaries.BY_EVAL_MONTH == summaries.MONTH_GRAIN:  # the date alone: the day grain holds it
        t = summaries.TABLES[name].__table__
        groups = [func.substr(t.c.month, 1, 7) if b == "month" else t.c[b] for b in by]  # a day's month
        days = [t.c.month.between(first.isoformat(), last.isoformat()) for first, last in edges]
        query = (select(*groups, *[func.sum(t.c[m]) for m in measures])
                 .where(t.c.grain == grain - summaries.MONTH_GRAIN + summaries.DAY_GRAIN, or_(*days),
                        *conditions(t.c, actor, f))
                 .group_by(*groups))
        with db.read_session() as session:
            return pd.DataFrame([tuple(r) for r in session.execute(query)], columns=[*by, *measures])
    positions = [summaries.KEYS[name].index(b) for b in by]
    found = []
    with db.read_session() as session:
        for first, last in edges:
            query = summaries.SOURCE.where(*conditions(BASE_COLUMNS, actor, f),
                                           Voucher.issued_at >= clock.day_start(first),
                                           Voucher.issued_at < clock.day_start(last + timedelta(days=1)))
            for (_, key), values in summaries.total(session.execute(query), only=(name, grain)).items():
                found.append((*[key[p] for p in positions], *values))
    return pd.DataFrame(found, columns=[*by, *measures])


def count(actor: Actor, f: StatsFilters, status: str | None = None) -> int:
    """How many vouchers the actor may see match the filters (and `status`): a list's total without a scan."""
    c = summed("cube", actor, f, ["status"])
    return int(c.loc[c["status"] == status, "n"].sum() if status else c["n"].sum())


def list_total(actor: Actor, filters) -> int | None:
    """A voucher list's total (lib.queries.VoucherFilters) from the summaries when its filters are among their
    keys, else None (a number prefix, a name or a 待办 item is counted on the vouchers)."""
    if (actor.role not in (Role.COMMISSION, Role.PROVIDER) or validation.scrub(filters.number)
            or validation.scrub(filters.enterprise_name, fold=False) or filters.todo in todo.VOUCHER_TODOS
            or (actor.role == Role.PROVIDER and filters.provider_id not in (None, actor.provider_id))):
        return None
    return count(actor, StatsFilters(region_id=filters.region_id, provider_id=filters.provider_id,
                                     category_id=filters.category_id), filters.status)


def money(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def names(model, ids) -> dict[int, str]:
    """{id: name} of 区域, 服务商 or 产品类别 for the ids present."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    with db.read_session() as session:
        return dict(session.execute(select(model.id, model.name).where(model.id.in_(wanted))).all())

