"""服务券统计 (DESIGN.md §6): every number is aggregated in SQL over the filtered, actor-scoped vouchers;
functions return small DataFrames or dicts, never the voucher table."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import DateTime, Integer, Select, case, cast, func, literal, select
from sqlalchemy.sql import ColumnElement, Subquery

from lib import clock, db
from lib.actors import Actor
from lib.labels import Role
from lib.models import (
    Batch,
    Enterprise,
    History,
    Product,
    ProductCategory,
    Provider,
    Region,
    ServiceRecord,
    Voucher,
)
from lib.workflow import STATUS_LABELS, VoucherStatus

S = VoucherStatus
USED = [S.PENDING_CONFIRM, S.CONFIRMED, S.DELIVERED, S.EVALUATED, S.SETTLED]  # a product is chosen
CONFIRMED_ON = [S.CONFIRMED, S.DELIVERED, S.EVALUATED, S.SETTLED]
DELIVERED_ON = [S.DELIVERED, S.EVALUATED, S.SETTLED]
EVALUATED_ON = [S.EVALUATED, S.SETTLED]
DEFINITIONS = {
    "激活率": "激活过的服务券 ÷ 发放的服务券",
    "使用率": "已选择产品（待购买确认及以后，不含作废）÷ 发放的服务券",
    "交付率": "已交付及以后 ÷ 已选择产品",
    "补贴金额（已承诺）": "已选择产品的服务券面额之和",
    "补贴金额（已交付）": "已交付及以后的服务券面额之和",
    "补贴金额（已兑付）": "实际兑付金额之和",
    "带动企业投入": "已选择产品的服务券 Σ(价格 − 面额)，不计负数",
}


@dataclass(frozen=True)
class StatsFilters:
    batch_year: int | None = None
    start: date | None = None  # issued on or after this Nanjing date
    end: date | None = None  # issued on or before
    region_id: int | None = None
    provider_id: int | None = None  # the commission's filter; a provider is always scoped to itself
    category_id: int | None = None
    size: str | None = None


NO_FILTERS = StatsFilters()


# ---------------------------------------------------------------- dialect helpers

def _pg() -> bool:
    return db.get_engine().dialect.name == "postgresql"


def month_of(column) -> ColumnElement:
    """'YYYY-MM' of a UTC timestamp or a date, in Nanjing time."""
    if _pg():
        return func.to_char(func.timezone("Asia/Shanghai", cast(column, DateTime(timezone=True))), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def days_between(later, earlier) -> ColumnElement:
    """Fractional days from `earlier` to `later` (timestamps or dates)."""
    if _pg():
        return func.extract("epoch", cast(later, DateTime(timezone=True)) - cast(earlier, DateTime(timezone=True))) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def whole(value) -> ColumnElement:
    """Round a non-negative number down to an integer (SQLite may lack floor())."""
    if _pg():
        return cast(func.floor(value), Integer)
    return cast(value, Integer)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.LOCAL_TZ)


# ---------------------------------------------------------------- the filtered set

def scoped(actor: Actor, f: StatsFilters, *, needs: frozenset[str] = frozenset()) -> Subquery:
    """The vouchers the actor may count, filtered, as a subquery `v`. Enterprise, region and product
    columns are joined only when a filter or the caller (`needs`: "enterprise", "region", "category")
    asks for them: on a million vouchers each unneeded join costs about a second on SQLite."""
    enterprise = bool(needs & {"enterprise", "region"}) or f.region_id is not None or bool(f.size)
    region = "region" in needs
    product = "category" in needs or f.category_id is not None
    columns = [Voucher.id, Voucher.number, Voucher.status, Voucher.provider_id, Voucher.enterprise_id,
               Voucher.face_value, Voucher.price, Voucher.issued_at, Voucher.activated_at, Voucher.chosen_at,
               Voucher.confirmed_at, Voucher.contract_date, Voucher.delivered_on, Voucher.evaluated_at,
               Voucher.settled_on, Voucher.settled_amount, Voucher.expires_at, Voucher.withdrawal_pending]
    if enterprise:
        columns += [Enterprise.name.label("enterprise_name"), Enterprise.region_id, Enterprise.size]
    if region:
        columns.append(Region.name.label("region"))
    if product:
        columns.append(Product.category_id)
    query = select(*columns)
    if enterprise:
        query = query.join(Enterprise, Voucher.enterprise_id == Enterprise.id)
    if region:
        query = query.join(Region, Enterprise.region_id == Region.id)
    if product:
        query = query.outerjoin(Product, Voucher.product_id == Product.id)
    if actor.role == Role.PROVIDER:
        query = query.where(db.belongs_to(Voucher.provider_id, actor.provider_id))
    elif actor.role != Role.COMMISSION:
        query = query.where(literal(False))
    elif f.provider_id is not None:
        query = query.where(Voucher.provider_id == f.provider_id)
    if f.batch_year is not None:
        query = query.where(Voucher.batch_id.in_(select(Batch.id).where(Batch.year == f.batch_year)))
    if f.start:
        query = query.where(Voucher.issued_at >= _day_start(f.start))
    if f.end:
        query = query.where(Voucher.issued_at < _day_start(f.end + timedelta(days=1)))
    if f.region_id is not None:
        query = query.where(Enterprise.region_id == f.region_id)
    if f.category_id is not None:
        query = query.where(Product.category_id == f.category_id)
    if f.size:
        query = query.where(Enterprise.size == f.size)
    return query.subquery("v")


def _frame(query: Select, columns: list[str]) -> pd.DataFrame:
    with db.read_session() as session:
        return pd.DataFrame(session.execute(query).all(), columns=columns)


def _count_if(condition) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def _sum_if(condition, value) -> ColumnElement:
    return func.sum(case((condition, value)))


def _rate(part: int, whole_: int) -> float | None:
    return round(part / whole_, 4) if whole_ else None


# ---------------------------------------------------------------- KPIs and charts

def kpis(actor: Actor, f: StatsFilters = NO_FILTERS) -> dict:
    v = scoped(actor, f)
    extra = case((v.c.price > v.c.face_value, v.c.price - v.c.face_value), else_=0)
    query = select(
        func.count().label("issued"),
        *[_count_if(v.c.status == s).label(f"n_{s}") for s in S],
        _count_if(v.c.activated_at.is_not(None)).label("ever_activated"),
        _count_if(v.c.status.in_(USED)).label("used"),
        _count_if(v.c.status.in_(DELIVERED_ON)).label("delivered_on"),
        _sum_if(v.c.status.in_(USED), v.c.face_value).label("committed"),
        _sum_if(v.c.status.in_(DELIVERED_ON), v.c.face_value).label("delivered_amount"),
        func.sum(v.c.settled_amount).label("settled_amount"),
        _sum_if(v.c.status.in_(USED), extra).label("leverage"),
    )  # a sum over no rows is NULL: `or 0` below makes it 0
    with db.read_session() as session:
        row = session.execute(query).mappings().one()
    out = {k: (row[k] or 0) for k in row.keys() if not k.startswith("n_")}
    out["by_status"] = {S(k[2:]): int(row[k] or 0) for k in row.keys() if k.startswith("n_")}
    out["activation_rate"] = _rate(out["ever_activated"], out["issued"])
    out["use_rate"] = _rate(out["used"], out["issued"])
    out["delivery_rate"] = _rate(out["delivered_on"], out["used"])
    return out


def funnel(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    v = scoped(actor, f)
    stages = [("发放", literal(True)), ("激活", v.c.activated_at.is_not(None)), ("选择产品", v.c.status.in_(USED)),
              ("确认", v.c.status.in_(CONFIRMED_ON)), ("交付", v.c.status.in_(DELIVERED_ON)),
              ("评价", v.c.status.in_(EVALUATED_ON)), ("兑付", v.c.status == S.SETTLED)]
    with db.read_session() as session:
        row = session.execute(select(*[_count_if(c) for _, c in stages])).one()
    return pd.DataFrame({"stage": [s for s, _ in stages], "count": [int(x or 0) for x in row]})


def region_status(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Vouchers per 区域 and 状态."""
    v = scoped(actor, f, needs=frozenset({"region"}))
    frame = _frame(select(v.c.region, v.c.status, func.count()).group_by(v.c.region, v.c.status)
                   .order_by(v.c.region), ["region", "status", "count"])
    frame["status_label"] = frame["status"].map(lambda s: STATUS_LABELS[S(s)])
    return frame


