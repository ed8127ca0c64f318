"""服务券统计 (DESIGN.md §6): every number is aggregated in SQL over the filtered, actor-scoped vouchers;
functions return small DataFrames or dicts, never the voucher table."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import case, func, literal, select
from sqlalchemy.sql import Subquery

from lib import clock, db
from lib.actors import Actor
from lib.models import ProductCategory, Provider, ServiceRecord
from lib.stats.scope import (
    NO_FILTERS,
    StatsFilters,
    calendar_days,
    count_if,
    days_between,
    every_month,
    month_of,
    rate,
    read_frame,
    scoped,
    sum_if,
    whole,
)
from lib.todo import EXPIRY_WARNING_DAYS
from lib.workflow import (
    CHOSEN,
    CONFIRMED_OR_LATER,
    DELIVERED_OR_LATER,
    EVALUATED_OR_LATER,
    EXPIRING,
    STATUS_LABELS,
    VoucherStatus,
    in_order,
)

S = VoucherStatus
DEFINITIONS = {
    "激活率": "激活过的服务券 ÷ 发放的服务券",
    "使用率": "已选择产品（待购买确认及以后，不含作废）÷ 发放的服务券",
    "交付率": "已交付及以后 ÷ 已选择产品",
    "补贴金额（已承诺）": "已选择产品的服务券面额之和",
    "补贴金额（已交付）": "已交付及以后的服务券面额之和",
    "补贴金额（已兑付）": "实际兑付金额之和",
    "带动企业投入": "已选择产品的服务券 Σ(价格 − 面额)，不计负数",
}


# ---------------------------------------------------------------- KPIs and charts

def kpis(actor: Actor, f: StatsFilters = NO_FILTERS) -> dict:
    v = scoped(actor, f)
    extra = case((v.c.price > v.c.face_value, v.c.price - v.c.face_value), else_=0)
    query = select(
        func.count().label("issued"),
        *[count_if(v.c.status == s).label(f"n_{s}") for s in S],
        count_if(v.c.activated_at.is_not(None)).label("ever_activated"),
        count_if(v.c.status.in_(in_order(CHOSEN))).label("used"),
        count_if(v.c.status.in_(in_order(DELIVERED_OR_LATER))).label("delivered_on"),
        sum_if(v.c.status.in_(in_order(CHOSEN)), v.c.face_value).label("committed"),
        sum_if(v.c.status.in_(in_order(DELIVERED_OR_LATER)), v.c.face_value).label("delivered_amount"),
        func.sum(v.c.settled_amount).label("settled_amount"),
        sum_if(v.c.status.in_(in_order(CHOSEN)), extra).label("leverage"),
    )  # a sum over no rows is NULL: `or 0` below makes it 0
    with db.read_session() as session:
        row = session.execute(query).mappings().one()
    out = {k: (row[k] or 0) for k in row.keys() if not k.startswith("n_")}
    out["by_status"] = {S(k[2:]): int(row[k] or 0) for k in row.keys() if k.startswith("n_")}
    out["activation_rate"] = rate(out["ever_activated"], out["issued"])
    out["use_rate"] = rate(out["used"], out["issued"])
    out["delivery_rate"] = rate(out["delivered_on"], out["used"])
    return out


def funnel(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    v = scoped(actor, f)
    stages = [("发放", literal(True)), ("激活", v.c.activated_at.is_not(None)),
              ("选择产品", v.c.status.in_(in_order(CHOSEN))),
              ("确认", v.c.status.in_(in_order(CONFIRMED_OR_LATER))),
              ("交付", v.c.status.in_(in_order(DELIVERED_OR_LATER))),
              ("评价", v.c.status.in_(in_order(EVALUATED_OR_LATER))), ("兑付", v.c.status == S.SETTLED)]
    with db.read_session() as session:
        row = session.execute(select(*[count_if(c) for _, c in stages])).one()
    return pd.DataFrame({"stage": [s for s, _ in stages], "count": [int(x or 0) for x in row]})


def region_status(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Vouchers per 区域 and 状态."""
    v = scoped(actor, f, needs=frozenset({"region"}))
    frame = read_frame(select(v.c.region, v.c.status, func.count()).group_by(v.c.region, v.c.status)
                   .order_by(v.c.region), ["region", "status", "count"])
    frame["status_label"] = frame["status"].map(lambda s: STATUS_LABELS[S(s)])
    return frame


