"""服务券统计 (DESIGN.md §6): the figures and charts are read from the summary tables (lib.summaries, through
lib.stats.cube: O(groups) rows at any scale); the lists of vouchers worth chasing (`ageing`) from the vouchers
through their indexes. Functions return small DataFrames or dicts, never the voucher table."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import func, select, true

from lib import clock, db
from lib.actors import Actor
from lib.models import ProductCategory, Provider, Region, ServiceRecord
from lib.stats import cube
from lib.stats.scope import NO_FILTERS, StatsFilters, every_month, rate, read_frame, reads, scoped
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


# ---------------------------------------------------------------- KPIs and charts (from lib.summaries)

def _where(frame: pd.DataFrame, statuses, column: str = "n") -> int:
    return int(frame.loc[frame["status"].isin([str(x) for x in statuses]), column].sum())


@reads("summaries", "providers", "product_categories", "regions")
def kpis(actor: Actor, f: StatsFilters = NO_FILTERS) -> dict:
    c = cube.summed("cube", actor, f, ["status"])
    counts = dict(zip(c["status"], c["n"], strict=True))
    out = {
        "issued": int(c["n"].sum()),
        "ever_activated": int(c["activated"].sum()),
        "used": _where(c, in_order(CHOSEN)),
        "delivered_on": _where(c, in_order(DELIVERED_OR_LATER)),
        "committed": cube.money(_where(c, in_order(CHOSEN), "face")),
        "delivered_amount": cube.money(_where(c, in_order(DELIVERED_OR_LATER), "face")),
        "settled_amount": cube.money(c["settled"].sum()),
        "leverage": cube.money(_where(c, in_order(CHOSEN), "extra")),
    }
    out["by_status"] = {s: int(counts.get(str(s), 0)) for s in S}
    out["activation_rate"] = rate(out["ever_activated"], out["issued"])
    out["use_rate"] = rate(out["used"], out["issued"])
    out["delivery_rate"] = rate(out["delivered_on"], out["used"])
    return out


@reads("summaries", "providers", "product_categories", "regions")
def funnel(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    c = cube.summed("cube", actor, f, ["status"])
    stages = [("发放", int(c["n"].sum())), ("激活", int(c["activated"].sum())),
              ("选择产品", _where(c, in_order(CHOSEN))), ("确认", _where(c, in_order(CONFIRMED_OR_LATER))),
              ("交付", _where(c, in_order(DELIVERED_OR_LATER))), ("评价", _where(c, in_order(EVALUATED_OR_LATER))),
              ("兑付", _where(c, [S.SETTLED]))]
    return pd.DataFrame({"stage": [s for s, _ in stages], "count": [n for _, n in stages]})


def _by_region(actor: Actor, f: StatsFilters) -> pd.DataFrame:
    c = cube.summed("cube", actor, f, ["region_id", "status"])
    c["region"] = c["region_id"].map(cube.names(Region, c["region_id"]))
    return c.sort_values(["region", "status"], ignore_index=True)


@reads("summaries", "providers", "product_categories", "regions")
def region_status(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Vouchers per 区域 and 状态."""
    c = _by_region(actor, f)
    frame = c.loc[c["n"] > 0, ["region", "status", "n"]].rename(columns={"n": "count"}).reset_index(drop=True)
    frame["status_label"] = frame["status"].map(lambda s: STATUS_LABELS[S(s)])
    return frame