def region_rates(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    v = scoped(actor, f, needs=frozenset({"region"}))
    frame = _frame(select(v.c.region, func.count(), _count_if(v.c.status.in_(USED)), _count_if(v.c.status.in_(DELIVERED_ON)))
                   .group_by(v.c.region).order_by(v.c.region), ["region", "issued", "used", "delivered"])
    frame["delivery_rate"] = [_rate(d, u) for d, u in zip(frame["delivered"], frame["used"], strict=True)]
    return frame


def _medians(v, value, label: str) -> Subquery:
    """Per provider, the median of `value` (NULLs skipped), with window functions only (portable)."""
    ranked = (select(v.c.provider_id, value.label("d"),
                     func.row_number().over(partition_by=v.c.provider_id, order_by=value).label("rn"),
                     func.count().over(partition_by=v.c.provider_id).label("cnt"))
              .where(v.c.provider_id.is_not(None), value.is_not(None))).subquery()
    # Floor division: SQLAlchemy 2's `/` divides integers exactly, which would miss the lower middle row.
    middle = (ranked.c.rn == (ranked.c.cnt + 1) // 2) | (ranked.c.rn == (ranked.c.cnt + 2) // 2)
    return (select(ranked.c.provider_id, func.avg(ranked.c.d).label(label)).where(middle)
            .group_by(ranked.c.provider_id).subquery())


def provider_league(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """服务商 league: bound, delivered, 交付率, median days 下单→确认 and 确认→交付."""
    v = scoped(actor, f)
    confirm = _medians(v, days_between(v.c.confirmed_at, v.c.chosen_at), "to_confirm")
    deliver = _medians(v, days_between(v.c.delivered_on, v.c.confirmed_at), "to_deliver")
    counts = (select(v.c.provider_id, _count_if(v.c.status.in_(USED)).label("bound"),
                     _count_if(v.c.status.in_(DELIVERED_ON)).label("delivered"))
              .where(v.c.provider_id.is_not(None)).group_by(v.c.provider_id)).subquery()
    query = (select(Provider.id, Provider.name, counts.c.bound, counts.c.delivered, confirm.c.to_confirm, deliver.c.to_deliver)
             .join(counts, counts.c.provider_id == Provider.id)
             .outerjoin(confirm, confirm.c.provider_id == Provider.id)
             .outerjoin(deliver, deliver.c.provider_id == Provider.id)
             .order_by(counts.c.bound.desc(), Provider.name))
    frame = _frame(query, ["provider_id", "provider", "bound", "delivered", "to_confirm", "to_deliver"])
    frame["delivery_rate"] = [_rate(d, b) for d, b in zip(frame["delivered"], frame["bound"], strict=True)]
    for col in ("to_confirm", "to_deliver"):
        frame[col] = frame[col].map(lambda x: None if x is None or pd.isna(x) else round(float(x), 1))
    return frame


def category_share(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    v = scoped(actor, f, needs=frozenset({"category"}))
    return _frame(select(ProductCategory.name, func.count()).join(v, v.c.category_id == ProductCategory.id)
                  .where(v.c.status.in_(USED)).group_by(ProductCategory.name).order_by(func.count().desc()),
                  ["category", "count"])


def monthly(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Per month: issued, products chosen (by choice date), delivered and settled."""
    v = scoped(actor, f)
    parts = []
    for label, column, condition in [("发放", v.c.issued_at, None), ("选择产品", v.c.chosen_at, v.c.status.in_(USED)),
                                     ("交付", v.c.delivered_on, v.c.status.in_(DELIVERED_ON)),
                                     ("兑付", v.c.settled_on, v.c.status == S.SETTLED)]:
        month = month_of(column)
        query = select(month, func.count()).where(column.is_not(None)).group_by(month)
        if condition is not None:
            query = query.where(condition)
        frame = _frame(query, ["month", "count"])
        frame["series"] = label
        parts.append(frame)
    return pd.concat(parts, ignore_index=True).sort_values(["month", "series"], ignore_index=True)


def cycle_times(actor: Actor, f: StatsFilters = NO_FILTERS, cap: int = 30) -> pd.DataFrame:
    """How many vouchers took 0, 1, …, `cap`+ whole days from 下单 to 确认 and from 确认 to 交付."""
    v = scoped(actor, f)
    parts = []
    for label, value in [("下单→确认", days_between(v.c.confirmed_at, v.c.chosen_at)),
                         ("确认→交付", days_between(v.c.delivered_on, v.c.confirmed_at))]:
        bucket = case((value >= cap, cap), (value < 0, 0), else_=whole(value))
        frame = _frame(select(bucket, func.count()).where(value.is_not(None)).group_by(bucket).order_by(bucket),
                       ["days", "count"])
        frame["series"] = label
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def ageing(actor: Actor, f: StatsFilters = NO_FILTERS, *, now: datetime | None = None, limit: int = 200) -> dict:
    """Vouchers worth chasing: name → DataFrame(number, enterprise_name, region, status, since)."""
    now = now or clock.utcnow()
    v = scoped(actor, f, needs=frozenset({"region"}))
    has_service = select(ServiceRecord.id).where(ServiceRecord.voucher_id == v.c.id).exists()
    lists = {
        "待购买确认超过3天": (v.c.status == S.PENDING_CONFIRM) & (v.c.chosen_at < now - timedelta(days=3)),
        "已确认超过14天仍无服务记录": (v.c.status == S.CONFIRMED) & (v.c.confirmed_at < now - timedelta(days=14)) & ~has_service,
        "7天内到期": v.c.status.in_([S.ISSUED, S.ACTIVATED]) & (v.c.expires_at < now + timedelta(days=7)),
        "撤回待审核": v.c.withdrawal_pending.is_(True),
    }
    out = {}
    for name, condition in lists.items():
        frame = _frame(select(v.c.number, v.c.enterprise_name, v.c.region, v.c.status, v.c.chosen_at, v.c.confirmed_at,
                              v.c.expires_at).where(condition).order_by(v.c.number).limit(limit),
                       ["number", "enterprise_name", "region", "status", "chosen_at", "confirmed_at", "expires_at"])
        frame["status_label"] = frame["status"].map(lambda s: STATUS_LABELS[S(s)])
        with db.read_session() as session:
            total = session.scalar(select(func.count()).select_from(v).where(condition))
        out[name] = (frame, total)
    return out


def data_version() -> int:
    """Changes whenever anything is written (every write appends a history row): a cache key."""
    with db.read_session() as session:
        return session.scalar(select(func.max(History.id))) or 0


def filter_options() -> dict:
    """Choices for the filter widgets."""
    with db.read_session() as session:
        return {
            "years": list(session.scalars(select(Batch.year).order_by(Batch.year.desc()))),
            "regions": dict(session.execute(select(Region.id, Region.name).order_by(Region.kind.desc(), Region.sort_order)).all()),
            "providers": dict(session.execute(select(Provider.id, Provider.name).order_by(Provider.name)).all()),
            "categories": dict(session.execute(select(ProductCategory.id, ProductCategory.name)
                                               .order_by(ProductCategory.sort_order)).all()),
        }


