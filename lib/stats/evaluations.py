"""评价统计 (DESIGN.md §6): evaluation numbers aggregated in SQL over the actor's filtered vouchers."""
from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import String, case, cast, func, select

from lib import db
from lib.actors import Actor
from lib.labels import CRITERIA, IMPROVEMENTS, NEXT_FOCUS
from lib.models import Evaluation, ProductCategory, Provider
from lib.stats.scope import (
    NO_FILTERS,
    StatsFilters,
    count_if,
    every_month,
    month_of,
    rate,
    read_frame,
    reads,
    scoped,
    whole,
)
from lib.workflow import DELIVERED_OR_LATER, in_order

BANDS = ["优秀", "良好", "合格", "不合格"]
# What a result depends on (its cache key): the evaluations, and the vouchers only through what the summaries
# count (status, provider, region, size, category, batch, month: any change to them moves the summaries), and
# the names shown. A service record or a contract date leaves 评价统计 cached.
EVALUATION_READS = ("summaries", "evaluations", "providers", "regions", "product_categories", "enterprises")
MIN_RANKED = 3  # a provider needs this many evaluations to be ranked
FLAG_BELOW = 60


def _joined(actor: Actor, f: StatsFilters, needs: frozenset[str] = frozenset()):
    v = scoped(actor, f, needs=needs)
    return v, select().select_from(v.join(Evaluation, Evaluation.voucher_id == v.c.id))


@reads(*EVALUATION_READS)
def kpis(actor: Actor, f: StatsFilters = NO_FILTERS) -> dict:
    v = scoped(actor, f)
    base = v.outerjoin(Evaluation, Evaluation.voucher_id == v.c.id)
    query = select(func.count(Evaluation.id).label("evaluations"),
                   count_if(v.c.status.in_(in_order(DELIVERED_OR_LATER))).label("delivered"),
                   func.avg(Evaluation.total).label("mean"),
                   count_if(Evaluation.solved.is_(True)).label("solved"),
                   *[count_if(Evaluation.band == b).label(f"band_{i}") for i, b in enumerate(BANDS)]).select_from(base)
    with db.read_session() as session:
        row = session.execute(query).mappings().one()
    n = row["evaluations"] or 0
    return {
        "evaluations": n,
        "coverage": rate(n, row["delivered"] or 0),
        "mean": round(float(row["mean"]), 1) if row["mean"] is not None else None,
        "solved_rate": rate(row["solved"] or 0, n),
        "bands": {b: rate(row[f"band_{i}"] or 0, n) for i, b in enumerate(BANDS)},
        "band_counts": {b: int(row[f"band_{i}"] or 0) for i, b in enumerate(BANDS)},
    }


@reads(*EVALUATION_READS)
def histogram(actor: Actor, f: StatsFilters = NO_FILTERS, width: int = 10) -> pd.DataFrame:
    """Evaluations per score bucket [0,10), [10,20) … [90,100] (100 joins the last bucket)."""
    v, query = _joined(actor, f)
    bucket = case((Evaluation.total >= 100, 100 - width), else_=whole(Evaluation.total / width) * width)
    return read_frame(query.add_columns(bucket, func.count()).group_by(bucket).order_by(bucket), ["bucket", "count"])


