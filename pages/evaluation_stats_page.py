"""评价统计: KPIs, bands, score histogram, the eight criteria, provider league, groups, trend, choices, comments."""
import plotly.express as px
import streamlit as st

from lib.labels import BAND_COLORS
from lib.stats import evaluations as es
from ui import charts
from ui.auth_gate import current_actor
from ui.cards import card_table
from ui.charts import style
from ui.stats_views import chart, fetch, filters, percent, table

actor = current_actor()
st.subheader("评价统计")
f, described = filters(actor, "es")
k = fetch(es.kpis, actor, f)
cols = st.columns(4)  # 优秀 has its share in the row below, once
cols[0].metric("评价数", f"{k['evaluations']:,}")
cols[1].metric("评价覆盖率", percent(k["coverage"]), help="已评价 ÷ 已交付及以后")
cols[2].metric("平均分", "—" if k["mean"] is None else f"{k['mean']}")
cols[3].metric("问题解决率", percent(k["solved_rate"]))
cols = st.columns(4)
for col, band in zip(cols, es.BANDS, strict=True):
    col.metric(f"{band}占比", percent(k["bands"][band]), help=f"{k['band_counts'][band]}条")

left, right = st.columns(2)
with left:
    bands = es.pd.DataFrame({"band": es.BANDS, "count": [k["band_counts"][b] for b in es.BANDS]})
    chart(bands, lambda d: style(px.bar(d, x="band", y="count", color="band", color_discrete_map=BAND_COLORS,
                                        labels={"band": "等级", "count": "条数"}), counts="y"),
          key="bands", columns={"band": "等级", "count": "条数"}, title="等级分布", described=described)
with right:
    chart(fetch(es.histogram, actor, f),
          lambda d: style(px.bar(d.assign(range=d["bucket"].map(lambda b: f"{b}–{b + 9 if b < 90 else 100}")),
                                 x="range", y="count", labels={"range": "总分", "count": "条数"}), counts="y"),
          key="histogram", columns={"bucket": "分数段起点", "count": "条数"}, title="总分分布", described=described)

left, right = st.columns(2)
with left:
    crit = fetch(es.criteria, actor, f)
    chart(crit.dropna(), lambda d: charts.radar(d, theta="criterion", r="percent"), key="radar",
          columns={"criterion": "评价项", "percent": "得分率（%）"}, title="八项评分得分率（占满分的百分比）",
          described=described)
with right:
    chart(fetch(es.monthly, actor, f),
          lambda d: charts.month_lines(d, "mean", hover=["evaluations"], height=430,
                                       labels={"month": "月份", "mean": "平均分", "evaluations": "评价数"}),
          key="eval_monthly", columns={"month": "月份", "evaluations": "评价数", "mean": "平均分"}, title="月度平均分",
          described=described)

league = fetch(es.provider_league, actor, f)
st.markdown(f"**服务商评价排名**（评价满{es.MIN_RANKED}条才参与排名；平均分低于{es.FLAG_BELOW}分标红）")
if league.empty:
    st.info("暂无数据")
else:
    shown = league.assign(rank=league["rank"].map(lambda r: "" if r is None or r != r else int(r)),
                          solved=league["solved_rate"].map(percent),
                          note=[("⚠ 低于60分" if flag else "") + ("" if ranked else "评价不足，未排名")
                                for flag, ranked in zip(league["flag"], league["ranked"], strict=True)])
    columns = {"rank": "名次", "provider": "服务商", "evaluations": "评价数", "mean": "平均分", "solved": "问题解决率",
               "note": "提示"}
    card_table(shown[list(columns)].rename(columns=columns), key="eval_league", title="服务商")
    table(shown, columns, title="服务商评价排名", described=described, key="eval_league",
          links={"provider": "provider"})

tabs = st.tabs(["按产品类别", "按区域", "按企业规模"])
for tab, group, label in zip(tabs, ["category", "region", "size"], ["产品类别", "区域", "企业规模"], strict=True):
    with tab:
        chart(fetch(es.by_group, actor, f, group=group),
              lambda d, label=label: style(px.bar(d, x="group", y="mean", hover_data=["evaluations"],
                                                  labels={"group": label, "mean": "平均分", "evaluations": "评价数"})),
              key=f"group_{group}", columns={"group": label, "evaluations": "评价数", "mean": "平均分"},
              title=f"按{label}的平均分", described=described)

freq = fetch(es.frequencies, actor, f)
left, right = st.columns(2)
for col, kind, title in ((left, "改善", "实施信息化后的改善"), (right, "下一步重点", "下一步信息化建设重点")):
    with col:
        chart(freq[freq["kind"] == kind],
              lambda d: style(px.bar(d.sort_values("count"), x="count", y="option", orientation="h",
                                     labels={"count": "选择次数", "option": ""}), counts="x"),
              key=f"freq_{kind}", columns={"option": "选项", "count": "选择次数"}, title=title, described=described)

st.markdown(f"**低分评价（低于{es.FLAG_BELOW}分）**")
low = fetch(es.low_scores, actor, f)
if low.empty:
    st.caption("暂无")
else:
    card_table(low[["number", "enterprise_name", "provider", "total", "band", "comment"]].rename(
        columns={"number": "服务券号", "enterprise_name": "企业名称", "provider": "服务商", "total": "总分",
                 "band": "等级", "comment": "意见和建议"}), key="low_scores", title="服务券号", voucher="服务券号")