def region_rates(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    v = scoped(actor, f, needs=frozenset({"region"}))
    frame = read_frame(select(v.c.region, func.count(), count_if(v.c.status.in_(in_order(CHOSEN))),
                              count_if(v.c.status.in_(in_order(DELIVERED_OR_LATER))))
                   .group_by(v.c.region).order_by(v.c.region), ["region", "issued", "used", "delivered"])
    frame["delivery_rate"] = [rate(d, u) for d, u in zip(frame["delivered"], frame["used"], strict=True)]
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
    deliver = _medians(v, calendar_days(v.c.delivered_on, v.c.confirmed_at), "to_deliver")
    counts = (select(v.c.provider_id, count_if(v.c.status.in_(in_order(CHOSEN))).label("bound"),
                     count_if(v.c.status.in_(in_order(DELIVERED_OR_LATER))).label("delivered"))
              .where(v.c.provider_id.is_not(None)).group_by(v.c.provider_id)).subquery()
    query = (select(Provider.id, Provider.name, counts.c.bound, counts.c.delivered, confirm.c.to_confirm,
                    deliver.c.to_deliver)
             .join(counts, counts.c.provider_id == Provider.id)
             .outerjoin(confirm, confirm.c.provider_id == Provider.id)
             .outerjoin(deliver, deliver.c.provider_id == Provider.id)
             .order_by(counts.c.bound.desc(), Provider.name))
    frame = read_frame(query, ["provider_id", "provider", "bound", "delivered", "to_confirm", "to_deliver"])
    frame["delivery_rate"] = [rate(d, b) for d, b in zip(frame["delivered"], frame["bound"], strict=True)]
    for col in ("to_confirm", "to_deliver"):
        frame[col] = frame[col].map(lambda x: None if pd.isna(x) else round(float(x), 1))
    return frame


def category_share(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    v = scoped(actor, f, needs=frozenset({"category"}))
    return read_frame(select(ProductCategory.name, func.count()).join(v, v.c.category_id == ProductCategory.id)
                  .where(v.c.status.in_(in_order(CHOSEN))).group_by(ProductCategory.name).order_by(func.count().desc()),
                  ["category", "count"])


def monthly(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Per month: issued, products chosen (by choice date), delivered and settled."""
    v = scoped(actor, f)
    parts = []
    for label, column, condition in [("发放", v.c.issued_at, None),
                                     ("选择产品", v.c.chosen_at, v.c.status.in_(in_order(CHOSEN))),
                                     ("交付", v.c.delivered_on, v.c.status.in_(in_order(DELIVERED_OR_LATER))),
                                     ("兑付", v.c.settled_on, v.c.status == S.SETTLED)]:
        month = month_of(column)
        query = select(month, func.count()).where(column.is_not(None)).group_by(month)
        if condition is not None:
            query = query.where(condition)
        frame = read_frame(query, ["month", "count"])
        frame["series"] = label
        parts.append(frame)
    return every_month(pd.concat(parts, ignore_index=True), by="series", zero=("count",))


def cycle_times(actor: Actor, f: StatsFilters = NO_FILTERS, cap: int = 30) -> pd.DataFrame:
    """How many vouchers took 0, 1, …, `cap`+ whole days from 下单 to 确认 and from 确认 to 交付."""
    v = scoped(actor, f)
    parts = []
    for label, value in [("下单→确认", days_between(v.c.confirmed_at, v.c.chosen_at)),
                         ("确认→交付", calendar_days(v.c.delivered_on, v.c.confirmed_at))]:
        bucket = case((value >= cap, cap), (value < 0, 0), else_=whole(value))
        frame = read_frame(select(bucket, func.count()).where(value.is_not(None)).group_by(bucket).order_by(bucket),
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
        "已确认超过14天仍无服务记录": (v.c.status == S.CONFIRMED) & (v.c.confirmed_at < now - timedelta(days=14))
        & ~has_service,
        f"{EXPIRY_WARNING_DAYS}天内到期": v.c.status.in_(in_order(EXPIRING))
        & (v.c.expires_at < now + timedelta(days=EXPIRY_WARNING_DAYS)),  # the 待办 item's window
        "撤回待审核": v.c.withdrawal_pending.is_(True),
    }
    out = {}
    for name, condition in lists.items():
        frame = read_frame(select(v.c.number, v.c.enterprise_name, v.c.region, v.c.status, v.c.chosen_at,
                                  v.c.confirmed_at,
                              v.c.expires_at).where(condition).order_by(v.c.number).limit(limit),
                       ["number", "enterprise_name", "region", "status", "chosen_at", "confirmed_at", "expires_at"])
        frame["status_label"] = frame["status"].map(lambda s: STATUS_LABELS[S(s)])
        with db.read_session() as session:
            total = session.scalar(select(func.count()).select_from(v).where(condition))
        out[name] = (frame, total)
    return out