@reads(*EVALUATION_READS)
def criteria(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Each of the eight criteria as the mean percentage of its maximum."""
    v, query = _joined(actor, f)
    with db.read_session() as session:
        row = session.execute(query.add_columns(*[func.avg(getattr(Evaluation, field)) for field, _,
                                                  _ in CRITERIA])).one()
    return pd.DataFrame({"criterion": [label for _, label, _ in CRITERIA],
                         "percent": [round(float(avg) / mx * 100, 1) if avg is not None else None
                                     for avg, (_, _, mx) in zip(row, CRITERIA, strict=True)]})


@reads(*EVALUATION_READS)
def provider_league(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Providers by mean score: ranked when they have MIN_RANKED evaluations, flagged below FLAG_BELOW."""
    v, query = _joined(actor, f)
    frame = read_frame(query.add_columns(Provider.id, Provider.name, func.count(), func.avg(Evaluation.total),
                                     count_if(Evaluation.solved.is_(True)))
                   .join(Provider, Provider.id == v.c.provider_id).group_by(Provider.id, Provider.name),
                   ["provider_id", "provider", "evaluations", "mean", "solved"])
    frame["mean"] = frame["mean"].map(lambda x: round(float(x), 1))
    frame["solved_rate"] = [rate(s, n) for s, n in zip(frame["solved"], frame["evaluations"], strict=True)]
    frame["ranked"] = frame["evaluations"] >= MIN_RANKED
    frame["flag"] = frame["ranked"] & (frame["mean"] < FLAG_BELOW)
    frame = frame.sort_values(["ranked", "mean"], ascending=[False, False], ignore_index=True)
    frame["rank"] = [i + 1 if r else None for i, r in enumerate(frame["ranked"])]
    return frame


@reads(*EVALUATION_READS)
def by_group(actor: Actor, f: StatsFilters = NO_FILTERS, group: str = "region") -> pd.DataFrame:
    """Count and mean score by 区域 (region), 产品类别 (category) or 企业规模 (size)."""
    v, query = _joined(actor, f, frozenset({"category"} if group == "category" else {"region"}))
    if group == "category":
        key = ProductCategory.name
        query = query.join(ProductCategory, ProductCategory.id == v.c.category_id)
    else:
        key = {"region": v.c.region, "size": v.c.size}[group]
    frame = read_frame(query.add_columns(key, func.count(), func.avg(Evaluation.total)).group_by(key).order_by(key),
                   ["group", "evaluations", "mean"])
    frame["mean"] = frame["mean"].map(lambda x: round(float(x), 1))
    frame["group"] = frame["group"].fillna("未填写")
    return frame


@reads(*EVALUATION_READS)
def monthly(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    v, query = _joined(actor, f)
    month = month_of(Evaluation.created_at)
    frame = read_frame(query.add_columns(month, func.count(),
                                         func.avg(Evaluation.total)).group_by(month).order_by(month),
                   ["month", "evaluations", "mean"])
    frame["mean"] = frame["mean"].map(lambda x: round(float(x), 1))
    return every_month(frame, zero=("evaluations",))  # a month without evaluations has no mean: a gap


@reads(*EVALUATION_READS)
def frequencies(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """How often each 改善 and 下一步重点 option was chosen (the options are stored as JSON lists)."""
    v, query = _joined(actor, f)
    columns = []
    for field, options in (("improvements", IMPROVEMENTS), ("next_focus", NEXT_FOCUS)):
        text = cast(getattr(Evaluation, field), String)
        columns += [count_if(text.contains(json.dumps(option), autoescape=True)) for option in options]
    with db.read_session() as session:
        row = session.execute(query.add_columns(*columns)).one()
    kinds = ["改善"] * len(IMPROVEMENTS) + ["下一步重点"] * len(NEXT_FOCUS)
    return pd.DataFrame({"kind": kinds, "option": IMPROVEMENTS + NEXT_FOCUS, "count": [int(x or 0) for x in row]})


@reads(*EVALUATION_READS)
def low_scores(actor: Actor, f: StatsFilters = NO_FILTERS, limit: int = 100) -> pd.DataFrame:
    """Evaluations below 合格 or with a comment and a low score, newest first."""
    v, query = _joined(actor, f, frozenset({"enterprise"}))
    return read_frame(query.add_columns(v.c.number, v.c.enterprise_name, Provider.name, Evaluation.total,
                                        Evaluation.band,
                                    Evaluation.comment)
                  .outerjoin(Provider, Provider.id == v.c.provider_id)
                  .where(Evaluation.total < FLAG_BELOW).order_by(Evaluation.created_at.desc()).limit(limit),
                  ["number", "enterprise_name", "provider", "total", "band", "comment"])