@reads("summaries", "providers", "product_categories", "regions")
def region_rates(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    c = _by_region(actor, f)
    c["used"] = c["n"].where(c["status"].isin([str(x) for x in in_order(CHOSEN)]), 0)
    c["delivered"] = c["n"].where(c["status"].isin([str(x) for x in in_order(DELIVERED_OR_LATER)]), 0)
    frame = (c.groupby("region", as_index=False, sort=True)[["n", "used", "delivered"]].sum()
             .rename(columns={"n": "issued"}))
    frame = frame[frame["issued"] > 0].reset_index(drop=True)
    frame["delivery_rate"] = [rate(d, u) for d, u in zip(frame["delivered"], frame["used"], strict=True)]
    return frame


def medians(histograms: pd.DataFrame, by: list[str]) -> pd.Series:
    """The exact median of each histogram (rows of `by`, days, n): the mean of the two middle values when the
    count is even, as the median of the values themselves would be."""
    h = histograms[histograms["n"] > 0].sort_values([*by, "days"])
    groups = h.groupby(by)["n"]
    reached, count = groups.cumsum(), groups.transform("sum")
    lower = h[reached >= (count + 1) // 2].groupby(by)["days"].first()
    upper = h[reached >= (count + 2) // 2].groupby(by)["days"].first()
    return ((lower + upper) / 2).round(1)


def _provider_medians(actor: Actor, f: StatsFilters) -> pd.DataFrame:
    """Median whole days per 服务商 and series (provider_id, series, median). The database computes them from the
    summary's histograms; a date range that cuts a month adds its edge days' vouchers, so then the histograms are
    summed and read here."""
    by = ["provider_id", "series"]
    if cube.split(f)[1]:
        cycles = cube.summed("cycles", actor, f, [*by, "days"])
        middle = medians(cycles, by).rename("median").reset_index()
    else:
        middle = cube.median_days(actor, f, by)
    return middle[middle["provider_id"] != 0]  # vouchers without a 服务商 have no place in the league


@reads("summaries", "providers", "product_categories", "regions")
def provider_league(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """服务商 league: bound, delivered, 交付率, median whole days 下单→确认 and 确认→交付."""
    c = cube.summed("cube", actor, f, ["provider_id", "status"])
    c = c[(c["provider_id"] != 0) & (c["n"] > 0)]
    c = c.assign(bound=c["n"].where(c["status"].isin([str(x) for x in in_order(CHOSEN)]), 0),
                 delivered=c["n"].where(c["status"].isin([str(x) for x in in_order(DELIVERED_OR_LATER)]), 0))
    frame = c.groupby("provider_id", as_index=False)[["bound", "delivered"]].sum()
    frame["provider"] = frame["provider_id"].map(cube.names(Provider, frame["provider_id"]))
    middle = _provider_medians(actor, f)
    for series, column in (("confirm", "to_confirm"), ("deliver", "to_deliver")):
        found = middle[middle["series"] == series].set_index("provider_id")["median"]
        frame[column] = [None if pd.isna(x) else float(x) for x in frame["provider_id"].map(found)]
    frame = frame.sort_values(["bound", "provider"], ascending=[False, True], ignore_index=True)
    frame["delivery_rate"] = [rate(d, b) for d, b in zip(frame["delivered"], frame["bound"], strict=True)]
    frame["provider_id"] = frame["provider_id"].astype(int)
    columns = ["provider_id", "provider", "bound", "delivered", "to_confirm", "to_deliver", "delivery_rate"]
    return frame[columns].astype({"to_confirm": object, "to_deliver": object})


@reads("summaries", "providers", "product_categories", "regions")
def category_share(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    c = cube.summed("cube", actor, f, ["category_id", "status"])
    c = c[(c["category_id"] != 0) & c["status"].isin([str(x) for x in in_order(CHOSEN)])]
    frame = c.groupby("category_id", as_index=False)["n"].sum()
    frame = frame[frame["n"] > 0]
    frame["category"] = frame["category_id"].map(cube.names(ProductCategory, frame["category_id"]))
    frame = frame.rename(columns={"n": "count"}).sort_values(["count", "category"], ascending=[False, True])
    return frame[["category", "count"]].reset_index(drop=True)


EVENT_SERIES = {"chosen": "选择产品", "delivered": "交付", "settled": "兑付"}


@reads("summaries", "providers", "product_categories", "regions")
def monthly(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Per month: issued, products chosen (by choice date), delivered and settled."""
    issued = cube.summed("cube", actor, f, ["month"]).rename(columns={"n": "count"})
    issued["series"] = "发放"
    events = cube.summed("events", actor, f, ["event", "event_month"])
    parts = [issued[["month", "count", "series"]]]
    for event_, label in EVENT_SERIES.items():
        part = events[events["event"] == event_].rename(columns={"event_month": "month", "n": "count"})
        parts.append(part.assign(series=label)[["month", "count", "series"]])
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["count"] > 0].sort_values("month", kind="stable", ignore_index=True)
    return every_month(frame, by="series", zero=("count",))


CYCLE_SERIES = {"confirm": "下单→确认", "deliver": "确认→交付"}


@reads("summaries", "providers", "product_categories", "regions")
def cycle_times(actor: Actor, f: StatsFilters = NO_FILTERS, cap: int = 30) -> pd.DataFrame:
    """How many vouchers took 0, 1, …, `cap`+ whole days from 下单 to 确认 and from 确认 to 交付."""
    cycles = cube.summed("cycles", actor, f, ["series", "days"])
    cycles["days"] = cycles["days"].clip(lower=0, upper=cap)
    parts = []
    for series, label in CYCLE_SERIES.items():
        part = cycles[(cycles["series"] == series) & (cycles["n"] > 0)]
        part = part.groupby("days", as_index=False)["n"].sum().sort_values("days")
        parts.append(pd.DataFrame({"days": part["days"].astype(int), "count": part["n"].astype(int),
                                   "series": label}))
    return pd.concat(parts, ignore_index=True)


# The moment each waiting list counts from (the lists are ordered by it, and the page shows it).
WAITED = {"待购买确认超过3天": "chosen_at", "已确认超过14天仍无服务记录": "confirmed_at",
          f"{EXPIRY_WARNING_DAYS}天内到期": "expires_at"}


def _chase_lists(v, now: datetime) -> dict:
    has_service = select(ServiceRecord.id).where(ServiceRecord.voucher_id == v.c.id).exists()
    return {
        "待购买确认超过3天": (v.c.status == S.PENDING_CONFIRM) & (v.c.chosen_at < now - timedelta(days=3)),
        "已确认超过14天仍无服务记录": (v.c.status == S.CONFIRMED) & (v.c.confirmed_at < now - timedelta(days=14))
        & ~has_service,
        f"{EXPIRY_WARNING_DAYS}天内到期": v.c.status.in_(in_order(EXPIRING))
        & (v.c.expires_at < now + timedelta(days=EXPIRY_WARNING_DAYS)),  # the 待办 item's window
        "撤回待审核": v.c.withdrawal_pending == true(),  # as lib.todo: the partial index's form
    }


def _recent(v, now: datetime) -> dict:
    """The part of the two waiting lists that has not waited long yet: few rows, through the indexes on
    (status, chosen_at) and (status, confirmed_at)."""
    has_service = select(ServiceRecord.id).where(ServiceRecord.voucher_id == v.c.id).exists()
    return {
        "待购买确认超过3天": (v.c.status == S.PENDING_CONFIRM) & (v.c.chosen_at >= now - timedelta(days=3)),
        "已确认超过14天仍无服务记录": (v.c.status == S.CONFIRMED) & (v.c.confirmed_at >= now - timedelta(days=14))
        & ~has_service,
    }


def _totals(actor: Actor, f: StatsFilters, now: datetime) -> dict[str, int]:
    """How many each list holds. The two waiting lists are all of a status (from the summaries: 待购买确认, and
    已确认 without a service record) less the recent ones; the others are few, counted through their indexes."""
    lean = scoped(actor, f)
    c = cube.summed("cube", actor, f, ["status"])
    whole = {"待购买确认超过3天": int(c.loc[c["status"] == str(S.PENDING_CONFIRM), "n"].sum()),
             "已确认超过14天仍无服务记录": int(c.loc[c["status"] == str(S.CONFIRMED), "unserved"].sum())}
    out = {}
    with db.read_session() as session:
        recent = _recent(lean, now)
        for name, condition in _chase_lists(lean, now).items():
            if name in whole:
                out[name] = whole[name] - session.scalar(select(func.count()).select_from(lean).where(recent[name]))
            else:
                out[name] = session.scalar(select(func.count()).select_from(lean).where(condition))
    return out


# 需要跟进 reads the vouchers (their status, dates and withdrawal requests), their service records and the names
# shown; what expires with time is re-read when the cache's time runs out.
@reads("vouchers", "service_records", "enterprises", "regions", "products")
def ageing(actor: Actor, f: StatsFilters = NO_FILTERS, *, now: datetime | None = None, limit: int = 200) -> dict:
    """Vouchers worth chasing, the longest waiting first: name → (DataFrame(number, enterprise_name, region,
    status, since), total)."""
    now = now or clock.utcnow()
    v = scoped(actor, f, needs=frozenset({"region"}))
    totals = _totals(actor, f, now)
    out = {}
    # the longest waiting first (then by number): also the order of the indexes that find them, so the first
    # rows come without sorting every voucher that has waited
    for name, condition in _chase_lists(v, now).items():
        order = [v.c[WAITED[name]], v.c.number] if name in WAITED else [v.c.number]
        frame = read_frame(select(v.c.number, v.c.enterprise_name, v.c.region, v.c.status, v.c.chosen_at,
                                  v.c.confirmed_at, v.c.expires_at).where(condition).order_by(*order).limit(limit),
                           ["number", "enterprise_name", "region", "status", "chosen_at", "confirmed_at", "expires_at"])
        frame["status_label"] = frame["status"].map(lambda s: STATUS_LABELS[S(s)])
        out[name] = (frame, totals[name])
    return out
