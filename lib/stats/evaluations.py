"""评价统计 (DESIGN.md §6): the figures and charts are read from the evaluations' summary (lib.summaries'
`evaluation_cube`, through lib.stats.cube: O(groups) rows at any scale); the list of low scores from the
evaluations through their index."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from lib.actors import Actor
from lib.labels import CRITERIA, IMPROVEMENTS, NEXT_FOCUS, band
from lib.models import Evaluation, ProductCategory, Provider, Region
from lib.stats import cube
from lib.stats.scope import NO_FILTERS, StatsFilters, every_month, rate, read_frame, reads, scoped
from lib.workflow import DELIVERED_OR_LATER, in_order

BANDS = ["优秀", "良好", "合格", "不合格"]
BUCKETS = [f"bucket_{i}" for i in range(10)]  # [0, 10) … [90, 100]
# What a result depends on (its cache key): the summaries (any change to an evaluation, or to what a voucher is
# counted under, moves them) and the names shown. A service record or a contract date leaves 评价统计 cached.
EVALUATION_READS = ("summaries", "providers", "regions", "product_categories")
MIN_RANKED = 3  # a provider needs this many evaluations to be ranked
FLAG_BELOW = 60


def _sums(actor: Actor, f: StatsFilters, by: list[str]) -> pd.DataFrame:
    """The evaluations' sums (n, score, solved, buckets, criteria, options) by `by`, groups without any left out."""
    frame = cube.summed("evaluations", actor, f, by)
    return frame[frame["n"] > 0].reset_index(drop=True)


def _mean(score: int, n: int) -> float | None:
    return round(score / n, 1) if n else None


@reads(*EVALUATION_READS)
def kpis(actor: Actor, f: StatsFilters = NO_FILTERS) -> dict:
    e = cube.summed("evaluations", actor, f, []).iloc[0]
    c = cube.summed("cube", actor, f, ["status"])
    delivered = int(c.loc[c["status"].isin([str(s) for s in in_order(DELIVERED_OR_LATER)]), "n"].sum())
    n = int(e["n"])
    counts = dict.fromkeys(BANDS, 0)
    for i, bucket in enumerate(BUCKETS):
        counts[band(i * 10)] += int(e[bucket])
    return {
        "evaluations": n,
        "coverage": rate(n, delivered),
        "mean": _mean(int(e["score"]), n),
        "solved_rate": rate(int(e["solved"]), n),
        "bands": {b: rate(counts[b], n) for b in BANDS},
        "band_counts": counts,
    }


@reads(*EVALUATION_READS)
def histogram(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Evaluations per score bucket [0,10), [10,20) … [90,100] (100 joins the last bucket); empty ones left out."""
    e = cube.summed("evaluations", actor, f, []).iloc[0]
    rows = [(i * 10, int(e[bucket])) for i, bucket in enumerate(BUCKETS) if e[bucket]]
    return pd.DataFrame(rows, columns=["bucket", "count"])


@reads(*EVALUATION_READS)
def criteria(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Each of the eight criteria as the mean percentage of its maximum."""
    e = cube.summed("evaluations", actor, f, []).iloc[0]
    n = int(e["n"])
    return pd.DataFrame({"criterion": [label for _, label, _ in CRITERIA],
                         "percent": [round(int(e[field]) / n / mx * 100, 1) if n else None
                                     for field, _, mx in CRITERIA]})


@reads(*EVALUATION_READS)
def provider_league(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Providers by mean score: ranked when they have MIN_RANKED evaluations, flagged below FLAG_BELOW."""
    e = _sums(actor, f, ["provider_id"])
    e = e[e["provider_id"] != 0]
    frame = pd.DataFrame({"provider_id": e["provider_id"].astype(int),
                          "provider": e["provider_id"].map(cube.names(Provider, e["provider_id"])),
                          "evaluations": e["n"], "mean": [_mean(s, n) for s, n in zip(e["score"], e["n"], strict=True)],
                          "solved": e["solved"]})
    frame["solved_rate"] = [rate(s, n) for s, n in zip(frame["solved"], frame["evaluations"], strict=True)]
    frame["ranked"] = frame["evaluations"] >= MIN_RANKED
    frame["flag"] = frame["ranked"] & (frame["mean"] < FLAG_BELOW)
    frame = (frame.sort_values("provider").sort_values(["ranked", "mean"], ascending=[False, False], kind="stable")
             .reset_index(drop=True))
    frame["rank"] = [i + 1 if r else None for i, r in enumerate(frame["ranked"])]
    return frame


GROUPS = {"region": ("region_id", Region), "category": ("category_id", ProductCategory), "size": ("size", None)}


@reads(*EVALUATION_READS)
def by_group(actor: Actor, f: StatsFilters = NO_FILTERS, group: str = "region") -> pd.DataFrame:
    """Count and mean score by 区域 (region), 产品类别 (category) or 企业规模 (size); 未填写 last."""
    column, model = GROUPS[group]
    e = _sums(actor, f, [column])
    keys = e[column].map(cube.names(model, e[column])) if model else e[column].replace("", None)
    frame = pd.DataFrame({"group": keys.fillna("未填写"), "evaluations": e["n"],
                          "mean": [_mean(s, n) for s, n in zip(e["score"], e["n"], strict=True)]})
    frame["blank"] = keys.isna()
    return frame.sort_values(["blank", "group"], ignore_index=True).drop(columns="blank")


@reads(*EVALUATION_READS)
def monthly(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """Evaluations and their mean score by the month (Nanjing) they were made."""
    e = _sums(actor, f, ["eval_month"]).sort_values("eval_month")
    frame = pd.DataFrame({"month": e["eval_month"], "evaluations": e["n"],
                          "mean": [_mean(s, n) for s, n in zip(e["score"], e["n"], strict=True)]})
    return every_month(frame.reset_index(drop=True), zero=("evaluations",))  # a month without any: a gap


@reads(*EVALUATION_READS)
def frequencies(actor: Actor, f: StatsFilters = NO_FILTERS) -> pd.DataFrame:
    """How often each 改善 and 下一步重点 option was chosen."""
    e = cube.summed("evaluations", actor, f, []).iloc[0]
    counts = [int(e[f"improvement_{i}"]) for i in range(len(IMPROVEMENTS))]
    counts += [int(e[f"focus_{i}"]) for i in range(len(NEXT_FOCUS))]
    kinds = ["改善"] * len(IMPROVEMENTS) + ["下一步重点"] * len(NEXT_FOCUS)
    return pd.DataFrame({"kind": kinds, "option": IMPROVEMENTS + NEXT_FOCUS, "count": counts})


@reads(*EVALUATION_READS, "evaluations", "enterprises")
def low_scores(actor: Actor, f: StatsFilters = NO_FILTERS, limit: int = 100) -> pd.DataFrame:
    """Evaluations below 合格 or with a comment and a low score, newest first."""
    v = scoped(actor, f, needs=frozenset({"enterprise"}))
    query = select().select_from(v.join(Evaluation, Evaluation.voucher_id == v.c.id))
    return read_frame(query.add_columns(v.c.number, v.c.enterprise_name, Provider.name, Evaluation.total,
                                        Evaluation.band,
                                    Evaluation.comment)
                  .outerjoin(Provider, Provider.id == v.c.provider_id)
                  .where(Evaluation.total < FLAG_BELOW).order_by(Evaluation.created_at.desc()).limit(limit),
                  ["number", "enterprise_name", "provider", "total", "band", "comment"])
